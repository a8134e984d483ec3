"""Dependencies every domain's routes share: the database, the unit of work, the password hasher."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from litestar.datastructures import State
from litestar.di import Provide

from redcore_server.db import Database
from redcore_server.db.uow import UnitOfWork
from redcore_server.passwords import PasswordHasher


def _db(state: State) -> Database:
    db: Database = state.db
    return db


def _hasher(state: State) -> PasswordHasher:
    hasher: PasswordHasher = state.hasher
    return hasher


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


# The database and the hasher live as long as the app: cached after the first resolution.
DEPENDENCIES = {
    "db": Provide(_db, sync_to_thread=False, use_cache=True),
    "hasher": Provide(_hasher, sync_to_thread=False, use_cache=True),
    "uow": Provide(_uow),
}
