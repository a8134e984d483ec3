"""OpenAPI: the document at ``/openapi.json`` and interactive docs at ``/docs``, all served from
this server, so they work offline: Swagger UI 5 (it reads OpenAPI 3.1), vendored in
``http/docs_assets/`` by ``scripts/vendor-swagger-ui`` at a pinned version and checksum."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.serialization import encode_json
from litestar.static_files import create_static_files_router

from redcore_server import __version__
from redcore_server.errors import ErrorResponse
from redcore_server.http.openapi_document import finish_document

_DESCRIPTIONS = {
    400: "Invalid input (`validation_error` with `details`, or `invalid_json`).",
    401: "Missing, unknown or expired API key (`invalid_api_key`).",
    403: "The credential lacks the scope this route needs (`insufficient_scope`), or the change would grant "
    "or touch more than it holds (`insufficient_privilege`).",
    404: "No such resource in this organization (`not_found`).",
    409: "A unique field is already taken (`duplicate_email`, `duplicate_sku`).",
    412: "`If-Match` names a version that is no longer current (`precondition_failed`).",
    413: "The request body is larger than the limit (`payload_too_large`).",
    415: "The request body is not `application/json` (`unsupported_media_type`).",
    500: "An unexpected failure; the body carries the request id to quote (`internal_error`).",
    503: "A dependency such as the database is unavailable (`service_unavailable`).",
}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The contract's error shape, declared for the given statuses of one route."""
    return {
        status: ResponseSpec(
            data_container=ErrorResponse, description=_DESCRIPTIONS.get(status, "Error"), generate_examples=False
        )
        for status in statuses
    }


READ_ERRORS = (400, 401, 403, 500, 503)
WRITE_ERRORS = (400, 401, 403, 413, 415, 500, 503)

REQUEST_ID_HEADER = ResponseHeader(
    name="X-Request-Id", documentation_only=True, description="This request's id (`req_…`), also in error bodies."
)
ETAG_HEADER = ResponseHeader(
    name="ETag", documentation_only=True, description="The resource's version; send it back as `If-Match`."
)
LOCATION_HEADER = ResponseHeader(name="Location", documentation_only=True, description="Path of the created resource.")


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="RedCore API",
        version=__version__,
        description=(
            "Multi-tenant user management and product catalog. Every `/v1` route takes "
            "`Authorization: Bearer sk_live_…`; every error has the shape "
            '`{"error": {"code", "message", "status", "request_id", "details"?}}`.'
        ),
        components=Components(
            security_schemes={
                "apiKey": SecurityScheme(
                    type="http", scheme="bearer", description="An API key: `sk_live_…`, bound to one organization."
                )
            }
        ),
        security=[{"apiKey": []}],
        path="/schema",
        render_plugins=[_FinishedJson()],
        create_examples=False,
    )


_DOCS_ASSETS = Path(__file__).parent / "docs_assets"

_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>RedCore API reference</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/docs.js"></script>
</body>
</html>
"""
# Scripts from this server only (no inline script); Swagger UI sets inline styles and data: images.
_DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
    " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def finished_document(app: Litestar) -> bytes:
    """The OpenAPI document (see ``http/openapi_document.py``), built once per process."""
    state = app.state
    if "openapi_json" not in state:
        state.openapi_json = encode_json(finish_document(app, app.openapi_schema.to_schema()))
    document: bytes = state.openapi_json
    return document


class _FinishedJson(JsonRenderPlugin):
    """Litestar's own schema routes (``/schema``, ``/schema/openapi.json``) serve the same finished
    document; its other documentation pages (which load assets from CDNs) are not served."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return finished_document(request.app)


@get("/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_json(request: Request[Any, Any, Any]) -> Response[bytes]:
    return Response(content=finished_document(request.app), media_type="application/json")


@get("/docs", include_in_schema=False, sync_to_thread=False)
def docs_page() -> Response[str]:
    return Response(content=_DOCS_PAGE, media_type="text/html", headers={"Content-Security-Policy": _DOCS_CSP})


docs_assets = create_static_files_router(
    path="/docs/assets", directories=[_DOCS_ASSETS], include_in_schema=False, name="docs_assets"
)
