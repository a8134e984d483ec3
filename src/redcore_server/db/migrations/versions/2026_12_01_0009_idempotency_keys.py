"""Idempotency keys: each keyed POST's outcome, stored with its change and replayed to its retries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lease", sa.String(40), nullable=True),
        sa.Column("locked_until", Timestamp, nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.CheckConstraint("status IN ('running', 'done')", name="ck_idempotency_keys_status"),
        sa.PrimaryKeyConstraint("seq", name="pk_idempotency_keys"),
    )
    op.create_index("uq_idempotency_keys_scope_key_hash", "idempotency_keys", ["scope", "key_hash"], unique=True)
    op.create_index("ix_idempotency_keys_expires_at", "idempotency_keys", ["expires_at"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
