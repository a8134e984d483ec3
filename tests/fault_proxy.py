"""A TCP proxy in front of a real PostgreSQL that misbehaves on cue, for fault tests.

- ``freeze()``: the server stops answering, connections stay open (a hung peer, a black-holed
  network); ``thaw()`` lets the held bytes through again.
- ``sever()``: every open connection is dead without its client knowing (an idle connection a
  firewall dropped, or a restart whose goodbye got lost): the server side is closed at once, and the
  client finds out only when it next sends something.
- ``drop()``: every open connection is closed now, bytes in flight (or held by a freeze) lost.
- ``refuse``: new connections are closed as soon as they are accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit


@dataclass(eq=False)
class _Pair:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    severed: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class FaultProxy:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._server: asyncio.Server | None = None
        self._pairs: set[_Pair] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.refuse = False

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for pair in list(self._pairs):
            self._end(pair)
        self._flowing.set()

    def freeze(self) -> None:
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    def drop(self) -> None:
        for pair in list(self._pairs):
            self._end(pair)

    def url_for(self, url: str) -> str:
        """``url`` (``postgresql://user@host:port/db``) pointed at this proxy instead."""
        parts = urlsplit(url)
        userinfo, at, _ = parts.netloc.rpartition("@")
        return urlunsplit(parts._replace(netloc=f"{userinfo}{at}127.0.0.1:{self.port}"))

    def sever(self) -> None:
        for pair in list(self._pairs):
            pair.severed = True
            pair.server.transport.abort()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        pair = _Pair(client=writer, server=up_writer)
        self._pairs.add(pair)
        pair.tasks = [
            asyncio.create_task(self._pump(pair, reader, up_writer, to_server=True)),
            asyncio.create_task(self._pump(pair, up_reader, writer, to_server=False)),
        ]

    async def _pump(
        self, pair: _Pair, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, to_server: bool
    ) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                if pair.severed:
                    if to_server:  # the client speaks on a dead connection: now it learns
                        break
                    continue
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        if pair.severed and not to_server:
            return  # the server's side closed; the client must not hear of it until it speaks
        self._end(pair)

    def _end(self, pair: _Pair) -> None:
        self._pairs.discard(pair)
        for side in (pair.client, pair.server):
            with contextlib.suppress(Exception):
                side.transport.abort()
        for task in pair.tasks:
            if task is not asyncio.current_task():
                task.cancel()
