"""API keys as bearer credentials (``auth/credentials.py``)."""

from __future__ import annotations

from datetime import datetime

from redcore_server import errors
from redcore_server.auth.principal import Principal
from redcore_server.db import Executor
from redcore_server.ids import utcnow
from redcore_server.keys import repository
from redcore_server.keys.schemas import ID_PREFIX
from redcore_server.keys.service import KEY_PREFIX


class ApiKeys:
    token_prefix = KEY_PREFIX
    id_prefix = ID_PREFIX

    async def principal(self, db: Executor, digest: str) -> Principal:
        key = await repository.grant_by_hash(db, digest)
        if key is None:
            raise errors.AuthenticationFailed()
        if key.expires_at is not None and key.expires_at <= utcnow():
            raise errors.TokenExpired("The provided API key has expired.")
        return Principal(
            org_id=key.org_id,
            credential_id=key.id,
            scopes=frozenset(key.scopes),
            rate_limit=key.rate_limit,
            expires_at=key.expires_at,
        )

    async def touch(self, db: Executor, credential_id: str, now: datetime) -> None:
        await repository.touch(db, credential_id, now)
