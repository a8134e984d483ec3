"""Fixed-window counters: ``limit`` requests per ``window`` seconds per key.

Windows are aligned on multiples of ``window`` since the epoch, so every process and server agrees
on when a window resets (``X-RateLimit-Reset``) without talking to the others.

* :class:`MemoryLimiter` counts in this process: the embedded default for one process.
* :class:`RedisLimiter` counts in Redis, so every worker and server shares one budget per key. A
  process reserves positions in a window's count in batches (one atomic ``INCRBY`` per batch) and
  hands them out locally: a request is allowed when its position is within the limit, so the total
  allowed never exceeds the limit. Batches are a sixteenth of what the process last saw remaining
  (at most 100), so near the limit they shrink to one position per round trip and no process sits
  on budget another could use. When Redis cannot be reached it either
  keeps serving on a per-process count (fail-open, the default: logged once per outage, shown by
  ``/health``, and Redis is tried again every second) or refuses with 503 (fail-closed).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from redcore_server import errors

logger = logging.getLogger("redcore.ratelimit")

Clock = Callable[[], float]

# KEYS[1] the window's counter; ARGV[1] positions to reserve, ARGV[2] the window's length in ms.
# Returns the count after the reservation: this batch holds positions count-n+1 .. count.
_RESERVE_SCRIPT = """
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return count
"""
MAX_BATCH = 100


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # unix seconds when the window ends
    retry_after: int  # seconds until a refused caller may try again (0 when allowed)

    def headers(self) -> dict[str, str]:
        values = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            values["Retry-After"] = str(self.retry_after)
        return values


def _decide(count: int, limit: int, window_index: int, window: float, now: float) -> Decision:
    end = (window_index + 1) * window
    allowed = count <= limit
    return Decision(
        allowed=allowed,
        limit=limit,
        remaining=max(limit - count, 0),
        reset=math.ceil(end),
        retry_after=0 if allowed else max(math.ceil(end - now), 1),
    )


def seconds_until_window_ends(window: float, now: float | None = None) -> int:
    """Whole seconds (at least one) until the current aligned window ends: a ``Retry-After``."""
    now = time.time() if now is None else now
    return max(1, math.ceil((now // window + 1) * window - now))


class Limiter(Protocol):
    backend: str

    async def hit(self, key: str, limit: int) -> Decision: ...

    async def count(self, key: str) -> int:
        """How many hits ``key`` has had in the current window (without counting one)."""
        ...

    def status(self) -> str: ...

    async def close(self) -> None: ...


class MemoryLimiter:
    backend = "memory"

    def __init__(self, window: float, clock: Clock = time.time) -> None:
        self.window = window
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window index, count)

    async def hit(self, key: str, limit: int) -> Decision:
        return self.hit_now(key, limit)

    def hit_now(self, key: str, limit: int) -> Decision:
        now = self._clock()
        index = int(now // self.window)
        current = self._counts.get(key)
        count = current[1] + 1 if current is not None and current[0] == index else 1
        if current is None and len(self._counts) >= 100_000:
            self._prune(index)
        self._counts[key] = (index, count)
        return _decide(count, limit, index, self.window, now)

    async def count(self, key: str) -> int:
        return self.count_now(key)

    def count_now(self, key: str) -> int:
        current = self._counts.get(key)
        return current[1] if current is not None and current[0] == int(self._clock() // self.window) else 0

    def _prune(self, index: int) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[0] == index}

    def status(self) -> str:
        return "ok"

    async def close(self) -> None:
        return None


class RedisLimiter:
    backend = "redis"

    def __init__(
        self, url: str, window: float, *, fail_closed: bool = False, clock: Clock = time.time, retry_every: float = 1.0
    ) -> None:
        self.window = window
        self._clock = clock
        self._redis = aioredis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._redis.register_script(_RESERVE_SCRIPT)
        # key -> [window index, next position to hand out, last position reserved]
        self._batches: dict[str, list[int]] = {}
        self._fail_closed = fail_closed
        self._fallback = MemoryLimiter(window, clock)
        self._retry_every = retry_every
        self._down_since: float | None = None
        self._next_try = 0.0

    async def hit(self, key: str, limit: int) -> Decision:
        now = self._clock()
        index = int(now // self.window)
        batch = self._batches.get(key)
        if batch is not None and batch[0] == index and batch[1] <= batch[2]:
            position = batch[1]
            batch[1] += 1
            return _decide(position, limit, index, self.window, now)
        if self._down_since is None or now >= self._next_try:
            seen = batch[2] if batch is not None and batch[0] == index else 0
            size = max(1, min(MAX_BATCH, (limit - seen) // 16))
            try:
                count = int(await self._script(keys=[f"rl:{key}:{index}"], args=[size, int(self.window * 1000)]))
            except (RedisError, OSError) as exc:
                self._mark_down(now, exc)
            else:
                if self._down_since is not None:
                    logger.warning("Redis is reachable again: rate limits are shared again")
                    self._down_since = None
                position = count - size + 1
                if len(self._batches) >= 100_000:
                    self._batches.clear()
                self._batches[key] = [index, position + 1, count]
                return _decide(position, limit, index, self.window, now)
        if self._fail_closed:
            raise errors.ServiceUnavailable("Rate limiting is unavailable; retry shortly.")
        return self._fallback.hit_now(key, limit)

    async def count(self, key: str) -> int:
        """Positions reserved in the window (a process may not have handed all of its batch out yet)."""
        now = self._clock()
        if self._down_since is None or now >= self._next_try:
            try:
                raw = await self._redis.get(f"rl:{key}:{int(now // self.window)}")
            except (RedisError, OSError) as exc:
                self._mark_down(now, exc)
            else:
                return int(raw or 0)
        if self._fail_closed:
            raise errors.ServiceUnavailable("Rate limiting is unavailable; retry shortly.")
        return self._fallback.count_now(key)

    def _mark_down(self, now: float, exc: Exception) -> None:
        if self._down_since is None:
            self._down_since = now
            policy = "refusing requests (fail-closed)" if self._fail_closed else "limiting per process (fail-open)"
            logger.error("Redis is unreachable (%s): %s until it returns", exc, policy)
        self._next_try = now + self._retry_every

    def status(self) -> str:
        return "degraded" if self._down_since is not None else "ok"

    async def close(self) -> None:
        await self._redis.aclose()


def build_limiter(redis_url: str | None, window: float, *, fail_closed: bool) -> Limiter:
    if redis_url:
        return RedisLimiter(redis_url, window, fail_closed=fail_closed)
    return MemoryLimiter(window)
