"""Authentication for the ``/v1`` router: every request there passes the gate (a valid bearer token,
within its rate limit), and the credential must hold the scope its route names (see :func:`requires`).

It runs as the router's ``before_request`` hook rather than as ASGI middleware: route-level
middleware makes the framework add a second exception-handling layer around every route, which
measured at several percent of a single read's cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from redcore_server import errors
from redcore_server.http.parameters import check_request

if TYPE_CHECKING:
    from litestar import Request

    from redcore_server.auth.gate import Gate

REQUIRED_SCOPE = "required_scope"
PUBLIC = "public"  # a route that takes no credential (signing in): opt={PUBLIC: True}


async def authenticate_request(request: Request[Any, Any, Any]) -> None:
    """Admit the caller, then refuse control characters in its parameters (http/parameters.py)."""
    if request.route_handler.opt.get(PUBLIC):
        check_request(request)
        return
    gate: Gate = request.app.state.gate
    client = request.client.host if request.client else None
    principal = await gate.admit(request.headers.get("authorization"), client, request.scope["state"])
    for required in request.route_handler.opt.get(REQUIRED_SCOPE, ()):
        if required not in principal.scopes:
            raise errors.InsufficientScope(required)
    request.scope["user"] = principal
    check_request(request)


def requires(*scope_names: str) -> dict[str, tuple[str, ...]]:
    """Route ``opt`` naming the scopes a credential must carry (all of them; the OpenAPI document
    states them per operation, ``http/openapi_document.py``).

    (Not a Litestar guard: guards copy the route handler per request and run sync functions in a
    thread, which cost about a fifth of a single read's time.)
    """
    return {REQUIRED_SCOPE: scope_names}
