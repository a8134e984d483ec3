from __future__ import annotations

from datetime import datetime

import msgspec

ID_PREFIX = "key"  # API key ids are ``key_…`` (``ids.new_id``)


class ApiKey(msgspec.Struct):
    """An API key as listed: never its secret, only a recognisable prefix."""

    id: str
    org_id: str
    name: str | None
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    rate_limit: int | None = None


class CreatedApiKey(msgspec.Struct):
    """Returned once, at creation: the only time the secret is shown."""

    key: ApiKey
    secret: str
