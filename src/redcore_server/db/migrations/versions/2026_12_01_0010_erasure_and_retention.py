"""Erasure and retention: whose data each event and email holds, and the erasures still to do.

``events.subject_id`` names the object an event is about and ``emails.user_id`` the user an email
is sent to, so a deleted user's data can be found and erased; ``erasures`` lists the deleted users
whose data is still to go. Existing rows are filled in: events from their JSON, emails from the
user events that carried their address, and users deleted before this release are queued for
erasure like those deleted after it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json_text(column: str, key: str) -> str:
    """SQL for the text of ``column``'s JSON member ``key``."""
    if op.get_bind().dialect.name == "postgresql":
        return f"(({column})::jsonb ->> '{key}')"
    return f"json_extract({column}, '$.{key}')"


def upgrade() -> None:
    op.add_column("events", sa.Column("subject_id", sa.String(40), nullable=True))
    op.create_index("ix_events_org_subject", "events", ["org_id", "subject_id"])
    op.create_index("ix_events_created", "events", ["created_at", "seq"])
    op.add_column("emails", sa.Column("user_id", sa.String(40), nullable=True))
    op.create_index("ix_emails_org_user", "emails", ["org_id", "user_id"])
    op.create_table(
        "erasures",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.String(40), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("next_check_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_erasures_org_id_organizations", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_erasures"),
    )
    op.create_index("uq_erasures_subject_id", "erasures", ["subject_id"], unique=True)
    op.create_index("ix_erasures_next_check_at", "erasures", ["next_check_at"])

    op.execute(f"UPDATE events SET subject_id = {_json_text('data', 'id')}")
    # An invitation was queued with its user's created (or updated) event, to the address it carried.
    op.execute(
        "UPDATE emails SET user_id = (SELECT e.subject_id FROM events e WHERE e.org_id = emails.org_id"
        " AND e.type IN ('user.created', 'user.updated') AND e.created_at <= emails.created_at"
        f" AND lower({_json_text('e.data', 'email')}) = lower(emails.to_address)"
        " ORDER BY e.created_at DESC LIMIT 1)"
    )
    op.execute(
        "INSERT INTO erasures (org_id, subject_id, created_at, next_check_at)"
        " SELECT org_id, subject_id, MAX(created_at), MAX(created_at) FROM events e"
        " WHERE type = 'user.deleted' AND subject_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = e.subject_id) GROUP BY org_id, subject_id"
    )


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_index("ix_emails_org_user", table_name="emails")
    op.drop_column("emails", "user_id")
    op.drop_index("ix_events_created", table_name="events")
    op.drop_index("ix_events_org_subject", table_name="events")
    op.drop_column("events", "subject_id")
