"""The API's objects as typed models (re-exported by :mod:`redcore.types`).

Models are msgspec Structs: fields are typed (timestamps are timezone-aware ``datetime``), fields
the SDK does not know yet are ignored (a newer server never breaks an older SDK), and both
``user.email`` and ``user["email"]`` work. Enumerated values (``role``, ``status``) are read as
plain strings for the same reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

BuiltInRole = Literal["admin", "editor", "viewer"]  # a user's role is one of these or a custom role's key
UserStatus = Literal["active", "inactive", "pending_invite", "suspended"]
ProductStatus = Literal["available", "out_of_stock", "discontinued"]
Order = Literal["asc", "desc"]
ExportFormat = Literal["ndjson", "csv"]  # users.export / products.export: models a line, or the CSV's bytes
UserSort = Literal["created_at", "name", "email"]
ProductSort = Literal["created_at", "name", "price", "sku"]
TeamSort = Literal["created_at", "name"]
EventType = Literal[
    "user.created",
    "user.updated",
    "user.deleted",
    "product.created",
    "product.updated",
    "product.deleted",
    "user.signed_in",
    "user.password_changed",
    "user.password_reset",
    "user.email_verified",
    "api_key.created",
    "api_key.revoked",
    "api_key.rolled",
    "organization.updated",
    "team.created",
    "team.updated",
    "team.deleted",
    "team.member_added",
    "team.member_removed",
    "role.created",
    "role.updated",
    "role.deleted",
    "import.completed",
]
ImportStatus = Literal["queued", "running", "succeeded", "failed"]
DeliveryStatus = Literal["pending", "succeeded", "failed"]
InvitationStatus = Literal["pending", "accepted", "revoked", "expired"]
Scope = Literal[
    "users:read",
    "users:write",
    "products:read",
    "products:write",
    "keys:manage",
    "webhooks:manage",
    "events:read",
    "org:manage",
    "teams:read",
    "teams:write",
]


class Model(msgspec.Struct, kw_only=True):
    """Base of every API object: attribute access, item access, ``in`` and ``to_dict()``."""

    def __getitem__(self, key: str) -> Any:
        """``user["email"]``: the field ``key``; KeyError if the model has no such field."""
        if key not in self.__struct_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        """``"email" in user``: whether the model has a field ``key``."""
        return key in self.__struct_fields__

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key``, or ``default`` when the model has no such field (like ``dict.get``)."""
        return getattr(self, key, default) if key in self.__struct_fields__ else default

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-ready builtins (timestamps as RFC 3339 strings), nested models included."""
        result: dict[str, Any] = msgspec.to_builtins(self)
        return result


class UserProfile(Model, kw_only=True):
    """A user as the user themselves sees it (``me.get()``, signing in, following an emailed link):
    every field of :class:`User` but ``private_metadata``."""

    id: str
    email: str
    email_verified: bool = False  # whether the user proved they receive mail at ``email``
    name: str
    role: str  # "admin" | "editor" | "viewer" | a custom role's key
    status: str  # "active" | "inactive" | "pending_invite" | "suspended"
    avatar: str | None = None
    last_login: datetime | None = None
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None  # the user's id in another system; unique per organization
    public_metadata: dict[str, Any] = msgspec.field(default_factory=dict)


class User(UserProfile, kw_only=True):
    """A user of the organization. The API never returns a password.

    ``public_metadata`` and ``private_metadata`` are JSON objects (at most 8 KiB encoded, 5 levels
    deep); the user sees only the public one."""

    private_metadata: dict[str, Any] = msgspec.field(default_factory=dict)


class Organization(Model, kw_only=True):
    """The organization a credential belongs to (``org_…``). ``base_currency`` (ISO 4217) is the
    currency of products created without one."""

    id: str
    name: str
    base_currency: str
    created_at: datetime
    updated_at: datetime


class ApiKey(Model, kw_only=True):
    """An API key of the organization (``key_…``), as listed and read: never its secret, only ``prefix``
    (``sk_live_`` and the next few characters) to recognise it by.

    It works while ``revoked_at`` is None and ``expires_at`` (if any) is in the future. After a
    ``roll`` the old key has ``expires_at`` set to the end of the grace period.
    """

    id: str
    name: str | None = None
    prefix: str
    scopes: list[str]  # Scope values; read as plain strings so a newer server's scopes decode too
    rate_limit: int | None = None  # requests per window; None: the server's default
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class Role(Model, kw_only=True):
    """A role of the organization: a named set of scopes that a user's access token carries. The
    built-in ``admin``, ``editor`` and ``viewer`` (``built_in``) are read like the others but never
    changed or deleted; custom roles (``member``, ``moderator``…) are the organization's own."""

    key: str
    name: str
    scopes: list[str]  # Scope values; read as plain strings so a newer server's scopes decode too
    built_in: bool = False
    created_at: datetime
    updated_at: datetime


class ImportCounts(Model, kw_only=True):
    """How far an import is: ``rows`` read, ``processed`` (checked), and what it did."""

    rows: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0  # rows with a problem


class ImportProblem(Model, kw_only=True):
    """What is wrong with one line of an imported file (line 1 of a CSV file is its header)."""

    line: int
    field: str
    issue: str


class Import(Model, kw_only=True):
    """An import job (``client.users.import_``): ``queued``, ``running``, then ``succeeded`` (every row
    written, or a dry run without problems) or ``failed`` (nothing written: ``problems`` by line, or
    ``error``)."""

    id: str
    resource: str
    status: ImportStatus
    dry_run: bool
    counts: ImportCounts
    problems: list[ImportProblem]
    problem_count: int
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        """Whether the job has ended (``succeeded`` or ``failed``)."""
        return self.status in ("succeeded", "failed")


class NewApiKey(ApiKey, kw_only=True):
    """A key as made by ``api_keys.create`` or ``api_keys.roll``: the only answer that carries its
    ``secret`` (``sk_live_…``). Keep it then (``Client(api_key=key.secret)``); it is never shown again,
    and left out of the ``repr``."""

    secret: str

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__struct_fields__ if name != "secret")
        return f"NewApiKey({fields})"


class Me(Model, kw_only=True):
    """Who the client's credential is (``client.me.get()``): ``type`` is ``"api_key"`` (then
    ``api_key`` is the key) or ``"user"`` (then ``user`` is the signed-in user and ``session_id`` the
    session of the access token); ``scopes`` are what the credential may do now."""

    type: str  # "api_key" | "user"
    organization: Organization
    scopes: list[str]
    api_key: ApiKey | None = None
    user: UserProfile | None = None  # never its private_metadata
    session_id: str | None = None


class Session(Model, kw_only=True):
    """A user's signed-in session (``ses_…``): one sign-in, and every refresh since. Revoking it ends
    its access and refresh tokens at once."""

    id: str
    user_id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime  # when the session ends, however often it is refreshed: sign in again then
    ip: str | None = None  # the address it signed in from
    user_agent: str | None = None


class TokenResponse(Model, kw_only=True):
    """What signing in or refreshing answers: a new access token and the refresh token that replaces it.

    ``access_token`` (``rca_…``) is a Bearer credential whose scopes follow the user's role: use it as
    a client's ``api_key`` to act as the user, ``Client(api_key=tokens.access_token)``. It works for
    ``expires_in`` seconds; before then, ``client.auth.refresh(tokens.refresh_token)`` gives new
    tokens for the same session. Both tokens are secrets, left out of the ``repr``.
    """

    access_token: str
    token_type: str  # "Bearer"
    expires_in: int  # seconds
    refresh_token: str
    refresh_expires_in: int  # seconds
    session: Session
    user: UserProfile  # never its private_metadata

    def __repr__(self) -> str:
        return (
            f"TokenResponse(token_type={self.token_type!r}, expires_in={self.expires_in}, "
            f"refresh_expires_in={self.refresh_expires_in}, session={self.session!r}, user={self.user!r})"
        )


class Invitation(Model, kw_only=True):
    """A user's latest invitation (``inv_…``): the emailed link works while ``status`` is ``pending``.

    Sent when a user is created without a password; ``users.resend_invitation`` replaces it with a new
    one (the old link stops working), ``users.revoke_invitation`` withdraws it. The link's token is
    never part of it: only the email has it.
    """

    id: str
    user_id: str
    email: str
    status: str  # "pending" | "accepted" | "revoked" | "expired"
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None = None


class Product(Model):
    """A product of the catalog. ``price`` is an integer in minor units (cents for USD)."""

    id: str
    name: str
    sku: str
    price: int
    currency: str
    stock: int
    status: str  # "available" | "out_of_stock" | "discontinued"
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)  # a JSON object, merged by update


class Team(Model, kw_only=True):
    """A team of the organization's users (``team_…``). ``name`` is unique in the organization in any
    case; ``member_count`` is kept by the server as members join and leave (users deleted included)."""

    id: str
    name: str
    description: str | None = None
    member_count: int
    created_at: datetime
    updated_at: datetime


class Event(Model, kw_only=True):
    """Something that changed in the organization: ``type`` is ``user.created``, ``product.deleted``…;
    ``data`` is the object after the change (as it was before, for a deletion); once a deleted
    user's data is erased, their events' ``data`` is ``{"id": "usr_…", "erased": True}``."""

    id: str
    type: str  # an EventType; read as a plain string so a newer server's types decode too
    created_at: datetime
    data: dict[str, Any]
    request_id: str | None = None  # the req_ id of the API request that made the change, if any
    credential_id: str | None = None  # the key_ id of the credential that made it, if any


class WebhookEvent(Model):
    """What a webhook receiver gets in the body of each delivery (see :func:`redcore.webhooks.verify`):
    the :class:`Event`, without who caused it."""

    id: str
    type: str
    created_at: datetime
    data: dict[str, Any]


class WebhookEndpoint(Model, kw_only=True):
    """A URL that the organization's events are delivered to, signed with the endpoint's secret.

    ``secret`` (``whsec_…``) is only in the answers of ``create`` and ``rotate_secret``: keep it
    then, to verify deliveries with :func:`redcore.webhooks.verify`. Elsewhere it is None.
    """

    id: str
    url: str
    description: str | None = None
    event_types: list[str] | None = None  # None: every event type
    enabled: bool
    disabled_reason: str | None = None  # why the server disabled it (e.g. the receiver answered 410)
    previous_secret_expires_at: datetime | None = None  # until then the old secret signs too, after a rotation
    created_at: datetime
    updated_at: datetime
    secret: str | None = None


class WebhookAttempt(Model, kw_only=True):
    """One attempt at delivering a webhook: the receiver's status code, or why there was none."""

    attempt: int  # 1 for the first
    created_at: datetime
    status_code: int | None = None  # None when no response came (refused, timed out)
    duration_ms: int
    error: str | None = None
    response_excerpt: str | None = None  # the first KiB of the receiver's answer


class WebhookDelivery(Model, kw_only=True):
    """One event's delivery to one endpoint, with every attempt so far.

    Its ``id`` (``msg_…``) is the ``webhook-id`` header the receiver gets, the same on every retry.
    """

    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: str  # "pending" | "succeeded" | "failed"
    attempt_count: int
    next_attempt_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    attempts: list[WebhookAttempt] = msgspec.field(default_factory=list)
