"""A real HTTP receiver for the webhook tests (server and SDK): a threaded server on a free port of
127.0.0.1 (never anywhere else) that records every request and answers as the test scripts it
(a status per request, in order, then 200)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    script: list[int | str] = field(default_factory=list)  # statuses, or "hang" (never answer in time)
    hang_seconds: float = 30.0
    delay: float = 0.0  # seconds to think before answering
    echo: bool = False  # answer with the request's own body (as some receivers do), not "ok"
    in_flight: int = 0
    most_in_flight: int = 0  # the most requests being answered at one moment
    release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answer(self, *answers: int | str) -> None:
        """Answer the next requests with these statuses, in order (then 200 again); "hang" answers
        nothing for ``hang_seconds``."""
        with self._lock:
            self.script.extend(answers)

    def next_answer(self) -> int | str:
        with self._lock:
            return self.script.pop(0) if self.script else 200

    async def wait_for(self, count: int, within: float = 15.0) -> list[Received]:
        """Wait (without blocking the event loop) until ``count`` requests have arrived."""
        deadline = time.monotonic() + within
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} webhook request(s), got {len(self.requests)}")
            await asyncio.sleep(0.02)
        return list(self.requests)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver._lock:
                receiver.requests.append(Received(self.path, headers, body, time.monotonic()))
                receiver.in_flight += 1
                receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
            try:
                self._answer(body)
            finally:
                with receiver._lock:
                    receiver.in_flight -= 1

        def _answer(self, body: bytes) -> None:
            answer = receiver.next_answer()
            if answer == "hang":
                receiver.release.wait(receiver.hang_seconds)
                return
            status = int(answer)
            if receiver.delay:
                time.sleep(receiver.delay)
            payload = b"ok" if status < 300 else f"status {status} from the test receiver".encode()
            if receiver.echo:
                payload = body
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
