"""Bearer-token authentication with a short-lived in-process cache.

The hot path hashes the token (SHA-256, microseconds) and looks it up in a dict. A cached
entry is trusted for ``credential_cache_ttl`` seconds (at most one), so a revoked key stops
working within a second on every worker without any broadcast. ``last_used_at`` is written in
the background, at most once per key per ``key_last_used_interval``. Each kind of credential
(API keys, access tokens) is handed in as a :class:`~redcore_server.auth.credentials.CredentialKind`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from redcore_server import errors
from redcore_server.auth.credentials import CredentialKind
from redcore_server.auth.principal import Principal
from redcore_server.db import Database
from redcore_server.db.uow import CREDENTIALS_CHANNEL
from redcore_server.ids import has_prefix, utcnow
from redcore_server.tokens import hash_secret

logger = logging.getLogger("redcore.auth")
_MAX_CACHED = 50_000


class Authenticator:
    def __init__(
        self, db: Database, kinds: Sequence[CredentialKind], *, cache_ttl: float, last_used_interval: float
    ) -> None:
        self._db = db
        self._kinds = tuple(kinds)
        self._ttl = cache_ttl
        self._last_used_interval = last_used_interval
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._last_touched: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def authenticate(self, authorization: str | None) -> Principal:
        token = _bearer_token(authorization)
        digest = hash_secret(token)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and hit[1] > now:
            principal = hit[0]
        else:
            principal = await self._lookup(token, digest, now)
        self._maybe_touch(principal.credential_id, now)
        return principal

    async def _lookup(self, token: str, digest: str, now: float) -> Principal:
        kind = next((k for k in self._kinds if token.startswith(k.token_prefix)), None)
        if kind is None:
            raise errors.AuthenticationFailed()
        try:
            principal = await kind.principal(self._db, digest)
        except errors.AuthenticationFailed:
            self._cache.pop(digest, None)  # an entry past its life, for a credential now revoked
            raise
        if self._ttl > 0:
            if len(self._cache) >= _MAX_CACHED:
                self._cache.clear()
            self._cache[digest] = (principal, now + self._ttl)
        return principal

    async def listen(self) -> None:
        """Drop the cache whenever any process commits a revocation (PostgreSQL); elsewhere the cache's
        one-second life bounds how long another process trusts a revoked credential."""
        await self._db.listen(CREDENTIALS_CHANNEL, self.forget_all)

    def forget_all(self) -> None:
        """Drop every cached credential (tests, and revocation in this process)."""
        self._cache.clear()

    def _maybe_touch(self, key_id: str, now: float) -> None:
        last = self._last_touched.get(key_id)
        if last is not None and now - last < self._last_used_interval:
            return
        if len(self._last_touched) >= _MAX_CACHED:
            self._last_touched.clear()
        self._last_touched[key_id] = now
        task = asyncio.get_running_loop().create_task(self._touch(key_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _touch(self, credential_id: str) -> None:
        kind = next((k for k in self._kinds if has_prefix(credential_id, k.id_prefix)), None)
        if kind is None:
            return
        try:
            await kind.touch(self._db, credential_id, utcnow())
        except Exception:  # a failed bookkeeping write must never fail a request
            logger.warning("could not record last_used_at for %s", credential_id, exc_info=True)

    async def drain(self) -> None:
        """Wait for background bookkeeping (at shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise errors.AuthenticationFailed("Send an API key or access token as `Authorization: Bearer …`.")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise errors.AuthenticationFailed("Send an API key as `Authorization: Bearer sk_live_…`.")
    return token
