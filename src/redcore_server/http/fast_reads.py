"""A lean path for the hottest request shape: ``GET /v1/{collection}/{id}``.

Measured on this project's 2-core reference machine (bench/users_get.py), even a minimal Litestar
handler serves this read at about 0.6x the throughput of a bare ASGI app on the same asyncpg pool;
the framework's per-request machinery (routing trie, request object, signature parsing, response
assembly, exception layers) costs more than the query. So this ASGI layer, installed in front of
Litestar (``app.RedCore``: before Litestar wraps ``send`` with its ``before_send`` hook), answers exactly
that shape itself, with the same pieces the routes use: the :class:`~redcore_server.auth.gate.Gate`
(authentication and rate limit), the domain's required scope, the parameter check of
``http/parameters.py`` (no control characters), its service ``get`` and its response headers, the
shared error rendering, and the headers that hook stamps on every answer (``X-Request-Id``,
``X-RateLimit-*``).

Anything else, including every other method and path, goes to Litestar. Each collection's Litestar
route stays registered: it documents the read in OpenAPI and serves it when fast reads are off
(``REDCORE_FAST_READS=false``); the test suite runs the read tests both ways.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.enums import ScopeType

from redcore_server import errors
from redcore_server.errors import error_body
from redcore_server.http.error_handler import resolve
from redcore_server.http.parameters import check_query_string
from redcore_server.http.request_id import request_id, stamped_headers
from redcore_server.text import control_character

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, Scope, Send

    from redcore_server.auth.gate import Gate
    from redcore_server.db import Database

_encoder = msgspec.json.Encoder()
_JSON = (b"content-type", b"application/json")


@dataclass(frozen=True, slots=True)
class FastRead:
    """How one collection serves ``GET /v1/{collection}/{id}``."""

    scope: str
    fetch: Callable[[Database, str, str], Awaitable[Any]]  # (db, org_id, id) -> resource, or raises NotFound
    headers: Callable[[Any], dict[str, str]]  # extra response headers for the resource (ETag)
    reserved: frozenset[str] = frozenset()  # path segments that are routes, not ids (``export``)


class FastReads:
    def __init__(self, app: ASGIApp, *, db: Database, gate: Gate, reads: Mapping[str, FastRead]) -> None:
        self._app = app
        self._db = db
        self._gate = gate
        self._reads = dict(reads)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine itself: it hands back the one that serves the request, so the chain of
        # coroutines that every wait of the request re-enters is one shorter.
        if scope["type"] == ScopeType.HTTP and scope["method"] == "GET":
            path: str = scope["path"]
            if path.startswith("/v1/"):
                collection, sep, ident = path[4:].partition("/")
                read = self._reads.get(collection)
                if read is not None and sep and ident and "/" not in ident and ident not in read.reserved:
                    return self._serve(read, ident, scope, send)  # type: ignore[arg-type]
        return self._app(scope, receive, send)

    async def _serve(
        self, read: FastRead, ident: str, scope: dict[str, Any], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        state = scope.setdefault("state", {})
        try:
            client = scope.get("client")
            principal = await self._gate.admit(authorization, client[0] if client else None, state)
            if read.scope not in principal.scopes:
                raise errors.InsufficientScope(read.scope)
            if (issue := control_character(ident)) is not None:  # as http/parameters.py does for the routes
                raise errors.ValidationError.of(("id", issue))
            if scope["query_string"]:
                check_query_string(scope["query_string"])
            resource = await read.fetch(self._db, principal.org_id, ident)
            status, body, extra = 200, _encoder.encode(resource), read.headers(resource)
        except Exception as exc:
            rid = request_id(scope)  # type: ignore[arg-type]
            api_error = resolve(exc, "GET", scope["path"], rid)
            status, body, extra = api_error.status, error_body(api_error, rid), api_error.headers
        headers = [_JSON, (b"content-length", str(len(body)).encode())]
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
        headers += stamped_headers(scope)  # type: ignore[arg-type]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
