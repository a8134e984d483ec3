"""Events: one row per change to a user or product, written in the change's transaction.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(40), nullable=True),
        sa.Column("credential_id", sa.String(40), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_events_org_id_organizations", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
    )
    op.create_index("uq_events_id", "events", ["id"], unique=True)
    op.create_index("ix_events_org_created", "events", ["org_id", "created_at", "id"])
    op.create_index("ix_events_org_type_created", "events", ["org_id", "type", "created_at", "id"])


def downgrade() -> None:
    op.drop_table("events")
