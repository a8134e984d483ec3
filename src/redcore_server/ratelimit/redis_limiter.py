"""Counting in Redis, so every worker and server shares one budget per key.

A process reserves positions in a window's count in batches (one atomic ``INCRBY`` per batch) and
hands them out locally: a hit is allowed when its position is within the limit, so the total allowed
never exceeds the limit. Batches are a sixteenth of what the process last saw remaining (at most
100), so near the limit they shrink to one position per round trip and no process sits on budget
another could use. Concurrent hits of one key in one process share the reservation in flight: the
others wait for it and take its positions, and those still without one reserve the next batch
together, sized for all of them. No reserved position is lost, so one process alone admits exactly
the limit, and several admit the limit less what the others still hold unspent when the window ends.

When Redis cannot be reached the limiters either keep serving on a per-process count (fail-open,
the default: logged once per outage, shown by ``/health``) or refuse with 503 (fail-closed). While
Redis is away a watcher pings it twice a second, so counting is shared again within a second of its
return, with or without traffic; in a quiet process it also pings every few seconds, so ``/health``
notices an outage without a request. A pooled connection that died while idle (Redis restarted) is
retried once on a fresh connection before anything counts as an outage.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from redcore_server import errors
from redcore_server.ratelimit.limiter import MAX_KEYS, Clock, Decision, MemoryLimiter, decide

logger = logging.getLogger("redcore.ratelimit")

T = TypeVar("T")

# KEYS[1] the window's counter; ARGV[1] positions to reserve, ARGV[2] the window's length in ms.
# Returns the count after the reservation: this batch holds positions count-n+1 .. count.
_RESERVE = """
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return count
"""
# KEYS[1] the window's counter: one hit taken back (never below zero, never creating the key).
_UNDO = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""
# KEYS[1] the hold; ARGV[1] its length in ms. 0 when taken, else the ms left on the current hold.
_CLAIM = """
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
local left = redis.call('PTTL', KEYS[1])
if left < 1 then return 1 end
return left
"""
# KEYS[1] the schedule's theoretical time of the next event (ms); ARGV[1] now (ms), ARGV[2] the
# interval between events (ms), ARGV[3] how far ahead of now the schedule may run before an event
# waits (ms). Returns the ms from now until this event may happen (GCRA, as MemoryLimiter.schedule).
_SCHEDULE = """
local now, interval, ahead = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local theoretical = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
redis.call('SET', KEYS[1], theoretical + interval, 'PX', theoretical + interval - now + 1000)
return math.max(0, theoretical - ahead - now)
"""
MAX_BATCH = 100
PROBE_EVERY = 0.5  # seconds between pings while Redis is away
IDLE_CHECK = 5.0  # ping Redis when no command has reached it for this long


class _RetryDeadConnection(Retry):
    """Retry a command once, at once, on a fresh connection when its connection failed (a pooled
    socket Redis closed while it sat idle), but not when Redis was merely slow: a timeout is not
    retried, so a hung Redis costs a request one ``socket_timeout``, not two. (redis-py's own
    ``Retry`` retries timeouts too; this loop keeps its contract: ``fail`` disconnects.)"""

    def __init__(self) -> None:
        super().__init__(NoBackoff(), 1, (RedisConnectionError,))

    async def call_with_retry(
        self,
        do: Callable[[], Awaitable[T]],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        failures = 0
        while True:
            try:
                return await do()
            except RedisConnectionError as error:
                if isinstance(error, RedisTimeoutError) or (is_retryable is not None and not is_retryable(error)):
                    raise
                failures += 1
                await (fail(error, failures) if with_failure_count else fail(error))
                if failures > 1:
                    raise


class RedisLink:
    """One Redis client (its connection pool) shared by a process's limiters, and whether Redis
    answers: one outage, one log line, one ``/health`` status for all of them.

    A watcher (started with the app, or by the first outage) pings Redis every ``probe_every``
    seconds while it is away, so counting is shared again soon after it returns, with or without
    traffic, and also when no limiter has reached it for ``idle_check`` seconds, so that ``/health``
    tells the truth in a quiet process too (a busy one learns from its own commands)."""

    def __init__(
        self,
        url: str,
        *,
        fail_closed: bool = False,
        timeout: float = 0.5,
        probe_every: float = PROBE_EVERY,
        idle_check: float = IDLE_CHECK,
    ) -> None:
        self.redis = aioredis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=_RetryDeadConnection()
        )
        self._policy = "refusing requests (fail-closed)" if fail_closed else "limiting per process (fail-open)"
        self._probe_every, self._idle_check = probe_every, idle_check
        self._down_since: float | None = None
        self._last_contact = time.monotonic()
        self._watcher: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        return self._down_since is None

    def status(self) -> str:
        return "ok" if self._down_since is None else "degraded"

    def start(self) -> None:
        """Start watching Redis (in the running event loop); idempotent."""
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.get_running_loop().create_task(self._watch())

    def contact(self) -> None:
        """A command just succeeded."""
        self._last_contact = time.monotonic()

    def mark_down(self, exc: BaseException) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.error("Redis is unreachable (%s): %s until it returns", exc, self._policy)
        self.start()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._probe_every)
            if self._down_since is None and time.monotonic() - self._last_contact < self._idle_check:
                continue
            try:
                await self.redis.ping()
            except (RedisError, OSError) as exc:
                self.mark_down(exc)
                continue
            self.contact()
            if self._down_since is not None:
                down_for, self._down_since = time.monotonic() - self._down_since, None
                logger.warning("Redis is reachable again after %.1f s: rate limits are shared again", down_for)

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.wait([self._watcher])
        await self.redis.aclose()


@dataclass(slots=True)
class _Batch:
    """A process's positions in one key's window: ``next`` .. ``last`` are reserved, not yet handed out."""

    index: int
    next: int = 1
    last: int = 0
    reserving: asyncio.Event | None = None  # set when the reservation in flight has returned
    waiting: int = 0  # hits waiting for that reservation


class RedisLimiter:
    backend = "redis"

    def __init__(
        self, link: RedisLink | str, window: float, *, fail_closed: bool = False, clock: Clock = time.time
    ) -> None:
        self.window = window
        self._owns_link = isinstance(link, str)
        self._link = RedisLink(link, fail_closed=fail_closed) if isinstance(link, str) else link
        redis = self._link.redis
        self._reserve, self._undo = redis.register_script(_RESERVE), redis.register_script(_UNDO)
        self._claim, self._schedule = redis.register_script(_CLAIM), redis.register_script(_SCHEDULE)
        self._clock = clock
        self._batches: dict[str, _Batch] = {}
        self._fail_closed = fail_closed
        self._fallback = MemoryLimiter(window, clock)

    async def hit(self, key: str, limit: int) -> Decision:
        while True:
            now = self._clock()
            index = int(now // self.window)
            batch = self._batches.get(key)
            if batch is None or batch.index < index:
                if len(self._batches) >= MAX_KEYS:
                    self._prune(index)
                batch = self._batches[key] = _Batch(index)
            if batch.next <= batch.last:
                position = batch.next
                batch.next += 1
                return decide(position, limit, batch.index, self.window, now)
            if not self._link.up:
                return self._degraded(key, limit)
            if batch.reserving is not None:  # another hit is reserving for this key: wait for its batch
                batch.waiting += 1
                try:
                    await batch.reserving.wait()
                finally:
                    batch.waiting -= 1
                continue
            # The next batch: a share of what is left, and at least one position per hit now waiting.
            size = max(1, min(MAX_BATCH, (limit - batch.last) // 16), batch.waiting + 1)
            batch.reserving = reserved = asyncio.Event()
            try:
                count = await self._reserve(keys=[f"rl:{key}:{batch.index}"], args=[size, int(self.window * 1000)])
            except (RedisError, OSError) as exc:
                self._mark_down(exc)
                return self._degraded(key, limit)
            finally:
                batch.reserving = None
                reserved.set()
            self._link.contact()
            batch.last = int(count)
            batch.next = batch.last - size + 2  # the first position is this hit's
            return decide(batch.last - size + 1, limit, batch.index, self.window, now)

    def _prune(self, index: int) -> None:
        """Forget batches of past windows and batches with nothing left to hand out; if that is not
        enough (too many keys each holding positions), forget everything: a forgotten position is
        only one fewer allowed, never one more."""
        kept = {
            k: b for k, b in self._batches.items() if b.index >= index and (b.next <= b.last or b.reserving is not None)
        }
        self._batches = kept if len(kept) < MAX_KEYS // 2 else {}

    async def count(self, key: str) -> int:
        """Positions reserved in the window (a process may not have handed all of its batch out yet)."""
        if self._link.up:
            try:
                raw = await self._link.redis.get(f"rl:{key}:{int(self._clock() // self.window)}")
            except (RedisError, OSError) as exc:
                self._mark_down(exc)
            else:
                self._link.contact()
                return int(raw or 0)
        self._refuse_if_closed()
        return self._fallback.count_now(key)

    async def undo(self, key: str) -> None:
        if self._link.up:
            try:
                await self._undo(keys=[f"rl:{key}:{int(self._clock() // self.window)}"])
            except (RedisError, OSError) as exc:
                self._mark_down(exc)
            else:
                self._link.contact()
                return
        self._fallback.undo_now(key)

    async def claim(self, key: str, seconds: float) -> float:
        if self._link.up:
            try:
                left = await self._claim(keys=[f"rl-hold:{key}"], args=[max(1, int(seconds * 1000))])
            except (RedisError, OSError) as exc:
                self._mark_down(exc)
            else:
                self._link.contact()
                return int(left) / 1000
        self._refuse_if_closed()
        return self._fallback.claim_now(key, seconds)

    async def schedule(self, key: str, limit: int, window: float) -> float:
        if self._link.up:
            interval = window * 1000 / limit
            try:
                wait = await self._schedule(
                    keys=[f"rl-schedule:{key}"],
                    args=[int(self._clock() * 1000), int(interval), int(window * 1000 - interval)],
                )
            except (RedisError, OSError) as exc:
                self._mark_down(exc)
            else:
                self._link.contact()
                return int(wait) / 1000
        self._refuse_if_closed()
        return self._fallback.schedule_now(key, limit, window)

    def _mark_down(self, exc: BaseException) -> None:
        self._link.mark_down(exc)

    def _refuse_if_closed(self) -> None:
        if self._fail_closed:
            raise errors.ServiceUnavailable(
                "Rate limiting is unavailable; retry shortly.", headers={"Retry-After": "1"}
            )

    def _degraded(self, key: str, limit: int) -> Decision:
        self._refuse_if_closed()
        return self._fallback.hit_now(key, limit)

    def status(self) -> str:
        return self._link.status()

    async def close(self) -> None:
        if self._owns_link:
            await self._link.close()
