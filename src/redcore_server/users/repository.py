"""Every query on users, and only here."""

from __future__ import annotations

from redcore_server.db.listing import ListSpec, SortField
from redcore_server.db.resources import ResourceTable
from redcore_server.users.schemas import User

UNIQUE_EMAIL = "uq_users_org_id_email"

USERS = ResourceTable(
    User,
    ListSpec(
        table="users",
        columns="id, email, name, role, status, avatar, last_login, created_at, updated_at",
        sort_fields={
            "created_at": SortField("created_at", "timestamp"),
            "name": SortField("name", "text"),
            "email": SortField("email", "text"),
        },
        search_columns=("name", "email"),
        fts_table="users_fts",
    ),
    updatable=frozenset({"email", "name", "role", "status", "avatar", "password_hash"}),
)
