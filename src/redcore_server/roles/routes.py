"""HTTP for roles (``/v1/roles``): read under ``users:read``, changed under ``org:manage`` (and the
privilege rule: the caller must also hold every scope of the role). The same service serves
``redcore-server roles``."""

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import ORG_MANAGE, USERS_READ
from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.authentication import requires
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.openapi import LOCATION_HEADER, READ_ERRORS, WRITE_ERRORS, error_responses
from redcore_server.http.openapi_document import SORTABLE
from redcore_server.http.responses import JsonResponse
from redcore_server.kit.listing import PageRequest
from redcore_server.kit.params import ListMeta, list_meta, provide_page_request, text_parameter
from redcore_server.roles.schemas import Role, RoleCreate, RoleUpdate
from redcore_server.roles.service import SORTABLE as SORT_FIELDS
from redcore_server.roles.service import RoleService

CallerRequest = Request[Principal, Any, Any]
RoleKeyParam = Annotated[
    str, text_parameter("The role's key (`admin`, `editor`, `viewer` or a custom one).", max_length=64)
]


class RoleList(msgspec.Struct):
    data: list[Role]
    meta: ListMeta


class RoleController(Controller):
    path = "/roles"
    tags = ["Roles"]

    @get(
        "/",
        opt={**requires(USERS_READ), SORTABLE: SORT_FIELDS},
        dependencies={"page_request": Provide(provide_page_request, sync_to_thread=False)},
        responses=error_responses(*READ_ERRORS),
        summary="List roles",
        description="The organization's roles: the built-in `admin`, `editor` and `viewer` (`built_in: true`, "
        "dated from the organization's creation) and its custom ones, newest first unless `sort`/`order` say "
        "otherwise. Sortable by `created_at`, `key`, `name`.",
        operation_id="list_roles",
    )
    async def list_roles(
        self,
        request: CallerRequest,
        db: NamedDependency[Database],
        roles: NamedDependency[RoleService],
        page_request: NamedDependency[PageRequest],
    ) -> JsonResponse[RoleList]:
        items, result = await roles.list(db, request.user.org_id, page_request)
        return JsonResponse(RoleList(data=items, meta=list_meta(page_request, result)))

    @get(
        "/{key:str}",
        opt=requires(USERS_READ),
        responses=error_responses(*READ_ERRORS, 404),
        summary="Retrieve a role",
        description="One role, built in or custom.",
        operation_id="get_role",
    )
    async def get_role(
        self,
        request: CallerRequest,
        db: NamedDependency[Database],
        roles: NamedDependency[RoleService],
        key: RoleKeyParam,
    ) -> JsonResponse[Role]:
        return JsonResponse(await roles.get(db, request.user.org_id, key))

    @post(
        "/",
        opt=requires(ORG_MANAGE),
        dependencies=documents_body(RoleCreate),
        responses=error_responses(*WRITE_ERRORS, 409),
        response_headers=[LOCATION_HEADER],
        status_code=HTTP_201_CREATED,
        summary="Create a role",
        description="A custom role: `key` (`[a-z][a-z0-9_-]{0,31}`, unique in the organization, never changes), "
        "`name` and `scopes` (at least one). The caller must hold every scope given (else 403 "
        "`insufficient_privilege`). A key already taken, a built-in's included → 409 `duplicate_role`; at most "
        "100 custom roles (409 `too_many_roles`). Answers 201 with `Location`.",
        operation_id="create_role",
    )
    async def create_role(
        self, request: CallerRequest, uow: NamedDependency[UnitOfWork], roles: NamedDependency[RoleService]
    ) -> JsonResponse[Role]:
        data = await read_json(request, RoleCreate)
        role = await roles.create(uow, request.user.org_id, data)
        return JsonResponse(role, status_code=HTTP_201_CREATED, headers={"Location": f"/v1/roles/{role.key}"})

    @patch(
        "/{key:str}",
        opt=requires(ORG_MANAGE),
        dependencies=documents_body(RoleUpdate),
        responses=error_responses(*WRITE_ERRORS, 404, 409),
        summary="Update a role",
        description="Change a custom role's `name` or `scopes`; the caller must hold every scope the role has "
        "and will have. New scopes apply to every token of the role's users from their next request. Built-in "
        "roles cannot be changed (409 `built_in_role`).",
        operation_id="update_role",
    )
    async def update_role(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        roles: NamedDependency[RoleService],
        key: RoleKeyParam,
    ) -> JsonResponse[Role]:
        data = await read_json(request, RoleUpdate)
        return JsonResponse(await roles.update(uow, request.user.org_id, key, data))

    @delete(
        "/{key:str}",
        opt=requires(ORG_MANAGE),
        responses=error_responses(*READ_ERRORS, 404, 409),
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a role",
        description="Delete a custom role; the caller must hold every scope of it. While any user holds the "
        "role → 409 `role_in_use` (give them another role first). Built-in roles cannot be deleted (409 "
        "`built_in_role`).",
        operation_id="delete_role",
    )
    async def delete_role(
        self,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        roles: NamedDependency[RoleService],
        key: RoleKeyParam,
    ) -> None:
        await roles.delete(uow, request.user.org_id, key)
