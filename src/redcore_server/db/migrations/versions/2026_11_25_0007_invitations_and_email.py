"""Invitations, and the email outbox that sends them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "emails",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=True),
        sa.Column("lease", sa.String(40), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("transport", sa.String(16), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_emails_org_id_organizations", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_emails"),
    )
    op.create_index("uq_emails_id", "emails", ["id"], unique=True)
    op.create_index(
        "ix_emails_due",
        "emails",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_emails_created", "emails", ["created_at", "id"])

    op.create_table(
        "invitations",
        sa.Column("seq", SeqKey, sa.Identity(), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("accepted_at", Timestamp, nullable=True),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_invitations_org_id_organizations", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_invitations_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq", name="pk_invitations"),
    )
    op.create_index("uq_invitations_id", "invitations", ["id"], unique=True)
    op.create_index("uq_invitations_token_hash", "invitations", ["token_hash"], unique=True)
    op.create_index("ix_invitations_user_created", "invitations", ["user_id", "created_at"])


def downgrade() -> None:
    op.drop_table("invitations")
    op.drop_table("emails")
