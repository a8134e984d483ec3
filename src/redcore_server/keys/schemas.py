from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args

import msgspec

from redcore_server.auth.scopes import ALL_SCOPES
from redcore_server.text import NonBlank

ID_PREFIX = "key"  # API key ids are ``key_…`` (``ids.new_id``)
GRACE_DEFAULT = 86_400  # seconds a rolled key keeps working unless the roll says otherwise
GRACE_MAX = 604_800

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
assert set(get_args(Scope)) == set(ALL_SCOPES)  # one list of scopes
Name = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, description="A label to recognise the key by"), NonBlank
]
RateLimit = Annotated[
    int, msgspec.Meta(ge=1, le=1_000_000_000, description="Requests per rate-limit window; null: the server's default")
]
Expiry = Annotated[
    datetime, msgspec.Meta(tz=True, description="When the key stops working (RFC 3339, in the future); null: never")
]
GracePeriod = Annotated[
    int,
    msgspec.Meta(
        ge=0, le=GRACE_MAX, description="Seconds the old secret keeps working (0–604800, default 86400; 0: not at all)"
    ),
]


class ApiKey(msgspec.Struct):
    """An API key as listed: never its secret, only a recognisable prefix."""

    id: str
    name: str | None
    prefix: str
    scopes: list[str]
    rate_limit: int | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class NewApiKey(ApiKey):
    """A key as made (created or rolled): the only time its ``secret`` is shown."""

    secret: str


class KeyGrant(msgspec.Struct, frozen=True):
    """What authenticating with a key needs of it (the hot path)."""

    id: str
    org_id: str
    scopes: list[str]
    rate_limit: int | None
    expires_at: datetime | None


class ApiKeyCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Without `scopes` the key gets every scope (the caller must hold them all)."""

    name: Name | None = None
    scopes: Annotated[list[Scope], msgspec.Meta(min_length=1, max_length=len(ALL_SCOPES))] | None = None
    expires_at: Expiry | None = None
    rate_limit: RateLimit | None = None


class ApiKeyUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Only the name changes; `null` clears it."""

    name: Name | msgspec.UnsetType | None = msgspec.UNSET


class RollApiKey(msgspec.Struct, forbid_unknown_fields=True):
    grace_period: GracePeriod = GRACE_DEFAULT
