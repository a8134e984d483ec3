"""Import jobs: ``imports`` (one row a job: its status, counts, problems, who asked) and
``import_chunks`` (the uploaded file, in pieces, until its job finishes).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
SeqKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUSES = ("queued", "running", "succeeded", "failed")


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("resource", sa.String(16), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("credential_id", sa.String(40), nullable=True),
        sa.Column("user_id", sa.String(40), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("problem_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lease_until", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("started_at", Timestamp, nullable=True),
        sa.Column("finished_at", Timestamp, nullable=True),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
    )
    op.create_index("uq_imports_id", "imports", ["id"], unique=True)
    op.create_index("ix_imports_status_created", "imports", ["status", "created_at"])
    op.create_table(
        "import_chunks",
        sa.Column("import_id", sa.String(40), sa.ForeignKey("imports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("import_id", "n", name="pk_import_chunks"),
    )


def downgrade() -> None:
    op.drop_table("import_chunks")
    op.drop_index("ix_imports_status_created", table_name="imports")
    op.drop_index("uq_imports_id", table_name="imports")
    op.drop_table("imports")
