"""Fixed-window counters: ``limit`` hits per ``window`` seconds per key, and two helpers the
sign-in and invitation limits need (a claim that only one caller gets for a while, and a send
schedule that spaces things out).

Windows are aligned on multiples of ``window`` since the epoch, so every process and server agrees
on when a window resets (``X-RateLimit-Reset``) without talking to the others.

* :class:`MemoryLimiter` counts in this process: the embedded default for one process, and what a
  Redis limiter falls back on while Redis cannot be reached (fail-open).
* :class:`~redcore_server.ratelimit.redis_limiter.RedisLimiter` counts in Redis, so every worker
  and server shares one budget per key.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from redcore_server.ratelimit.redis_limiter import RedisLink

Clock = Callable[[], float]
MAX_KEYS = 100_000  # per-process state kept for this many keys at most (older windows are dropped first)


class Decision(NamedTuple):
    """One hit's verdict. A named tuple rather than a frozen dataclass: one is made for every counted
    request, and a tuple is built in C where a frozen dataclass sets each field through
    ``object.__setattr__``."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # unix seconds when the window ends
    retry_after: int  # seconds until a refused caller may try again (0 when allowed)
    position: int = 0  # this hit's position in the window's count (1 for the first hit)

    def headers(self) -> dict[str, str]:
        values = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            values["Retry-After"] = str(self.retry_after)
        return values


def decide(count: int, limit: int, window_index: int, window: float, now: float) -> Decision:
    end = (window_index + 1) * window
    allowed = count <= limit
    remaining = limit - count if allowed else 0
    return Decision(allowed, limit, remaining, math.ceil(end), 0 if allowed else max(math.ceil(end - now), 1), count)


def seconds_until_window_ends(window: float, now: float | None = None) -> int:
    """Whole seconds (at least one) until the current aligned window ends: a ``Retry-After``."""
    now = time.time() if now is None else now
    return max(1, math.ceil((now // window + 1) * window - now))


class Limiter(Protocol):
    backend: str
    window: float

    async def hit(self, key: str, limit: int) -> Decision:
        """Count one hit of ``key`` in the current window; allowed while its position ≤ ``limit``."""
        ...

    async def count(self, key: str) -> int:
        """How many hits ``key`` has had in the current window (without counting one)."""
        ...

    async def undo(self, key: str) -> None:
        """Take back one hit of ``key`` in the current window (one that turned out not to count)."""
        ...

    async def claim(self, key: str, seconds: float) -> float:
        """Hold ``key`` for ``seconds`` if nobody holds it: 0.0 when this caller got it, else the
        seconds until the current holder's hold ends."""
        ...

    async def schedule(self, key: str, limit: int, window: float) -> float:
        """Seconds from now when one more event of ``key`` may happen, so that events come at most
        ``limit`` per ``window`` on average (a burst of ``limit``, then evenly spaced): 0.0 for now.
        Each call takes its slot."""
        ...

    def status(self) -> str: ...

    async def close(self) -> None: ...


class MemoryLimiter:
    backend = "memory"

    def __init__(self, window: float, clock: Clock = time.time) -> None:
        self.window = window
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}  # key -> (window index, count)
        self._holds: dict[str, float] = {}  # key -> when its claim ends
        self._schedules: dict[str, float] = {}  # key -> the theoretical time of the next event

    async def hit(self, key: str, limit: int) -> Decision:
        return self.hit_now(key, limit)

    def hit_now(self, key: str, limit: int) -> Decision:
        now = self._clock()
        index = int(now // self.window)
        current = self._counts.get(key)
        count = current[1] + 1 if current is not None and current[0] == index else 1
        if current is None and len(self._counts) >= MAX_KEYS:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == index}
        self._counts[key] = (index, count)
        return decide(count, limit, index, self.window, now)

    async def count(self, key: str) -> int:
        return self.count_now(key)

    def count_now(self, key: str) -> int:
        current = self._counts.get(key)
        return current[1] if current is not None and current[0] == int(self._clock() // self.window) else 0

    async def undo(self, key: str) -> None:
        self.undo_now(key)

    def undo_now(self, key: str) -> None:
        current = self._counts.get(key)
        if current is not None and current[0] == int(self._clock() // self.window) and current[1] > 0:
            self._counts[key] = (current[0], current[1] - 1)

    async def claim(self, key: str, seconds: float) -> float:
        return self.claim_now(key, seconds)

    def claim_now(self, key: str, seconds: float) -> float:
        now = self._clock()
        until = self._holds.get(key, 0.0)
        if until > now:
            return until - now
        if len(self._holds) >= MAX_KEYS:
            self._holds = {k: v for k, v in self._holds.items() if v > now}
        self._holds[key] = now + seconds
        return 0.0

    async def schedule(self, key: str, limit: int, window: float) -> float:
        return self.schedule_now(key, limit, window)

    def schedule_now(self, key: str, limit: int, window: float) -> float:
        # GCRA: ``theoretical`` moves one interval ahead per event; an event may happen once it is no
        # more than ``window - interval`` ahead of the clock (which lets a burst of ``limit`` through).
        now, interval = self._clock(), window / limit
        theoretical = max(self._schedules.get(key, now), now)
        if len(self._schedules) >= MAX_KEYS:
            self._schedules = {k: v for k, v in self._schedules.items() if v > now}
        self._schedules[key] = theoretical + interval
        return max(0.0, theoretical - (window - interval) - now)

    def status(self) -> str:
        return "ok"

    async def close(self) -> None:
        return None


def build_limiter(redis: RedisLink | None, window: float, *, fail_closed: bool) -> Limiter:
    """A Redis limiter on ``redis`` (shared by the process's limiters), else one counting in memory."""
    if redis is not None:
        from redcore_server.ratelimit.redis_limiter import RedisLimiter  # it imports this module

        return RedisLimiter(redis, window, fail_closed=fail_closed)
    return MemoryLimiter(window)
