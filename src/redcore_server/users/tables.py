from __future__ import annotations

import sqlalchemy as sa

from redcore_server.db.metadata import SeqKey, Timestamp, metadata

STATUSES = ("active", "inactive", "pending_invite", "suspended")

users = sa.Table(
    "users",
    metadata,
    # Internal row number: the rowid on SQLite (so the FTS5 index can follow rows safely).
    sa.Column("seq", SeqKey, sa.Identity(), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),  # the normalised form (users/emails.py)
    sa.Column("email_key", sa.Text(), nullable=False),  # what emails are compared by: text.fold of the above
    # Whether the user proved they receive mail at ``email`` (an invitation accepted, a link followed).
    sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),  # a role key of the organization (roles/: checked, not a CHECK)
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("avatar", sa.String(2048), nullable=True),
    sa.Column("password_hash", sa.Text(), nullable=True),
    sa.Column("last_login", Timestamp, nullable=True),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("updated_at", Timestamp, nullable=False),
    sa.Column("external_id", sa.String(255), nullable=True),  # the user's id elsewhere, compared exactly
    sa.Column("public_metadata", sa.Text(), nullable=False, server_default="{}"),  # JSON objects (kit/metadata.py)
    sa.Column("private_metadata", sa.Text(), nullable=False, server_default="{}"),
    sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
    sa.Index("uq_users_id", "id", unique=True),
    sa.Index("uq_users_org_id_email_key", "org_id", "email_key", unique=True),
    # Only the users that have one (also what ?external_id= is served by: `external_id = $x` implies
    # the predicate on both databases), so it never stands in for an organization-wide index.
    sa.Index(
        "uq_users_org_id_external_id",
        "org_id",
        "external_id",
        unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
        sqlite_where=sa.text("external_id IS NOT NULL"),
    ),
    # One composite index per list shape: organization, optional filter, sort key, id tie-break.
    sa.Index("ix_users_org_created", "org_id", "created_at", "id"),
    sa.Index("ix_users_org_name", "org_id", "name", "id"),
    sa.Index("ix_users_org_email", "org_id", "email", "id"),
    sa.Index("ix_users_org_role_created", "org_id", "role", "created_at", "id"),
    sa.Index("ix_users_org_status_created", "org_id", "status", "created_at", "id"),
)
