"""Products, with the indexes every product list needs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE products_fts USING fts5("
    "name, sku, content='products', content_rowid='seq', tokenize='trigram')",
    "CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN "
    "INSERT INTO products_fts(rowid, name, sku) VALUES (new.seq, new.name, new.sku); END",
    "CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, name, sku) VALUES ('delete', old.seq, old.name, old.sku); END",
    "CREATE TRIGGER products_fts_au AFTER UPDATE OF name, sku ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, name, sku) VALUES ('delete', old.seq, old.name, old.sku); "
    "INSERT INTO products_fts(rowid, name, sku) VALUES (new.seq, new.name, new.sku); END",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "products",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("price >= 0", name="ck_products_price"),
        sa.CheckConstraint("stock >= 0", name="ck_products_stock"),
        sa.CheckConstraint("status IN ('available', 'out_of_stock', 'discontinued')", name="ck_products_status"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_products_org_id_organizations", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_products"),
    )
    op.create_index("uq_products_id", "products", ["id"], unique=True)
    op.create_index("uq_products_org_id_sku", "products", ["org_id", sa.text("lower(sku)")], unique=True)
    op.create_index("ix_products_org_created", "products", ["org_id", "created_at", "id"])
    op.create_index("ix_products_org_name", "products", ["org_id", "name", "id"])
    op.create_index("ix_products_org_price", "products", ["org_id", "price", "id"])
    op.create_index("ix_products_org_sku", "products", ["org_id", "sku", "id"])
    op.create_index("ix_products_org_status_created", "products", ["org_id", "status", "created_at", "id"])
    if dialect == "postgresql":
        for column in ("name", "sku"):
            op.create_index(
                f"ix_products_{column}_trgm",
                "products",
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
    elif dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("products_fts_au", "products_fts_ad", "products_fts_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS products_fts")
    op.drop_table("products")
