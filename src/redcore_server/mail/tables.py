from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import SeqKey, Timestamp, metadata

emails = sa.Table(
    "emails",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),  # "invitation"
    sa.Column("user_id", sa.String(40), nullable=True),  # the user it is sent to, whose data it holds
    sa.Column("to_address", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    # The text holds a single-use link until sent: SMTP sending clears it (the local mailbox keeps it).
    sa.Column("body", sa.Text(), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),  # pending | sent | failed | cancelled
    sa.Column("attempt_count", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", Timestamp, nullable=True),
    sa.Column("lease", sa.String(40), nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("transport", sa.String(16), nullable=True),  # smtp | local, once sent
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("sent_at", Timestamp, nullable=True),
    sa.Index("uq_emails_id", "id", unique=True),
    sa.Index(
        "ix_emails_due",
        "next_attempt_at",
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_emails_created", "created_at", "id"),
    sa.Index("ix_emails_org_user", "org_id", "user_id"),
)
