"""Dependencies every domain's routes share: the database and the unit of work.

The unit of work is the request boundary: it commits when the handler returns and rolls back when
it raises, and for a POST carrying ``Idempotency-Key`` it claims the key before the handler runs
and stores the response in the change's own transaction (``idempotency/service.py``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from redcore_server.auth.principal import Principal
from redcore_server.db import Database
from redcore_server.db.uow import Actor, UnitOfWork
from redcore_server.errors import APIError
from redcore_server.http.request_id import request_id
from redcore_server.http.responses import CAPTURE_STATE
from redcore_server.idempotency.service import PUBLIC_SCOPE, Claim, StoredResponse, check_key, fingerprint

logger = logging.getLogger("redcore.idempotency")


def _db(state: State) -> Database:
    db: Database = state.db
    return db


async def _uow(state: State, request: Request[Any, Any, Any]) -> AsyncGenerator[UnitOfWork, None]:
    """The request boundary: commit when the handler returns, roll back when it raises."""
    principal: Principal | None = request.scope.get("user")
    rid = request_id(request.scope)
    # A public route (signing in) acts for nobody yet: it holds no scopes to grant.
    actor = (
        Actor(principal.credential_id, rid, principal.scopes, principal.user_id)
        if principal is not None
        else Actor(None, rid, frozenset())
    )
    uow = UnitOfWork(state.db, actor)
    claim = await _claim(state, request, principal) if request.method == "POST" else None
    try:
        yield uow
    except BaseException as exc:
        keep = uow.commit_on_error and isinstance(exc, APIError)
        if keep and claim is not None:
            await state.idempotency.release(await uow.tx(), claim)
        await uow.finish(None if keep else exc)
        if keep:
            _after_commit(state, uow)
        elif claim is not None:
            await _release_quietly(state, claim)
        raise
    else:
        if claim is not None:
            try:
                await state.idempotency.complete(await uow.tx(), claim, _response_of(request))
            except BaseException as exc:
                await uow.finish(exc)
                await _release_quietly(state, claim)  # a no-op when another attempt took the key over
                raise
        await uow.finish(None)
        _after_commit(state, uow)


async def _claim(state: State, request: Request[Any, Any, Any], principal: Principal | None) -> Claim | None:
    """Hold the request's ``Idempotency-Key`` (None without one), or raise what answers it instead."""
    raw = request.headers.get("idempotency-key")
    if raw is None:
        return None
    key = check_key(raw)
    body = await request.body()
    scope = principal.org_id if principal is not None else PUBLIC_SCOPE
    request_hash = fingerprint(request.method, request.scope["path"], request.scope["query_string"], body)
    claim: Claim = await state.idempotency.claim(state.db, scope, key, request_hash)
    request.scope["state"][CAPTURE_STATE] = None  # JsonResponse leaves the encoded response here
    return claim


def _response_of(request: Request[Any, Any, Any]) -> StoredResponse:
    """The response the handler produced (encoded before the boundary closes, see JsonResponse); a
    handler without a body (204) leaves nothing there."""
    captured: StoredResponse | None = request.scope["state"].get(CAPTURE_STATE)
    return captured or StoredResponse(request.route_handler.status_code or 204, {}, b"")


async def _release_quietly(state: State, claim: Claim) -> None:
    try:
        await state.idempotency.release_alone(state.db, claim)
    except Exception:  # the claim then lapses with its lease; the request's own error is what counts
        logger.warning("could not release an idempotency key after a failed request", exc_info=True)


def _after_commit(state: State, uow: UnitOfWork) -> None:
    for name in uow.queued:
        if (worker := state.workers.get(name)) is not None:
            worker.wake()
    if uow.credentials_revoked:  # this worker at once; the others within their cache's second
        state.authenticator.forget_all()


def dependencies() -> dict[str, Provide]:
    """Fresh providers for one app. The database lives as long as the app, so it is cached after
    the first resolution; the cache belongs to the ``Provide`` object, hence one per app."""
    return {"db": Provide(_db, sync_to_thread=False, use_cache=True), "uow": Provide(_uow)}
