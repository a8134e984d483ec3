"""The limiters themselves: fixed-window counts (with a clock the test controls, or on the real
Redis), concurrent hits of one process, holds and send schedules, and riding out Redis outages."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis

from redcore_server import errors
from redcore_server.ratelimit.limiter import Limiter, MemoryLimiter
from redcore_server.ratelimit.redis_limiter import RedisLimiter, RedisLink
from tests.support.own_redis import OwnRedis

REDIS_URL = "redis://127.0.0.1:6379/15"
WINDOW = 86_400.0  # a day: a test run never straddles two windows (they are aligned on midnight UTC)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def count_reservations(limiter: RedisLimiter) -> Callable[[], int]:
    """Count the limiter's round trips that reserve positions."""
    calls = 0
    reserve = limiter._reserve

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return await reserve(*args, **kwargs)

    limiter._reserve = counting  # type: ignore[method-assign,assignment]
    return lambda: calls


async def concurrently(n: int, at_once: int, hit: Callable[[], Awaitable[bool]]) -> int:
    """Run ``hit`` ``n`` times, ``at_once`` at a time; how many said True."""
    gate = asyncio.Semaphore(at_once)

    async def one() -> bool:
        async with gate:
            return await hit()

    return sum(await asyncio.gather(*(one() for _ in range(n))))


async def reserved(key: str) -> int:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        return int(await client.get(f"rl:{key}:{int(time.time() // WINDOW)}") or 0)
    finally:
        await client.aclose()


async def test_memory_limiter_allows_limit_then_refuses_until_the_window_ends() -> None:
    clock = Clock(1_000_000.0)
    limiter = MemoryLimiter(60, clock)
    decisions = [await limiter.hit("k", 3) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert [d.position for d in decisions] == [1, 2, 3, 4]
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
            with pytest.raises(errors.ServiceUnavailable) as refused_by_policy:
                await unreachable.hit(key, 3)
            assert refused_by_policy.value.headers["Retry-After"] == "1"
        else:
            assert [(await unreachable.hit(key, 2)).allowed for _ in range(3)] == [True, True, False]
        assert unreachable.status() == "degraded"
    finally:
        await unreachable.close()


@pytest.mark.parametrize("limit", [1000, 40, 1])
async def test_concurrent_hits_in_one_process_admit_exactly_the_limit(limit: int) -> None:
    """1,200 hits 16 at a time: exactly ``limit`` allowed, and every reserved position handed out."""
    key = f"test-{uuid.uuid4().hex}"
    # Exactness is the point here, not outages: a loaded test machine may take longer than the
    # production default (0.5 s) to connect, which would count as Redis being away.
    link = RedisLink(REDIS_URL, timeout=5.0)
    limiter = RedisLimiter(link, WINDOW)
    round_trips = count_reservations(limiter)
    try:
        allowed = await concurrently(1200, 16, lambda: _allowed(limiter, key, limit))
        assert link.up
        assert allowed == limit
        assert await reserved(key) == 1200  # no position reserved and then lost
        assert round_trips() < 200  # batches: not one round trip per hit
    finally:
        await limiter.close()
        await link.close()


async def _allowed(limiter: Limiter, key: str, limit: int) -> bool:
    return (await limiter.hit(key, limit)).allowed


async def test_processes_together_never_admit_more_and_lose_only_what_others_hold() -> None:
    """Three limiters (three processes) on one key, hits interleaved 16 at a time: never more than
    the limit, and no fewer than the limit less the positions they hold unspent at the end."""
    key, limit = f"test-{uuid.uuid4().hex}", 500
    limiters = [RedisLimiter(REDIS_URL, WINDOW) for _ in range(3)]
    turn = 0

    async def hit() -> bool:
        nonlocal turn
        turn += 1
        return await _allowed(limiters[turn % 3], key, limit)

    try:
        allowed = await concurrently(700, 16, hit)
        unspent = sum(max(0, min(b.last, limit) - b.next + 1) for lim in limiters for b in lim._batches.values())
        assert limit - unspent <= allowed <= limit
        assert allowed == limit - unspent  # the bound is exact: only unspent positions go unused
    finally:
        for limiter in limiters:
            await limiter.close()


async def test_redis_batches_cut_round_trips_for_large_limits() -> None:
    key = f"test-{uuid.uuid4().hex}"
    limiter = RedisLimiter(REDIS_URL, 60)
    round_trips = count_reservations(limiter)
    try:
        decisions = [await limiter.hit(key, 1_000_000) for _ in range(500)]
        assert all(d.allowed for d in decisions)
        assert round_trips() == 5  # batches of 100
        assert decisions[-1].remaining == 1_000_000 - 500
    finally:
        await limiter.close()


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        yield MemoryLimiter(WINDOW)
        return
    redis_limiter = RedisLimiter(REDIS_URL, WINDOW)
    yield redis_limiter
    await redis_limiter.close()


async def test_undo_takes_back_one_hit(limiter: Limiter) -> None:
    key = f"test-{uuid.uuid4().hex}"
    await limiter.undo(key)  # nothing to take back: still nothing
    assert [(await limiter.hit(key, 2)).position for _ in range(2)] == [1, 2]
    await limiter.undo(key)
    assert await limiter.count(key) == 1
    assert (await limiter.hit(key, 2)).allowed
    assert not (await limiter.hit(key, 2)).allowed


async def test_a_claim_is_held_by_one_caller_until_it_ends(limiter: Limiter) -> None:
    key = f"test-{uuid.uuid4().hex}"
    first = await asyncio.gather(*(limiter.claim(key, 0.3) for _ in range(5)))
    assert sorted(first)[0] == 0.0  # one caller got it…
    assert all(0 < left <= 0.3 for left in sorted(first)[1:])  # …the others are told how long it lasts
    await asyncio.sleep(0.35)
    assert await limiter.claim(key, 0.3) == 0.0


async def test_a_schedule_lets_a_burst_through_then_spaces_events_out(limiter: Limiter) -> None:
    key = f"test-{uuid.uuid4().hex}"
    waits = [await limiter.schedule(key, 3, 60.0) for _ in range(6)]  # 3 a minute: one every 20 s
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert [round(w) for w in waits[3:]] == [20, 40, 60]


async def test_a_dead_pooled_connection_is_retried_not_taken_for_an_outage(own_redis: OwnRedis) -> None:
    own_redis.start()
    limiter = RedisLimiter(own_redis.url, WINDOW)
    try:
        await asyncio.gather(*(limiter.hit(f"k{i}", 10) for i in range(8)))  # eight pooled connections
        own_redis.stop()
        own_redis.start()  # every pooled connection is now dead, and Redis is up
        decisions = await asyncio.gather(*(limiter.hit(f"j{i}", 10) for i in range(8)))
        assert limiter.status() == "ok"
        assert all(d.allowed for d in decisions)
        assert await limiter.count("j0") == 1  # counted in Redis, not in the fallback
    finally:
        await limiter.close()


async def test_counting_is_shared_again_soon_after_redis_returns_without_traffic(own_redis: OwnRedis) -> None:
    own_redis.start()
    link = RedisLink(own_redis.url)
    keys, invitations = RedisLimiter(link, WINDOW), RedisLimiter(link, 3600)  # one link, one status
    try:
        assert (await keys.hit("k", 10)).allowed
        own_redis.stop()
        assert (await keys.hit("k", 10)).allowed  # fail-open, counted in this process
        assert keys.status() == invitations.status() == "degraded"
        own_redis.start()
        assert await _status_within(keys, "ok", 3)  # no hit meanwhile: the watcher notices by itself
        assert invitations.status() == "ok"
        assert (await keys.hit("k", 10)).position == 1  # counted in Redis again (empty after its restart)
    finally:
        await link.close()


async def test_a_quiet_process_notices_an_outage_and_its_end(own_redis: OwnRedis) -> None:
    """No hit at all: the watcher alone keeps the status (what /health shows) true."""
    own_redis.start()
    link = RedisLink(own_redis.url, idle_check=0.2)
    limiter = RedisLimiter(link, WINDOW)
    link.start()
    try:
        assert limiter.status() == "ok"
        own_redis.stop()
        assert await _status_within(limiter, "degraded", 3)
        own_redis.start()
        assert await _status_within(limiter, "ok", 3)
    finally:
        await link.close()


async def _status_within(limiter: Limiter, expected: str, seconds: float) -> bool:
    for _ in range(int(seconds / 0.05)):
        if limiter.status() == expected:
            return True
        await asyncio.sleep(0.05)
    return limiter.status() == expected
