"""``create_app(settings)``: the only place the Litestar application is assembled.

Everything a request may need is made here once, from the settings: the database, the limiters and
the gate, the domain services (``services.py``), what runs in the background (``background.py``).
Services reach route handlers as typed dependencies (Litestar DI, by name); the infrastructure the
ASGI layers and the health check read (``db``, ``gate``, ``limiter``, ``authenticator``) is on
``app.state``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from redcore_server.accounts.page import reset_password_page, verify_email_page
from redcore_server.accounts.routes import AccountEmailController
from redcore_server.auth.authenticator import Authenticator
from redcore_server.auth.gate import Gate
from redcore_server.background import Background
from redcore_server.config import Settings
from redcore_server.db import Database, Timeouts, open_database
from redcore_server.db.migrate import ensure_migrated
from redcore_server.db.uow import UnitOfWork
from redcore_server.events.routes import EventController
from redcore_server.health.routes import health
from redcore_server.http.authentication import authenticate_request
from redcore_server.http.dependencies import Boundary
from redcore_server.http.error_handler import handle_exception
from redcore_server.http.fast_reads import FastReads
from redcore_server.http.forwarded import Forwarded, TrustedProxies
from redcore_server.http.openapi import REQUEST_ID_HEADER, docs_assets, docs_page, openapi_config, openapi_json
from redcore_server.http.request_id import stamp_headers
from redcore_server.imports.routes import import_controllers
from redcore_server.invitations.page import accept_invitation_page
from redcore_server.invitations.routes import InvitationController, UserInvitationController
from redcore_server.keys.credentials import ApiKeys
from redcore_server.keys.routes import ApiKeyController
from redcore_server.kit.routes import collection_router
from redcore_server.me.routes import MeController
from redcore_server.orgs.routes import OrganizationController
from redcore_server.products.routes import PRODUCTS, ProductController
from redcore_server.ratelimit.limiter import build_limiter
from redcore_server.ratelimit.redis_limiter import RedisLink
from redcore_server.roles.routes import RoleController
from redcore_server.services import Services, build_services, redis_link
from redcore_server.sessions.credentials import AccessTokens
from redcore_server.sessions.routes import AuthController, UserSessionsController
from redcore_server.teams.routes import TeamController, TeamMembersController
from redcore_server.users.routes import USERS, UserController
from redcore_server.webhooks.routes import WebhookDeliveryController, WebhookEndpointController


class RedCore(Litestar):
    """The Litestar application with RedCore's outer ASGI layers (``front``) ahead of it.

    They see each HTTP request before Litestar wraps ``send`` with its ``before_send`` hook, so the
    lean read path (which writes the hook's headers itself) pays for neither the wrapper nor the hook;
    every other request reaches Litestar (:meth:`litestar`) as before. Lifespan events go straight to
    Litestar.
    """

    front: ASGIApp | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # A coroutine function, as ASGI servers check; the layers behind it are not (each hands back
        # the next one's coroutine), since every coroutine in a request's chain is re-entered each
        # time the request waits.
        if self.front is not None and scope["type"] == "http":
            await self.front(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    def litestar(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings()
    db = _database(settings)
    authenticator = Authenticator(
        db,
        [ApiKeys(), AccessTokens()],
        cache_ttl=settings.credential_cache_ttl,
        last_used_interval=settings.key_last_used_interval,
    )
    # One Redis pool, outage and /health status for every limiter of the process.
    redis = redis_link(settings)
    limiter = build_limiter(redis, settings.rate_limit_window, fail_closed=settings.rate_limit_fail_closed)
    gate = Gate(
        authenticator, limiter, default_limit=settings.rate_limit, auth_failure_limit=settings.auth_failure_limit
    )
    services = build_services(settings, redis)
    background = Background(db, settings, services.imports)

    def after_commit(uow: UnitOfWork) -> None:
        background.wake(uow.queued)
        if uow.credentials_revoked:  # this worker at once; the others within their cache's second
            authenticator.forget_all()

    boundary = Boundary(db, services.idempotency, after_commit)
    app = RedCore(
        route_handlers=[
            _v1(services, settings),
            health,
            openapi_json,
            docs_page,
            docs_assets,
            accept_invitation_page,
            reset_password_page,
            verify_email_page,
        ],
        dependencies=boundary.dependencies() | services.dependencies(),
        exception_handlers={Exception: handle_exception},
        before_send=[stamp_headers],
        response_headers=[REQUEST_ID_HEADER],
        lifespan=[_lifespan(settings, db, authenticator, redis, background)],
        state=State({"db": db, "authenticator": authenticator, "gate": gate, "limiter": limiter}),
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_size,
        logging_config=LoggingConfig(
            root={"level": settings.log_level.upper(), "handlers": ["queue_listener"]},
            log_exceptions="never",
            disable_stack_trace={Exception},
        ),
        debug=False,
    )
    app.front = _in_front(app.litestar, settings, db, gate, services)
    return app


def create_app_from_env() -> Litestar:
    """Factory for ``uvicorn --factory`` and worker processes: settings from the environment."""
    settings = Settings()
    logging.getLogger("redcore").setLevel(settings.log_level.upper())
    return create_app(settings)


def _database(settings: Settings) -> Database:
    return open_database(
        settings.database_url,
        pool_min=settings.db_pool_min_size,
        pool_max=settings.db_pool_max_size,
        sqlite_readers=settings.sqlite_readers,
        timeouts=Timeouts(
            acquire=settings.db_acquire_timeout, lock=settings.db_lock_timeout, statement=settings.db_statement_timeout
        ),
    )


def _v1(services: Services, settings: Settings) -> Router:
    """Every ``/v1`` route; each collection's controller is given its service."""
    return Router(
        path="/v1",
        route_handlers=[
            collection_router(UserController, services.users),
            collection_router(ProductController, services.products),
            collection_router(EventController, services.events),
            collection_router(WebhookEndpointController, services.endpoints),
            WebhookDeliveryController,
            ApiKeyController,
            AuthController,
            AccountEmailController,
            UserSessionsController,
            InvitationController,
            UserInvitationController,
            OrganizationController,
            MeController,
            collection_router(TeamController, services.teams),
            TeamMembersController,
            RoleController,
            *import_controllers(settings.import_max_bytes),
        ],
        before_request=authenticate_request,
    )


def _lifespan(
    settings: Settings, db: Database, authenticator: Authenticator, redis: RedisLink | None, background: Background
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.connect()
        try:
            await ensure_migrated(db)
            await authenticator.listen()
            if redis is not None:
                redis.start()  # watch Redis: /health stays true, and an outage ends by itself
            if settings.embedded_worker:
                background.start()
            yield
        finally:
            await background.stop()
            await authenticator.drain()
            if redis is not None:
                await redis.close()
            await db.close()

    return lifespan


def _in_front(handler: ASGIApp, settings: Settings, db: Database, gate: Gate, services: Services) -> ASGIApp:
    """The ASGI layers around the application: the lean read path, then (outermost) the client's
    address and scheme and the HTTPS rules."""
    if settings.fast_reads:
        reads = {
            USERS.spec.name: USERS.fast_read(services.users),
            PRODUCTS.spec.name: PRODUCTS.fast_read(services.products),
        }
        handler = FastReads(handler, db=db, gate=gate, reads=reads)
    return Forwarded(
        handler,
        proxies=TrustedProxies(settings.trusted_proxies),
        require_https=settings.require_https,
        hsts_max_age=settings.hsts_max_age,
    )
