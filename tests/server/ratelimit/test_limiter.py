"""The fixed-window counters, with a clock the test controls."""

from __future__ import annotations

import time
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


async def test_redis_batches_never_allow_more_than_the_limit_across_processes() -> None:
    key = f"test-{uuid.uuid4().hex}"
    limit = 200  # batches of up to 12 positions
    a, b = RedisLimiter(REDIS_URL, 60), RedisLimiter(REDIS_URL, 60)
    try:
        allowed = 0
        for i in range(300):
            allowed += (await (a if i % 3 else b).hit(key, limit)).allowed
        assert limit - 2 * (limit // 16) <= allowed <= limit  # exact bound; at most two batches unused
        reserved = int(await a._redis.get(f"rl:{key}:{int(time.time() // 60)}"))
        assert reserved < 300 + 2 * 12  # reserved in batches, not one round trip per request
    finally:
        await a.close()
        await b.close()


async def test_redis_batches_cut_round_trips_for_large_limits() -> None:
    key = f"test-{uuid.uuid4().hex}"
    limiter = RedisLimiter(REDIS_URL, 60)
    calls = 0
    script = limiter._script

    async def counting(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return await script(*args, **kwargs)

    limiter._script = counting  # type: ignore[assignment]
    try:
        decisions = [await limiter.hit(key, 1_000_000) for _ in range(500)]
        assert all(d.allowed for d in decisions)
        assert calls == 5  # batches of 100
        assert decisions[-1].remaining == 1_000_000 - 500
    finally:
        await limiter.close()
