"""Run one test body with either client: await what is awaitable, collect what iterates."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import AsyncIterable, Iterable
from typing import Any


async def done(value: Any) -> Any:
    """The result of a client call: awaited for AsyncClient, as is for Client."""
    if inspect.isawaitable(value):
        return await value
    return value


async def collect(items: Iterable[Any] | AsyncIterable[Any]) -> list[Any]:
    """Every item of a sync or async iterator (``list_all``, ``iter``)."""
    if isinstance(items, AsyncIterable):
        return [item async for item in items]
    return list(items)


def unique(prefix: str = "sdk") -> str:
    """A marker no other test uses: for emails, SKUs and search filters on the shared organization."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"
