"""Every query on teams and their memberships, and only here.

``member_count`` is not written here: the triggers of migration 0016 add or take one in the
transaction of each membership row inserted or deleted (``ON CONFLICT DO NOTHING`` inserts none when
the user is already a member), so the count follows every path, a user's deletion cascading included."""

from __future__ import annotations

from datetime import datetime

from redcore_server.db import Executor
from redcore_server.kit.repository import ResourceRepository
from redcore_server.teams import spec

TEAMS = ResourceRepository(spec.TEAMS)


async def add_member(db: Executor, team_id: str, user_id: str, now: datetime) -> bool:
    """Make the user a member; False when they already were (nothing changed)."""
    row = await db.fetchrow(
        "INSERT INTO team_members (team_id, user_id, created_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (team_id, user_id) DO NOTHING RETURNING user_id",
        team_id,
        user_id,
        now,
    )
    return row is not None


async def remove_member(db: Executor, team_id: str, user_id: str) -> bool:
    """End the membership; False when there was none."""
    row = await db.fetchrow(
        "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2 RETURNING user_id", team_id, user_id
    )
    return row is not None


async def lock_team(db: Executor, org_id: str, team_id: str) -> bool:
    """Whether the organization has this team (a key-share lock on PostgreSQL, like the foreign key's
    own, so the team cannot be deleted before the membership change commits)."""
    share = " FOR KEY SHARE" if db.dialect == "postgresql" else ""
    found = await db.fetchval(f"SELECT 1 FROM teams WHERE id = $1 AND org_id = $2{share}", team_id, org_id)
    return found is not None
