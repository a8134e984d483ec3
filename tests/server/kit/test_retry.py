from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redcore_server.kit.retry import jittered, next_attempt


def test_each_failure_waits_its_delay_stretched_by_at_most_a_tenth_then_gives_up() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    first = [next_attempt((60, 300), 1, now) for _ in range(200)]
    second = [next_attempt((60, 300), 2, now) for _ in range(200)]
    assert all(w is not None and timedelta(seconds=60) <= w - now <= timedelta(seconds=66) for w in first)
    assert all(w is not None and timedelta(seconds=300) <= w - now <= timedelta(seconds=330) for w in second)
    assert len(set(first)) > 1  # jittered, not all at the same instant
    assert next_attempt((60, 300), 3, now) is None
    assert next_attempt((), 1, now) is None


def test_jittered_stretches_by_zero_to_ten_percent() -> None:
    made = [jittered(10.0) for _ in range(500)]
    assert all(10.0 <= m <= 11.0 for m in made)
    assert max(made) - min(made) > 0.5
