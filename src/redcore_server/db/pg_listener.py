"""PostgreSQL LISTEN on a connection of its own, kept alive across database restarts.

Notifications reach only a connection that is listening when they are committed. If the connection
is lost (a restart, a network fault, or a peer that stops answering, found by a periodic check),
it is re-established in the background with back-off, and every callback is then called once,
since notifications sent meanwhile are lost: for the credential cache that means dropping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable

import asyncpg

logger = logging.getLogger("redcore.db")

CHECK_INTERVAL = 5.0  # seconds between checks that an idle listening connection still answers
FIRST_DELAY = 0.1  # seconds before the first reconnection attempt; doubled after each failure …
MAX_DELAY = 2.0  # … up to this
APPLICATION_NAME = "redcore listener"


class Listener:
    def __init__(self, dsn: str, *, timeout: float, check_interval: float = CHECK_INTERVAL) -> None:
        self._dsn = dsn
        self._timeout = timeout
        self._check_interval = check_interval
        self._callbacks: dict[str, list[Callable[[], None]]] = {}
        self._conn: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.connections = 0  # how many times a listening connection was made

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def add(self, channel: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` on each notification on ``channel`` (and once after each reconnection)."""
        new_channel = channel not in self._callbacks
        self._callbacks.setdefault(channel, []).append(callback)
        if self._task is None:
            # The first connection is made here, so a server listens before it serves its first request.
            try:
                await self._connect()
            except Exception as exc:
                logger.warning("cannot LISTEN (%s): retrying in the background", _describe(exc))
            self._task = asyncio.create_task(self._keep(), name="redcore-listener")
        elif new_channel and self._conn is not None:
            with contextlib.suppress(Exception):  # a lost connection is found and re-made by _keep
                await self._conn.add_listener(channel, self._dispatch)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), self._timeout)
            except Exception:
                conn.terminate()

    def _dispatch(self, _conn: object, _pid: int, channel: str, _payload: object) -> None:
        for callback in self._callbacks.get(channel, ()):
            callback()

    async def _connect(self) -> None:
        conn = await asyncpg.connect(
            self._dsn,
            timeout=self._timeout,
            command_timeout=self._timeout,
            server_settings={"application_name": APPLICATION_NAME},
        )
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _: lost.set())
        try:
            for channel in self._callbacks:
                await conn.add_listener(channel, self._dispatch)
        except BaseException:
            conn.terminate()
            raise
        self._conn, self._lost = conn, lost
        self.connections += 1

    async def _keep(self) -> None:
        delay = FIRST_DELAY
        failing = False
        while True:
            if self._conn is None:
                try:
                    await self._connect()
                except Exception as exc:
                    if not failing:  # once per outage
                        logger.warning("cannot LISTEN again (%s): retrying with back-off", _describe(exc))
                    failing = True
                    await asyncio.sleep(delay * random.uniform(1.0, 1.2))
                    delay = min(delay * 2, MAX_DELAY)
                    continue
                failing, delay = False, FIRST_DELAY
                logger.warning("listening again; notifications sent meanwhile were missed, so each listener is told")
                for callbacks in list(self._callbacks.values()):
                    for callback in callbacks:
                        callback()
            await self._until_lost()
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.terminate()
            logger.warning("lost the LISTEN connection; re-establishing it (cross-process notifications pause)")

    async def _until_lost(self) -> None:
        """Return once the connection closes, or stops answering a check."""
        conn, lost = self._conn, self._lost
        assert conn is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), self._check_interval)
                return
            try:
                await conn.fetchval("SELECT 1", timeout=self._timeout)
            except Exception:
                return


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
