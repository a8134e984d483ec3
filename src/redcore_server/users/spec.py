"""Users, declared once (see ``kit/spec.py``)."""

from __future__ import annotations

from redcore_server import errors
from redcore_server.kit import metadata
from redcore_server.kit.spec import Membership, ResourceSpec
from redcore_server.users.schemas import ID_PREFIX, User


class DuplicateExternalId(errors.Conflict):
    code = "duplicate_external_id"
    default_message = "A user with this external_id already exists."


USERS = ResourceSpec(
    name="users",
    noun="user",
    id_prefix=ID_PREFIX,
    model=User,
    sortable={"created_at": "timestamp", "name": "text", "email": "text"},
    searchable=("name", "email"),
    fts_table="users_fts",
    filterable=("role", "status", "external_id"),
    # ?team=team_…: the team's members (``teams/tables.py``; its primary key serves the lookup)
    memberships={
        "team": Membership(table="team_members", key="team_id", member="user_id", counted_in=("teams", "member_count"))
    },
    counted_by=("role", "status"),  # list_counts (migration 0018)
    writable=("email_key", "password_hash"),
    fixed=("last_login",),  # set by signing in, never by an update
    decoders={  # 0/1 on SQLite; JSON text
        "email_verified": bool,
        "public_metadata": metadata.decode,
        "private_metadata": metadata.decode,
    },
    metadata=("public_metadata", "private_metadata"),
    conflicts={
        "uq_users_org_id_email_key": errors.DuplicateEmail,
        "uq_users_org_id_external_id": DuplicateExternalId,
    },
)
