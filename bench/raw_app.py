"""The baseline for ``bench/users_get.py``: a raw ASGI app on a bare asyncpg pool doing the same
authenticated read as ``GET /v1/users/{id}`` (bearer key looked up by SHA-256 hex in ``api_keys`` and
cached for one second, one SELECT on ``users`` of the columns the API answers with, the row as JSON;
the stored metadata text goes out as it is, the cheapest a raw app can do).

Served by uvicorn as ``raw_app:app`` (``--app-dir bench``); reads the database URL from ``BENCH_DSN``.
"""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

import asyncpg
import msgspec

USER_SQL = (
    "SELECT id, email, email_verified, name, role, status, avatar, last_login, created_at, updated_at,"
    " external_id, public_metadata, private_metadata FROM users WHERE id = $1 AND org_id = $2"
)
RAW = ("public_metadata", "private_metadata")  # JSON text, stored
KEY_SQL = "SELECT org_id FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL"

_pool: asyncpg.Pool | None = None
_keys: dict[str, tuple[str, float]] = {}  # sha256 hex -> (org_id, valid until), like the server's 1 s cache
_encode = msgspec.json.Encoder().encode


async def _reset(conn: asyncpg.Connection) -> None:
    """The server's pool reset: no round trip on release unless a transaction was left open."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def _send(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _pool
    if scope["type"] == "lifespan":
        await receive()  # lifespan.startup; the pool is sized like the server's (min 2, max 10)
        _pool = await asyncpg.create_pool(os.environ["BENCH_DSN"], min_size=2, max_size=10, reset=_reset)
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await _pool.close()
        await send({"type": "lifespan.shutdown.complete"})
        return
    assert _pool is not None
    if scope["path"] == "/health":
        await _send(send, 200, b'{"status":"ok"}')
        return
    token = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), "")
    digest = hashlib.sha256(token.removeprefix("Bearer ").encode()).hexdigest()
    now = time.monotonic()
    cached = _keys.get(digest)
    if cached is not None and cached[1] > now:
        org_id = cached[0]
    else:
        org_id = await _pool.fetchval(KEY_SQL, digest)
        if org_id is None:
            await _send(send, 401, b'{"error":{"code":"unauthorized"}}')
            return
        _keys[digest] = (org_id, now + 1.0)
    row = await _pool.fetchrow(USER_SQL, scope["path"].rsplit("/", 1)[-1], org_id)
    if row is None:
        await _send(send, 404, b'{"error":{"code":"not_found"}}')
        return
    user = dict(row.items())
    for name in RAW:
        user[name] = msgspec.Raw(user[name])
    await _send(send, 200, _encode(user))
