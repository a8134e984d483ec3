"""Issuing and revoking API keys.

A key is ``sk_live_`` and 32 random base62 characters (about 190 bits). Only its SHA-256 is
stored (``tokens.py`` says why that is enough).
"""

from __future__ import annotations

from redcore_server import errors
from redcore_server.auth.scopes import parse_scopes
from redcore_server.db import Executor
from redcore_server.ids import new_id, utcnow
from redcore_server.keys import repository
from redcore_server.keys.schemas import ID_PREFIX, ApiKey, CreatedApiKey
from redcore_server.tokens import base62_token, hash_secret

KEY_PREFIX = "sk_live_"
_VISIBLE = len(KEY_PREFIX) + 6


def generate_secret() -> str:
    return base62_token(KEY_PREFIX, 32)


async def create(
    db: Executor,
    org_id: str,
    *,
    scopes: str | list[str] | None = None,
    name: str | None = None,
    rate_limit: int | None = None,
) -> CreatedApiKey:
    try:
        granted = parse_scopes(scopes)
    except ValueError as exc:
        raise errors.ValidationError.of(("scopes", str(exc))) from None
    if name is not None and not 1 <= len(name.strip()) <= 200:
        raise errors.ValidationError.of(("name", "must be 1 to 200 characters"))
    if rate_limit is not None and rate_limit < 1:
        raise errors.ValidationError.of(("rate_limit", "must be a whole number of requests >= 1"))
    secret = generate_secret()
    key = ApiKey(
        id=new_id(ID_PREFIX),
        org_id=org_id,
        name=name.strip() if name else None,
        prefix=secret[:_VISIBLE],
        scopes=list(granted),
        created_at=utcnow(),
        last_used_at=None,
        expires_at=None,
        revoked_at=None,
        rate_limit=rate_limit,
    )
    await repository.insert(db, key, hash_secret(secret))
    return CreatedApiKey(key=key, secret=secret)


async def revoke(db: Executor, org_id: str, key_id: str) -> ApiKey:
    key = await repository.revoke(db, org_id, key_id, utcnow())
    if key is None:
        raise errors.NotFound(f"No API key {key_id!r} in this organization.")
    return key
