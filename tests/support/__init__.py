"""Test support: real databases (a fresh one per session), the app run in-process with its
lifespan, and tenants (an organization with a key and an HTTP client) made per test."""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.keys import service as keys_service
from redcore_server.orgs import service as orgs_service
from redcore_server.orgs.schemas import Organization

BACKEND = os.environ.get("REDCORE_TEST_DATABASE", "sqlite")
POSTGRES_ADMIN_URL = os.environ.get("REDCORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# RedCore's default Argon2id parameters (OWASP's), set here so that stronger defaults would not slow the suite.
TEST_ARGON2 = {"argon2_time_cost": 2, "argon2_memory_cost": 19456, "argon2_parallelism": 1}


def postgres_url_for(dbname: str) -> str:
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}"


async def create_postgres_database() -> str:
    name = f"redcore_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return postgres_url_for(name)


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


# The suite sends many requests with one key from one address; rate-limit tests set their own limits.
TEST_LIMITS = {
    "rate_limit": 1_000_000,
    "auth_failure_limit": 1_000_000,
    "signin_address_limit": 1_000_000,
    "invitation_org_limit": 1_000_000,
    "invitation_address_limit": 1_000_000,
    "invitation_global_address_limit": 1_000_000,
    "password_reset_address_limit": 1_000_000,
    "password_reset_client_limit": 1_000_000,
}
# Webhook receivers in tests listen on loopback; retries and housekeeping come fast.
TEST_WEBHOOKS: dict[str, Any] = {
    "webhook_allow_private": True,
    "webhook_retry_schedule": "0.2,0.2,0.2",
    "webhook_poll_interval": 0.05,
    "webhook_timeout": 2.0,
    "housekeeping_interval": 0.1,  # erasure and purges run often (their batches are what they are)
}


def test_settings(database_url: str, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, **(TEST_ARGON2 | TEST_LIMITS | TEST_WEBHOOKS | overrides))


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[Litestar]:
    """Run the app's ASGI lifespan (startup before, shutdown after) in this event loop."""
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def receive() -> dict[str, Any]:
        return await to_app.get()

    async def send(message: dict[str, Any]) -> None:
        await from_app.put(message)

    task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send))  # type: ignore[arg-type]
    await to_app.put({"type": "lifespan.startup"})
    started = await from_app.get()
    if started["type"] != "lifespan.startup.complete":
        task.cancel()
        raise RuntimeError(started.get("message", "startup failed"))
    try:
        yield app
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        await from_app.get()
        await task


def http_client(app: Litestar, key: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=headers)


@dataclass
class Tenant:
    """An organization with an admin key, and a client that uses it."""

    app: Litestar
    org: Organization
    key: str
    client: httpx.AsyncClient
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def client_with(self, *scopes: str) -> httpx.AsyncClient:
        """A client whose key carries exactly ``scopes``."""
        db: Database = self.app.state.db
        async with db.transaction() as tx:
            created = await keys_service.create(tx, self.org.id, scopes=list(scopes), name="test")
        client = http_client(self.app, created.secret)
        self._clients.append(client)
        return client

    async def create_user(self, **fields: Any) -> dict[str, Any]:
        body = {"email": f"{uuid.uuid4().hex[:10]}@example.com", "name": "Test User"} | fields
        response = await self.client.post("/v1/users", json=body)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def close(self) -> None:
        for client in [self.client, *self._clients]:
            await client.aclose()


async def make_tenant(app: Litestar, name: str | None = None) -> Tenant:
    db: Database = app.state.db
    async with db.transaction() as tx:
        org = await orgs_service.create(tx, name or f"Org {uuid.uuid4().hex[:10]}")
        created = await keys_service.create(tx, org.id, name="admin")
    return Tenant(app=app, org=org, key=created.secret, client=http_client(app, created.secret))


async def walk_list(client: httpx.AsyncClient, path: str, mode: str, **params: Any) -> list[dict[str, Any]]:
    """Every item a list route gives, page by page (``mode``: offset, page or cursor), checking ``meta``
    on every page: limit, offset and page (null on cursor pages), a steady total, and ``has_more``."""
    items: list[dict[str, Any]] = []
    limit = params.pop("limit", 17)
    cursor = None
    page = 1
    totals = set()
    while True:
        query = dict(params, limit=limit)
        if mode == "offset":
            query["offset"] = len(items)
        elif mode == "page":
            query["page"] = page
        elif cursor:
            query["starting_after"] = cursor
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        meta = body["meta"]
        totals.add(meta["total"])
        assert meta["limit"] == limit
        if mode == "cursor" and cursor:
            assert (meta["offset"], meta["page"]) == (None, None)
        else:
            assert meta["offset"] == (page - 1) * limit
            assert meta["page"] == page
        items += body["data"]
        if not meta["has_more"]:
            assert meta["next_cursor"] is None
            assert len(body["data"]) <= limit
            assert totals == {len(items)}
            return items
        assert len(body["data"]) == limit
        assert meta["next_cursor"]
        cursor = meta["next_cursor"]
        page += 1


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 15.0) -> None:
    """Wait until ``check()`` holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.05)
