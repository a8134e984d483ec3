from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import SeqKey, Timestamp, metadata

STATUSES = ("available", "out_of_stock", "discontinued")

products = sa.Table(
    "products",
    metadata,
    # Internal row number: the rowid on SQLite (so the FTS5 index can follow rows safely).
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("sku_key", sa.Text(), nullable=False),  # what SKUs are compared by: text.fold of the above
    sa.Column("price", sa.BigInteger(), nullable=False),  # minor units (cents)
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("stock", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("metadata", sa.Text(), nullable=False, server_default="{}"),  # a JSON object (kit/metadata.py)
    sa.CheckConstraint("price >= 0", name="price"),
    sa.CheckConstraint("stock >= 0", name="stock"),
    sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
    sa.Index("uq_products_id", "id", unique=True),
    sa.Index("uq_products_org_id_sku_key", "org_id", "sku_key", unique=True),
    sa.Index("ix_products_org_created", "org_id", "created_at", "id"),
    sa.Index("ix_products_org_name", "org_id", "name", "id"),
    sa.Index("ix_products_org_price", "org_id", "price", "id"),
    sa.Index("ix_products_org_sku", "org_id", "sku", "id"),
    sa.Index("ix_products_org_status_created", "org_id", "status", "created_at", "id"),
)
