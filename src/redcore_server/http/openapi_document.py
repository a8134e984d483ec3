"""The OpenAPI document, finished so that it says exactly what the server does.

Litestar generates the paths, parameters and responses each route declares. This pass, run once per
process over that output, then makes it exact where the generator cannot:

- **Schemas** of request and response bodies come from msgspec, which decodes and encodes them:
  ``additionalProperties: false`` where unknown fields are refused, optional fields as optional,
  every ``msgspec.Meta`` constraint and ``extra_json_schema`` (enums, formats) as declared. A
  schema may bring ``$defs`` of its own (schemas its ``$ref`` s name): they become components.
- **Security**: operations that take no credential (``opt={PUBLIC: True}``, and everything outside
  ``/v1``) say ``security: []`` (Litestar drops an empty list); the others name the scope their
  credential must hold (``opt`` of ``http.authentication.requires``) in their security requirement
  (OpenAPI 3.1 allows role names there for any scheme) and in their description, and answer 401 with
  ``WWW-Authenticate``.
- **What every operation can answer**, from machinery that is not declared on each route: 429 from
  the rate limiter (with ``Retry-After``), ``X-RateLimit-*`` on counted responses, ``Retry-After``
  on 503, ``Idempotency-Key`` on every POST (``http/dependencies.py``), a schema on every header.
- **``If-Match``** on every operation that can answer 412 (updates and deletes of versioned
  resources).
- **Query parameters** are what a query string can carry (never null), with each list's ``sort``
  fields as an enum (``opt["sortable"]``).
- **Links** from each created resource to the operations on it, for clients and stateful testing.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable
from typing import Any

import msgspec
from litestar import Litestar
from litestar.di import Provide
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from redcore_server.errors import ErrorResponse
from redcore_server.http.authentication import PUBLIC, REQUIRED_SCOPE
from redcore_server.text import NO_NUL_PATTERN

REF = "#/components/schemas/{name}"
ERROR_CONTENT = {"application/json": {"schema": {"$ref": REF.format(name="ErrorResponse")}}}
SORTABLE = "sortable"  # route opt: the fields a list's ``sort`` accepts (default: created_at)
BODY_OPTIONAL = "body_optional"  # route opt: the request body may be left out
RAW_BODY = "raw_body"  # route opt: {media type: description}: a body of text the handler reads itself
UNLINKED = "unlinked"  # route opt: not a link from its parent's create (it may not exist for every one)
OK_RESPONSE = "ok_response"  # route opt: the 200 response's description and media types (a streamed body)
_METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"\{(\w+):\w+\}")

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
IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The `ETag` of the version this change is based on (several, comma-separated; or `*`, any): if "
    "the resource has changed since, nothing is done and the answer is 412 `precondition_failed` (as it is for a "
    "value naming no version).",
    "schema": {"type": "string"},
}
WWW_AUTHENTICATE = {"description": 'How to authenticate: `Bearer realm="redcore"`.', "schema": {"type": "string"}}
UNAUTHENTICATED = {
    "description": "No credential, or one that is unknown, revoked or expired (`invalid_api_key`).",
    "content": ERROR_CONTENT,
}
RETRY_AFTER = {"description": "Seconds to wait before trying again.", "schema": {"type": "integer", "minimum": 0}}
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Requests this credential may make per window.",
    "X-RateLimit-Remaining": "Requests left in the current window.",
    "X-RateLimit-Reset": "When the window ends (unix seconds).",
}
RATE_LIMITED = {
    "description": "Too many requests in this window (`rate_limit_exceeded`); retry after `Retry-After`.",
    "content": ERROR_CONTENT,
    "headers": {"Retry-After": RETRY_AFTER},
}


def finish_document(app: Litestar, doc: dict[str, Any]) -> dict[str, Any]:
    operations = _operations(app)
    _exact_schemas(doc, operations.values())
    for (path, method), handler in operations.items():
        operation = doc["paths"].get(path, {}).get(method)
        if operation is None:
            continue
        public = bool(handler.opt.get(PUBLIC)) or not path.startswith("/v1/")
        if public:
            operation["security"] = []
        elif scopes := handler.opt.get(REQUIRED_SCOPE):
            operation["security"] = [{"apiKey": list(scopes)}]
            listed = " and ".join(f"`{scope}`" for scope in scopes)
            needs = f"Requires the {listed} scope{'s' if len(scopes) > 1 else ''}."
            described = operation.get("description")
            operation["description"] = f"{described}\n\n{needs}" if described else needs
        if "412" in operation.get("responses", {}):
            operation.setdefault("parameters", []).append(IF_MATCH_PARAMETER)
        _parameters(operation, handler)
        if (ok := handler.opt.get(OK_RESPONSE)) is not None and "200" in operation.get("responses", {}):
            operation["responses"]["200"].update(ok)
        _responses(operation, counted=not public, under_v1=path.startswith("/v1/"))
        if raw := handler.opt.get(RAW_BODY):
            # Any text but U+0000 (which PostgreSQL cannot store); its form is checked when it is read.
            schema = {"pattern": NO_NUL_PATTERN}
            content = {media: {"schema": schema | {"description": text}} for media, text in raw.items()}
            operation["requestBody"] = {"required": True, "content": content}
        if handler.opt.get(BODY_OPTIONAL) and "requestBody" in operation:
            operation["requestBody"]["required"] = False
        if method == "post":
            _idempotency(operation)
    _links(doc, {(path, m) for (path, m), h in operations.items() if h.opt.get(UNLINKED)})
    # The framework lists paths in an order that follows string hashing, so it changed from one
    # process to the next; sorted, the document is the same bytes on every start.
    doc["paths"] = dict(sorted(doc["paths"].items()))
    return doc


def _operations(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    """Every documented (OpenAPI path, method) and the handler that serves it."""
    found: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = _PARAM.sub(r"{\1}", route.path)
        for handler in route.route_handlers:
            for method in handler.http_methods:
                if method.lower() in _METHODS and handler.include_in_schema:
                    found[(path, method.lower())] = handler
    return found


# -- schemas ------------------------------------------------------------------------------------


def _models(handlers: Iterable[HTTPRouteHandler]) -> list[type[Any]]:
    """The msgspec Structs the handlers decode from bodies and encode into responses."""
    models: dict[str, type[Any]] = {"ErrorResponse": ErrorResponse}
    for handler in handlers:
        returned = handler.parsed_fn_signature.return_type.annotation
        for arg in typing.get_args(returned):
            if isinstance(arg, type) and issubclass(arg, msgspec.Struct):
                models[arg.__name__] = arg
        body = (handler.dependencies or {}).get("_openapi_body")  # see http/body.py: documents_body
        if isinstance(body, Provide):
            model = body.dependency.__annotations__.get("data")
            if isinstance(model, type) and issubclass(model, msgspec.Struct):
                models[model.__name__] = model
    return list(models.values())


def _exact_schemas(doc: dict[str, Any], handlers: Iterable[HTTPRouteHandler]) -> None:
    _, components = msgspec.json.schema_components(_models(handlers), ref_template=REF)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(components)
    _hoist_defs(schemas)
    used = _referenced(doc)
    for name in [n for n in schemas if n not in used]:
        del schemas[name]


def _hoist_defs(schemas: dict[str, Any]) -> None:
    """Move every ``$defs`` found inside the component schemas to the components themselves."""
    pending: list[Any] = list(schemas.values())
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for name, schema in node.pop("$defs", {}).items():
                schemas.setdefault(name, schema)
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)


def _referenced(doc: dict[str, Any]) -> set[str]:
    """Component schema names reachable from the paths."""
    schemas = doc.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    pending: list[Any] = [doc.get("paths", {})]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in seen:
                    seen.add(name)
                    pending.append(schemas.get(name))
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return seen


# -- operations ---------------------------------------------------------------------------------


def _parameters(operation: dict[str, Any], handler: HTTPRouteHandler) -> None:
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema")
        if not isinstance(schema, dict):
            continue
        if parameter.get("in") in ("query", "path", "header"):
            parameter["schema"] = schema = _not_null(schema)
        if parameter.get("in") == "query" and parameter["name"] == "sort":
            schema.pop("pattern", None)
            schema.pop("maxLength", None)
            schema["enum"] = list(handler.opt.get(SORTABLE, ("created_at",)))
        for noise in ("deprecated", "allowEmptyValue", "allowReserved"):
            if parameter.get(noise) is False:
                del parameter[noise]


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema without the ``null`` a Python default of None put there: a query string
    cannot carry null (an absent parameter is how "none" is said)."""
    schema = dict(schema)
    for key in ("oneOf", "anyOf"):
        options = [o for o in schema.pop(key, []) if o.get("type") != "null"]
        if len(options) == 1:
            schema = {**options[0], **schema}
        elif options:
            schema[key] = options
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        schema["type"] = kinds[0] if len(kinds) == 1 else kinds
    if "enum" in schema:
        schema["enum"] = [v for v in schema["enum"] if v is not None]
    return schema


HTTPS_REQUIRED = {
    "description": "Sent over plain HTTP while the server requires HTTPS (`https_required`).",
    "content": ERROR_CONTENT,
}


def _responses(operation: dict[str, Any], *, counted: bool, under_v1: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if counted:
        responses.setdefault("429", RATE_LIMITED)
        unauthenticated = responses.setdefault("401", dict(UNAUTHENTICATED))
        unauthenticated.setdefault("headers", {})["WWW-Authenticate"] = dict(WWW_AUTHENTICATE)
    if under_v1:  # REDCORE_REQUIRE_HTTPS (http/forwarded.py); /health stays open to load balancers
        responses.setdefault("403", HTTPS_REQUIRED)
    for status, response in responses.items():
        headers: dict[str, Any] = response.setdefault("headers", {})
        for header in headers.values():
            header.setdefault("schema", {"type": "string"})
            for noise in ("deprecated", "required"):
                if header.get(noise) is False:
                    del header[noise]
        if status in ("429", "503"):
            headers.setdefault("Retry-After", RETRY_AFTER)
        if counted:
            for name, description in RATE_LIMIT_HEADERS.items():
                headers.setdefault(name, {"description": description, "schema": {"type": "integer", "minimum": 0}})
        if not headers:
            del response["headers"]


def _idempotency(operation: dict[str, Any]) -> None:
    operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
    responses = operation.setdefault("responses", {})
    conflict = responses.setdefault("409", {"description": "Conflict.", "content": ERROR_CONTENT})
    conflict["description"] += " `idempotency_key_in_use` while a request with the same Idempotency-Key runs."
    conflict.setdefault("headers", {})["Retry-After"] = RETRY_AFTER
    invalid = responses.setdefault("400", {"description": "Invalid input.", "content": ERROR_CONTENT})
    invalid["description"] += " `idempotency_key_reused` for an Idempotency-Key sent with another request."


def _links(doc: dict[str, Any], unlinked: set[tuple[str, str]]) -> None:
    """From each create (``POST /v1/things`` answering 201) to every operation on the thing made
    (``/v1/things/{id}``, ``/v1/things/{id}/part``: its id, from the created body, is all they
    need), but those marked :data:`UNLINKED`."""
    paths: dict[str, Any] = doc.get("paths", {})
    for path, item in paths.items():
        created = item.get("post", {}).get("responses", {}).get("201")
        if created is None or "{" in path:
            continue
        links: dict[str, Any] = {}
        for target, target_item in paths.items():
            match = re.fullmatch(re.escape(path) + r"/\{(\w+)\}(/[^{}]*)?", target)
            if match is None:
                continue
            for method, operation in target_item.items():
                if method in _METHODS and "operationId" in operation and (target, method) not in unlinked:
                    links[operation["operationId"]] = {
                        "operationId": operation["operationId"],
                        "parameters": {match.group(1): "$response.body#/id"},
                    }
        if links:
            created["links"] = links
