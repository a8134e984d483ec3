"""The database interface every repository speaks.

Why not SQLAlchemy's async engine at run time: measured on this project's hardware it cost about
two thirds of the throughput of a bare asyncpg read (see the first server issue). SQLAlchemy still
defines the tables (``tables.py``) and drives Alembic; queries are plain SQL written once with
``$1``-style placeholders, which the SQLite backend rewrites to ``?1``.

An :class:`Executor` runs statements. A :class:`Database` is itself an executor that takes a pooled
connection for one statement and gives it back at once (no transaction round trips for a single
read); :meth:`Database.transaction` yields an executor bound to one connection inside one
transaction, committed when the block exits cleanly and rolled back otherwise.

Every wait is bounded (:class:`Timeouts`): for a connection, for a lock, for a statement. A wait
that runs out raises :class:`DatabaseUnavailable`, which the API answers as 503
``service_unavailable`` with ``Retry-After``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from redcore_server.errors import ServiceUnavailable


class Row(Protocol):
    """A result row, read by position: an asyncpg ``Record`` or a SQLite tuple (``kit/rows.py``
    turns one into a struct by the names of the columns it selected)."""

    def __getitem__(self, index: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


Dialect = Literal["postgresql", "sqlite"]
# SQLite has no full Unicode case folding: every connection registers text.fold under this name
# (db/sqlite.py), and searches call it on both sides of LIKE (kit/listing.py).
FOLD_FUNCTION = "redcore_casefold"


class UniqueViolation(Exception):
    """A unique index refused a write; ``constraint`` names the index."""

    def __init__(self, constraint: str) -> None:
        super().__init__(f"unique violation on {constraint}")
        self.constraint = constraint


class DatabaseUnavailable(ServiceUnavailable):
    default_message = "The database is unavailable; retry shortly."


class DatabaseTimeout(DatabaseUnavailable):
    """A bounded wait ran out: for a connection, for a lock, or for a statement to finish."""


# What the client is told when a bounded wait runs out (never SQL or internals).
BUSY = "The database is busy: no connection became free in time; retry shortly."
LOCKED = "The data is locked by another change; retry shortly."
SLOW = "The database did not answer in time; retry shortly."


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds each kind of database wait may last (``REDCORE_DB_*_TIMEOUT``).

    ``acquire``: for a connection (a pooled PostgreSQL connection, connecting included; on SQLite a
    reader, or the writer). ``lock``: for a lock held by another transaction (PostgreSQL
    ``lock_timeout``, SQLite ``busy_timeout``). ``statement``: for one statement to finish
    (PostgreSQL ``statement_timeout``, with a client-side bound a little later for a peer that no
    longer answers; on SQLite a progress handler interrupts it).
    """

    acquire: float = 5.0
    lock: float = 5.0
    statement: float = 10.0


class Executor(Protocol):
    dialect: Dialect

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...

    async def fetchval(self, sql: str, *args: Any) -> Any: ...

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; return the number of rows it touched."""
        ...

    async def extend_statement_timeout(self, seconds: float) -> None:
        """Let each later statement of this transaction run for up to ``seconds`` (a bulk import's
        set-wise checks over a million rows); the configured bound returns with the next transaction."""
        ...

    async def copy_records(self, table: str, columns: Sequence[str], records: Iterable[Sequence[Any]]) -> int:
        """Load ``records`` (tuples in the order of ``columns``) into ``table`` at once: PostgreSQL's
        binary ``COPY``, SQLite's ``executemany``. Returns how many rows were loaded. For bulk
        loads (``kit/importing.py``); ``table`` and ``columns`` are the caller's own names, never input."""
        ...


class Database(abc.ABC):
    """A pool of connections to one database. Use as an :class:`Executor` for single statements."""

    dialect: Dialect

    def __init__(self, url: str) -> None:
        self.url = url

    @abc.abstractmethod
    async def connect(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        """One connection inside one transaction: commit on clean exit, roll back on error."""

    @abc.abstractmethod
    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]: ...

    @abc.abstractmethod
    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...

    @abc.abstractmethod
    async def fetchval(self, sql: str, *args: Any) -> Any: ...

    @abc.abstractmethod
    async def execute(self, sql: str, *args: Any) -> int: ...

    async def extend_statement_timeout(self, seconds: float) -> None:
        """Single statements on the pool keep the configured bound (only a transaction extends it)."""
        return

    async def copy_records(self, table: str, columns: Sequence[str], records: Iterable[Sequence[Any]]) -> int:
        """:meth:`Executor.copy_records` in a transaction of its own."""
        async with self.transaction() as tx:
            return await tx.copy_records(table, columns, records)

    async def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever another process commits a notification on ``channel`` (see
        ``UnitOfWork``). PostgreSQL does this with LISTEN; on SQLite it is a no-op."""
        return

    @abc.abstractmethod
    async def ping(self, within: float) -> None:
        """Raise :class:`DatabaseUnavailable` unless the database answers within ``within`` seconds,
        taking a connection included (for ``/health``, which must answer fast whatever the pool does)."""

    async def __aenter__(self) -> Database:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def open_database(
    url: str, *, pool_min: int = 2, pool_max: int = 10, sqlite_readers: int = 4, timeouts: Timeouts | None = None
) -> Database:
    """A :class:`Database` for ``url`` (``sqlite:///file.db`` or ``postgresql://…``), not yet connected."""
    timeouts = timeouts or Timeouts()
    if url.startswith("sqlite"):
        from redcore_server.db.sqlite import SqliteDatabase

        return SqliteDatabase(url, readers=sqlite_readers, timeouts=timeouts)
    if url.startswith(("postgresql", "postgres")):
        from redcore_server.db.postgres import PostgresDatabase

        return PostgresDatabase(url, min_size=pool_min, max_size=pool_max, timeouts=timeouts)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///file.db or postgresql://…")
