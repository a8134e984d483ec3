"""Retrying on a schedule, with jitter.

A schedule is the seconds to wait after each failed attempt: the first delay after the first
failure, and so on; past its end, give up. Each wait is stretched by a random 0 to 10 % so that
work that failed together (an endpoint or a mail server that was down) does not all come back at
the same instant.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

MAX_STRETCH = 1.1  # the longest a jittered wait can be, as a multiple of the wait asked for


def jittered(seconds: float) -> float:
    """``seconds`` stretched by a random 0 to 10 %."""
    return seconds * random.uniform(1.0, MAX_STRETCH)


def next_attempt(delays: Sequence[float], attempt: int, now: datetime) -> datetime | None:
    """When to try again after failed attempt number ``attempt`` (1-based); None: the schedule is
    spent, give up."""
    if attempt > len(delays):
        return None
    return now + timedelta(seconds=jittered(delays[attempt - 1]))
