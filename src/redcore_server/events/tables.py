from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import SeqKey, Timestamp, metadata

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    # The object as it is after the change (as it was before, for deletions), as JSON text.
    sa.Column("data", sa.Text(), nullable=False),
    sa.Column("request_id", sa.String(40), nullable=True),
    sa.Column("credential_id", sa.String(40), nullable=True),
    # The id of the object the event is about (``usr_…``, ``prod_…``): whose data ``data`` holds.
    sa.Column("subject_id", sa.String(40), nullable=True),
    sa.Index("uq_events_id", "id", unique=True),
    sa.Index("ix_events_org_created", "org_id", "created_at", "id"),
    sa.Index("ix_events_org_type_created", "org_id", "type", "created_at", "id"),
    sa.Index("ix_events_org_subject", "org_id", "subject_id"),  # erasing one subject's data
    sa.Index("ix_events_created", "created_at", "seq"),  # purging past the retention, every organization at once
)
