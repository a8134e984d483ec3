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

# Password-reset requests waiting for the worker (``accounts/worker.py``): an outbox whose rows hold
# the address as given, and the organization as given (neither need exist), until the worker has
# resolved them, a few seconds at most; then the row is deleted. Rows the worker never got to (no
# worker ran) are purged by housekeeping, so no address outlives its hour here.
password_reset_requests = sa.Table(
    "password_reset_requests",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("organization", sa.String(64), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending, until deleted
    sa.Column("attempt_count", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", Timestamp, nullable=True),
    sa.Column("lease", sa.String(40), nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Index("uq_password_reset_requests_id", "id", unique=True),
    sa.Index(
        "ix_password_reset_requests_due",
        "next_attempt_at",
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_password_reset_requests_created", "created_at"),
)
