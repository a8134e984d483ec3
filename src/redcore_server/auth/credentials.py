"""What the authenticator needs of each kind of bearer credential, so that it knows none of them:
API keys (``keys/credentials.py``) and access tokens (``sessions/credentials.py``) implement it,
and the assembly (``app.py``) hands them in."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from redcore_server.auth.principal import Principal
from redcore_server.db import Executor


class CredentialKind(Protocol):
    token_prefix: str  # how a token of this kind starts: ``sk_live_``
    id_prefix: str  # the prefix of the credential ids it yields (``Principal.credential_id``): ``key``

    async def principal(self, db: Executor, digest: str) -> Principal:
        """Who the token whose digest this is acts for; raises ``AuthenticationFailed`` (or
        ``TokenExpired``) when it acts for nobody."""
        ...

    async def touch(self, db: Executor, credential_id: str, now: datetime) -> None:
        """Record that the credential was used (``last_used_at``)."""
        ...
