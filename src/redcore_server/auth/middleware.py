"""ASGI middleware on the ``/v1`` router: every request there carries a valid bearer token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware

from redcore_server import errors
from redcore_server.auth.principal import Principal

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.handlers import BaseRouteHandler
    from litestar.types import ASGIApp, Guard, Receive, Scope, Send

    from redcore_server.auth.authenticator import Authenticator


class AuthenticationMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        authenticator: Authenticator = scope["litestar_app"].state.authenticator
        scope["user"] = await authenticator.authenticate(authorization)
        await next_app(scope, receive, send)


def requires(scope_name: str) -> Guard:
    """A route guard: the caller's credential must carry ``scope_name``."""

    def guard(connection: ASGIConnection[Any, Principal, Any, Any], _: BaseRouteHandler) -> None:
        if scope_name not in connection.user.scopes:
            raise errors.InsufficientScope(scope_name)

    guard.__name__ = f"requires_{scope_name.replace(':', '_')}"
    return guard
