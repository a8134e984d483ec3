"""What the transport layers add to one request, measured in process (CPU time, no network).

    .venv/bin/python bench/transport_cost.py        # about half a minute

1. Parsing and dispatching the request wrk sends in bench/users_get.py (request line, Host,
   Authorization) through uvicorn's ``HttpToolsProtocol`` and through RedCore's
   ``LimitedHttpToolsProtocol`` (header caps, deadlines), each feeding a trivial ASGI app on uvloop
   over a stand-in transport; keep-alive, so one connection serves every request.
2. The ``Forwarded`` ASGI layer (http/forwarded.py) around a no-op app: with no trusted proxies (the
   default), and from a trusted proxy with an ``X-Forwarded-For`` chain to walk.

Prints the best of ``--repeats`` runs of ``--requests`` each, in microseconds per request. Nothing
here asserts; the end-to-end figure is bench/users_get.py's.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from typing import Any

import uvloop
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from redcore_server.config import Settings
from redcore_server.http.forwarded import Forwarded, TrustedProxies
from redcore_server.http.protocol import LimitedHttpToolsProtocol, TransportLimits

REQUEST = (
    b"GET /v1/users/usr_01m8rpybex6ps2mvft1wq3ct3w HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
    b"Authorization: Bearer sk_live_9GDbfROobtudqfMMzkYi0VJLGDBUWJM2\r\n\r\n"
)
BODY = b'{"id": "usr_01m8rpybex6ps2mvft1wq3ct3w"}'


async def app(scope: Any, receive: Any, send: Any) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


class Transport:
    """Just enough of an asyncio transport for the protocol: it swallows what is written."""

    def __init__(self) -> None:
        self.written = 0
        self._closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def write(self, data: bytes) -> None:
        self.written += 1

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self._closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def per_request_us(make: Callable[..., asyncio.Protocol], requests: int) -> float:
    config = Config(app, http="httptools", log_level="warning", access_log=False)
    config.load()
    protocol: Any = make(config=config, server_state=ServerState(), app_state={})
    transport = Transport()
    protocol.connection_made(transport)
    started = time.process_time()
    for _ in range(requests):
        protocol.data_received(REQUEST)
        await asyncio.gather(*protocol.tasks)  # the request's task, to its end
    elapsed = time.process_time() - started
    assert transport.written == 2 * requests, transport.written  # head and body of every response
    protocol.connection_lost(None)
    return elapsed / requests * 1e6


async def forwarded_us(layer: Any, scope: dict[str, Any], requests: int) -> float:
    async def receive() -> Any:
        return {}

    async def send(message: Any) -> None:
        pass

    started = time.process_time()
    for _ in range(requests):
        await layer(dict(scope), receive, send)
    return (time.process_time() - started) / requests * 1e6


async def main(requests: int, repeats: int) -> None:
    limits = TransportLimits.from_settings(Settings())

    def limited(**kwargs: Any) -> asyncio.Protocol:
        return LimitedHttpToolsProtocol(**kwargs, limits=limits)

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        pass

    headers = [(b"host", b"api"), (b"authorization", b"Bearer sk_live_x")]
    scope = {"type": "http", "scheme": "http", "path": "/v1/users/usr_1", "client": ("10.0.0.2", 1), "headers": headers}
    proxied_scope = scope | {"headers": [*headers, (b"x-forwarded-for", b"192.0.2.1, 203.0.113.9, 10.0.0.7")]}
    plain = Forwarded(inner, proxies=TrustedProxies(""), require_https=False, hsts_max_age=0)
    proxied = Forwarded(inner, proxies=TrustedProxies("10.0.0.0/8"), require_https=False, hsts_max_age=0)

    figures: dict[str, list[float]] = {}
    for _ in range(repeats):  # interleaved, so drift on a shared machine hits every case alike
        for name, run in [
            ("uvicorn HttpToolsProtocol", lambda: per_request_us(HttpToolsProtocol, requests)),
            ("RedCore LimitedHttpToolsProtocol", lambda: per_request_us(limited, requests)),
            ("no ASGI layer", lambda: forwarded_us(inner, scope, requests)),
            ("Forwarded, no trusted proxies", lambda: forwarded_us(plain, scope, requests)),
            ("Forwarded, from a trusted proxy", lambda: forwarded_us(proxied, proxied_scope, requests)),
        ]:
            figures.setdefault(name, []).append(await run())
    print(f"best of {repeats} x {requests:,} requests, CPU microseconds per request")
    for name, values in figures.items():
        print(f"  {name:34} {min(values):6.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    uvloop.run(main(args.requests, args.repeats))
