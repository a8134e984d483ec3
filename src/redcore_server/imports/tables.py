"""Import jobs (``POST /v1/users/import``) and the files they wait with."""

from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import SeqKey, Timestamp, metadata

STATUSES = ("queued", "running", "succeeded", "failed")

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("resource", sa.String(16), nullable=False),  # "users"
    sa.Column("format", sa.String(8), nullable=False),  # "csv" or "jsonl"
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("dry_run", sa.Boolean(), nullable=False),
    sa.Column("options", sa.Text(), nullable=False),  # JSON: upsert, invite, events
    # Who asked, for the privilege rule when the job runs and for its events.
    sa.Column("credential_id", sa.String(40), nullable=True),
    sa.Column("user_id", sa.String(40), nullable=True),
    sa.Column("request_id", sa.String(64), nullable=True),
    sa.Column("scopes", sa.Text(), nullable=False),  # space-separated
    sa.Column("counts", sa.Text(), nullable=False),  # JSON: rows, processed, created, updated, unchanged, failed
    sa.Column("problems", sa.Text(), nullable=False, server_default="[]"),  # JSON: the first 1,000
    sa.Column("problem_count", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("error", sa.Text(), nullable=True),  # why a job failed other than by its rows
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("lease_until", Timestamp, nullable=True),  # a running job whose process died is taken again after
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("started_at", Timestamp, nullable=True),
    sa.Column("finished_at", Timestamp, nullable=True),
    sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
    sa.Index("uq_imports_id", "id", unique=True),
    sa.Index("ix_imports_status_created", "status", "created_at"),
)

# The uploaded file, in pieces of about a mebibyte cut at line ends, until its job finishes.
import_chunks = sa.Table(
    "import_chunks",
    metadata,
    sa.Column("import_id", sa.String(40), sa.ForeignKey("imports.id", ondelete="CASCADE"), nullable=False),
    sa.Column("n", sa.Integer(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("import_id", "n", name="pk_import_chunks"),
)
