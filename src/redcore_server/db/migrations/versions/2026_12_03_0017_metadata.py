"""Metadata: users gain ``external_id`` (unique per organization through a partial index over the
users that have one, which also serves ``?external_id=``), ``public_metadata`` and
``private_metadata``; products gain ``metadata``. The objects are JSON text, ``{}`` for existing
rows (see ``kit/metadata.py``).

Columns are added in place on both databases (SQLite's ``ADD COLUMN``: rebuilding ``users`` or
``products`` would drop their full-text triggers), and dropped natively on the way down.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OBJECTS = (("users", "public_metadata"), ("users", "private_metadata"), ("products", "metadata"))


def upgrade() -> None:
    op.add_column("users", sa.Column("external_id", sa.String(255), nullable=True))
    for table, column in OBJECTS:
        op.add_column(table, sa.Column(column, sa.Text(), nullable=False, server_default="{}"))
    op.create_index(
        "uq_users_org_id_external_id",
        "users",
        ["org_id", "external_id"],
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
        sqlite_where=sa.text("external_id IS NOT NULL"),
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("uq_users_org_id_external_id", table_name="users")
    for table, column in (*OBJECTS, ("users", "external_id")):
        if sqlite:  # natively (SQLite 3.35+): batch mode would rebuild the table and drop its FTS triggers
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
