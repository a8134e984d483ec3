"""IP networks as operators write them in settings (``REDCORE_TRUSTED_PROXIES``)."""

from __future__ import annotations

import ipaddress


def parse_networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``"10.0.0.0/8, 192.0.2.7"`` → the networks; an address alone is a network of one."""
    networks = []
    for item in spec.split(","):
        item = item.strip()
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"not an IP address or CIDR network: {item!r}") from None
    return tuple(networks)
