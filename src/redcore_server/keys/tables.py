from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import Timestamp, metadata

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=True),
    # The first characters of the secret, shown in listings so a key can be recognised.
    sa.Column("prefix", sa.String(32), nullable=False),
    # SHA-256 (hex) of the whole secret; the secret itself is never stored.
    sa.Column("secret_hash", sa.String(64), nullable=False),
    # Space-separated scopes, e.g. "users:read users:write".
    sa.Column("scopes", sa.Text(), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("last_used_at", Timestamp, nullable=True),
    sa.Column("expires_at", Timestamp, nullable=True),
    sa.Column("revoked_at", Timestamp, nullable=True),
    # Requests per rate-limit window for this key; NULL: the server's default.
    sa.Column("rate_limit", sa.Integer(), nullable=True),
    sa.Index("uq_api_keys_secret_hash", "secret_hash", unique=True),
    sa.Index("ix_api_keys_org_id_created_at", "org_id", "created_at"),
)
