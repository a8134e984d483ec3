"""The routes every organization-scoped collection has, written once.

``GET /{name}`` (list), ``POST /{name}``, ``GET|PATCH|PUT|DELETE /{name}/{id}``: a domain describes
itself in a :class:`Collection` (its types, scopes, list filters and service) and
:func:`collection_controller` builds the Litestar controller, so users and products share one
implementation of parsing, scopes, ``If-Match``, ETags, ``Location`` and list ``meta``.

(No ``from __future__ import annotations`` here: the handlers' annotations are built from each
collection's types at class-creation time, and Litestar reads them for validation and OpenAPI.)
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Protocol, TypeVar

import msgspec
from litestar import Controller, Request, delete, get, post, route
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.enums import HttpMethod
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from redcore_server.auth.middleware import requires
from redcore_server.auth.principal import Principal
from redcore_server.db import Database
from redcore_server.db.listing import PageRequest, PageResult
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.fast_reads import FastRead
from redcore_server.http.listing import ListMeta, list_meta, provide_page_request, text_parameter
from redcore_server.http.openapi import ETAG_HEADER, LOCATION_HEADER, READ_ERRORS, WRITE_ERRORS, error_responses
from redcore_server.http.openapi_document import SORTABLE
from redcore_server.http.responses import JsonResponse
from redcore_server.versioning import etag_for, parse_if_match

T = TypeVar("T")
CallerRequest = Request[Principal, Any, Any]


@dataclass
class ListFilters:
    """What a collection's filter parameters ask for: equality filters and a search text."""

    equals: dict[str, Any] = field(default_factory=dict)
    search: str | None = None
    ranges: list[tuple[str, str, Any]] = field(default_factory=list)  # (column, ">=" or "<", value)


class ReadableService(Protocol[T]):
    """What a domain's service offers the read routes (see ``events.service.EventService``)."""

    async def get(self, db: Database, org_id: str, ident: str) -> T: ...

    async def list(self, db: Database, org_id: str, req: PageRequest) -> tuple[list[T], PageResult]: ...


class CollectionService(ReadableService[T], Protocol[T]):
    """What a domain's service offers every route (see ``users.service.UserService``)."""

    async def create(self, uow: UnitOfWork, org_id: str, data: Any) -> T: ...

    async def update(
        self, uow: UnitOfWork, org_id: str, ident: str, data: Any, if_match: frozenset[str] | None
    ) -> T: ...

    async def delete(self, uow: UnitOfWork, org_id: str, ident: str, if_match: frozenset[str] | None) -> None: ...


@dataclass(frozen=True)
class Collection(Generic[T]):
    name: str  # the path segment and the key in ``app.state.services``: "users"
    noun: str  # "user"
    id_prefix: str  # "usr_"
    tag: str
    model: type[T]
    create_model: type[Any] | None  # None: a read-only collection (list and get only)
    update_model: type[Any] | None
    read_scope: str
    write_scope: str | None
    filters: Callable[..., ListFilters]  # a dependency whose parameters are the list's filters
    sortable: tuple[str, ...]
    create_doc: str
    conflict_codes: str  # the 409 codes, for the OpenAPI description ("": no conflicts possible)
    version_field: str = "updated_at"  # what the ETag follows ("created_at" for immutable items)

    def headers(self, resource: Any) -> dict[str, str]:
        return {"ETag": etag_for(getattr(resource, self.version_field))}

    def fast_read(self, service: ReadableService[T]) -> FastRead:
        """``GET /v1/{name}/{id}`` for the lean path (http/fast_reads.py), with the same pieces."""
        return FastRead(scope=self.read_scope, fetch=service.get, headers=self.headers)


def collection_controller(c: Collection[Any]) -> type[Controller]:
    model, plural = c.model, c.name
    page = _page_model(c)
    ident = Annotated[str, text_parameter(f"The `{c.id_prefix}`-prefixed {c.noun} id.")]

    def service_of(state: State) -> CollectionService[Any]:
        service: CollectionService[Any] = state.services[plural]
        return service

    async def list_items(
        self: Controller,
        request: CallerRequest,
        db: NamedDependency[Database],
        service: NamedDependency[Any],  # a CollectionService (Protocols cannot be checked at run time)
        page_request: NamedDependency[PageRequest],
        filters: NamedDependency[ListFilters],
    ) -> JsonResponse[page]:  # type: ignore[valid-type]
        page_request.filters.update(filters.equals)
        page_request.ranges.extend(filters.ranges)
        page_request.search = filters.search
        items, result = await service.list(db, request.user.org_id, page_request)
        return JsonResponse(page(data=items, meta=list_meta(page_request, result)))

    async def create_item(
        self: Controller,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        service: NamedDependency[Any],  # a CollectionService (Protocols cannot be checked at run time)
    ) -> JsonResponse[model]:  # type: ignore[valid-type]
        assert c.create_model is not None  # write routes exist only when it is set
        data = await read_json(request, c.create_model)
        item = await service.create(uow, request.user.org_id, data)
        headers = {"Location": f"/v1/{plural}/{item.id}", **c.headers(item)}
        return JsonResponse(item, status_code=HTTP_201_CREATED, headers=headers)

    async def get_item(
        self: Controller,
        request: CallerRequest,
        db: NamedDependency[Database],
        service: NamedDependency[Any],  # a CollectionService (Protocols cannot be checked at run time)
        id: ident,
    ) -> JsonResponse[model]:  # type: ignore[valid-type]
        item = await service.get(db, request.user.org_id, id)
        return JsonResponse(item, headers=c.headers(item))

    async def update_item(
        self: Controller,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        service: NamedDependency[Any],  # a CollectionService (Protocols cannot be checked at run time)
        id: ident,
    ) -> JsonResponse[model]:  # type: ignore[valid-type]
        assert c.update_model is not None
        data = await read_json(request, c.update_model)
        if_match = parse_if_match(request.headers.get("if-match"))
        item = await service.update(uow, request.user.org_id, id, data, if_match)
        return JsonResponse(item, headers=c.headers(item))

    async def delete_item(
        self: Controller,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        service: NamedDependency[Any],  # a CollectionService (Protocols cannot be checked at run time)
        id: ident,
    ) -> None:
        await service.delete(uow, request.user.org_id, id, parse_if_match(request.headers.get("if-match")))

    sortable = ", ".join(f"`{s}`" for s in c.sortable)
    noun = c.noun.replace(" ", "_")  # in operation ids: get_webhook_endpoint
    conflicts = (409,) if c.conflict_codes else ()
    on_conflict = f"; 409 {c.conflict_codes}" if c.conflict_codes else ""
    handlers = {
        f"list_{plural}": get(
            "/",
            opt={**requires(c.read_scope), SORTABLE: c.sortable},
            dependencies={
                "page_request": Provide(provide_page_request, sync_to_thread=False),
                "filters": Provide(c.filters, sync_to_thread=False),
            },
            responses=error_responses(*READ_ERRORS),
            summary=f"List {plural}",
            description=f"The organization's {plural}, newest first unless `sort`/`order` say otherwise. "
            f"Sortable by {sortable}.",
            operation_id=f"list_{plural}",
        )(list_items),
        f"get_{noun}": get(
            "/{id:str}",
            opt=requires(c.read_scope),
            responses=error_responses(*READ_ERRORS, 404),
            response_headers=[ETAG_HEADER],
            summary=f"Retrieve a {c.noun}",
            description=f"One {c.noun}, with an `ETag` to send back as `If-Match` on a later write.",
            operation_id=f"get_{noun}",
        )(get_item),
    }
    if c.create_model is not None and c.update_model is not None and c.write_scope is not None:
        handlers |= {
            f"create_{noun}": post(
                "/",
                opt=requires(c.write_scope),
                dependencies=documents_body(c.create_model),
                responses=error_responses(*WRITE_ERRORS, *conflicts),
                response_headers=[LOCATION_HEADER, ETAG_HEADER],
                status_code=HTTP_201_CREATED,
                summary=f"Create a {c.noun}",
                description=f"{c.create_doc} Answers 201 with a `Location` header{on_conflict}.",
                operation_id=f"create_{noun}",
            )(create_item),
            f"update_{noun}": route(
                "/{id:str}",
                http_method=[HttpMethod.PATCH, HttpMethod.PUT],
                opt=requires(c.write_scope),
                dependencies=documents_body(c.update_model),
                responses=error_responses(*WRITE_ERRORS, 404, *conflicts, 412),
                response_headers=[ETAG_HEADER],
                summary=f"Update a {c.noun}",
                description="Change only the fields given; `PUT` has the same partial semantics. With "
                "`If-Match: <ETag>` the change applies only if nothing changed since (else 412).",
                operation_id=lambda handler, method, _: f"{method.lower()}_{noun}",
            )(update_item),
            f"delete_{noun}": delete(
                "/{id:str}",
                opt=requires(c.write_scope),
                responses=error_responses(*READ_ERRORS, 404, 412),
                status_code=HTTP_204_NO_CONTENT,
                summary=f"Delete a {c.noun}",
                description=f"Permanently remove the {c.noun}. Honours `If-Match` like updates.",
                operation_id=f"delete_{noun}",
            )(delete_item),
        }
    return type(
        f"{_camel(c.noun)}Controller",
        (Controller,),
        {
            "path": f"/{plural}",
            "tags": [c.tag],
            # Not cached: the controller class is shared by every app built in this process.
            "dependencies": {"service": Provide(service_of, sync_to_thread=False)},
            **handlers,
        },
    )


def _camel(noun: str) -> str:
    """``webhook endpoint`` → ``WebhookEndpoint``."""
    return "".join(word.capitalize() for word in noun.split())


def _page_model(c: Collection[Any]) -> type[Any]:
    """``UserList``/``ProductList``: ``{"data": [...], "meta": {...}}`` with this collection's item type."""
    return msgspec.defstruct(
        f"{_camel(c.noun)}List",
        [("data", list[c.model]), ("meta", ListMeta)],  # type: ignore[name-defined]
    )
