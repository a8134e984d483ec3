"""Who the client is and whether its connection is secure: the first ASGI layer every request meets.

Behind a reverse proxy every connection comes from the proxy, so the client's address and scheme are
whatever the proxy says in ``X-Forwarded-For`` and ``X-Forwarded-Proto``, and only a proxy listed in
``REDCORE_TRUSTED_PROXIES`` is believed. When the connection comes from one, ``scope["client"]``
becomes the right-most ``X-Forwarded-For`` address that is not itself a trusted proxy (the left of
that is whatever the client chose to send) and ``scope["scheme"]`` the proxy's ``X-Forwarded-Proto``;
from anyone else both headers are ignored. Everything after this layer (the fast read path, the gate's
per-address limits, sign-in, the access log) reads the rewritten scope. uvicorn's own proxy-header
handling is off (``cli.serve``), so this is the only setting.

Then the contract's HTTPS rules: with ``REDCORE_REQUIRE_HTTPS`` a request that did not arrive over TLS
(directly, or through a trusted proxy saying ``https``) gets 403 ``https_required``, except ``/health``
(load balancers probe it over plain HTTP, and it carries no data); every response over TLS carries
``Strict-Transport-Security``.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from litestar.enums import ScopeType

from redcore_server import errors
from redcore_server.errors import error_body
from redcore_server.http.request_id import request_id
from redcore_server.networks import parse_networks

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
HEALTH_PATH = "/health"


def _address(text: str) -> IPAddress | None:
    """An address as proxies write it (``192.0.2.7``, ``2001:db8::1``, ``192.0.2.7:5123``,
    ``[2001:db8::1]:443``), IPv4-mapped IPv6 as IPv4; ``None`` if it is none of those."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class TrustedProxies:
    def __init__(self, spec: str) -> None:
        self._networks = parse_networks(spec)
        # Parsing addresses costs microseconds; proxies and their clients repeat, so the answers are
        # cached (bounded: a stream of new addresses or headers only evicts).
        self.trusts = functools.lru_cache(maxsize=4096)(self._trusts)
        self.client = functools.lru_cache(maxsize=4096)(self._client)

    def __bool__(self) -> bool:
        return bool(self._networks)

    def _trusts(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self._networks)

    def _client(self, peer: str, forwarded_for: str) -> str:
        """The client's address for a connection from the trusted proxy ``peer``: walking
        ``X-Forwarded-For`` from the right, the first address that is not a trusted proxy. An entry
        that is not an address stops the walk at the proxy that wrote it; if every entry is a trusted
        proxy, the left-most is the client."""
        client = peer
        for entry in reversed(forwarded_for.split(",")):
            address = _address(entry)
            if address is None:
                return client
            client = str(address)
            if not self.trusts(client):
                return client
        return client


class Forwarded:
    """The ASGI layer described above, installed in front of everything else by ``create_app``."""

    def __init__(self, app: ASGIApp, *, proxies: TrustedProxies, require_https: bool, hsts_max_age: int) -> None:
        self._app = app
        self._proxies = proxies if proxies else None
        self._require_https = require_https
        self._hsts = f"max-age={hsts_max_age}".encode()

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine itself (see FastReads.__call__): it hands back the next layer's.
        if scope["type"] == ScopeType.HTTP:
            if self._proxies is not None:
                peer = scope.get("client")
                if peer and self._proxies.trusts(peer[0]):
                    self._rewrite(scope, peer[0])  # type: ignore[arg-type]
            if scope["scheme"] == "https":
                send = self._with_hsts(send, self._hsts)
            elif self._require_https and scope["path"] != HEALTH_PATH:
                return self._refuse(scope, send)
        return self._app(scope, receive, send)

    def _rewrite(self, scope: dict[str, Any], peer: str) -> None:
        forwarded_for: list[str] = []
        proto = None
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded_for.append(value.decode("latin-1"))
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1")
        if forwarded_for:  # several headers are one list, in order
            scope["client"] = (self._proxies.client(peer, ",".join(forwarded_for)), 0)  # type: ignore[union-attr]
        if proto is not None:
            scheme = proto.rpartition(",")[2].strip().lower()  # the nearest proxy's word
            if scheme in ("http", "https"):
                scope["scheme"] = scheme

    @staticmethod
    def _with_hsts(send: Send, value: bytes) -> Send:
        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"strict-transport-security", value)]
            await send(message)

        return send_with_hsts

    @staticmethod
    async def _refuse(scope: Scope, send: Callable[[Any], Awaitable[None]]) -> None:
        error = errors.HttpsRequired()
        rid = request_id(scope)
        body = error_body(error, rid)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        headers.append((b"x-request-id", rid.encode()))
        await send({"type": "http.response.start", "status": error.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
