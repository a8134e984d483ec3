"""PostgreSQL through an asyncpg pool.

Every wait is bounded (:class:`~redcore_server.db.database.Timeouts`): taking a pooled connection
(reads and transactions alike, connecting included), waiting for a lock (``lock_timeout``) and
running a statement (``statement_timeout``), both set on each pooled connection when it is made,
plus a client-side bound a second later for a server that no longer answers at all.

A pooled connection that died with its server (a restart, a dropped idle connection) is found out
only when used. A single-statement read on the pool, and the ``BEGIN`` that opens a transaction, are
tried once more on a fresh connection when their connection turns out to be lost: nothing they sent
can have taken effect. A statement inside a transaction is never retried: the request answers 503
and the server has rolled the transaction back (or, if the ``COMMIT`` itself was lost, its fate is
unknown to the client, which is why ``Idempotency-Key`` exists).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, NoReturn

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from asyncpg.transaction import Transaction

from redcore_server.db.database import (
    BUSY,
    LOCKED,
    SLOW,
    Database,
    DatabaseTimeout,
    DatabaseUnavailable,
    Dialect,
    Row,
    Timeouts,
    UniqueViolation,
)
from redcore_server.db.pg_listener import Listener
from redcore_server.db.urls import plain_postgres_url

CLOSE_TIMEOUT = 10.0  # seconds a closing pool waits for its connections before closing them by force
logger = logging.getLogger("redcore.db")

CLIENT_MARGIN = 1.0  # seconds the client waits past statement_timeout before giving up on the server
APPLICATION_NAME = "redcore"

_UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,  # admin or crash shutdown, cannot connect now
    asyncpg.InsufficientResourcesError,  # too many connections, disk full, out of memory
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # the protocol's state broken, as by a server shutting down mid-transaction
)
# Errors that mean the connection itself is gone or unusable (a slow one is not: a timeout is never retried).
_LOST = (
    ConnectionError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.ConnectionFailureError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.InternalClientError,
)

Connection = asyncpg.Connection | PoolConnectionProxy


def _raise_mapped(exc: BaseException) -> NoReturn:
    if isinstance(exc, asyncpg.UniqueViolationError):
        raise UniqueViolation(exc.constraint_name or "unknown") from exc
    if isinstance(exc, DatabaseUnavailable):
        raise exc
    if isinstance(exc, TimeoutError | asyncpg.QueryCanceledError):  # the client's bound, or statement_timeout
        raise DatabaseTimeout(SLOW) from exc
    if isinstance(exc, asyncpg.LockNotAvailableError | asyncpg.DeadlockDetectedError):
        raise DatabaseTimeout(LOCKED) from exc
    if isinstance(exc, _UNAVAILABLE):
        raise DatabaseUnavailable() from exc
    raise exc


def _is_lost(exc: BaseException, conn: Connection) -> bool:
    if isinstance(exc, TimeoutError):
        return False
    return isinstance(exc, _LOST) or (isinstance(exc, asyncpg.InterfaceError) and _closed(conn))


def _closed(conn: Connection) -> bool:
    try:
        return conn.is_closed()
    except asyncpg.InterfaceError:  # a pooled connection that closed has gone back to the pool already
        return True


class _Lost(DatabaseUnavailable):
    """The connection died under a statement that can safely be tried once more."""


async def _cheap_reset(conn: asyncpg.Connection) -> None:
    """Pool reset without the default round trip (``RESET ALL``, ``UNLISTEN *``…).

    Safe because no code here changes session state on pooled connections; only an open
    transaction (a cancelled request) needs closing, and that is known locally.
    """
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class _Executor:
    """Statements on one connection (inside a transaction)."""

    dialect: Dialect = "postgresql"
    __slots__ = ("_conn", "_timeout")

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._timeout: float | None = None  # the client's bound, when the transaction extended it

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        try:
            return await self._conn.fetch(sql, *args, timeout=self._timeout)
        except Exception as exc:
            _raise_mapped(exc)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        try:
            return await self._conn.fetchrow(sql, *args, timeout=self._timeout)
        except Exception as exc:
            _raise_mapped(exc)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        try:
            return await self._conn.fetchval(sql, *args, timeout=self._timeout)
        except Exception as exc:
            _raise_mapped(exc)

    async def execute(self, sql: str, *args: Any) -> int:
        try:
            status = await self._conn.execute(sql, *args, timeout=self._timeout)
        except Exception as exc:
            _raise_mapped(exc)
        return _affected(status)

    async def extend_statement_timeout(self, seconds: float) -> None:
        await self.execute(f"SET LOCAL statement_timeout = {_milliseconds(seconds)}")  # ends with the transaction
        self._timeout = seconds + CLIENT_MARGIN

    async def copy_records(self, table: str, columns: Sequence[str], records: Iterable[Sequence[Any]]) -> int:
        try:
            status = await self._conn.copy_records_to_table(
                table, records=records, columns=list(columns), timeout=self._timeout
            )
        except Exception as exc:
            _raise_mapped(exc)
        return _affected(status)


def _affected(status: str) -> int:
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _milliseconds(seconds: float) -> str:
    return str(max(1, round(seconds * 1000)))


class PostgresDatabase(Database):
    dialect: Dialect = "postgresql"

    def __init__(self, url: str, *, min_size: int = 2, max_size: int = 10, timeouts: Timeouts | None = None) -> None:
        super().__init__(url)
        self._dsn = plain_postgres_url(url)
        self._min = min(min_size, max_size)
        self._max = max_size
        self.timeouts = timeouts or Timeouts()
        self._pool: asyncpg.Pool | None = None
        self._listener = Listener(self._dsn, timeout=self.timeouts.acquire)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not connected")
        return self._pool

    async def connect(self) -> None:
        if self._pool is None:
            t = self.timeouts
            try:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=self._min,
                    max_size=self._max,
                    reset=_cheap_reset,
                    timeout=t.acquire,  # to establish a connection
                    command_timeout=t.statement + CLIENT_MARGIN,
                    server_settings={
                        "application_name": APPLICATION_NAME,
                        "statement_timeout": _milliseconds(t.statement),
                        "lock_timeout": _milliseconds(t.lock),
                    },
                )
            except Exception as exc:
                _raise_mapped(exc)

    async def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """A connection of its own LISTENs (notifications arrive on commit of the sender), re-made
        in the background after it is lost, with ``callback`` called once then (see ``pg_listener``)."""
        await self._listener.add(channel, callback)

    @property
    def listener(self) -> Listener:
        return self._listener

    async def close(self) -> None:
        await self._listener.close()
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:  # pool.close() waits for every connection to come back: bounded
                await asyncio.wait_for(pool.close(), CLOSE_TIMEOUT)
            except Exception:
                pool.terminate()

    async def _acquire(self, wait: float | None = None) -> PoolConnectionProxy:
        pool = self.pool
        try:
            if wait is None and _has_idle(pool):
                # An idle connection is taken at once, so no timer is armed for it. (Opening a
                # connection anew, if the idle one was closed, has its own timeout.)
                conn: PoolConnectionProxy = await pool.acquire()
            else:
                # asyncio.timeout rather than asyncpg's own timeout, which wraps the wait in a task
                # and wait_for: under load (no idle connection) that cost a read ~5 % of its CPU. A
                # wait cancelled by the timer leaves the pool as it was (asyncpg gives the slot back).
                async with asyncio.timeout(wait or self.timeouts.acquire):
                    conn = await pool.acquire()
        except TimeoutError:
            raise DatabaseTimeout(BUSY) from None
        except Exception as exc:
            _raise_mapped(exc)
        return conn

    async def _release(self, conn: PoolConnectionProxy) -> None:
        try:
            await self.pool.release(conn)
        except Exception as exc:  # the pool has closed the connection; the next acquire makes a new one
            logger.debug("closed a pooled connection that could not be reset: %s", exc)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Executor]:
        conn, tx = await self._begin()
        try:
            yield _Executor(conn)
        except BaseException as exc:
            await _rollback(conn, tx)
            if isinstance(exc, Exception):
                _raise_mapped(exc)
            raise
        else:
            try:
                await tx.commit()
            except Exception as exc:
                _raise_mapped(exc)
        finally:
            await self._release(conn)

    async def _begin(self) -> tuple[PoolConnectionProxy, Transaction]:
        """A connection with a transaction begun; once more on a fresh connection if it was dead."""
        retried = False
        while True:
            conn = await self._acquire()
            tx = conn.transaction()
            try:
                await tx.start()
            except asyncio.CancelledError:
                # Cancelled (a worker stopped at shutdown) with BEGIN perhaps on the wire: the
                # connection's state is unknown, so it is closed, and given back either way; kept,
                # it would sit "idle in transaction" and pool.close() would wait for it for ever.
                _terminate(conn)
                await self._release(conn)
                raise
            except Exception as exc:
                lost = _is_lost(exc, conn)
                if lost:
                    _terminate(conn)
                await self._release(conn)
                if retried or not lost:
                    _raise_mapped(exc)
                await self._lost(exc)
                retried = True
                continue
            return conn, tx

    async def _lost(self, exc: BaseException | None) -> None:
        """A pooled connection turned out dead: the others made before it (same restart, same broken
        network) are suspect too, so each is replaced when next taken rather than tried."""
        logger.info("a pooled connection was lost (%r); trying once more on a new one", exc)
        await self.pool.expire_connections()

    async def _once(self, method: str, sql: str, args: tuple[Any, ...]) -> Any:
        """One statement on a pooled connection, taken and given back."""
        conn = await self._acquire()
        try:
            return await getattr(conn, method)(sql, *args)
        except Exception as exc:
            if _is_lost(exc, conn):
                _terminate(conn)  # never back into the pool as it is
                raise _Lost() from exc
            _raise_mapped(exc)
        finally:
            await self._release(conn)

    async def _read(self, method: str, sql: str, args: tuple[Any, ...]) -> Any:
        try:
            return await self._once(method, sql, args)
        except _Lost as lost:
            await self._lost(lost.__cause__)
            return await self._once(method, sql, args)

    # The reads hand back _read's coroutine rather than awaiting it in one more coroutine of their
    # own: every coroutine in a request's chain is re-entered each time the request waits.

    def fetch(self, sql: str, *args: Any) -> Coroutine[Any, Any, Sequence[Row]]:
        return self._read("fetch", sql, args)

    def fetchrow(self, sql: str, *args: Any) -> Coroutine[Any, Any, Row | None]:
        return self._read("fetchrow", sql, args)

    def fetchval(self, sql: str, *args: Any) -> Coroutine[Any, Any, Any]:
        return self._read("fetchval", sql, args)

    async def execute(self, sql: str, *args: Any) -> int:
        """A single statement that may write: never retried, since it may have run."""
        status: str = await self._once("execute", sql, args)
        return _affected(status)

    async def ping(self, within: float) -> None:
        """``SELECT 1`` within ``within`` seconds all told: an exhausted pool or a server that does
        not answer gives a quick failure, never a place in a queue. A connection that fails the ping
        is closed at once rather than waited for (its cancellation or reset)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        retried = False
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise DatabaseTimeout(SLOW)
            conn = await self._acquire(remaining)
            try:
                await conn.fetchval("SELECT 1", timeout=max(deadline - loop.time(), 0.001))
            except Exception as exc:
                lost = _is_lost(exc, conn)
                _terminate(conn)
                if retried or not lost:
                    _raise_mapped(exc)
                await self._lost(exc)
                retried = True
                continue
            finally:
                await self._release(conn)
            return


async def _rollback(conn: PoolConnectionProxy, tx: Transaction) -> None:
    if _closed(conn):
        return
    try:
        await tx.rollback()
    except Exception as exc:  # a connection that cannot roll back is not reused
        logger.debug("could not roll back (%s); closing the connection", exc)
        _terminate(conn)


def _has_idle(pool: asyncpg.Pool) -> bool:
    """Whether the pool holds an idle connection slot right now (asyncpg keeps them in ``_queue``;
    if a later asyncpg stops doing so, every acquisition simply arms its timer)."""
    queue = getattr(pool, "_queue", None)
    return isinstance(queue, asyncio.Queue) and not queue.empty()


def _terminate(conn: PoolConnectionProxy) -> None:
    if not _closed(conn):
        conn.terminate()
