"""Sign-in sessions and the refresh tokens they have rotated.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("access_hash", sa.String(64), nullable=False),
        sa.Column("access_expires_at", Timestamp, nullable=False),
        sa.Column("refresh_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("last_used_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_sessions_org_id_organizations", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_sessions_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq", name="pk_sessions"),
    )
    op.create_index("uq_sessions_id", "sessions", ["id"], unique=True)
    op.create_index("uq_sessions_access_hash", "sessions", ["access_hash"], unique=True)
    op.create_index("uq_sessions_refresh_hash", "sessions", ["refresh_hash"], unique=True)
    op.create_index("ix_sessions_org_user_created", "sessions", ["org_id", "user_id", "created_at", "id"])

    op.create_table(
        "rotated_refresh_tokens",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(40), nullable=False),
        sa.Column("rotated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name="fk_rotated_refresh_tokens_session_id_sessions", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_rotated_refresh_tokens"),
    )
    op.create_index("uq_rotated_refresh_tokens_token_hash", "rotated_refresh_tokens", ["token_hash"], unique=True)
    op.create_index("ix_rotated_refresh_tokens_session", "rotated_refresh_tokens", ["session_id"])


def downgrade() -> None:
    op.drop_table("rotated_refresh_tokens")
    op.drop_table("sessions")
