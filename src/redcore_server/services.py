"""The domain services of one application, made once from the settings, above the domains.

Each is a typed dependency of the routes (Litestar DI, by name: a handler asks for
``sessions: NamedDependency[SessionService]``); each collection's routes get theirs as ``service``
(``kit/routes.py: collection_router``). Services that record events are handed the recorder here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from litestar.di import Provide

from redcore_server.accounts.links import WINDOW as RESET_WINDOW
from redcore_server.accounts.links import AccountPolicy
from redcore_server.accounts.service import AccountService
from redcore_server.config import Settings
from redcore_server.events.recorder import record
from redcore_server.events.service import EventService
from redcore_server.idempotency.service import IdempotencyService
from redcore_server.imports.service import ImportService
from redcore_server.invitations.service import WINDOW as INVITATION_WINDOW
from redcore_server.invitations.service import InvitationPolicy, InvitationService
from redcore_server.keys.service import KeyService
from redcore_server.kit.routes import provide
from redcore_server.me.service import MeService
from redcore_server.orgs.service import OrganizationService
from redcore_server.passwords import PasswordHasher
from redcore_server.products.importing import ProductImporter
from redcore_server.products.service import ProductService
from redcore_server.ratelimit.limiter import build_limiter
from redcore_server.ratelimit.redis_limiter import RedisLink
from redcore_server.roles.service import RoleService
from redcore_server.sessions.service import SessionService, SignInPolicy
from redcore_server.teams.service import TeamService
from redcore_server.users.importing import UserImporter
from redcore_server.users.service import UserService
from redcore_server.webhooks.service import DeliveryService, WebhookEndpointService


@dataclass(frozen=True, slots=True)
class Services:
    users: UserService
    products: ProductService
    events: EventService
    endpoints: WebhookEndpointService
    deliveries: DeliveryService
    sessions: SessionService
    invitations: InvitationService
    accounts: AccountService
    idempotency: IdempotencyService
    keys: KeyService
    organization: OrganizationService
    me: MeService
    teams: TeamService
    roles: RoleService
    imports: ImportService

    def dependencies(self) -> dict[str, Provide]:
        """One provider per service, named as the field (``users``, ``sessions``…)."""
        return {field.name: provide(getattr(self, field.name)) for field in fields(self)}


def redis_link(settings: Settings) -> RedisLink | None:
    """The process's link to Redis (shared by all its limiters), if one is configured."""
    if not settings.redis_url:
        return None
    return RedisLink(settings.redis_url, fail_closed=settings.rate_limit_fail_closed, timeout=settings.redis_timeout)


def build_services(settings: Settings, redis: RedisLink | None) -> Services:
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost,
        parallelism=settings.argon2_parallelism,
        threads=settings.password_hash_threads,
    )
    fail_closed = settings.rate_limit_fail_closed
    # Failed sign-ins, and wrong current passwords given to /v1/me, counted in the same window.
    password_failures = build_limiter(redis, settings.signin_window, fail_closed=fail_closed)
    sessions = SessionService(
        hasher,
        password_failures,
        SignInPolicy(
            access_ttl=settings.access_token_ttl,
            refresh_ttl=settings.refresh_token_ttl,
            failure_limit=settings.signin_failure_limit,
            address_limit=settings.signin_address_limit,
            backoff_threshold=settings.signin_backoff_threshold,
            backoff_max=settings.signin_backoff_max,
        ),
        record,
    )
    invitations = InvitationService(
        hasher,
        build_limiter(redis, INVITATION_WINDOW, fail_closed=fail_closed),
        InvitationPolicy(
            link=settings.invitation_url or f"{settings.base_url()}/accept-invitation",
            ttl=settings.invitation_ttl,
            org_limit=settings.invitation_org_limit,
            address_limit=settings.invitation_address_limit,
            global_address_limit=settings.invitation_global_address_limit,
        ),
    )
    accounts = AccountService(
        hasher,
        sessions,
        build_limiter(redis, RESET_WINDOW, fail_closed=fail_closed),
        AccountPolicy.from_settings(settings),
    )
    endpoints = WebhookEndpointService(allow_private=settings.webhook_allow_private)
    users = UserService(hasher, sessions, invitations, record, links=accounts)
    organization = OrganizationService(record)
    return Services(
        users=users,
        products=ProductService(record),
        events=EventService(),
        endpoints=endpoints,
        deliveries=DeliveryService(endpoints),
        sessions=sessions,
        invitations=invitations,
        accounts=accounts,
        idempotency=IdempotencyService(settings.idempotency_ttl),
        keys=KeyService(record),
        organization=organization,
        me=MeService(users, organization, hasher, password_failures, settings.signin_failure_limit),
        teams=TeamService(record),
        roles=RoleService(record),
        imports=ImportService(
            UserImporter(sessions, invitations, record, settings.import_statement_timeout),
            ProductImporter(record, settings.import_statement_timeout),
        ),
    )
