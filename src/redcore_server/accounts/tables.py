from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import SeqKey, Timestamp, metadata

TOKEN_KINDS = ("password_reset", "email_verification")

# The single-use links of account emails. A link's token is stored only as SHA-256; ``email`` is the
# address the link was sent to (for a verification, the address it verifies). A link is spent
# (``used_at``), replaced by a newer one of its kind or withdrawn (``revoked_at``), or expired.
account_tokens = sa.Table(
    "account_tokens",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("user_id", sa.String(40), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("expires_at", Timestamp, nullable=False),
    sa.Column("used_at", Timestamp, nullable=True),
    sa.Column("revoked_at", Timestamp, nullable=True),
    sa.CheckConstraint(f"kind IN {TOKEN_KINDS!r}", name="kind"),
    sa.Index("uq_account_tokens_token_hash", "token_hash", unique=True),
    sa.Index("ix_account_tokens_user_kind", "user_id", "kind", "created_at"),
)
