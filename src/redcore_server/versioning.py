"""Strong ETags derived from a resource's ``updated_at``, and ``If-Match`` parsing.

A client that sends ``If-Match`` with the ETag it last saw gets 412 ``precondition_failed``
instead of silently overwriting someone else's change (optimistic concurrency).
"""

from __future__ import annotations

from datetime import datetime


def etag_for(updated_at: datetime) -> str:
    """Microseconds since the epoch, in hex (float arithmetic is exact at this magnitude)."""
    return f'"{round(updated_at.timestamp() * 1_000_000):x}"'


def parse_if_match(header: str | None) -> frozenset[str] | None:
    """The ETags an ``If-Match`` header accepts; ``None`` when absent or ``*`` (any current version)."""
    if header is None or header.strip() == "*":
        return None
    tags = set()
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag:
            tags.add(tag)
    return frozenset(tags)
