from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import Timestamp, metadata

# An organization's custom roles. The built-in ones (``auth/scopes.py: ROLE_SCOPES``) have no row.
roles = sa.Table(
    "roles",
    metadata,
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("scopes", sa.Text(), nullable=False),  # space-separated, in the contract's order
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.PrimaryKeyConstraint("org_id", "key"),  # one key per organization; also what a user's role is looked up by
)
