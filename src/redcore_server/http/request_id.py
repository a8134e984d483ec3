"""Every response carries ``X-Request-Id`` (errors repeat it in their body), and counted requests
their rate-limit headers."""

from __future__ import annotations

from random import getrandbits
from typing import TYPE_CHECKING

from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute

ALLOWED_METHODS_STATE = "allowed_methods"  # OPTIONS handler (by id) -> its route's Allow header, built once

if TYPE_CHECKING:
    from litestar.types import Message, Scope


def request_id(scope: Scope) -> str:
    """The request's id, made on first use (``req_`` and 24 hex digits).

    It only has to be unique enough to find a request in the logs, not secret, so it comes from the
    fast PRNG rather than a system call per request.
    """
    state = scope.setdefault("state", {})  # set by uvicorn and Litestar; absent in a bare test scope
    rid: str | None = state.get("request_id")
    if rid is None:
        rid = state["request_id"] = f"req_{getrandbits(96):024x}"
    return rid


async def stamp_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: the request id on every HTTP response, errors and 404s included, and the
    ``X-RateLimit-*`` headers on every response to a request the rate limiter counted."""
    if message["type"] == "http.response.start":
        message["headers"] = [*message.get("headers", ()), *stamped_headers(scope)]
        if scope.get("method") == "OPTIONS" and message["status"] == 204:
            _allow_every_method(MutableScopeHeaders.from_message(message), scope)


def stamped_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    """What every response carries: ``X-Request-Id``, and ``X-RateLimit-*`` when the rate limiter
    counted the request (never set by a handler, so appended rather than searched for). Written by
    :func:`stamp_headers` for Litestar's answers and by the lean read path for its own."""
    headers = [(b"x-request-id", request_id(scope).encode())]
    decision = scope["state"].get("rate_limit")
    if decision is not None:
        headers.append((b"x-ratelimit-limit", str(decision.limit).encode()))
        headers.append((b"x-ratelimit-remaining", str(decision.remaining).encode()))
        headers.append((b"x-ratelimit-reset", str(decision.reset).encode()))
    return headers


def _allow_every_method(headers: MutableScopeHeaders, scope: Scope) -> None:
    """Litestar's automatic ``OPTIONS`` answer lists the methods of the route as it was when its
    first handlers were registered (a route whose handlers come from several controllers, like
    ``/v1/users/{id}``, then says only ``DELETE, OPTIONS``); say what the finished route allows."""
    handler = scope.get("route_handler")
    app = scope.get("litestar_app")
    if handler is None or app is None:
        return
    allowed: dict[int, str] | None = app.state.get(ALLOWED_METHODS_STATE)
    if allowed is None:
        allowed = app.state[ALLOWED_METHODS_STATE] = {
            id(h): ", ".join(sorted(route.methods))
            for route in app.routes
            if isinstance(route, HTTPRoute)
            for h in route.route_handlers
            if "OPTIONS" in h.http_methods
        }
    if (methods := allowed.get(id(handler))) is not None:
        headers["Allow"] = methods
