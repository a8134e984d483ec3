"""Teams, declared once (see ``kit/spec.py``)."""

from __future__ import annotations

from redcore_server import errors
from redcore_server.kit.spec import ResourceSpec
from redcore_server.teams.schemas import ID_PREFIX, Team


class DuplicateTeam(errors.Conflict):
    code = "duplicate_team"
    default_message = "A team with this name already exists."


TEAMS = ResourceSpec(
    name="teams",
    noun="team",
    id_prefix=ID_PREFIX,
    model=Team,
    sortable={"created_at": "timestamp", "name": "text"},
    searchable=("name",),
    writable=("name_key",),
    fixed=("member_count",),  # kept by the database as memberships come and go, never by an update
    conflicts={"uq_teams_org_id_name_key": DuplicateTeam},
)
