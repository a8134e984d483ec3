"""The teams scopes: ``teams:read`` and ``teams:write`` for the keys that held every scope.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every scope there was before this revision, as keys store them (see 0012): such a key was made
# "with every scope" (an admin key), so it gains the ones added here. Written out: a migration never changes.
EVERY_SCOPE_BEFORE = (
    "users:read users:write products:read products:write keys:manage webhooks:manage events:read org:manage"
)
ADDED = "teams:read teams:write"


def upgrade() -> None:
    op.execute(
        sa.text("UPDATE api_keys SET scopes = :every WHERE scopes = :before").bindparams(
            every=f"{EVERY_SCOPE_BEFORE} {ADDED}", before=EVERY_SCOPE_BEFORE
        )
    )


def downgrade() -> None:
    op.execute(
        sa.text("UPDATE api_keys SET scopes = :before WHERE scopes = :every").bindparams(
            every=f"{EVERY_SCOPE_BEFORE} {ADDED}", before=EVERY_SCOPE_BEFORE
        )
    )
