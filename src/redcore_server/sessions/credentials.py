"""Access tokens as bearer credentials (``auth/credentials.py``): their scopes follow the user's
role as it is now (a built-in's from ``ROLE_SCOPES``, a custom role's from its row, read with the
token; a change of a role's scopes drops every process's credential cache)."""

from __future__ import annotations

from datetime import datetime

from redcore_server import errors
from redcore_server.auth.principal import Principal
from redcore_server.auth.scopes import ROLE_SCOPES
from redcore_server.db import Executor
from redcore_server.ids import utcnow
from redcore_server.sessions import repository
from redcore_server.sessions.schemas import ID_PREFIX
from redcore_server.sessions.service import ACCESS_PREFIX


class AccessTokens:
    token_prefix = ACCESS_PREFIX
    id_prefix = ID_PREFIX

    async def principal(self, db: Executor, digest: str) -> Principal:
        grant = await repository.by_access_hash(db, digest)
        if grant is None or grant.user_status != "active":
            raise errors.AuthenticationFailed("The access token is not valid (revoked, or replaced by a refresh).")
        if grant.expires_at <= utcnow():
            raise errors.TokenExpired("The access token has expired; exchange the refresh token for a new one.")
        built_in = ROLE_SCOPES.get(grant.role)
        scopes = built_in if built_in is not None else frozenset((grant.role_scopes or "").split())
        return Principal(org_id=grant.org_id, credential_id=grant.session_id, scopes=scopes, user_id=grant.user_id)

    async def touch(self, db: Executor, credential_id: str, now: datetime) -> None:
        await repository.touch(db, credential_id, now)
