"""The routes every organization-scoped collection has, written once.

``GET /{name}`` (list), ``POST /{name}``, ``GET|PATCH|PUT|DELETE /{name}/{id}``: a domain describes
its HTTP side in a :class:`Collection` (its spec, types, scopes, list filters and service class) and
:func:`collection_controller` builds the Litestar controller, so users and products share one
implementation of parsing, scopes, ``If-Match``, ETags, ``Location`` and list ``meta``. The service
is a typed dependency named ``service``, provided per application by :func:`collection_router`.

(No ``from __future__ import annotations`` here: the handlers' annotations are built from each
collection's types at class-creation time, and Litestar reads them for validation and OpenAPI.)
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Protocol, TypeVar

import msgspec
from litestar import Controller, Request, Router, delete, get, post, route
from litestar.di import NamedDependency, Provide
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from redcore_server.auth.principal import Principal
from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.http.authentication import requires
from redcore_server.http.body import documents_body, read_json
from redcore_server.http.fast_reads import FastRead
from redcore_server.http.openapi import ETAG_HEADER, LOCATION_HEADER, READ_ERRORS, WRITE_ERRORS, error_responses
from redcore_server.http.openapi_document import SORTABLE
from redcore_server.http.responses import JsonResponse
from redcore_server.kit.export_routes import EXPORT_SEGMENT, export_routes
from redcore_server.kit.listing import PageRequest, PageResult
from redcore_server.kit.params import ListMeta, list_meta, provide_page_request, text_parameter
from redcore_server.kit.spec import ResourceSpec
from redcore_server.versioning import parse_if_match

T = TypeVar("T")
CallerRequest = Request[Principal, Any, Any]


@dataclass
class ListFilters:
    """What a collection's filter parameters ask for: equality filters and a search text (their
    columns must be among the spec's ``filterable``)."""

    equals: dict[str, Any] = field(default_factory=dict)
    search: str | None = None
    ranges: list[tuple[str, str, Any]] = field(default_factory=list)  # (column, ">=" or "<", value)
    member_of: dict[str, Any] = field(default_factory=dict)  # the spec's ``memberships`` asked for


class ReadableService(Protocol[T]):
    """What a domain's service offers the read routes (see ``events.service.EventService``)."""

    async def get(self, db: Database, org_id: str, ident: str) -> T: ...

    async def list(self, db: Database, org_id: str, req: PageRequest) -> tuple[list[T], PageResult]: ...


@dataclass(frozen=True)
class Collection(Generic[T]):
    """The HTTP side of a resource: what its spec does not say (the spec says names, id prefix,
    struct, sort fields, conflicts and ETags)."""

    spec: ResourceSpec[Any]
    service: type[ReadableService[T]]  # the class of the service the routes are given
    tag: str
    read_scope: str
    filters: Callable[..., ListFilters]  # a dependency whose parameters are the list's filters
    create_model: type[Any] | None = None  # None: a read-only collection (list and get only)
    update_model: type[Any] | None = None
    write_scope: str | None = None
    create_doc: str = ""
    export: bool = False  # GET /{name}/export: the whole filtered list as NDJSON or CSV (kit/export_routes.py)

    def fast_read(self, service: ReadableService[T]) -> FastRead:
        """``GET /v1/{name}/{id}`` for the lean path (http/fast_reads.py), with the same pieces."""
        reserved = frozenset({EXPORT_SEGMENT}) if self.export else frozenset[str]()
        return FastRead(scope=self.read_scope, fetch=service.get, headers=self.spec.headers, reserved=reserved)


def collection_router(controller: type[Controller], service: object) -> Router:
    """``controller`` with its service: one application's instance, as the typed dependency
    ``service`` (a router of its own, so that each collection's controller gets its own)."""
    return Router(path="/", route_handlers=[controller], dependencies={"service": provide(service)})


def provide(value: object) -> Provide:
    """A dependency that is always ``value`` (a service made once per application)."""

    def constant() -> object:
        return value

    return Provide(constant, sync_to_thread=False, use_cache=True)


def collection_controller(c: Collection[Any]) -> type[Controller]:
    handlers = _read_routes(c)
    if c.export:
        handlers |= export_routes(c)
    if c.create_model is not None and c.update_model is not None and c.write_scope is not None:
        handlers |= _write_routes(c, c.create_model, c.update_model, c.write_scope)
    attributes = {"path": f"/{c.spec.name}", "tags": [c.tag], **handlers}
    return type(f"{_camel(c.spec.noun)}Controller", (Controller,), attributes)


def _ident_doc(spec: ResourceSpec[Any]) -> Any:
    return text_parameter(f"The `{spec.id_start}`-prefixed {spec.noun} id.")


def _typed(service_type: type[Any], *handlers: Callable[..., Any]) -> None:
    """Give each handler's ``service`` parameter the service's own class, which Litestar's dependency
    injection and its signature model then see (the closures are shared by every collection)."""
    for handler in handlers:
        handler.__annotations__["service"] = NamedDependency[service_type]  # type: ignore[misc,valid-type]


def _read_routes(c: Collection[Any]) -> dict[str, HTTPRouteHandler]:
    spec = c.spec
    page, noun = _page_model(spec), _operation_noun(spec)
    ident = Annotated[str, _ident_doc(spec)]

    async def list_items(
        self: Controller,
        request: CallerRequest,
        db: NamedDependency[Database],
        service: NamedDependency[Any],  # typed as the collection's service class by _typed()
        page_request: NamedDependency[PageRequest],
        filters: NamedDependency[ListFilters],
    ) -> JsonResponse[page]:  # type: ignore[valid-type]
        page_request.filters.update(filters.equals)
        page_request.ranges.extend(filters.ranges)
        page_request.search = filters.search
        page_request.member_of.update(filters.member_of)
        items, result = await service.list(db, request.user.org_id, page_request)
        return JsonResponse(page(data=items, meta=list_meta(page_request, result)))

    async def get_item(
        self: Controller,
        request: CallerRequest,
        db: NamedDependency[Database],
        service: NamedDependency[Any],  # typed as the collection's service class by _typed()
        id: ident,
    ) -> JsonResponse[spec.model]:  # type: ignore[name-defined]
        item = await service.get(db, request.user.org_id, id)
        return JsonResponse(item, headers=spec.headers(item))

    _typed(c.service, list_items, get_item)
    sortable = ", ".join(f"`{s}`" for s in spec.sort_fields)
    return {
        f"list_{spec.name}": get(
            "/",
            opt={**requires(c.read_scope), SORTABLE: tuple(spec.sort_fields)},
            dependencies={
                "page_request": Provide(provide_page_request, sync_to_thread=False),
                "filters": Provide(c.filters, sync_to_thread=False),
            },
            responses=error_responses(*READ_ERRORS),
            summary=f"List {spec.name}",
            description=f"The organization's {spec.name}, newest first unless `sort`/`order` say otherwise. "
            f"Sortable by {sortable}.",
            operation_id=f"list_{spec.name}",
        )(list_items),
        f"get_{noun}": get(
            "/{id:str}",
            opt=requires(c.read_scope),
            responses=error_responses(*READ_ERRORS, 404),
            response_headers=[ETAG_HEADER],
            summary=f"Retrieve a {spec.noun}",
            description=f"One {spec.noun}, with an `ETag` to send back as `If-Match` on a later write.",
            operation_id=f"get_{noun}",
        )(get_item),
    }


def _write_routes(
    c: Collection[Any], create_model: type[Any], update_model: type[Any], write_scope: str
) -> dict[str, HTTPRouteHandler]:
    spec = c.spec
    noun, plural = _operation_noun(spec), spec.name
    ident = Annotated[str, _ident_doc(spec)]

    async def create_item(
        self: Controller,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        service: NamedDependency[Any],  # typed as the collection's service class by _typed()
    ) -> JsonResponse[spec.model]:  # type: ignore[name-defined]
        data = await read_json(request, create_model)
        item = await service.create(uow, request.user.org_id, data)
        headers = {"Location": f"/v1/{plural}/{item.id}", **spec.headers(item)}
        return JsonResponse(item, status_code=HTTP_201_CREATED, headers=headers)

    async def update_item(
        self: Controller,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        service: NamedDependency[Any],  # typed as the collection's service class by _typed()
        id: ident,
    ) -> JsonResponse[spec.model]:  # type: ignore[name-defined]
        data = await read_json(request, update_model)
        if_match = parse_if_match(request.headers.get("if-match"))
        item = await service.update(uow, request.user.org_id, id, data, if_match)
        return JsonResponse(item, headers=spec.headers(item))

    async def delete_item(
        self: Controller,
        request: CallerRequest,
        uow: NamedDependency[UnitOfWork],
        service: NamedDependency[Any],  # typed as the collection's service class by _typed()
        id: ident,
    ) -> None:
        await service.delete(uow, request.user.org_id, id, parse_if_match(request.headers.get("if-match")))

    _typed(c.service, create_item, update_item, delete_item)
    codes = ", ".join(f"`{code}`" for code in spec.conflict_codes())
    conflicts = (409,) if codes else ()
    on_conflict = f"; 409 {codes}" if codes else ""
    return {
        f"create_{noun}": post(
            "/",
            opt=requires(write_scope),
            dependencies=documents_body(create_model),
            responses=error_responses(*WRITE_ERRORS, *conflicts),
            response_headers=[LOCATION_HEADER, ETAG_HEADER],
            status_code=HTTP_201_CREATED,
            summary=f"Create a {spec.noun}",
            description=f"{c.create_doc} Answers 201 with a `Location` header{on_conflict}.",
            operation_id=f"create_{noun}",
        )(create_item),
        f"update_{noun}": route(
            "/{id:str}",
            http_method=[HttpMethod.PATCH, HttpMethod.PUT],
            opt=requires(write_scope),
            dependencies=documents_body(update_model),
            responses=error_responses(*WRITE_ERRORS, 404, *conflicts, 412),
            response_headers=[ETAG_HEADER],
            summary=f"Update a {spec.noun}",
            description="Change only the fields given; `PUT` has the same partial semantics. With "
            "`If-Match: <ETag>` the change applies only if nothing changed since (else 412).",
            operation_id=lambda handler, method, _: f"{method.lower()}_{noun}",
        )(update_item),
        f"delete_{noun}": delete(
            "/{id:str}",
            opt=requires(write_scope),
            responses=error_responses(*READ_ERRORS, 404, 412),
            status_code=HTTP_204_NO_CONTENT,
            summary=f"Delete a {spec.noun}",
            description=f"Permanently remove the {spec.noun}. Honours `If-Match` like updates.",
            operation_id=f"delete_{noun}",
        )(delete_item),
    }


def _operation_noun(spec: ResourceSpec[Any]) -> str:
    """The noun in operation ids: ``get_webhook_endpoint``."""
    return spec.noun.replace(" ", "_")


def _camel(noun: str) -> str:
    """``webhook endpoint`` → ``WebhookEndpoint``."""
    return "".join(word.capitalize() for word in noun.split())


def _page_model(spec: ResourceSpec[Any]) -> type[Any]:
    """``UserList``/``ProductList``: ``{"data": [...], "meta": {...}}`` with this collection's item type."""
    return msgspec.defstruct(
        f"{_camel(spec.noun)}List",
        [("data", list[spec.model]), ("meta", ListMeta)],  # type: ignore[name-defined]
    )
