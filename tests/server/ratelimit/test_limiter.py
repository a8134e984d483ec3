"""The fixed-window counters, with a clock the test controls."""

from __future__ import annotations

import uuid

import pytest

from redcore_server import errors
from redcore_server.ratelimit.limiter import MemoryLimiter, RedisLimiter

REDIS_URL = "redis://127.0.0.1:6379/15"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_memory_limiter_allows_limit_then_refuses_until_the_window_ends() -> None:
    clock = Clock(1_000_000.0)
    limiter = MemoryLimiter(60, clock)
    decisions = [await limiter.hit("k", 3) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert {d.reset for d in decisions} == {1_000_020}  # windows are aligned on multiples of 60 s
    assert decisions[-1].retry_after == 20
    assert decisions[-1].headers()["Retry-After"] == "20"
    assert "Retry-After" not in decisions[0].headers()
    assert (await limiter.hit("other", 3)).allowed  # keys are counted apart
    clock.now = 1_000_020.0
    assert (await limiter.hit("k", 3)).allowed
    assert (await limiter.hit("k", 3)).remaining == 1


@pytest.mark.parametrize("fail_closed", [False, True])
async def test_redis_limiter_counts_in_redis_and_degrades_by_policy(fail_closed: bool) -> None:
    key = f"test-{uuid.uuid4().hex}"
    limiter = RedisLimiter(REDIS_URL, 60, fail_closed=fail_closed)
    other = RedisLimiter(REDIS_URL, 60)  # a second process or server sharing the budget
    try:
        assert [(await limiter.hit(key, 3)).allowed for _ in range(2)] == [True, True]
        assert (await other.hit(key, 3)).allowed
        refused = await other.hit(key, 3)
        assert not refused.allowed
        assert refused.retry_after >= 1
        assert limiter.status() == "ok"
    finally:
        await limiter.close()
        await other.close()

    unreachable = RedisLimiter("redis://127.0.0.1:1/0", 60, fail_closed=fail_closed)
    try:
        if fail_closed:
            with pytest.raises(errors.ServiceUnavailable):
                await unreachable.hit(key, 3)
        else:
            assert [(await unreachable.hit(key, 2)).allowed for _ in range(3)] == [True, True, False]
        assert unreachable.status() == "degraded"
    finally:
        await unreachable.close()
