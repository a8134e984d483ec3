"""SQLite through aiosqlite: the embedded default for a first run and small deployments.

One writer connection (writes are serialised by SQLite anyway; an asyncio lock keeps this
process's transactions from interleaving) and a few reader connections in WAL mode, so reads
never wait for a write. Several processes may share the file: ``busy_timeout`` makes them wait
their turn. Timestamps are stored as fixed-width RFC 3339 text, which sorts chronologically.

Every wait is bounded (:class:`~redcore_server.db.database.Timeouts`): for the writer (the asyncio
lock) and for a reader (the queue) by ``acquire``, for another process's lock on the file by
``busy_timeout`` (``lock``), and a statement by ``statement``: aiosqlite runs each connection in a
thread of its own, where a progress handler interrupts a statement that runs past its deadline.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NoReturn

import aiosqlite

from redcore_server.db.database import (
    BUSY,
    FOLD_FUNCTION,
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
from redcore_server.db.urls import sqlite_path
from redcore_server.text import fold

_PLACEHOLDER = re.compile(r"\$(\d+)")
_UNIQUE_INDEX = re.compile(r"UNIQUE constraint failed: index '([^']+)'")
_UNIQUE_COLUMNS = re.compile(r"UNIQUE constraint failed: ((?:\w+\.\w+)(?:, \w+\.\w+)*)")
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
PROGRESS_STEPS = 10_000  # SQLite virtual-machine steps between looks at a statement's deadline


def format_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime(_TS_FORMAT)


def _parse_timestamp(raw: bytes) -> datetime:
    return datetime.strptime(raw.decode(), _TS_FORMAT).replace(tzinfo=UTC)


# Columns declared DATETIME (SQLAlchemy's DDL for DateTime on SQLite) come back as aware datetimes.
sqlite3.register_converter("DATETIME", _parse_timestamp)


@lru_cache(maxsize=1024)
def _translate(sql: str) -> str:
    return _PLACEHOLDER.sub(r"?\1", sql)


def _adapt(args: tuple[Any, ...]) -> tuple[Any, ...]:
    if any(type(a) is datetime for a in args):
        return tuple(format_timestamp(a) if type(a) is datetime else a for a in args)
    return args


def _unique_index(message: str) -> str | None:
    """The unique index a SQLite error names: expression indexes by name, column indexes by their
    columns (named here by the metadata's convention, ``uq_<table>_<columns>``)."""
    if m := _UNIQUE_INDEX.search(message):
        return m.group(1)
    if m := _UNIQUE_COLUMNS.search(message):
        pairs = [item.split(".") for item in m.group(1).split(", ")]
        return f"uq_{pairs[0][0]}_{'_'.join(column for _, column in pairs)}"
    return None


def _casefold(value: str | None) -> str | None:
    return fold(value) if value is not None else None


def _raise_mapped(exc: BaseException) -> NoReturn:
    if isinstance(exc, sqlite3.IntegrityError) and (index := _unique_index(str(exc))):
        raise UniqueViolation(index) from exc
    if isinstance(exc, sqlite3.OperationalError):
        if str(exc) == "interrupted":  # by the progress handler, at the statement's deadline
            raise DatabaseTimeout(SLOW) from exc
        if "locked" in str(exc):  # busy_timeout ran out
            raise DatabaseTimeout(LOCKED) from exc
    raise exc


class _Conn:
    dialect: Dialect = "sqlite"
    __slots__ = ("deadline", "raw", "statement_timeout")

    def __init__(self, raw: aiosqlite.Connection, statement_timeout: float) -> None:
        self.raw = raw
        self.statement_timeout = statement_timeout
        self.deadline = math.inf  # when the running statement is interrupted (read in SQLite's thread)

    def progress(self) -> int:
        """SQLite's progress handler, in the connection's thread: non-zero interrupts the statement."""
        return 1 if time.monotonic() > self.deadline else 0

    def _start(self) -> None:
        self.deadline = time.monotonic() + self.statement_timeout

    async def statement(self, sql: str, *, interruptible: bool = True) -> None:
        """Transaction control (``BEGIN``, ``COMMIT``, ``ROLLBACK``); a rollback is never interrupted."""
        if interruptible:
            self._start()
        else:
            self.deadline = math.inf
        try:
            await self.raw.execute(sql)
        except Exception as exc:
            _raise_mapped(exc)

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        self._start()
        try:
            rows = await self.raw.execute_fetchall(_translate(sql), _adapt(args))
        except Exception as exc:
            _raise_mapped(exc)
        return list(rows)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        self._start()
        try:
            async with self.raw.execute(_translate(sql), _adapt(args)) as cur:
                row: Row | None = await cur.fetchone()
        except Exception as exc:
            _raise_mapped(exc)
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = await self.fetchrow(sql, *args)
        return None if row is None else row[0]

    async def execute(self, sql: str, *args: Any) -> int:
        self._start()
        try:
            async with self.raw.execute(_translate(sql), _adapt(args)) as cur:
                count: int = cur.rowcount
        except Exception as exc:
            _raise_mapped(exc)
        return count

    async def extend_statement_timeout(self, seconds: float) -> None:
        self.statement_timeout = seconds  # the transaction puts the configured bound back when it ends

    async def copy_records(self, table: str, columns: Sequence[str], records: Iterable[Sequence[Any]]) -> int:
        rows = [_adapt(tuple(record)) for record in records]
        marks = ", ".join("?" * len(columns))
        self._start()
        try:
            await self.raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        except Exception as exc:
            _raise_mapped(exc)
        return len(rows)


async def _open(path: str, timeouts: Timeouts) -> _Conn:
    raw = await aiosqlite.connect(
        path, detect_types=sqlite3.PARSE_DECLTYPES, isolation_level=None, check_same_thread=False
    )
    for pragma in (
        "PRAGMA journal_mode=WAL",
        f"PRAGMA busy_timeout={max(1, round(timeouts.lock * 1000))}",
        "PRAGMA foreign_keys=ON",
        "PRAGMA synchronous=NORMAL",
    ):
        await raw.execute(pragma)
    await raw.create_function(FOLD_FUNCTION, 1, _casefold, deterministic=True)
    conn = _Conn(raw, timeouts.statement)
    await raw.set_progress_handler(conn.progress, PROGRESS_STEPS)
    return conn


class SqliteDatabase(Database):
    dialect: Dialect = "sqlite"

    def __init__(self, url: str, *, readers: int = 4, timeouts: Timeouts | None = None) -> None:
        super().__init__(url)
        self.path = sqlite_path(url)
        self.timeouts = timeouts or Timeouts()
        self._reader_count = readers
        self._readers: asyncio.Queue[_Conn] | None = None
        self._all: list[_Conn] = []
        self._writer: _Conn | None = None
        self._write_lock = asyncio.Lock()

    async def connect(self) -> None:
        if self._writer is not None:
            return
        try:
            self._writer = await _open(self.path, self.timeouts)
            self._all.append(self._writer)
            self._readers = asyncio.Queue()
            for _ in range(self._reader_count):
                conn = await _open(self.path, self.timeouts)
                self._all.append(conn)
                self._readers.put_nowait(conn)
        except sqlite3.Error as exc:
            await self.close()
            raise DatabaseUnavailable(f"cannot open SQLite database {self.path}: {exc}") from exc

    async def close(self) -> None:
        for conn in self._all:
            await conn.raw.close()
        self._all.clear()
        self._writer = None
        self._readers = None

    @asynccontextmanager
    async def _reader(self, wait: float | None = None) -> AsyncIterator[_Conn]:
        if self._readers is None:
            raise RuntimeError("database is not connected")
        try:
            conn = self._readers.get_nowait()  # the common case, without arming a timer
        except asyncio.QueueEmpty:
            try:
                async with asyncio.timeout(wait or self.timeouts.acquire):
                    conn = await self._readers.get()
            except TimeoutError:
                raise DatabaseTimeout(BUSY) from None
        try:
            yield conn
        finally:
            self._readers.put_nowait(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Conn]:
        if self._writer is None:
            raise RuntimeError("database is not connected")
        writer = self._writer
        if self._write_lock.locked():
            try:
                async with asyncio.timeout(self.timeouts.acquire):
                    await self._write_lock.acquire()
            except TimeoutError:
                raise DatabaseTimeout(BUSY) from None
        else:
            await self._write_lock.acquire()  # free: taken at once
        try:
            if writer.raw.in_transaction:  # left open by a rollback that failed
                await writer.statement("ROLLBACK", interruptible=False)
            await writer.statement("BEGIN IMMEDIATE")
            try:
                yield writer
            except BaseException:
                await _rollback(writer)
                raise
            try:
                await writer.statement("COMMIT")
            except BaseException:
                await _rollback(writer)
                raise
        finally:
            writer.statement_timeout = self.timeouts.statement
            self._write_lock.release()

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]:
        async with self._reader() as conn:
            return await conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        async with self._reader() as conn:
            return await conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        async with self._reader() as conn:
            return await conn.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> int:
        async with self.transaction() as conn:
            return await conn.execute(sql, *args)

    async def ping(self, within: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        async with self._reader(within) as conn:
            try:
                async with asyncio.timeout_at(deadline):
                    await conn.fetchval("SELECT 1")
            except TimeoutError:
                raise DatabaseTimeout(SLOW) from None


async def _rollback(conn: _Conn) -> None:
    """Roll back what is left: an interrupted write may have rolled the transaction back already."""
    if conn.raw.in_transaction:
        try:
            await conn.statement("ROLLBACK", interruptible=False)
        except Exception as exc:  # the next transaction rolls back first
            logging.getLogger("redcore.db").warning("could not roll back on SQLite: %s", exc)
