"""HTTP for teams: the shared collection routes (kit/routes.py) for the teams themselves, and the
members of a team (``/v1/teams/{id}/members``).

Listing a team's members shows users, so it needs ``users:read`` as well as ``teams:read`` (a viewer
holds both); adding and removing a member needs ``teams:write`` (see ``teams/service.py`` on why not
the privilege over that user)."""

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import TEAMS_READ, TEAMS_WRITE, USERS_READ
from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.authentication import requires
from redcore_server.http.openapi import READ_ERRORS, error_responses
from redcore_server.http.openapi_document import SORTABLE
from redcore_server.http.responses import JsonResponse
from redcore_server.kit.listing import PageRequest
from redcore_server.kit.params import ListMeta, list_meta, provide_page_request, search_text, text_parameter
from redcore_server.kit.routes import Collection, ListFilters, collection_controller
from redcore_server.teams import spec
from redcore_server.teams.schemas import TeamCreate, TeamUpdate
from redcore_server.teams.service import TeamService
from redcore_server.users.schemas import Status, User
from redcore_server.users.spec import USERS

CallerRequest = Request[Principal, Any, Any]
TeamId = Annotated[str, text_parameter("The `team_`-prefixed team id.")]
UserId = Annotated[str, text_parameter("The `usr_`-prefixed id of a user of the organization.")]


def team_filters(
    q: Annotated[str | None, text_parameter("Partial, case-insensitive match on the name.", max_length=200)] = None,
) -> ListFilters:
    return ListFilters({}, search_text(q))


def member_filters(
    role: Annotated[
        str | None,
        text_parameter(
            "Only members with this role (any role key; one the organization lacks matches nobody).", max_length=32
        ),
    ] = None,
    status: Annotated[Status | None, Parameter(description="Only members with this status.")] = None,
    q: Annotated[
        str | None, text_parameter("Partial, case-insensitive match on name or email.", max_length=200)
    ] = None,
) -> ListFilters:
    equals = {name: value for name, value in (("role", role), ("status", status)) if value is not None}
    return ListFilters(equals, search_text(q))


TEAMS = Collection(
    spec=spec.TEAMS,
    service=TeamService,
    tag="Teams",
    read_scope=TEAMS_READ,
    filters=team_filters,
    create_model=TeamCreate,
    update_model=TeamUpdate,
    write_scope=TEAMS_WRITE,
    create_doc="Create a team: `name` (unique in the organization, in any case) and an optional "
    "`description`; it starts with no members.",
)
TeamController = collection_controller(TEAMS)


class MemberList(msgspec.Struct):
    data: list[User]
    meta: ListMeta


class TeamMembersController(Controller):
    path = "/teams/{team_id:str}/members"
    tags = ["Teams"]

    @get(
        "/",
        opt={**requires(TEAMS_READ, USERS_READ), SORTABLE: tuple(USERS.sort_fields)},
        dependencies={
            "page_request": Provide(provide_page_request, sync_to_thread=False),
            "filters": Provide(member_filters, sync_to_thread=False),
        },
        responses=error_responses(*READ_ERRORS, 404),
        summary="List a team's members",
        description="The team's members as a user list, with the users list's parameters (filters, `sort`, "
        "`order`, offsets and the `starting_after` cursor). It shows users, hence `users:read` as well as "
        "`teams:read`. 404 for a team that is not the organization's.",
        operation_id="list_team_members",
    )
    async def list_members(
        self,
        request: CallerRequest,
        db: NamedDependency[Database],
        teams: NamedDependency[TeamService],
        page_request: NamedDependency[PageRequest],
        filters: NamedDependency[ListFilters],
        team_id: TeamId,
    ) -> JsonResponse[MemberList]:
        page_request.filters.update(filters.equals)
        page_request.search = filters.search
        users, result = await teams.list_members(db, request.user.org_id, team_id, page_request)
        return JsonResponse(MemberList(data=users, meta=list_meta(page_request, result)))

    @put(
        "/{user_id:str}",
        opt=requires(TEAMS_WRITE),
        responses=error_responses(*READ_ERRORS, 404),
        status_code=HTTP_204_NO_CONTENT,
        summary="Add a member to a team",
        description="Idempotent: 204 whether or not the user was already a member (a `team.member_added` event "
        "only when they joined). 404 for a team or user that is not the organization's. No request body.",
        operation_id="add_team_member",
    )
    async def add_member(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        teams: NamedDependency[TeamService],
        team_id: TeamId,
        user_id: UserId,
    ) -> None:
        await teams.add_member(uow, request.user.org_id, team_id, user_id)

    @delete(
        "/{user_id:str}",
        opt=requires(TEAMS_WRITE),
        responses=error_responses(*READ_ERRORS, 404),
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a member from a team",
        description="Idempotent: 204 whether or not the user was a member (a `team.member_removed` event only "
        "when they left). 404 for a team or user that is not the organization's.",
        operation_id="remove_team_member",
    )
    async def remove_member(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        teams: NamedDependency[TeamService],
        team_id: TeamId,
        user_id: UserId,
    ) -> None:
        await teams.remove_member(uow, request.user.org_id, team_id, user_id)
