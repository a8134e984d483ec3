"""The client addresses each user has signed in from: attempts from them are not slowed down when
an account is under attack from elsewhere.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sign_in_addresses",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("last_seen_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_sign_in_addresses_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_sign_in_addresses"),
    )
    op.create_index("uq_sign_in_addresses_user_address", "sign_in_addresses", ["user_id", "address"], unique=True)


def downgrade() -> None:
    op.drop_table("sign_in_addresses")
