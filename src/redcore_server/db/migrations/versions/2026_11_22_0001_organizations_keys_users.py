"""Organizations, API keys and users, with the indexes every user list needs.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE_FTS = [
    # Substring search on name and email: an FTS5 trigram index that follows the users table.
    "CREATE VIRTUAL TABLE users_fts USING fts5(name, email, content='users', content_rowid='seq', tokenize='trigram')",
    "CREATE TRIGGER users_fts_ai AFTER INSERT ON users BEGIN "
    "INSERT INTO users_fts(rowid, name, email) VALUES (new.seq, new.name, new.email); END",
    "CREATE TRIGGER users_fts_ad AFTER DELETE ON users BEGIN "
    "INSERT INTO users_fts(users_fts, rowid, name, email) VALUES ('delete', old.seq, old.name, old.email); "
    "END",
    "CREATE TRIGGER users_fts_au AFTER UPDATE OF name, email ON users BEGIN "
    "INSERT INTO users_fts(users_fts, rowid, name, email) VALUES ('delete', old.seq, old.name, old.email); "
    "INSERT INTO users_fts(rowid, name, email) VALUES (new.seq, new.name, new.email); END",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "organizations",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("base_currency", sa.String(3), server_default="USD", nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organizations"),
    )
    op.create_index("uq_organizations_name", "organizations", ["name"], unique=True)

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("last_used_at", Timestamp, nullable=True),
        sa.Column("expires_at", Timestamp, nullable=True),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_api_keys_org_id_organizations", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
    )
    op.create_index("uq_api_keys_secret_hash", "api_keys", ["secret_hash"], unique=True)
    op.create_index("ix_api_keys_org_id_created_at", "api_keys", ["org_id", "created_at"])

    op.create_table(
        "users",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("avatar", sa.String(2048), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("last_login", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("role IN ('admin', 'editor', 'viewer')", name="ck_users_role"),
        sa.CheckConstraint("status IN ('active', 'inactive', 'pending_invite', 'suspended')", name="ck_users_status"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_users_org_id_organizations", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_users"),
    )
    op.create_index("uq_users_id", "users", ["id"], unique=True)
    op.create_index("uq_users_org_id_email", "users", ["org_id", sa.text("lower(email)")], unique=True)
    op.create_index("ix_users_org_created", "users", ["org_id", "created_at", "id"])
    op.create_index("ix_users_org_name", "users", ["org_id", "name", "id"])
    op.create_index("ix_users_org_email", "users", ["org_id", "email", "id"])
    op.create_index("ix_users_org_role_created", "users", ["org_id", "role", "created_at", "id"])
    op.create_index("ix_users_org_status_created", "users", ["org_id", "status", "created_at", "id"])

    if dialect == "postgresql":
        # Partial, case-insensitive matching (ILIKE '%q%') on name and email uses trigram indexes.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_users_name_trgm",
            "users",
            ["name"],
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        )
        op.create_index(
            "ix_users_email_trgm",
            "users",
            ["email"],
            postgresql_using="gin",
            postgresql_ops={"email": "gin_trgm_ops"},
        )
    elif dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("users_fts_au", "users_fts_ad", "users_fts_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS users_fts")
    op.drop_table("users")
    op.drop_table("api_keys")
    op.drop_table("organizations")
