"""Users, declared once (see ``kit/spec.py``)."""

from __future__ import annotations

from redcore_server import errors
from redcore_server.kit.spec import Membership, ResourceSpec
from redcore_server.users.schemas import ID_PREFIX, User

USERS = ResourceSpec(
    name="users",
    noun="user",
    id_prefix=ID_PREFIX,
    model=User,
    sortable={"created_at": "timestamp", "name": "text", "email": "text"},
    searchable=("name", "email"),
    fts_table="users_fts",
    filterable=("role", "status"),
    # ?team=team_…: the team's members (``teams/tables.py``; its primary key serves the lookup)
    memberships={"team": Membership(table="team_members", key="team_id", member="user_id")},
    writable=("email_key", "password_hash"),
    fixed=("last_login",),  # set by signing in, never by an update
    decoders={"email_verified": bool},  # 0/1 on SQLite
    conflicts={"uq_users_org_id_email_key": errors.DuplicateEmail},
)
