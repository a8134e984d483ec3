"""Rate limits through HTTP: the contract's headers, 429, per-key limits, refused credentials,
one budget across servers sharing Redis (exact under concurrency), and a Redis outage that the API
rides through."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import redis.asyncio as aioredis
from litestar import Litestar

from redcore_server.app import create_app
from redcore_server.keys import service as keys_service
from redcore_server.tokens import hash_secret
from tests import support
from tests.server.ratelimit.servers import new_key, serving
from tests.support import http_client
from tests.support.own_redis import OwnRedis
from tests.support.responses import assert_error

REDIS_URL = "redis://127.0.0.1:6379/15"
DAY = 86_400.0  # windows of a day: a test never straddles two (they are aligned on midnight UTC)

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
        org_id = (await db.fetchrow("SELECT org_id FROM api_keys WHERE secret_hash = $1", hash_secret(key)))[0]
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


async def statuses_of(n: int, at_once: int, send: Callable[[int], Awaitable[httpx.Response]]) -> Counter[int]:
    """Send ``n`` requests (``send(i)``), ``at_once`` at a time; count their statuses."""
    gate = asyncio.Semaphore(at_once)

    async def one(i: int) -> int:
        async with gate:
            return (await send(i)).status_code

    return Counter(await asyncio.gather(*(one(i) for i in range(n))))


async def test_concurrent_requests_get_exactly_the_limit(database_url: str) -> None:
    """1,200 requests 16 at a time on a key limited to 1,000: exactly 1,000 pass (406 did, before)."""
    settings = {"rate_limit": 1000, "rate_limit_window": DAY, "redis_url": REDIS_URL}
    async with limited_app(database_url, **settings) as (app, key), http_client(app, key) as client:
        statuses = await statuses_of(1200, 16, lambda _: client.get("/v1/users", params={"limit": 1}))
    assert statuses == {200: 1000, 429: 200}


async def test_concurrent_invitations_get_exactly_the_organizations_limit(database_url: str) -> None:
    settings = {"invitation_org_limit": 100, "rate_limit": 1000, "redis_url": REDIS_URL}
    async with limited_app(database_url, **settings) as (app, key), http_client(app, key) as client:

        async def invite(i: int) -> httpx.Response:
            return await client.post("/v1/users", json={"email": f"invitee{i}@example.com", "name": "Invitee"})

        statuses = await statuses_of(130, 16, invite)
    assert statuses == {201: 100, 429: 30}


async def test_server_processes_sharing_redis_never_admit_more_than_the_limit(
    database_url: str, tmp_path: Path
) -> None:
    """Two real server processes, 500 requests 16 at a time spread over both, one key limited to
    400: never more than 400 pass, and no fewer than 400 less the positions a process still held
    unspent at the end (what Redis counted beyond the requests sent)."""
    secret, key_id = await new_key(database_url)
    settings = {"redis_url": REDIS_URL, "rate_limit": "400", "rate_limit_window": str(DAY)}
    with serving(database_url, tmp_path, 2, **settings) as servers:
        headers = {"Authorization": f"Bearer {secret}"}
        async with httpx.AsyncClient(headers=headers, timeout=10) as client:
            statuses = await statuses_of(
                500, 16, lambda i: client.get(f"{servers[i % 2].url}/v1/users", params={"limit": 1})
            )
    redis = aioredis.Redis.from_url(REDIS_URL)
    try:
        reserved = int(await redis.get(f"rl:key:{key_id}:{int(time.time() // DAY)}") or 0)
    finally:
        await redis.aclose()
    unspent = reserved - 500
    assert set(statuses) == {200, 429}
    assert 400 - unspent <= statuses[200] <= 400
    assert unspent <= 2 * 16  # a few positions at most, not whole batches


async def test_two_servers_on_one_redis_share_one_budget(database_url: str, own_redis: OwnRedis) -> None:
    own_redis.start()
    settings = {"rate_limit": 6, "redis_url": own_redis.url}
    async with limited_app(database_url, **settings) as (first, key):  # noqa: SIM117
        async with support.running(create_app(support.test_settings(database_url, **settings))) as second:
            async with http_client(first, key) as a, http_client(second, key) as b:
                statuses = [(await (a if i % 2 else b).get("/v1/users")).status_code for i in range(7)]
    assert sorted(statuses) == [200] * 6 + [429]


async def test_a_redis_outage_keeps_the_api_serving_and_limiting_resumes(
    database_url: str, own_redis: OwnRedis
) -> None:
    own_redis.start()
    async with limited_app(database_url, rate_limit=3, redis_url=own_redis.url) as (app, key):  # noqa: SIM117
        async with http_client(app, key) as client, http_client(app) as anonymous:
            assert [(await client.get("/v1/users")).status_code for _ in range(4)] == [200, 200, 200, 429]
            own_redis.stop()
            during = [(await client.get("/v1/users")).status_code for _ in range(3)]
            assert during == [200, 200, 200]  # fail-open: a per-process budget while Redis is away
            health = (await anonymous.get("/health")).json()
            assert health["rate_limiter"] == "redis degraded"
            own_redis.start()  # Redis is back (empty: its counts were not saved)
            for _ in range(60):  # the probe notices within a second, without a request
                if (await anonymous.get("/health")).json()["rate_limiter"] == "redis":
                    break
                await asyncio.sleep(0.05)
            assert (await anonymous.get("/health")).json()["rate_limiter"] == "redis"
            after = [(await client.get("/v1/users")).status_code for _ in range(4)]
            assert after == [200, 200, 200, 429]


async def test_fail_closed_answers_503_with_retry_after_while_redis_is_away(
    database_url: str, own_redis: OwnRedis
) -> None:
    own_redis.start()
    settings = {"rate_limit": 3, "redis_url": own_redis.url, "rate_limit_fail_closed": True}
    async with limited_app(database_url, **settings) as (app, key), http_client(app, key) as client:
        assert (await client.get("/v1/users")).status_code == 200
        own_redis.stop()
        refused = await client.get("/v1/users")
        assert_error(refused, 503, "service_unavailable")
        assert refused.headers["retry-after"] == "1"
