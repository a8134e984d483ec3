"""``client.teams``: the organization's teams (``/v1/teams``) and their members
(``/v1/teams/{id}/members``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Unpack

from redcore._base import AsyncAPIClient, Call, SyncAPIClient
from redcore.pagination import DEFAULT_PAGE_SIZE, Page
from redcore.resources._collection import (
    AsyncCollection,
    Endpoints,
    SyncCollection,
    _segment,
    async_raw_response,
    raw_response,
)
from redcore.types import (
    Team,
    TeamCreateParams,
    TeamFilters,
    TeamListParams,
    TeamMemberFilters,
    TeamMemberListParams,
    TeamUpdateParams,
    User,
)

__all__ = ["AsyncTeams", "AsyncTeamsWithRawResponse", "Teams", "TeamsWithRawResponse"]

TEAMS = Endpoints("/teams", Team, Page[Team])
MEMBERS = Endpoints("/teams/{}/members", User, Page[User])


def _membership(method: str, team_id: str, user_id: str) -> Call[None]:
    """``{method} /teams/{team_id}/members/{user_id}``: add (PUT) or remove (DELETE) a member; 204."""
    return Call(method, f"/teams/{_segment(team_id)}/members/{_segment(user_id)}", type(None))


class Teams(SyncCollection[Team]):
    """The organization's teams: ``list``, ``list_all``, ``iter``, ``get``, ``create``, ``update``,
    ``delete`` (``teams:read`` to read, ``teams:write`` to change), and their members:
    ``add_member``, ``remove_member`` (``teams:write``), ``list_members``, ``iter_members``
    (``teams:read`` and ``users:read``: members are users).

    ``get`` and ``delete`` take a ``team_`` id; ``delete(id, if_match=etag)`` refuses (412) if the team
    changed since that ETag. Deleting a team ends its memberships, not its members.
    """

    _endpoints = TEAMS

    def list(self, **params: Unpack[TeamListParams]) -> Page[Team]:
        """One page of teams, newest first unless ``sort`` (``"created_at"``, ``"name"``)/``order`` say
        otherwise.

        Filter: ``q`` (partial match on the name). Position: ``limit`` (1-100, default 20) with
        ``offset``, ``page`` or ``starting_after``. Use :meth:`list_all` or :meth:`iter` to walk every page.
        """
        return self._request(TEAMS.list(params))

    def list_all(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[TeamFilters]) -> Iterator[Page[Team]]:
        """Every page of teams matching ``filters``, ``page_size`` (1-100) at a time, fetched as you
        iterate, with the keyset cursor."""
        return self._pages(TEAMS, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[TeamFilters]) -> Iterator[Team]:
        """Every team matching ``filters``, one at a time, across all pages."""
        return self._items(TEAMS, page_size, filters)

    def create(self, **fields: Unpack[TeamCreateParams]) -> Team:
        """Create a team, with no members: ``name`` is required, ``description`` optional.

        Raises ValidationError (``.details``), or DuplicateError with code ``duplicate_team`` when the
        organization has a team of that name in any case.
        """
        return self._request(TEAMS.create(fields))

    def update(self, id: str, *, if_match: str | None = None, **fields: Unpack[TeamUpdateParams]) -> Team:
        """Change only the given fields of team ``id`` and return it as it now is.

        With ``if_match`` (an ETag, see ``with_raw_response``), raises PreconditionFailedError if the
        team changed since. Raises NotFoundError, ValidationError or DuplicateError as they apply.
        """
        return self._request(TEAMS.update(id, fields, if_match))

    def add_member(self, team_id: str, user_id: str) -> None:
        """Make user ``user_id`` a member of team ``team_id``. Idempotent: adding a member again changes
        nothing. Raises NotFoundError for a team or user that is not the organization's."""
        return self._request(_membership("PUT", team_id, user_id))

    def remove_member(self, team_id: str, user_id: str) -> None:
        """End user ``user_id``'s membership of team ``team_id``. Idempotent: removing a non-member
        changes nothing. Raises NotFoundError for a team or user that is not the organization's."""
        return self._request(_membership("DELETE", team_id, user_id))

    def list_members(self, team_id: str, **params: Unpack[TeamMemberListParams]) -> Page[User]:
        """One page of team ``team_id``'s members, as users, newest first unless ``sort``/``order`` say
        otherwise.

        Filters: ``role``, ``status``, ``q``. Position: ``limit`` (1-100, default 20) with ``offset``,
        ``page`` or ``starting_after``. Raises NotFoundError if there is no such team.
        """
        return self._request(MEMBERS.of(team_id).list(params))

    def iter_members(
        self, team_id: str, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[TeamMemberFilters]
    ) -> Iterator[User]:
        """Every member of team ``team_id`` matching ``filters``, one at a time, across all pages (by cursor)."""
        return self._items(MEMBERS.of(team_id), page_size, filters)

    @cached_property
    def with_raw_response(self) -> TeamsWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return TeamsWithRawResponse(self._client)


class TeamsWithRawResponse:
    """``client.teams.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: SyncAPIClient) -> None:
        teams = Teams(client, raw=True)
        self.list = raw_response(teams.list)
        self.get = raw_response(teams.get)
        self.create = raw_response(teams.create)
        self.update = raw_response(teams.update)
        self.delete = raw_response(teams.delete)
        self.add_member = raw_response(teams.add_member)
        self.remove_member = raw_response(teams.remove_member)
        self.list_members = raw_response(teams.list_members)


class AsyncTeams(AsyncCollection[Team]):
    """The organization's teams, on :class:`~redcore.AsyncClient`: the methods of :class:`Teams`, awaited
    (``list_all``, ``iter`` and ``iter_members`` are async iterators: ``async for``)."""

    _endpoints = TEAMS

    async def list(self, **params: Unpack[TeamListParams]) -> Page[Team]:
        """One page of teams (see :meth:`Teams.list`)."""
        return await self._request(TEAMS.list(params))

    def list_all(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[TeamFilters]
    ) -> AsyncIterator[Page[Team]]:
        """Every page of teams, for ``async for`` (see :meth:`Teams.list_all`)."""
        return self._pages(TEAMS, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[TeamFilters]) -> AsyncIterator[Team]:
        """Every team, for ``async for`` (see :meth:`Teams.iter`)."""
        return self._items(TEAMS, page_size, filters)

    async def create(self, **fields: Unpack[TeamCreateParams]) -> Team:
        """Create a team (see :meth:`Teams.create`)."""
        return await self._request(TEAMS.create(fields))

    async def update(self, id: str, *, if_match: str | None = None, **fields: Unpack[TeamUpdateParams]) -> Team:
        """Change only the given fields of team ``id`` (see :meth:`Teams.update`)."""
        return await self._request(TEAMS.update(id, fields, if_match))

    async def add_member(self, team_id: str, user_id: str) -> None:
        """Make a user a member of a team, idempotently (see :meth:`Teams.add_member`)."""
        return await self._request(_membership("PUT", team_id, user_id))

    async def remove_member(self, team_id: str, user_id: str) -> None:
        """End a user's membership of a team, idempotently (see :meth:`Teams.remove_member`)."""
        return await self._request(_membership("DELETE", team_id, user_id))

    async def list_members(self, team_id: str, **params: Unpack[TeamMemberListParams]) -> Page[User]:
        """One page of a team's members (see :meth:`Teams.list_members`)."""
        return await self._request(MEMBERS.of(team_id).list(params))

    def iter_members(
        self, team_id: str, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[TeamMemberFilters]
    ) -> AsyncIterator[User]:
        """Every member of a team, for ``async for`` (see :meth:`Teams.iter_members`)."""
        return self._items(MEMBERS.of(team_id), page_size, filters)

    @cached_property
    def with_raw_response(self) -> AsyncTeamsWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return AsyncTeamsWithRawResponse(self._client)


class AsyncTeamsWithRawResponse:
    """``async_client.teams.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: AsyncAPIClient) -> None:
        teams = AsyncTeams(client, raw=True)
        self.list = async_raw_response(teams.list)
        self.get = async_raw_response(teams.get)
        self.create = async_raw_response(teams.create)
        self.update = async_raw_response(teams.update)
        self.delete = async_raw_response(teams.delete)
        self.add_member = async_raw_response(teams.add_member)
        self.remove_member = async_raw_response(teams.remove_member)
        self.list_members = async_raw_response(teams.list_members)
