"""Business rules for teams: names unique per organization case-insensitively (by the unique index
on ``name_key``, the name folded by ``text.fold``), and memberships.

Adding or removing a member needs ``teams:write`` only, not the privilege over that user
(``users/privileges.py``): a team grants nothing today, so an editor putting an admin in a team gives
nobody any access. Should teams ever carry scopes, this is where the privilege rule goes."""

from __future__ import annotations

from typing import Any

from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.ids import utcnow
from redcore_server.kit.checks import Problems, display_name, raise_if
from redcore_server.kit.listing import PageRequest, PageResult
from redcore_server.kit.service import Recorder, ResourceService, changes_of
from redcore_server.teams import repository
from redcore_server.teams.schemas import Membership, Team, TeamCreate, TeamUpdate
from redcore_server.text import fold
from redcore_server.users import repository as users_repository
from redcore_server.users.schemas import ID_PREFIX as USER_PREFIX
from redcore_server.users.schemas import User

TEAM_FILTER = "team"  # the users spec's membership filter (``users/spec.py``)


def _description(value: str | None) -> str | None:
    """Trimmed; a blank description is no description."""
    return (value.strip() or None) if value is not None else None


class TeamService(ResourceService[Team]):
    """Teams: ``get``, ``list`` and ``delete`` come from :class:`ResourceService`; deleting a team
    ends its memberships (a cascade, in the same transaction)."""

    def __init__(self, recorder: Recorder | None = None) -> None:
        super().__init__(repository.TEAMS, recorder)
        self._members_recorder = recorder

    async def create(self, uow: UnitOfWork, org_id: str, data: TeamCreate) -> Team:
        problems: Problems = []
        name = display_name(data.name, problems)
        raise_if(problems)
        team = self.new(data, name=name, description=_description(data.description), member_count=0)
        await self.insert(await uow.tx(), uow, org_id, team, {"name_key": fold(name)})
        return team

    async def update(
        self, uow: UnitOfWork, org_id: str, ident: str, data: TeamUpdate, if_match: frozenset[str] | None = None
    ) -> Team:
        problems: Problems = []
        changes: dict[str, Any] = changes_of(data)
        if "name" in changes:
            changes["name"] = display_name(changes["name"], problems)
            changes["name_key"] = fold(changes["name"])
        if "description" in changes:
            changes["description"] = _description(changes["description"])
        raise_if(problems)
        return await self.update_fields(uow, org_id, ident, changes, if_match)

    async def _both(self, tx: Executor, org_id: str, team_id: str, user_id: str) -> None:
        """404 unless the organization has both the team and the user (both held until the change commits)."""
        if not team_id.startswith(self.spec.id_start) or not await repository.lock_team(tx, org_id, team_id):
            raise self.not_found(team_id)
        if not user_id.startswith(f"{USER_PREFIX}_") or not await users_repository.lock_user(tx, org_id, user_id):
            raise users_repository.USERS.spec.not_found(user_id)

    async def add_member(self, uow: UnitOfWork, org_id: str, team_id: str, user_id: str) -> bool:
        """Idempotent: True when the user joined, False when they already were a member (no event)."""
        tx = await uow.tx()
        await self._both(tx, org_id, team_id, user_id)
        added = await repository.add_member(tx, team_id, user_id, utcnow())
        if added:
            await self._record_membership(tx, uow, org_id, "member_added", team_id, user_id)
        return added

    async def remove_member(self, uow: UnitOfWork, org_id: str, team_id: str, user_id: str) -> bool:
        """Idempotent: True when the user left, False when they were not a member (no event)."""
        tx = await uow.tx()
        await self._both(tx, org_id, team_id, user_id)
        removed = await repository.remove_member(tx, team_id, user_id)
        if removed:
            await self._record_membership(tx, uow, org_id, "member_removed", team_id, user_id)
        return removed

    async def _record_membership(
        self, tx: Executor, uow: UnitOfWork, org_id: str, change: str, team_id: str, user_id: str
    ) -> None:
        if self._members_recorder is None:
            return
        team = await self.get(tx, org_id, team_id)  # with the count the change left
        await self._members_recorder(tx, uow, org_id, f"team.{change}", Membership(team=team, user_id=user_id))

    async def list_members(
        self, db: Executor, org_id: str, team_id: str, req: PageRequest
    ) -> tuple[list[User], PageResult]:
        """The team's members: a user list (its filters, sorts and cursor), 404 for an unknown team."""
        await self.get(db, org_id, team_id)
        req.member_of[TEAM_FILTER] = team_id
        return await users_repository.USERS.list_page(db, org_id, req)
