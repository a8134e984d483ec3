from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import Timestamp, metadata

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("base_currency", sa.String(3), nullable=False, server_default="USD"),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Index("uq_organizations_name", "name", unique=True),
)
