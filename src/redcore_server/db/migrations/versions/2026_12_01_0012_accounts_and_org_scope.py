"""Account emails and the organization's scope: ``users.email_verified``, the single-use links of
password resets and email verifications, and ``org:manage`` for the keys that held every scope.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Every scope there was before this revision, as keys store them: such a key was made "with every
# scope" (an admin key), so it gains the one added here. Written out: a migration never changes.
EVERY_SCOPE_BEFORE = "users:read users:write products:read products:write keys:manage webhooks:manage events:read"


def upgrade() -> None:
    # A plain ADD COLUMN (a constant default needs no table rebuild, on SQLite either).
    op.add_column("users", sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false()))
    # Accepting an invitation proved the address; nothing else before this revision did.
    op.execute(
        "UPDATE users SET email_verified = true WHERE EXISTS"
        " (SELECT 1 FROM invitations i WHERE i.user_id = users.id AND i.accepted_at IS NOT NULL)"
    )
    op.create_table(
        "account_tokens",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("used_at", Timestamp, nullable=True),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.CheckConstraint("kind IN ('password_reset', 'email_verification')", name="ck_account_tokens_kind"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_account_tokens_org_id_organizations", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_account_tokens_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq", name="pk_account_tokens"),
    )
    op.create_index("uq_account_tokens_token_hash", "account_tokens", ["token_hash"], unique=True)
    op.create_index("ix_account_tokens_user_kind", "account_tokens", ["user_id", "kind", "created_at"])
    op.execute(
        sa.text("UPDATE api_keys SET scopes = :every WHERE scopes = :before").bindparams(
            every=f"{EVERY_SCOPE_BEFORE} org:manage", before=EVERY_SCOPE_BEFORE
        )
    )


def downgrade() -> None:
    op.execute(
        sa.text("UPDATE api_keys SET scopes = :before WHERE scopes = :every").bindparams(
            every=f"{EVERY_SCOPE_BEFORE} org:manage", before=EVERY_SCOPE_BEFORE
        )
    )
    op.drop_table("account_tokens")
    op.drop_column("users", "email_verified")
