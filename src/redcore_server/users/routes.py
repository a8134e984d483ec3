"""HTTP for users: parse, call the service, shape the response. No SQL, no commits here."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, route
from litestar.di import NamedDependency, Provide
from litestar.enums import HttpMethod
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from redcore_server.auth.middleware import requires
from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import USERS_READ, USERS_WRITE
from redcore_server.db import Database
from redcore_server.db.listing import PageRequest
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.fast_reads import FastRead
from redcore_server.http.listing import list_meta, provide_page_request, search_text
from redcore_server.http.openapi import ETAG_HEADER, LOCATION_HEADER, READ_ERRORS, WRITE_ERRORS, error_responses
from redcore_server.http.responses import JsonResponse
from redcore_server.passwords import PasswordHasher
from redcore_server.users import service
from redcore_server.users.schemas import Role, Status, User, UserCreate, UserList, UserUpdate
from redcore_server.versioning import etag_for, parse_if_match

UserRequest = Request[Principal, Any, Any]


def user_headers(user: User) -> dict[str, str]:
    return {"ETag": etag_for(user.updated_at)}


# GET /v1/users/{id} on the lean path (http/fast_reads.py); UserController.get_user documents it.
FAST_READ = FastRead(scope=USERS_READ, fetch=service.get, headers=user_headers)
UserId = Annotated[str, Parameter(description="The `usr_`-prefixed user id.")]


class UserController(Controller):
    path = "/users"
    tags = ["Users"]

    @get(
        "/",
        opt=requires(USERS_READ),
        dependencies={"page_request": Provide(provide_page_request, sync_to_thread=False)},
        responses=error_responses(*READ_ERRORS),
        summary="List users",
    )
    async def list_users(
        self,
        request: UserRequest,
        db: NamedDependency[Database],
        page_request: NamedDependency[PageRequest],
        role: Annotated[Role | None, Parameter(description="Only users with this role.")] = None,
        status: Annotated[Status | None, Parameter(description="Only users with this status.")] = None,
        q: Annotated[
            str | None, Parameter(max_length=200, description="Partial, case-insensitive match on name or email.")
        ] = None,
        search: Annotated[str | None, Parameter(max_length=200, description="Alias of `q`.")] = None,
    ) -> JsonResponse[UserList]:
        """Users of the caller's organization, newest first unless `sort`/`order` say otherwise.
        Sortable by `created_at`, `name`, `email`."""
        if role is not None:
            page_request.filters["role"] = role
        if status is not None:
            page_request.filters["status"] = status
        page_request.search = search_text(q, search)
        users, result = await service.list_users(db, request.user.org_id, page_request)
        return JsonResponse(UserList(data=users, meta=list_meta(page_request, result)))

    @post(
        "/",
        opt=requires(USERS_WRITE),
        dependencies=documents_body(UserCreate),
        responses=error_responses(*WRITE_ERRORS, 409),
        response_headers=[LOCATION_HEADER, ETAG_HEADER],
        status_code=HTTP_201_CREATED,
        summary="Create a user",
    )
    async def create_user(
        self, request: UserRequest, uow: NamedDependency[UnitOfWork], hasher: NamedDependency[PasswordHasher]
    ) -> JsonResponse[User]:
        """Create a user. Without a `password` the user is `pending_invite`; with one, `active`.
        Answers 201 with a `Location` header."""
        data = await read_json(request, UserCreate)
        user = await service.create(uow, hasher, request.user.org_id, data)
        headers = {"Location": f"/v1/users/{user.id}", **user_headers(user)}
        return JsonResponse(user, status_code=HTTP_201_CREATED, headers=headers)

    @get(
        "/{user_id:str}",
        opt=requires(USERS_READ),
        responses=error_responses(*READ_ERRORS, 404),
        response_headers=[ETAG_HEADER],
        summary="Retrieve a user",
    )
    async def get_user(
        self, request: UserRequest, db: NamedDependency[Database], user_id: UserId
    ) -> JsonResponse[User]:
        """One user, with an `ETag` to send back as `If-Match` on a later write."""
        user = await service.get(db, request.user.org_id, user_id)
        return JsonResponse(user, headers=user_headers(user))

    @route(
        "/{user_id:str}",
        http_method=[HttpMethod.PATCH, HttpMethod.PUT],
        opt=requires(USERS_WRITE),
        dependencies=documents_body(UserUpdate),
        responses=error_responses(*WRITE_ERRORS, 404, 409, 412),
        response_headers=[ETAG_HEADER],
        summary="Update a user",
    )
    async def update_user(
        self,
        request: UserRequest,
        uow: NamedDependency[UnitOfWork],
        hasher: NamedDependency[PasswordHasher],
        user_id: UserId,
    ) -> JsonResponse[User]:
        """Change only the fields given. `PUT` is accepted with the same partial semantics.
        With `If-Match: <ETag>` the change applies only if the user is unchanged since (else 412)."""
        data = await read_json(request, UserUpdate)
        if_match = parse_if_match(request.headers.get("if-match"))
        user = await service.update(uow, hasher, request.user.org_id, user_id, data, if_match)
        return JsonResponse(user, headers=user_headers(user))

    @delete(
        "/{user_id:str}",
        opt=requires(USERS_WRITE),
        responses=error_responses(*READ_ERRORS, 404, 412),
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a user",
    )
    async def delete_user(self, request: UserRequest, uow: NamedDependency[UnitOfWork], user_id: UserId) -> None:
        """Permanently remove the user, revoking their sessions and tokens in the same transaction.
        Honours `If-Match` like updates."""
        if_match = parse_if_match(request.headers.get("if-match"))
        await service.delete(uow, request.user.org_id, user_id, if_match)
