"""``create_app(settings)``: the only place the Litestar application is assembled."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.logging import LoggingConfig

from redcore_server.auth.authenticator import Authenticator
from redcore_server.auth.gate import Gate
from redcore_server.auth.middleware import authenticate_request
from redcore_server.config import Settings
from redcore_server.db import Timeouts, open_database
from redcore_server.db.migrate import ensure_migrated
from redcore_server.events.routes import EVENTS, EventController
from redcore_server.events.service import EventService
from redcore_server.health.routes import health
from redcore_server.housekeeping.jobs import housekeeping_jobs
from redcore_server.housekeeping.runner import Housekeeper
from redcore_server.http.crud import ReadableService
from redcore_server.http.dependencies import dependencies
from redcore_server.http.error_handler import handle_exception
from redcore_server.http.fast_reads import FastReads
from redcore_server.http.forwarded import Forwarded, TrustedProxies
from redcore_server.http.openapi import REQUEST_ID_HEADER, docs_assets, docs_page, openapi_config, openapi_json
from redcore_server.http.request_id import stamp_headers
from redcore_server.idempotency.service import IdempotencyService
from redcore_server.invitations.page import accept_invitation_page
from redcore_server.invitations.routes import InvitationController, UserInvitationController
from redcore_server.invitations.service import WINDOW as INVITATION_WINDOW
from redcore_server.invitations.service import InvitationPolicy, InvitationService
from redcore_server.outbox.workers import outbox_workers
from redcore_server.passwords import PasswordHasher
from redcore_server.products.routes import PRODUCTS, ProductController
from redcore_server.products.service import ProductService
from redcore_server.ratelimit.limiter import build_limiter
from redcore_server.ratelimit.redis_limiter import RedisLink
from redcore_server.sessions.routes import AuthController, UserSessionsController
from redcore_server.sessions.service import SessionService, SignInPolicy
from redcore_server.users.routes import USERS, UserController
from redcore_server.users.service import UserService
from redcore_server.webhooks.routes import WEBHOOK_ENDPOINTS, WebhookDeliveryController, WebhookEndpointController
from redcore_server.webhooks.service import DeliveryService, WebhookEndpointService


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings()
    db = open_database(
        settings.database_url,
        pool_min=settings.db_pool_min_size,
        pool_max=settings.db_pool_max_size,
        sqlite_readers=settings.sqlite_readers,
        timeouts=Timeouts(
            acquire=settings.db_acquire_timeout, lock=settings.db_lock_timeout, statement=settings.db_statement_timeout
        ),
    )
    authenticator = Authenticator(
        db, cache_ttl=settings.credential_cache_ttl, last_used_interval=settings.key_last_used_interval
    )
    # One Redis pool, outage and /health status for every limiter of the process.
    redis = RedisLink(settings.redis_url, fail_closed=settings.rate_limit_fail_closed) if settings.redis_url else None
    limiter = build_limiter(redis, settings.rate_limit_window, fail_closed=settings.rate_limit_fail_closed)
    gate = Gate(
        authenticator, limiter, default_limit=settings.rate_limit, auth_failure_limit=settings.auth_failure_limit
    )
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost,
        parallelism=settings.argon2_parallelism,
        threads=settings.password_hash_threads,
    )

    signin_failures = build_limiter(redis, settings.signin_window, fail_closed=settings.rate_limit_fail_closed)
    sessions = SessionService(
        hasher,
        signin_failures,
        SignInPolicy(
            access_ttl=settings.access_token_ttl,
            refresh_ttl=settings.refresh_token_ttl,
            failure_limit=settings.signin_failure_limit,
            address_limit=settings.signin_address_limit,
            backoff_threshold=settings.signin_backoff_threshold,
            backoff_max=settings.signin_backoff_max,
        ),
    )
    endpoints = WebhookEndpointService(allow_private=settings.webhook_allow_private)
    invitations_sent = build_limiter(redis, INVITATION_WINDOW, fail_closed=settings.rate_limit_fail_closed)
    invitations = InvitationService(
        hasher,
        invitations_sent,
        InvitationPolicy(
            link=settings.invitation_url or f"{settings.base_url()}/accept-invitation",
            ttl=settings.invitation_ttl,
            org_limit=settings.invitation_org_limit,
            address_limit=settings.invitation_address_limit,
            global_address_limit=settings.invitation_global_address_limit,
        ),
    )
    services: dict[str, ReadableService[Any]] = {
        USERS.name: UserService(hasher, invitations),
        PRODUCTS.name: ProductService(),
        EVENTS.name: EventService(),
        WEBHOOK_ENDPOINTS.name: endpoints,
    }
    collections = (USERS, PRODUCTS)
    state = State(
        {
            "db": db,
            "authenticator": authenticator,
            "gate": gate,
            "limiter": limiter,
            "hasher": hasher,
            "settings": settings,
            "services": services,
            "deliveries": DeliveryService(endpoints),
            "sessions": sessions,
            "invitations": invitations,
            "idempotency": IdempotencyService(settings.idempotency_ttl),
            "workers": {},  # the outbox workers running in this process, by name
        }
    )

    housekeeper = Housekeeper(db, housekeeping_jobs(settings))

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.connect()
        try:
            await ensure_migrated(db)
            await authenticator.listen()
            if redis is not None:
                redis.start()  # watch Redis: /health stays true, and an outage ends by itself
            if settings.embedded_worker:
                state.workers = {w.name: w for w in outbox_workers(db, settings)}
                for worker in state.workers.values():
                    worker.start()
                housekeeper.start()  # runs wherever the outbox workers run
            yield
        finally:
            await housekeeper.stop()
            for worker in state.workers.values():
                await worker.stop()
            state.workers = {}
            await authenticator.drain()
            if redis is not None:
                await redis.close()
            await db.close()

    v1 = Router(
        path="/v1",
        route_handlers=[
            UserController,
            ProductController,
            EventController,
            WebhookEndpointController,
            WebhookDeliveryController,
            AuthController,
            UserSessionsController,
            InvitationController,
            UserInvitationController,
        ],
        before_request=authenticate_request,
    )

    app = Litestar(
        route_handlers=[v1, health, openapi_json, docs_page, docs_assets, accept_invitation_page],
        dependencies=dependencies(),
        exception_handlers={Exception: handle_exception},
        before_send=[stamp_headers],
        response_headers=[REQUEST_ID_HEADER],
        lifespan=[lifespan],
        state=state,
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_size,
        logging_config=LoggingConfig(
            root={"level": settings.log_level.upper(), "handlers": ["queue_listener"]},
            log_exceptions="never",
            disable_stack_trace={Exception},
        ),
        debug=False,
    )
    if settings.fast_reads:
        app.asgi_handler = FastReads(
            app.asgi_handler,
            db=db,
            gate=gate,
            reads={c.name: c.fast_read(services[c.name]) for c in collections},
        )
    app.asgi_handler = Forwarded(  # in front of everything: the client's address and scheme, the HTTPS rules
        app.asgi_handler,
        proxies=TrustedProxies(settings.trusted_proxies),
        require_https=settings.require_https,
        hsts_max_age=settings.hsts_max_age,
    )
    return app


def create_app_from_env() -> Litestar:
    """Factory for ``uvicorn --factory`` and worker processes: settings from the environment."""
    settings = Settings()
    logging.getLogger("redcore").setLevel(settings.log_level.upper())
    return create_app(settings)
