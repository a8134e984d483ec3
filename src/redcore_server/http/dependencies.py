"""Dependencies every domain's routes share: the database and the unit of work."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from litestar.datastructures import State
from litestar.di import Provide

from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork


def _db(state: State) -> Database:
    db: Database = state.db
    return db


async def _uow(state: State) -> AsyncGenerator[UnitOfWork, None]:
    """The request boundary: commit when the handler returns, roll back when it raises."""
    uow = UnitOfWork(state.db)
    try:
        yield uow
    except BaseException as exc:
        await uow.finish(exc)
        raise
    else:
        await uow.finish(None)


def dependencies() -> dict[str, Provide]:
    """Fresh providers for one app. The database lives as long as the app, so it is cached after
    the first resolution; the cache belongs to the ``Provide`` object, hence one per app."""
    return {"db": Provide(_db, sync_to_thread=False, use_cache=True), "uow": Provide(_uow)}
