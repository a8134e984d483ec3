"""The queue of password-reset requests: each row holds an address as given until the worker has
resolved it (``accounts/worker.py``), then is deleted.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "password_reset_requests",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("organization", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=True),
        sa.Column("lease", sa.String(40), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_password_reset_requests"),
    )
    op.create_index("uq_password_reset_requests_id", "password_reset_requests", ["id"], unique=True)
    op.create_index(
        "ix_password_reset_requests_due",
        "password_reset_requests",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_password_reset_requests_created", "password_reset_requests", ["created_at"])


def downgrade() -> None:
    op.drop_table("password_reset_requests")
