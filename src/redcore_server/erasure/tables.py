from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import SeqKey, Timestamp, metadata

# One row per deleted user whose personal data is still to be erased from events, the webhook
# delivery log and the email outbox; written in the transaction of the deletion, removed once done.
erasures = sa.Table(
    "erasures",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("subject_id", sa.String(40), nullable=False),  # the deleted user's id
    sa.Column("created_at", Timestamp, nullable=False),  # when the user was deleted
    # When to look next: now at first, later while deliveries are pending, a lease's end while one
    # process is erasing.
    sa.Column("next_check_at", Timestamp, nullable=False),
    sa.Index("uq_erasures_subject_id", "subject_id", unique=True),
    sa.Index("ix_erasures_next_check_at", "next_check_at"),
)
