"""``GET /{name}/export``: a collection's whole filtered list, streamed as NDJSON or CSV.

A :class:`~redcore_server.kit.routes.Collection` with ``export=True`` gets this route beside its list,
with the list's own filter parameters, ``sort`` and ``order``, and ``format=ndjson|csv``, under the
list's read scope. The walk and the lines are ``kit/export.py``'s. The first batch is read before the
answer starts, so a bad parameter or an unavailable database is a clean error response; after that a
failure cuts the stream short (the chunked body has no end: clients report a broken download), and a
client that goes away ends the walk (Litestar cancels the body's iterator on ``http.disconnect``).

(No ``from __future__ import annotations`` here: Litestar reads the handler's annotations.)
"""

from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from litestar import Controller, Request, get
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.params import Parameter
from litestar.response import Stream

from redcore_server.auth.principal import Principal
from redcore_server.db import Database
from redcore_server.http.authentication import requires
from redcore_server.http.openapi import READ_ERRORS, error_responses
from redcore_server.http.openapi_document import OK_RESPONSE, REF, SORTABLE
from redcore_server.kit.export import ExportFormat, Writer, filename, walk, writer_for
from redcore_server.kit.listing import PageRequest
from redcore_server.kit.params import text_parameter

if TYPE_CHECKING:
    from redcore_server.kit.routes import Collection

EXPORT_SEGMENT = "export"  # /v1/{name}/export: the fast read path leaves it to this route
CallerRequest = Request[Principal, Any, Any]


@dataclass(slots=True)
class ExportRequest:
    sort: str | None
    order: Literal["asc", "desc"] | None
    format: ExportFormat


def provide_export_request(
    sort: Annotated[str | None, text_parameter("Field to sort by (default `created_at`).", max_length=64)] = None,
    order: Annotated[Literal["asc", "desc"] | None, Parameter(description="Sort direction (default `desc`).")] = None,
    format: Annotated[
        Literal["ndjson", "csv"],
        Parameter(description="`ndjson` (default: one JSON object per line) or `csv` (a header row, then a row each)."),
    ] = "ndjson",
) -> ExportRequest:
    return ExportRequest(sort=sort, order=order, format=format)


def export_routes(c: "Collection[Any]") -> dict[str, HTTPRouteHandler]:
    spec = c.spec

    async def export_items(
        self: Controller,
        request: CallerRequest,
        db: NamedDependency[Database],
        service: NamedDependency[Any],  # typed as the collection's service class below
        export_request: NamedDependency[ExportRequest],
        filters: NamedDependency[Any],  # the collection's ListFilters
    ) -> Stream:
        org_id = request.user.org_id
        req = PageRequest(
            limit=1,  # the walk sets its own batch size
            sort=export_request.sort,
            order=export_request.order,
            filters=dict(filters.equals),
            ranges=list(filters.ranges),
            search=filters.search,
            member_of=dict(filters.member_of),
            count=False,
        )
        writer = writer_for(export_request.format, spec.model)
        batches = walk(service.list, db, org_id, req)
        first = await anext(batches, None)  # a bad sort or a database fault answers here, as an error
        headers = {
            "Content-Disposition": f'attachment; filename="{filename(spec.name, org_id, writer)}"',
            "Cache-Control": "no-store",
        }
        return Stream(_body(writer, first, batches), media_type=writer.media_type, headers=headers)

    export_items.__annotations__["service"] = NamedDependency[c.service]  # type: ignore[misc,name-defined]
    sortable = ", ".join(f"`{s}`" for s in spec.sort_fields)
    ok = {
        "description": f"`application/x-ndjson`: one {spec.noun} per line, as `GET /v1/{spec.name}/{{id}}` shows it "
        f"(the schema is a line's). `text/csv`: a header row, then one {spec.noun} per row, every field in the order "
        f"of `{spec.model.__name__}`. `Content-Disposition` names a file.",
        "content": {
            "application/x-ndjson": {"schema": {"$ref": REF.format(name=spec.model.__name__)}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
    return {
        f"export_{spec.name}": get(
            f"/{EXPORT_SEGMENT}",
            opt={**requires(c.read_scope), SORTABLE: tuple(spec.sort_fields), OK_RESPONSE: ok},
            dependencies={
                "export_request": Provide(provide_export_request, sync_to_thread=False),
                "filters": Provide(c.filters, sync_to_thread=False),
            },
            responses=error_responses(*READ_ERRORS),
            response_headers=[
                ResponseHeader(
                    name="Content-Disposition",
                    documentation_only=True,
                    description=f'`attachment; filename="{spec.name}-<org id>-<UTC time>.ndjson"` (or `.csv`).',
                ),
                ResponseHeader(name="Cache-Control", documentation_only=True, description="`no-store`."),
            ],
            summary=f"Export {spec.name}",
            description=f"Every {spec.noun} the list's filters select (the same parameters as `GET /v1/{spec.name}`, "
            f"without `limit`, `offset`, `page` or `starting_after`), streamed as NDJSON "
            "(`application/x-ndjson`, one JSON object per line) or CSV (`text/csv; charset=utf-8`, a header row, "
            "every field in order; RFC 3339 times, `true`/`false`, empty for null, objects as compact JSON, a "
            "text cell starting with `= + - @`, a tab, a carriage return or `'` prefixed with `'`), by `format`. "
            f"Sortable by {sortable}. The export walks the list on its keyset cursor in batches of separate "
            "queries: each item appears at most once unless its sort field changes meanwhile; items created or "
            "deleted while it runs may or may not appear. Errors are answered before the first byte; a failure "
            "later ends the body early, without its final chunk.",
            operation_id=f"export_{spec.name}",
        )(export_items)
    }


async def _body(
    writer: Writer, first: Sequence[Any] | None, batches: AsyncGenerator[Sequence[Any], None]
) -> AsyncIterator[bytes]:
    """The response body: the head and the first batch in one chunk, then a chunk per batch."""
    try:
        chunk = writer.head + (writer.lines(first) if first is not None else b"")
        if chunk:
            yield chunk
        if first is None:
            return
        async for batch in batches:
            yield writer.lines(batch)
    finally:
        await batches.aclose()  # ends the walk at once when the client went away (a cancellation)
