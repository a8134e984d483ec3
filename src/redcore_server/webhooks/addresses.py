"""Where a webhook may be sent: public addresses only, unless an operator allows private ones.

A URL is checked when an endpoint is saved and again before every attempt, because a name can be
re-pointed at any time (DNS rebinding). The attempt then connects to the address that was checked,
not to a second lookup of the name (see ``sender.py``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from redcore_server.text import HTTP_URL_PATTERN

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
HTTP_URL = re.compile(HTTP_URL_PATTERN)
RESOLVE_TIMEOUT = 5.0


class UnsafeURL(ValueError):
    """The URL cannot receive webhooks; the message says why, for the person who gave it."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL and the address to connect to."""

    url: str
    host: str
    address: str


def check_form(url: str) -> tuple[str, int]:
    """The URL's host and port, or :class:`UnsafeURL` when it is not an absolute http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("must be an http or https URL")
    if not parts.hostname:
        raise UnsafeURL("must name a host")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise UnsafeURL("must not contain spaces or control characters")
    if not HTTP_URL.fullmatch(url):  # what the OpenAPI document says, exactly (text.py)
        raise UnsafeURL("must be an absolute http(s) URL with a host name in ASCII or an IP address")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_public(address: IPAddress) -> bool:
    """Routable on the internet: not loopback, private, link-local, shared, reserved or multicast."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` names (an IP literal names itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP), RESOLVE_TIMEOUT
    )
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


def _refuse(addresses: list[IPAddress]) -> None:
    private = [a for a in addresses if not is_public(a)]
    if private:
        raise UnsafeURL(
            f"resolves to a non-public address ({private[0]}); webhooks go to public addresses only "
            "(an operator can allow private ones with REDCORE_WEBHOOK_ALLOW_PRIVATE=true)"
        )


async def check_on_save(url: str, *, allow_private: bool) -> None:
    """Refuse a malformed URL, or one whose host resolves to a non-public address.

    A name that does not resolve now is accepted: it is checked again before every attempt.
    """
    host, port = check_form(url)
    if allow_private:
        return
    try:
        addresses = await resolve(host, port)
    except (OSError, TimeoutError):
        return
    _refuse(addresses)


async def target_for(url: str, *, allow_private: bool) -> Target:
    """Resolve and check the URL for one attempt; :class:`UnsafeURL` if it may not be sent to."""
    host, port = check_form(url)
    try:
        addresses = await resolve(host, port)
    except TimeoutError:
        raise UnsafeURL(f"could not resolve {host} in {RESOLVE_TIMEOUT:g}s") from None
    except OSError as exc:
        raise UnsafeURL(f"could not resolve {host} ({exc.strerror or exc})") from None
    if not addresses:
        raise UnsafeURL(f"{host} has no address")
    if not allow_private:
        _refuse(addresses)
    return Target(url=url, host=host, address=str(addresses[0]))
