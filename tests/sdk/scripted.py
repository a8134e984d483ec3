"""A small real ASGI app (uvicorn on a free port, in a thread) that answers each request with the
next reply of a script and records what it received: for the SDK behaviour the RedCore server does
not show on demand (retries, back-off, timeouts, odd bodies). Its fixtures are in ``conftest.py``."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from tests.support import free_port

USER = {
    "id": "usr_1",
    "email": "a@example.com",
    "name": "A",
    "role": "viewer",
    "status": "active",
    "avatar": None,
    "last_login": None,
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}
TOKENS = {
    "access_token": "rca_scripted",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": "rcr_scripted",
    "refresh_expires_in": 2592000,
    "session": {
        "id": "ses_1",
        "user_id": "usr_1",
        "created_at": "2026-01-01T00:00:00Z",
        "last_used_at": "2026-01-01T00:00:00Z",
        "expires_at": "2026-01-31T00:00:00Z",
        "ip": "127.0.0.1",
        "user_agent": None,
    },
    "user": USER,
}


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-encoded unless bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    cut: bool = False  # send the body as the start of a longer one, then drop the connection


def error(status: int, code: str) -> Reply:
    body = {"error": {"code": code, "message": f"scripted {code}", "status": status, "request_id": "req_scripted"}}
    return Reply(status, body)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival


class ScriptedAPI:
    """An ASGI app answering each request with the next scripted :class:`Reply` (418 when none is left)."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.seen: list[Seen] = []

    def script(self, *replies: Reply) -> None:
        self.replies = deque(replies)
        self.seen = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.seen.append(Seen(scope["method"], scope["path"], headers, body, time.monotonic()))
        reply = self.replies.popleft() if self.replies else Reply(418, b"script exhausted")
        if reply.delay:
            await asyncio.sleep(reply.delay)
        content = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        out = [(b"content-type", b"application/json"), *((k.encode(), v.encode()) for k, v in reply.headers.items())]
        await send({"type": "http.response.start", "status": reply.status, "headers": out})
        await send({"type": "http.response.body", "body": content, "more_body": reply.cut})
        # (cut: returning before the body ends makes uvicorn close the connection mid-answer)


def start_scripted_server() -> tuple[ScriptedAPI, str, Callable[[], None]]:
    """A scripted server on a free port: the app, the API's base URL, and how to stop it."""
    app = ScriptedAPI()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the scripted server did not start"
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return app, f"http://127.0.0.1:{port}/v1", stop
