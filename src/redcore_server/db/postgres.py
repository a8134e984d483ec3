"""PostgreSQL through an asyncpg pool."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, NoReturn

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from redcore_server.db.database import Database, DatabaseUnavailable, Dialect, Row, UniqueViolation
from redcore_server.db.urls import plain_postgres_url

ACQUIRE_TIMEOUT = 10.0
logger = logging.getLogger("redcore.db")

_UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    asyncpg.InterfaceError,
)


def _raise_mapped(exc: BaseException) -> NoReturn:
    if isinstance(exc, asyncpg.UniqueViolationError):
        raise UniqueViolation(exc.constraint_name or "unknown") from exc
    if isinstance(exc, _UNAVAILABLE):
        raise DatabaseUnavailable() from exc
    raise exc


async def _cheap_reset(conn: asyncpg.Connection) -> None:
    """Pool reset without the default round trip (``RESET ALL``, ``UNLISTEN *``…).

    Safe because no code here changes session state on pooled connections; only an open
    transaction (a cancelled request) needs closing, and that is known locally.
    """
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class _Executor:
    """Statements on a pool (each takes a connection and gives it back) or on one connection."""

    dialect: Dialect = "postgresql"
    __slots__ = ("_conn",)

    def __init__(self, conn: asyncpg.Pool | asyncpg.Connection | PoolConnectionProxy) -> None:
        self._conn = conn

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        try:
            return await self._conn.fetch(sql, *args)
        except Exception as exc:
            _raise_mapped(exc)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        try:
            return await self._conn.fetchrow(sql, *args)
        except Exception as exc:
            _raise_mapped(exc)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        try:
            return await self._conn.fetchval(sql, *args)
        except Exception as exc:
            _raise_mapped(exc)

    async def execute(self, sql: str, *args: Any) -> int:
        try:
            status = await self._conn.execute(sql, *args)
        except Exception as exc:
            _raise_mapped(exc)
        return _affected(status)


def _affected(status: str) -> int:
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class PostgresDatabase(Database):
    dialect: Dialect = "postgresql"

    def __init__(self, url: str, *, min_size: int = 2, max_size: int = 10) -> None:
        super().__init__(url)
        self._dsn = plain_postgres_url(url)
        self._min = min(min_size, max_size)
        self._max = max_size
        self._pool: asyncpg.Pool | None = None
        self._executor: _Executor | None = None
        self._listener: asyncpg.Connection | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not connected")
        return self._pool

    async def connect(self) -> None:
        if self._pool is None:
            try:
                self._pool = await asyncpg.create_pool(
                    self._dsn, min_size=self._min, max_size=self._max, reset=_cheap_reset
                )
                self._executor = _Executor(self._pool)
            except Exception as exc:
                _raise_mapped(exc)

    async def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """One connection of its own LISTENs (notifications arrive on commit of the sender)."""
        if self._listener is None:
            self._listener = await asyncpg.connect(self._dsn)
            self._listener.add_termination_listener(
                lambda _: logger.warning("lost the LISTEN connection: cross-process notifications stop")
            )
        await self._listener.add_listener(channel, lambda *_: callback())

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
            self._executor = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Executor]:
        try:
            conn = await self.pool.acquire(timeout=ACQUIRE_TIMEOUT)
        except Exception as exc:
            _raise_mapped(exc)
        try:
            async with conn.transaction():
                yield _Executor(conn)
        except asyncpg.PostgresError as exc:
            _raise_mapped(exc)
        finally:
            await self.pool.release(conn)

    def _on_pool(self) -> _Executor:
        if self._executor is None:
            raise RuntimeError("database is not connected")
        return self._executor

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        return await self._on_pool().fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        return await self._on_pool().fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._on_pool().fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> int:
        return await self._on_pool().execute(sql, *args)
