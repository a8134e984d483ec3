"""Every response carries ``X-Request-Id``; errors repeat it in their body."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from litestar.datastructures import MutableScopeHeaders

if TYPE_CHECKING:
    from litestar.types import Message, Scope


def request_id(scope: Scope) -> str:
    """The request's id, made on first use (``req_`` and 24 hex digits)."""
    state = scope["state"]
    rid: str | None = state.get("request_id")
    if rid is None:
        rid = state["request_id"] = "req_" + os.urandom(12).hex()
    return rid


async def add_request_id_header(message: Message, scope: Scope) -> None:
    """``before_send`` hook: stamp the id on every HTTP response, errors and 404s included."""
    if message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message).add("X-Request-Id", request_id(scope))
