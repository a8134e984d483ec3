"""Rate limits through HTTP: the contract's headers, 429, per-key limits, refused credentials,
one budget across servers sharing Redis, and a Redis outage that the API rides through."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from redcore_server.app import create_app
from redcore_server.keys import service as keys_service
from tests import support
from tests.server.users.test_routes import assert_error
from tests.support import http_client

LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@asynccontextmanager
async def limited_app(database_url: str, **settings: object) -> AsyncIterator[tuple[Litestar, str]]:
    """An app with its own limits, and an admin key of a fresh organization."""
    config = support.test_settings(database_url, **{"rate_limit": 5, "rate_limit_window": 60.0} | settings)
    async with support.running(create_app(config)) as app:
        tenant = await support.make_tenant(app)
        try:
            yield app, tenant.key
        finally:
            await tenant.close()


async def test_limit_then_429_with_headers_on_both_read_paths(database_url: str) -> None:
    async with limited_app(database_url) as (app, key), http_client(app, key) as client:
        user = (await client.post("/v1/users", json={"email": "a@x.com", "name": "A"})).json()
        responses = [
            await client.get("/v1/users"),
            await client.get(f"/v1/users/{user['id']}"),  # the fast read path counts too
            await client.get("/v1/users/usr_missing"),  # errors of counted requests carry the headers
            await client.get(f"/v1/users/{user['id']}"),
        ]
        remaining = [int(r.headers["x-ratelimit-remaining"]) for r in responses]
        assert remaining == [3, 2, 1, 0]
        for response in responses:
            assert response.headers["x-ratelimit-limit"] == "5"
            assert int(response.headers["x-ratelimit-reset"]) > time.time()
        for path in (f"/v1/users/{user['id']}", "/v1/users"):
            refused = await client.get(path)
            error = assert_error(refused, 429, "rate_limit_exceeded")
            assert "5 requests" in error["message"]
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert refused.headers["x-ratelimit-remaining"] == "0"


async def test_requests_pass_again_after_retry_after(database_url: str) -> None:
    async with limited_app(database_url, rate_limit=2, rate_limit_window=1.0) as (app, key):  # noqa: SIM117
        async with http_client(app, key) as client:
            assert [(await client.get("/v1/users")).status_code for _ in range(3)] == [200, 200, 429]
            refused = await client.get("/v1/users")
            await asyncio.sleep(int(refused.headers["retry-after"]) + 0.05)
            assert (await client.get("/v1/users")).status_code == 200


async def test_a_keys_own_limit_wins(database_url: str) -> None:
    async with limited_app(database_url) as (app, key):
        db = app.state.db
        org_id = (
            await db.fetchrow("SELECT org_id FROM api_keys WHERE secret_hash = $1", keys_service.hash_secret(key))
        )[0]
        async with db.transaction() as tx:
            roomy = (await keys_service.create(tx, org_id, rate_limit=8)).secret
        async with http_client(app, roomy) as client:
            statuses = [(await client.get("/v1/users")).status_code for _ in range(9)]
            assert statuses == [200] * 8 + [429]


async def test_refused_credentials_are_not_counted_but_floods_are_limited(database_url: str) -> None:
    async with limited_app(database_url, auth_failure_limit=3) as (app, key):
        async with http_client(app, "sk_live_wrong") as stranger:
            statuses = [(await stranger.get("/v1/users")).status_code for _ in range(5)]
            assert statuses == [401, 401, 401, 429, 429]
            response = await stranger.get("/v1/users")
            assert_error(response, 429, "rate_limit_exceeded")
            assert "x-ratelimit-limit" not in response.headers
            assert response.headers["retry-after"]
        async with http_client(app, key) as client:
            assert (await client.get("/v1/users")).headers["x-ratelimit-remaining"] == "4"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def own_redis(tmp_path: Path) -> Callable[[], subprocess.Popen[bytes]]:
    """Start (and restart) a private redis-server on a free port, so the test can stop it."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        return proc

    start.url = f"redis://127.0.0.1:{port}/0"  # type: ignore[attr-defined]
    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


async def test_two_servers_on_one_redis_share_one_budget(database_url: str, own_redis) -> None:
    own_redis()
    settings = {"rate_limit": 6, "redis_url": own_redis.url}
    async with limited_app(database_url, **settings) as (first, key):  # noqa: SIM117
        async with support.running(create_app(support.test_settings(database_url, **settings))) as second:
            async with http_client(first, key) as a, http_client(second, key) as b:
                statuses = [(await (a if i % 2 else b).get("/v1/users")).status_code for i in range(7)]
    assert sorted(statuses) == [200] * 6 + [429]


async def test_a_redis_outage_keeps_the_api_serving_and_limiting_resumes(database_url: str, own_redis) -> None:
    redis = own_redis()
    async with limited_app(database_url, rate_limit=3, redis_url=own_redis.url) as (app, key):  # noqa: SIM117
        async with http_client(app, key) as client, http_client(app) as anonymous:
            assert [(await client.get("/v1/users")).status_code for _ in range(4)] == [200, 200, 200, 429]
            redis.kill()
            redis.wait()
            await asyncio.sleep(0.05)
            during = [(await client.get("/v1/users")).status_code for _ in range(3)]
            assert during == [200, 200, 200]  # fail-open: a per-process budget while Redis is away
            health = (await anonymous.get("/health")).json()
            assert health["rate_limiter"] == "redis degraded"
            own_redis()  # Redis is back (empty: its counts were not saved)
            await asyncio.sleep(1.1)  # the limiter tries Redis again after a second
            after = [(await client.get("/v1/users")).status_code for _ in range(4)]
            assert after == [200, 200, 200, 429]
            assert (await anonymous.get("/health")).json()["rate_limiter"] == "redis"


@pytest.mark.skipif(
    support.BACKEND != "sqlite", reason="two real servers on one SQLite file; PostgreSQL is covered above"
)
def test_two_server_processes_share_one_budget_through_redis(tmp_path: Path, own_redis) -> None:
    own_redis()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {"REDCORE_REDIS_URL": own_redis.url, "REDCORE_RATE_LIMIT": "6", "REDCORE_LOG_LEVEL": "warning"}
    ports = [_free_port(), _free_port()]
    procs = []
    try:
        for port in ports:  # the first start creates the database and prints the key; the second shares it
            proc = subprocess.Popen(
                [sys.executable, "-m", "redcore_server", "serve", "--json", "--port", str(port)],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            procs.append(proc)
            assert proc.stdout is not None
            banner = json.loads(proc.stdout.readline())
            if "api_key" in banner:
                key = banner["api_key"]
            for _ in range(200):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
        headers = {"Authorization": f"Bearer {key}"}
        statuses = [
            httpx.get(f"http://127.0.0.1:{ports[i % 2]}/v1/users", headers=headers).status_code for i in range(7)
        ]
        assert sorted(statuses) == [200] * 6 + [429]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
