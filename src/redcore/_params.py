"""The parameters each call of the SDK accepts, as typed dictionaries (``redcore.types`` exports them
with the models): ``*Filters`` narrow and order a list (``list_all`` and ``iter`` take them),
``*ListParams`` add one page's position, ``*CreateParams``/``*UpdateParams`` are a write's body."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, Required, TypedDict

from redcore._models import (
    DeliveryStatus,
    EventType,
    Order,
    ProductSort,
    ProductStatus,
    Scope,
    TeamSort,
    UserSort,
    UserStatus,
)


class UserFilters(TypedDict, total=False):
    """What narrows and orders a list of users (``list_all`` and ``iter`` take these)."""

    role: str  # "admin", "editor", "viewer" or a custom role's key
    status: UserStatus
    q: str  # partial, case-insensitive match on name or email
    search: str  # alias of q
    external_id: str  # the user with this external_id (compared exactly)
    team: str  # only members of this team (a team_ id)
    sort: UserSort
    order: Order


class UserListParams(UserFilters, total=False):
    """``users.list``: the filters plus one page's position (``offset``, ``page`` or ``starting_after``)."""

    limit: int  # 1-100, default 20
    offset: int
    page: int  # 1-based
    starting_after: str  # a previous page's meta.next_cursor
    include_total: bool  # False: no count, meta.total is None


class UserCreateParams(TypedDict, total=False):
    """``users.create``: ``email`` and ``name`` are required; without ``password`` the user is invited."""

    email: Required[str]
    name: Required[str]
    role: str  # any role key of the organization; default "viewer"
    password: str  # 8-128 characters
    avatar: str | None
    external_id: str | None  # 1-255 characters, one line; unique per organization
    public_metadata: dict[str, Any]  # JSON objects, <= 8 KiB encoded, <= 5 levels deep
    private_metadata: dict[str, Any]  # never shown to the user themselves


class UserUpdateParams(TypedDict, total=False):
    """``users.update``: only the fields given change; ``avatar=None`` and ``external_id=None`` clear
    them. ``public_metadata`` and ``private_metadata`` are merged: each key given is set, a ``None``
    value removes its key, the others stay."""

    name: str
    email: str
    role: str  # "admin", "editor", "viewer" or a custom role's key
    status: Literal["active", "inactive", "suspended"]
    avatar: str | None
    password: str
    external_id: str | None
    public_metadata: dict[str, Any]
    private_metadata: dict[str, Any]


class OrganizationUpdateParams(TypedDict, total=False):
    """``organization.update``: only the fields given change."""

    name: str  # 1-200 characters, unique across organizations
    base_currency: str  # ISO 4217: the currency of products created from then on without one


class MeUpdateParams(TypedDict, total=False):
    """``me.update``: only the fields given change; ``avatar=None`` clears the avatar. ``email`` needs
    ``current_password`` too."""

    name: str
    avatar: str | None
    email: str
    current_password: str


class ProductFilters(TypedDict, total=False):
    """What narrows and orders a list of products (``list_all`` and ``iter`` take these)."""

    status: ProductStatus
    q: str  # partial, case-insensitive match on name or SKU
    sort: ProductSort
    order: Order


class ProductListParams(ProductFilters, total=False):
    """``products.list``: the filters plus one page's position (``offset``, ``page`` or ``starting_after``)."""

    limit: int
    offset: int
    page: int
    starting_after: str
    include_total: bool  # False: no count, meta.total is None


class ProductCreateParams(TypedDict, total=False):
    """``products.create``: ``name``, ``sku`` and ``price`` (minor units) are required."""

    name: Required[str]
    sku: Required[str]
    price: Required[int]
    currency: str  # ISO 4217; the organization's base currency by default
    stock: int  # default 0
    status: ProductStatus  # default "available"
    metadata: dict[str, Any]  # a JSON object, <= 8 KiB encoded, <= 5 levels deep


class ProductUpdateParams(TypedDict, total=False):
    """``products.update``: only the fields given change; ``metadata`` is merged (each key given is
    set, a ``None`` value removes its key, the others stay)."""

    name: str
    sku: str
    price: int
    currency: str
    stock: int
    status: ProductStatus
    metadata: dict[str, Any]


class EventFilters(TypedDict, total=False):
    """What narrows and orders a list of events (``list_all`` and ``iter`` take these).

    A ``datetime`` is sent as RFC 3339 in UTC (a naive one is taken as UTC); a string is sent as is.
    """

    type: EventType
    created_after: datetime | str  # at or after this time
    created_before: datetime | str  # strictly before this time
    sort: Literal["created_at"]
    order: Order


class EventListParams(EventFilters, total=False):
    """``events.list``: the filters plus one page's position (``offset``, ``page`` or ``starting_after``)."""

    limit: int
    offset: int
    page: int
    starting_after: str
    include_total: bool  # False: no count, meta.total is None


class WebhookEndpointFilters(TypedDict, total=False):
    """What narrows and orders a list of webhook endpoints (``list_all`` and ``iter`` take these)."""

    enabled: bool
    sort: Literal["created_at"]
    order: Order


class WebhookEndpointListParams(WebhookEndpointFilters, total=False):
    """``webhook_endpoints.list``: the filters plus one page's position."""

    limit: int
    offset: int
    page: int
    starting_after: str
    include_total: bool  # False: no count, meta.total is None


class WebhookEndpointCreateParams(TypedDict, total=False):
    """``webhook_endpoints.create``: ``url`` is required; no ``event_types`` (or None) means every type."""

    url: Required[str]
    description: str | None
    event_types: Sequence[EventType] | None
    enabled: bool  # default True


class WebhookEndpointUpdateParams(TypedDict, total=False):
    """``webhook_endpoints.update``: only the fields given change; ``event_types=None`` subscribes to all."""

    url: str
    description: str | None
    event_types: Sequence[EventType] | None
    enabled: bool


class WebhookDeliveryFilters(TypedDict, total=False):
    """What narrows a list of one endpoint's deliveries (newest first)."""

    status: DeliveryStatus


class WebhookDeliveryListParams(WebhookDeliveryFilters, total=False):
    """``webhook_endpoints.list_deliveries``: the filter plus one page's position."""

    limit: int
    offset: int
    page: int
    starting_after: str
    include_total: bool  # False: no count, meta.total is None


class SessionFilters(TypedDict, total=False):
    """How a user's sessions are ordered (``iter_sessions`` takes these); newest first by default."""

    sort: Literal["created_at"]
    order: Order


class SessionListParams(SessionFilters, total=False):
    """``users.list_sessions``: the order plus one page's position."""

    limit: int
    offset: int
    page: int
    starting_after: str
    include_total: bool  # False: no count, meta.total is None


class ApiKeyFilters(TypedDict, total=False):
    """How a list of API keys is ordered (``list_all`` and ``iter`` take these); newest first by default.
    Revoked and expired keys are listed too."""

    sort: Literal["created_at"]
    order: Order


class ApiKeyListParams(ApiKeyFilters, total=False):
    """``api_keys.list``: the order plus one page's position (``offset``, ``page`` or ``starting_after``)."""

    limit: int
    offset: int
    page: int
    starting_after: str
    include_total: bool  # False: no count, meta.total is None


class ApiKeyCreateParams(TypedDict, total=False):
    """``api_keys.create``: every field is optional. No ``scopes`` (or None) means every scope, all of
    which the caller must then hold.

    ``expires_at`` must be in the future: a ``datetime`` is sent as RFC 3339 (a naive one is taken as
    UTC), a string as is (RFC 3339 with an offset, e.g. ``"2027-01-31T00:00:00Z"``).
    """

    name: str | None  # 1-200 characters
    scopes: Sequence[Scope] | None
    expires_at: datetime | str | None  # None: never expires
    rate_limit: int | None  # requests per window; None: the server's default


class ApiKeyUpdateParams(TypedDict, total=False):
    """``api_keys.update``: only the name changes; ``name=None`` clears it."""

    name: Required[str | None]


class TeamFilters(TypedDict, total=False):
    """What narrows and orders a list of teams (``list_all`` and ``iter`` take these)."""

    q: str  # partial, case-insensitive match on the name
    sort: TeamSort
    order: Order


class TeamListParams(TeamFilters, total=False):
    """``teams.list``: the filters plus one page's position (``offset``, ``page`` or ``starting_after``)."""

    limit: int
    offset: int
    page: int
    starting_after: str
    include_total: bool  # False: no count, meta.total is None


class TeamCreateParams(TypedDict, total=False):
    """``teams.create``: ``name`` (1-200 characters, unique in the organization in any case) is required."""

    name: Required[str]
    description: str | None  # up to 2000 characters, several lines allowed


class TeamUpdateParams(TypedDict, total=False):
    """``teams.update``: only the fields given change; ``description=None`` clears it."""

    name: str
    description: str | None


class TeamMemberFilters(TypedDict, total=False):
    """What narrows and orders a team's members (``iter_members`` takes these): the users list's."""

    role: str  # any role key of the organization
    status: UserStatus
    q: str  # partial, case-insensitive match on name or email
    sort: UserSort
    order: Order


class TeamMemberListParams(TeamMemberFilters, total=False):
    """``teams.list_members``: the filters plus one page's position."""

    limit: int
    offset: int
    page: int
    starting_after: str
    include_total: bool  # False: no count, meta.total is None


class RoleFilters(TypedDict, total=False):
    """What orders a list of roles (``list_all`` and ``iter`` take these)."""

    sort: Literal["created_at", "key", "name"]
    order: Order


class RoleListParams(RoleFilters, total=False):
    """``roles.list``: the order plus one page's position."""

    limit: int
    offset: int
    page: int
    starting_after: str
    include_total: bool  # False: no count, meta.total is None


class RoleCreateParams(TypedDict):
    """``roles.create``: ``key`` (lowercase ``[a-z][a-z0-9_-]{0,31}``, never changes), ``name``
    (1-200 characters) and ``scopes`` (at least one; the caller must hold them all)."""

    key: str
    name: str
    scopes: list[Scope]


class RoleUpdateParams(TypedDict, total=False):
    """``roles.update``: only the fields given change."""

    name: str
    scopes: list[Scope]
