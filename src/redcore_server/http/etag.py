"""Strong ETags derived from a resource's ``updated_at``, and ``If-Match`` parsing.

A client that sends ``If-Match`` with the ETag it last saw gets 412 ``precondition_failed``
instead of silently overwriting someone else's change (optimistic concurrency).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def etag_for(updated_at: datetime) -> str:
    return f'"{(updated_at - _EPOCH) // _MICROSECOND:x}"'


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
