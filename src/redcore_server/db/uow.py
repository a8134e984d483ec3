"""A unit of work: the one transaction of a writing request.

The transaction is opened on first use, so a service can do slow work that needs no database
(hashing a password) before taking a connection, and it is committed or rolled back once, by the
request boundary (``http.dependencies.provide_uow``). Services never commit.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from redcore_server.db.database import Database, Executor


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is making the changes of a unit of work: recorded with each event, and what the privilege
    rule (``auth/privileges.py``) checks. ``scopes`` None is the operator at the server's shell."""

    credential_id: str | None
    request_id: str | None
    scopes: frozenset[str] | None = None
    user_id: str | None = None  # the signed-in user acting, for a user's access token
    expires_at: datetime | None = None  # when the acting API key stops working (None: never, or a user)


# Committed with any change that revokes credentials: every process drops its credential cache.
CREDENTIALS_CHANNEL = "redcore_credentials"


class UnitOfWork:
    __slots__ = ("_cm", "_db", "_tx", "actor", "commit_on_error", "credentials_revoked", "queued")

    def __init__(self, db: Database, actor: Actor | None = None) -> None:
        self.actor = actor
        self.queued: set[str] = set()  # outboxes this work wrote to ("webhooks", "mail"): wake their workers
        self.credentials_revoked = False  # sessions were revoked: drop cached credentials after commit
        self.commit_on_error = False  # the change stands even though the request answers an error
        self._db = db
        self._cm: AbstractAsyncContextManager[Executor] | None = None
        self._tx: Executor | None = None

    @property
    def db(self) -> Database:
        """For reads that need no transaction."""
        return self._db

    async def tx(self) -> Executor:
        """The transaction's executor, opened on first call."""
        if self._tx is None:
            cm = self._db.transaction()
            self._tx = await cm.__aenter__()
            self._cm = cm  # only once begun: a transaction that never began has nothing to finish
        return self._tx

    async def finish(self, exc: BaseException | None) -> None:
        """Commit when ``exc`` is None, else roll back. Called once, by the request boundary."""
        cm, tx, self._cm, self._tx = self._cm, self._tx, None, None
        if cm is not None:
            if exc is None and self.credentials_revoked and tx is not None and tx.dialect == "postgresql":
                # Delivered to every listening process when (and only if) this transaction commits.
                await tx.execute("SELECT pg_notify($1, '')", CREDENTIALS_CHANNEL)
            if exc is None:
                await cm.__aexit__(None, None, None)
            else:
                await cm.__aexit__(type(exc), exc, exc.__traceback__)
