"""Dependencies every domain's routes share: the database and the unit of work."""

from __future__ import annotations

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
    try:
        yield uow
    except BaseException as exc:
        keep = uow.commit_on_error and isinstance(exc, APIError)
        await uow.finish(None if keep else exc)
        if keep:
            _after_commit(state, uow)
        raise
    else:
        await uow.finish(None)
        _after_commit(state, uow)


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
