"""OpenAPI: the document at ``/openapi.json`` and interactive docs at ``/docs``, all served from
this server (the Swagger UI assets come from the ``swagger-ui-bundle`` package), so they work
offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import swagger_ui_bundle
from litestar import Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme
from litestar.serialization import encode_json
from litestar.static_files import create_static_files_router

from redcore_server import __version__
from redcore_server.errors import ErrorResponse

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
        render_plugins=[],
        create_examples=False,
    )


_SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)

_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>RedCore API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
                                 persistAuthorization: true});
  </script>
</body>
</html>
"""


IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique value (1–255 printable ASCII characters, a UUID is ideal) to make this POST safe to "
    "retry: the same key with the same request within 24 hours answers the first response again, with "
    "`Idempotent-Replayed: true`, and does nothing more; with a different request, 400 "
    "`idempotency_key_reused`; while the first is still running, 409 `idempotency_key_in_use` "
    "(retry after `Retry-After`).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}
_ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}


def document_idempotency(doc: dict[str, Any]) -> dict[str, Any]:
    """Every POST takes ``Idempotency-Key`` (``http/dependencies.py`` handles it for all of them, so
    it is documented here once rather than on each route)."""
    for item in doc.get("paths", {}).values():
        operation = item.get("post")
        if operation is None:
            continue
        operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
        responses = operation.setdefault("responses", {})
        conflict = responses.setdefault("409", {"description": "Conflict.", "content": _ERROR_REF})
        conflict["description"] += " `idempotency_key_in_use` while a request with the same Idempotency-Key runs."
        invalid = responses.setdefault("400", {"description": "Invalid input.", "content": _ERROR_REF})
        invalid["description"] += " `idempotency_key_reused` for an Idempotency-Key sent with another request."
    return doc


@get("/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_json(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The OpenAPI document, built once per process."""
    state = request.app.state
    if "openapi_json" not in state:
        state.openapi_json = encode_json(document_idempotency(request.app.openapi_schema.to_schema()))
    return Response(content=state.openapi_json, media_type="application/json")


@get("/docs", include_in_schema=False, sync_to_thread=False)
def docs_page() -> Response[str]:
    return Response(content=_DOCS_PAGE, media_type="text/html")


docs_assets = create_static_files_router(
    path="/docs/assets", directories=[_SWAGGER_DIR], include_in_schema=False, name="docs_assets"
)
