"""Opaque, type-prefixed identifiers (``usr_…``, ``org_…``).

The body is 26 Crockford base32 characters: 48 bits of milliseconds then 80 random bits, like a
ULID. Ids are unguessable and never sequential, yet roughly time-ordered, which keeps B-tree inserts
local at millions of rows.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(prefix: str) -> str:
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


def has_prefix(ident: str, prefix: str) -> bool:
    """Whether ``ident`` has the form of an id made by ``new_id(prefix)``: a cheap check before a lookup."""
    return ident.startswith(f"{prefix}_")


def utcnow() -> datetime:
    return datetime.now(UTC)
