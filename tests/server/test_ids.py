"""Ids: a prefix, then 26 Crockford base32 characters holding 48 bits of milliseconds and 80 random
bits, so they sort by creation time (to the millisecond) and never repeat."""

from __future__ import annotations

import time

from redcore_server.ids import new_id

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _value(ident: str) -> int:
    value = 0
    for char in ident.split("_", 1)[1]:
        value = value * 32 + ALPHABET.index(char)
    return value


def test_an_id_holds_its_millisecond_and_random_bits() -> None:
    before = time.time_ns() // 1_000_000
    ident = new_id("usr")
    after = time.time_ns() // 1_000_000
    assert ident.startswith("usr_") and len(ident) == 30
    assert set(ident[4:]) <= set(ALPHABET)
    assert before <= _value(ident) >> 80 <= after
    assert _value(ident) < 2**128  # the first character carries the top 3 bits only


def test_ids_sort_by_time_and_never_repeat() -> None:
    made = []
    for _ in range(5):
        made += [new_id("prod") for _ in range(1000)]
        time.sleep(0.002)
    assert len(set(made)) == len(made)
    stamps = [_value(i) >> 80 for i in made]
    assert stamps == sorted(stamps)
    assert [i for i in made if i[:15] != made[0][:15]]  # time moved on, and the ids with it
