"""uvicorn's httptools protocol, with the limits it lacks: header size and count, and deadlines.

uvicorn (0.54) with httptools accepts a request head of any size (httptools buffers a header until it
ends: an 8 MiB header was accepted), keeps a connection that never sends a byte forever, and resets its
only timer, the keep-alive one, on every byte received, so a client sending a byte every few seconds
(slowloris) holds its socket for good. This subclass keeps the fast parser and adds, per connection:

- a cap on the request head (``REDCORE_MAX_HEADER_SIZE`` bytes of request line and headers) and on the
  number of headers (``REDCORE_MAX_HEADER_COUNT``): over either, 431 and the connection is closed.
  Completed pieces are counted in the parser's callbacks; a head still incomplete after a read is
  measured by the bytes received since it began, so one endless header is cut off as it grows;
- a deadline armed at a request's first byte: its headers must have arrived within
  ``REDCORE_HEADER_TIMEOUT`` seconds and its body within ``REDCORE_BODY_TIMEOUT``, or the connection
  is closed, with 408 if no response has started;
- an idle timeout (``REDCORE_KEEP_ALIVE_TIMEOUT``) between requests and before the first one.

A request the parser refuses (an unknown method such as ``FOO``, a malformed line or header) gets 400
``invalid_request`` in the contract's error shape instead of uvicorn's plain text. These answers are
written here, before any application code runs, with their own request id. The cost on the normal
path is a few integer operations per header and one timer per request (bench/users_get.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from random import getrandbits
from typing import TYPE_CHECKING, Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from redcore_server import errors

if TYPE_CHECKING:
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from redcore_server.config import Settings

logger = logging.getLogger("redcore.transport")


@dataclass(frozen=True, slots=True)
class TransportLimits:
    max_header_size: int
    max_header_count: int
    header_timeout: float
    body_timeout: float
    keep_alive_timeout: float
    hsts: bytes | None  # the Strict-Transport-Security value for answers written here over TLS

    @classmethod
    def from_settings(cls, settings: Settings) -> TransportLimits:
        return cls(
            max_header_size=settings.max_header_size,
            max_header_count=settings.max_header_count,
            header_timeout=settings.header_timeout,
            body_timeout=settings.body_timeout,
            keep_alive_timeout=settings.keep_alive_timeout,
            hsts=f"max-age={settings.hsts_max_age}".encode(),
        )


class _Refused(Exception):
    """Raised in a parser callback to stop parsing; httptools re-raises it as the context of its error."""

    def __init__(self, error: errors.APIError) -> None:
        super().__init__(error.message)
        self.error = error


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """Give it to uvicorn as ``http=functools.partial(LimitedHttpToolsProtocol, limits=…)``."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: TransportLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self._max_head = limits.max_header_size
        self._max_headers = limits.max_header_count
        self.timeout_keep_alive = limits.keep_alive_timeout  # type: ignore[assignment]  # a float works
        self._head_open = True  # waiting for (the rest of) a request line and headers
        self._head_received = 0  # bytes of reads that arrived while the head was incomplete
        self._head_size = 0  # bytes of the head's parsed pieces (URL, complete headers)
        self._header_count = 0
        self._started = 0.0  # loop time of the current request's first byte
        self._deadline: asyncio.TimerHandle | None = None

    # --- connection ------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # uvicorn arms its idle timer only after a response: a connection that never sends a byte
        # is closed after the same idle time.
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self._head_open:
            if not self._head_received:
                self._started = self.loop.time()  # a request's first byte
            self._head_received += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # no protocol upgrade is offered (uvicorn runs with ws="none"): the request is served as HTTP
        except httptools.HttpParserError as exc:
            refused = exc.__context__
            if isinstance(refused, _Refused):
                self._refuse(refused.error)
            elif isinstance(exc, httptools.HttpParserInvalidMethodError):
                self._refuse(errors.InvalidRequest("The request method is not one this API knows."))
            else:
                self._refuse(errors.InvalidRequest(f"The request is not valid HTTP ({exc})."))
            return
        if self._head_open:
            if not self._head_received:
                return  # between requests (a whole request came in this read): no deadline to keep
            if self._head_received > self._max_head:
                self._refuse(self._too_large())
                return
        if self._deadline is None:  # a request is under way: its head or its body is still to come
            self._deadline = self.loop.call_at(self._started + self.limits.header_timeout, self._expire)

    # --- parser callbacks ------------------------------------------------------------------------

    def on_url(self, url: bytes) -> None:
        self._head_size += len(url)
        if self._head_size > self._max_head:
            raise _Refused(self._too_large())
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._head_size += len(name) + len(value) + 4  # ": " and CRLF
        if self._header_count > self._max_headers:
            raise _Refused(errors.TooManyHeaders(f"A request may carry at most {self._max_headers} headers."))
        if self._head_size > self._max_head:
            raise _Refused(self._too_large())
        # uvicorn's on_header, inlined (this runs for every header of every request)
        name = name.lower()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._head_open = False
        self._head_received = self._head_size = self._header_count = 0
        HttpToolsProtocol.on_headers_complete(self)  # not super(): this runs for every request

    def on_message_complete(self) -> None:
        self._head_open = True
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        HttpToolsProtocol.on_message_complete(self)

    # --- deadlines and refusals ------------------------------------------------------------------

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if not self._head_open:  # the headers came in time: the body has until its own deadline
            end = self._started + self.limits.body_timeout
            if self.flow.read_paused:  # the server is not reading (the app is behind): not the client's fault
                end = max(end, self.loop.time() + 1.0)
            if self.loop.time() < end:
                self._deadline = self.loop.call_at(end, self._expire)
                return
        self._refuse(errors.RequestTimeout())

    def _too_large(self) -> errors.APIError:
        return errors.HeadersTooLarge(f"The request line and headers may take at most {self._max_head} bytes.")

    def _refuse(self, error: errors.APIError) -> None:
        """Answer ``error`` and close the connection; only close it if a response is under way."""
        self._disarm()
        cycle = self.cycle  # while a head is read, the previous request's; in the body phase, this one's
        if self._head_open:
            if cycle is not None and not cycle.response_complete:
                # A pipelined request's response is still being made: nothing may go ahead of it. Let it
                # finish, then close; read nothing more meanwhile.
                cycle.keep_alive = False
                self.flow.pause_reading()
                return
        else:
            if not cycle.response_complete:
                cycle.disconnected = True  # the application's sends are dropped; its receive says disconnect
                cycle.message_event.set()
            if cycle.response_started:
                self.transport.close()
                return
        rid = f"req_{getrandbits(96):024x}"
        body = errors.error_body(error, rid)
        head = [STATUS_LINE[error.status]]
        headers = [
            *self.server_state.default_headers,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", rid.encode()),
            (b"connection", b"close"),
        ]
        if self.scheme == "https" and self.limits.hsts is not None:
            headers.append((b"strict-transport-security", self.limits.hsts))
        head += [name + b": " + value + b"\r\n" for name, value in headers]
        self.transport.write(b"".join([*head, b"\r\n", body]))
        self.transport.close()
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "unknown client"
        logger.info("refused a request from %s: %s %s (request %s)", client, error.status, error.code, rid)
