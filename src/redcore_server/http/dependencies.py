"""Dependencies every domain's routes share: the database and the unit of work.

The unit of work is the request boundary: it commits when the handler returns and rolls back when
it raises, and for a POST carrying ``Idempotency-Key`` it claims the key before the handler runs
and stores the response in the change's own transaction (``idempotency/service.py``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable
from typing import Any

from litestar import Request
from litestar.di import Provide

from redcore_server.auth.principal import Principal
from redcore_server.db import Database
from redcore_server.db.uow import Actor, UnitOfWork
from redcore_server.errors import APIError
from redcore_server.http.request_id import request_id
from redcore_server.http.responses import CAPTURE_STATE
from redcore_server.idempotency.service import (
    PUBLIC_SCOPE,
    Claim,
    IdempotencyService,
    StoredResponse,
    check_key,
    fingerprint,
)

logger = logging.getLogger("redcore.idempotency")


AfterCommit = Callable[[UnitOfWork], None]


class Boundary:
    """The request boundary of one application: its database, its idempotency keys, and what to do
    once a change has committed (wake the workers it queued work for, drop revoked credentials)."""

    def __init__(self, db: Database, idempotency: IdempotencyService, after_commit: AfterCommit) -> None:
        self.db = db
        self.idempotency = idempotency
        self.after_commit = after_commit

    async def uow(self, request: Request[Any, Any, Any]) -> AsyncGenerator[UnitOfWork, None]:
        """Commit when the handler returns, roll back when it raises."""
        principal: Principal | None = request.scope.get("user")
        rid = request_id(request.scope)
        # A public route (signing in) acts for nobody yet: it holds no scopes to grant.
        actor = (
            Actor(principal.credential_id, rid, principal.scopes, principal.user_id, principal.expires_at)
            if principal is not None
            else Actor(None, rid, frozenset())
        )
        uow = UnitOfWork(self.db, actor)
        claim = await self._claim(request, principal) if request.method == "POST" else None
        try:
            yield uow
        except BaseException as exc:
            keep = uow.commit_on_error and isinstance(exc, APIError)
            if keep and claim is not None:
                await self.idempotency.release(await uow.tx(), claim)
            await uow.finish(None if keep else exc)
            if keep:
                self.after_commit(uow)
            elif claim is not None:
                await self._release_quietly(claim)
            raise
        else:
            if claim is not None:
                try:
                    await self.idempotency.complete(await uow.tx(), claim, _response_of(request))
                except BaseException as exc:
                    await uow.finish(exc)
                    await self._release_quietly(claim)  # a no-op when another attempt took the key over
                    raise
            await uow.finish(None)
            self.after_commit(uow)

    async def _claim(self, request: Request[Any, Any, Any], principal: Principal | None) -> Claim | None:
        """Hold the request's ``Idempotency-Key`` (None without one), or raise what answers it instead."""
        raw = request.headers.get("idempotency-key")
        if raw is None:
            return None
        key = check_key(raw)
        body = await request.body()
        scope = principal.org_id if principal is not None else PUBLIC_SCOPE
        request_hash = fingerprint(request.method, request.scope["path"], request.scope["query_string"], body)
        claim: Claim = await self.idempotency.claim(self.db, scope, key, request_hash)
        request.scope["state"][CAPTURE_STATE] = None  # JsonResponse leaves the encoded response here
        return claim

    async def _release_quietly(self, claim: Claim) -> None:
        try:
            await self.idempotency.release_alone(self.db, claim)
        except Exception:  # the claim then lapses with its lease; the request's own error is what counts
            logger.warning("could not release an idempotency key after a failed request", exc_info=True)

    def dependencies(self) -> dict[str, Provide]:
        """Fresh providers for one app: ``db`` (the database, for reads) and ``uow`` (the boundary)."""
        db = self.db

        def provide_db() -> Database:
            return db

        return {"db": Provide(provide_db, sync_to_thread=False, use_cache=True), "uow": Provide(self.uow)}


def _response_of(request: Request[Any, Any, Any]) -> StoredResponse:
    """The response the handler produced (encoded before the boundary closes, see JsonResponse); a
    handler without a body (204) leaves nothing there."""
    captured: StoredResponse | None = request.scope["state"].get(CAPTURE_STATE)
    return captured or StoredResponse(request.route_handler.status_code or 204, {}, b"")
