"""Issuing, renaming, rolling and revoking API keys: the one implementation behind ``/v1/api_keys``
and ``redcore-server keys``.

A key is ``sk_live_`` and 32 random base62 characters (about 190 bits). Only its SHA-256 is stored
(``tokens.py`` says why that is enough); the secret is shown once, when the key is made.

Who may do what (the privilege rule, ``auth/privileges.py``): a key is made only with scopes the
caller holds, and by a key that expires only to expire no later than it; a key is renamed, rolled or
revoked only by a caller holding every scope of it. The operator at the server's shell holds
everything. The organization never loses its last working key holding ``keys:manage`` to another
credential's revocation: that key can revoke itself, deliberately (``force``), and any caller can
roll it. Revocation is seen by every process of the deployment within a second (at once on
PostgreSQL: the unit of work notifies them on commit).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from redcore_server import errors
from redcore_server.auth.privileges import InsufficientPrivilege, require_scopes
from redcore_server.auth.scopes import ALL_SCOPES, parse_scopes
from redcore_server.db import Executor
from redcore_server.db.uow import Actor, UnitOfWork
from redcore_server.ids import new_id, utcnow
from redcore_server.keys import repository
from redcore_server.keys.schemas import ID_PREFIX, ApiKey, ApiKeyCreate, ApiKeyUpdate, NewApiKey, RollApiKey
from redcore_server.kit.listing import PageRequest, PageResult
from redcore_server.kit.service import Recorder
from redcore_server.tokens import base62_token, hash_secret

KEY_PREFIX = "sk_live_"
_VISIBLE = len(KEY_PREFIX) + 6


class LastManagerKey(errors.Conflict):
    code = "last_manager_key"
    default_message = "This is the organization's last working key that can manage keys."


class KeyInactive(errors.Conflict):
    code = "api_key_inactive"
    default_message = "The API key is revoked or expired."


def generate_secret() -> str:
    return base62_token(KEY_PREFIX, 32)


async def create(
    db: Executor,
    org_id: str,
    *,
    scopes: str | list[str] | None = None,
    name: str | None = None,
    rate_limit: int | None = None,
    expires_at: datetime | None = None,
) -> NewApiKey:
    """Store a new key (no privilege check, no event: the operator's bootstrap and tests; everything
    else goes through :class:`KeyService`)."""
    try:
        granted = parse_scopes(scopes)
    except ValueError as exc:
        raise errors.ValidationError.of(("scopes", str(exc))) from None
    if name is not None and not 1 <= len(name.strip()) <= 200:
        raise errors.ValidationError.of(("name", "must be 1 to 200 characters"))
    if rate_limit is not None and rate_limit < 1:
        raise errors.ValidationError.of(("rate_limit", "must be a whole number of requests >= 1"))
    secret = generate_secret()
    key = NewApiKey(
        id=new_id(ID_PREFIX),
        name=name.strip() if name else None,
        prefix=secret[:_VISIBLE],
        scopes=list(granted),
        rate_limit=rate_limit,
        created_at=utcnow(),
        last_used_at=None,
        expires_at=expires_at,
        revoked_at=None,
        secret=secret,
    )
    await repository.insert(db, org_id, key, hash_secret(secret))
    return key


def public(key: ApiKey) -> ApiKey:
    """The key as listed (a :class:`NewApiKey` loses its secret): what events carry."""
    fields = {name: getattr(key, name) for name in ApiKey.__struct_fields__}
    return ApiKey(**fields)


class KeyService:
    def __init__(self, recorder: Recorder | None = None) -> None:
        self._record = recorder

    async def get(self, db: Executor, org_id: str, ident: str) -> ApiKey:
        found = await repository.KEYS.get(db, org_id, ident) if ident.startswith(f"{ID_PREFIX}_") else None
        if found is None:
            raise repository.KEYS.spec.not_found(ident)
        return found

    async def list(self, db: Executor, org_id: str, req: PageRequest) -> tuple[list[ApiKey], PageResult]:
        return await repository.KEYS.list_page(db, org_id, req)

    async def create(self, uow: UnitOfWork, org_id: str, data: ApiKeyCreate) -> NewApiKey:
        scopes: list[str] = list(data.scopes) if data.scopes else list(ALL_SCOPES)
        require_scopes(uow.actor, scopes, "Creating an API key with these scopes")
        now = utcnow()
        if data.expires_at is not None and data.expires_at <= now:
            raise errors.ValidationError.of(("expires_at", "must be in the future"))
        _within_callers_life(uow.actor, data.expires_at)
        tx = await uow.tx()
        key = await create(
            tx, org_id, scopes=scopes, name=data.name, rate_limit=data.rate_limit, expires_at=data.expires_at
        )
        await self._event(tx, uow, org_id, "api_key.created", public(key))
        return key

    async def rename(self, uow: UnitOfWork, org_id: str, ident: str, data: ApiKeyUpdate) -> ApiKey:
        tx = await uow.tx()
        key = await self._lock_own(tx, uow.actor, org_id, ident, "Renaming")
        if isinstance(data.name, str) or data.name is None:
            name = data.name.strip() if data.name is not None else None
            renamed = await repository.rename(tx, org_id, ident, name)
            assert renamed is not None  # locked above
            return renamed
        return key

    async def revoke(self, uow: UnitOfWork, org_id: str, ident: str, *, force: bool = False) -> ApiKey:
        """Revoke the key (again: a no-op). Refused (409 ``last_manager_key``) when it is the
        organization's last working key holding ``keys:manage``, unless that key itself asks with
        ``force``; the operator (no actor scopes) may always."""
        tx = await uow.tx()
        now = utcnow()
        # The organization's manager keys first, in id order, then the key: every revocation takes its
        # locks in this one order, so two revoking each other wait rather than deadlock.
        managers = await repository.lock_managers(tx, org_id, now)
        key = await self._lock_own(tx, uow.actor, org_id, ident, "Revoking")
        if key.revoked_at is not None:
            return key
        operator = uow.actor is None or uow.actor.scopes is None
        if managers == [ident] and not operator:
            itself = uow.actor is not None and uow.actor.credential_id == ident
            if not (itself and force):
                how = (
                    "send the request again with `force=true` to revoke it anyway"
                    if itself
                    else "create or roll another key with `keys:manage` first, or let this key revoke itself"
                )
                raise LastManagerKey(
                    f"{ident} is the organization's last working key that can manage keys; {how} "
                    "(keys can always be made again with `redcore-server keys create` on the server)."
                )
        revoked = await repository.revoke(tx, org_id, ident, now)
        assert revoked is not None  # locked above
        uow.credentials_revoked = True  # every process drops its cached credentials on commit
        await self._event(tx, uow, org_id, "api_key.revoked", revoked)
        return revoked

    async def roll(self, uow: UnitOfWork, org_id: str, ident: str, data: RollApiKey) -> NewApiKey:
        """A new key with the old one's name, scopes, limit and expiry, and a new secret; the old one
        works for ``grace_period`` seconds more (0: not at all)."""
        tx = await uow.tx()
        old = await self._lock_own(tx, uow.actor, org_id, ident, "Rolling")
        now = utcnow()
        if old.revoked_at is not None or (old.expires_at is not None and old.expires_at <= now):
            raise KeyInactive(f"{ident} is revoked or expired: create a new key instead of rolling it.")
        _within_callers_life(uow.actor, old.expires_at)
        new = await create(
            tx, org_id, scopes=old.scopes, name=old.name, rate_limit=old.rate_limit, expires_at=old.expires_at
        )
        if data.grace_period == 0:
            await repository.revoke(tx, org_id, ident, now)
        else:
            await repository.expire(tx, org_id, ident, now + timedelta(seconds=data.grace_period))
        uow.credentials_revoked = True  # the old secret's cached life must not outlast its grace
        event: dict[str, Any] = {"rolled_from": ident} | {name: getattr(new, name) for name in ApiKey.__struct_fields__}
        await self._event(tx, uow, org_id, "api_key.rolled", event)
        return new

    async def _lock_own(self, tx: Executor, actor: Actor | None, org_id: str, ident: str, doing: str) -> ApiKey:
        key = await repository.lock(tx, org_id, ident) if ident.startswith(f"{ID_PREFIX}_") else None
        if key is None:
            raise repository.KEYS.spec.not_found(ident)
        require_scopes(actor, key.scopes, f"{doing} an API key")
        return key

    async def _event(self, tx: Executor, uow: UnitOfWork, org_id: str, type_: str, data: Any) -> None:
        if self._record is not None:
            await self._record(tx, uow, org_id, type_, data)


def _within_callers_life(actor: Actor | None, expires_at: datetime | None) -> None:
    """A key that expires cannot make a key that outlives it (nobody grants what they do not hold)."""
    limit = actor.expires_at if actor is not None else None
    if limit is not None and (expires_at is None or expires_at > limit):
        raise InsufficientPrivilege(
            f"This key expires at {limit:%Y-%m-%dT%H:%M:%SZ}; a key it makes must expire no later (`expires_at`)."
        )
