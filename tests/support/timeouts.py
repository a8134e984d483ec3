"""An app with small database timeouts, and what a bounded wait must answer."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable
from typing import Any

import httpx

from tests import support
from tests.support.responses import assert_error

ACQUIRE, LOCK, STATEMENT = 0.5, 0.5, 1.0
# A bounded wait plus room for a busy test machine; far below "as long as the lock is held", which
# here is until the assertions are done.
BOUND = ACQUIRE + LOCK + 2.5


def tight_settings(database_url: str, **overrides: Any) -> Any:
    tight = {
        "db_acquire_timeout": ACQUIRE,
        "db_lock_timeout": LOCK,
        "db_statement_timeout": STATEMENT,
        "embedded_worker": False,
    }
    return support.test_settings(database_url, **(tight | overrides))


async def timed(request: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started


def assert_unavailable(response: httpx.Response, took: float) -> None:
    assert_error(response, 503, "service_unavailable")
    assert int(response.headers["retry-after"]) >= 1
    assert took < BOUND, f"answered after {took:.2f}s"


def new_product() -> dict[str, Any]:
    return {"name": "Widget", "sku": f"SKU-{uuid.uuid4().hex[:10]}", "price": 100}
