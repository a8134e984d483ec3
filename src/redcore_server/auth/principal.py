from __future__ import annotations

from datetime import datetime

import msgspec


class Principal(msgspec.Struct, frozen=True):
    """Who is calling: the organization, the credential, and what it may do."""

    org_id: str
    credential_id: str
    scopes: frozenset[str]
    rate_limit: int | None = None  # the credential's own requests per window, if set
    user_id: str | None = None  # the signed-in user, for a user's access token (None for an API key)
    expires_at: datetime | None = None  # when an API key stops working (None: never, or a user's token)
