"""One delivery attempt: sign the payload per Standard Webhooks and POST it, within a deadline.

Signing uses the ``standardwebhooks`` library (the specification's reference implementation).
The request goes to the address :mod:`addresses` checked, with the URL's own host in ``Host`` and
in TLS SNI (and certificate checks), so a name re-pointed after the check cannot redirect it.
Redirects are never followed: only a 2xx answer from the URL itself counts.

The HTTP client is aiohttp rather than httpx (which the SDK uses): with 16 attempts in flight to one
receiver on this project's 2-core machine, httpx spent about 2.7 ms of CPU per request (its pool
checks every idle connection's socket on each request) against aiohttp's 0.22 ms, and a worker's
delivery rate is bound by that CPU (bench/webhooks.py).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from standardwebhooks.webhooks import Webhook
from yarl import URL

from redcore_server.webhooks.addresses import Target, UnsafeURL, target_for

EXCERPT_BYTES = 1024
USER_AGENT = "RedCore-Webhooks/1.0"


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signature_header(msg_id: str, timestamp: datetime, body: str, secrets: list[str]) -> str:
    """``v1,<base64>`` for each secret that signs (two while an old secret is in its grace period)."""
    return " ".join(Webhook(secret).sign(msg_id, timestamp, body) for secret in secrets)


def signed_headers(msg_id: str, body: str, secrets: list[str], now: datetime | None = None) -> dict[str, str]:
    timestamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(msg_id, timestamp, body, secrets),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def new_session(concurrency: int, time_limit: float) -> aiohttp.ClientSession:
    """The connection pool a dispatcher sends through (environment proxies ignored)."""
    connector = aiohttp.TCPConnector(limit=concurrency * 2, use_dns_cache=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=time_limit))


def _pinned(target: Target) -> tuple[URL, str, str | None]:
    """The request URL with the checked address, the Host header, and the TLS server name."""
    url = URL(target.url)
    host_header = url.host if url.is_default_port() else f"{url.host}:{url.port}"
    return url.with_host(target.address), host_header or target.host, target.host if url.scheme == "https" else None


async def _excerpt(response: aiohttp.ClientResponse) -> str | None:
    buffer = bytearray()
    while len(buffer) < EXCERPT_BYTES and (chunk := await response.content.read(EXCERPT_BYTES - len(buffer))):
        buffer += chunk
    return buffer.decode("utf-8", errors="replace") or None


async def send(
    session: aiohttp.ClientSession,
    url: str,
    msg_id: str,
    body: bytes,
    secrets: list[str],
    *,
    time_limit: float,
    allow_private: bool,
) -> Outcome:
    """POST one signed delivery within ``time_limit`` seconds (name lookup included) and say how it
    went; never raises for the receiver's faults."""
    started = time.perf_counter()

    def outcome(status: int | None, error: str | None, excerpt: str | None = None) -> Outcome:
        return Outcome(status, round((time.perf_counter() - started) * 1000), error, excerpt)

    try:
        async with asyncio.timeout(time_limit):
            target = await target_for(url, allow_private=allow_private)
            pinned, host, server_name = _pinned(target)
            headers = signed_headers(msg_id, body.decode(), secrets) | {"host": host}
            async with session.post(
                pinned, data=body, headers=headers, allow_redirects=False, server_hostname=server_name
            ) as response:
                status, excerpt = response.status, await _excerpt(response)
    except UnsafeURL as exc:
        return outcome(None, f"refused: {exc}")
    except TimeoutError:
        return outcome(None, f"timed out after {time_limit:g}s")
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        return outcome(None, f"{type(exc).__name__}: {exc}"[:500])
    error = None if 200 <= status < 300 else f"HTTP {status}"
    if 300 <= status < 400:
        error = f"HTTP {status}: redirects are not followed"
    return outcome(status, error, excerpt)
