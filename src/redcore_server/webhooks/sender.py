"""One delivery attempt: sign the payload per Standard Webhooks and POST it, within a deadline.

Signing uses the ``standardwebhooks`` library (the specification's reference implementation).
The request goes to the address :mod:`addresses` checked, with the URL's own host in ``Host`` and
in TLS SNI (and certificate checks), so a name re-pointed after the check cannot redirect it.
Redirects are never followed: only a 2xx answer from the URL itself counts.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook

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


def _pinned(target: Target) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    """The request URL with the checked address, the Host header and the TLS server name."""
    url = httpx.URL(target.url)
    pinned = url.copy_with(host=target.address)
    host_header = url.netloc.decode("ascii").rpartition("@")[2]
    extensions = {"sni_hostname": target.host} if url.scheme == "https" else {}
    return pinned, {"host": host_header}, extensions


async def _excerpt(response: httpx.Response) -> str | None:
    buffer = bytearray()
    async for chunk in response.aiter_bytes():
        buffer += chunk
        if len(buffer) >= EXCERPT_BYTES:
            break
    return buffer[:EXCERPT_BYTES].decode("utf-8", errors="replace") or None


async def send(
    client: httpx.AsyncClient,
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
            pinned, host, extensions = _pinned(target)
            headers = signed_headers(msg_id, body.decode(), secrets) | host
            request = client.build_request("POST", pinned, content=body, headers=headers, extensions=extensions)
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                excerpt = await _excerpt(response)
            finally:
                await response.aclose()
    except UnsafeURL as exc:
        return outcome(None, f"refused: {exc}")
    except TimeoutError:
        return outcome(None, f"timed out after {time_limit:g}s")
    except httpx.HTTPError as exc:
        return outcome(None, f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__)
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    if 300 <= response.status_code < 400:
        error = f"HTTP {response.status_code}: redirects are not followed"
    return outcome(response.status_code, error, excerpt)
