"""PostgreSQL connections that die or hang: a dead pooled connection is replaced once before an
outage is declared, a statement inside a transaction is never sent twice, a server that stops
answering gives 503 within the bound (and /health within a second), and the LISTEN connection that
carries revocations between processes comes back by itself, dropping the credential cache since
notifications may have been missed meanwhile.

The app reaches the real test database through a TCP proxy that misbehaves on cue
(``tests/fault_proxy.py``)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar import Litestar

from redcore_server.app import create_app
from redcore_server.db.database import DatabaseUnavailable
from redcore_server.db.postgres import CLIENT_MARGIN, PostgresDatabase
from redcore_server.orgs import service as orgs_service
from tests import support
from tests.fault_proxy import FaultProxy
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import as_user, member, tokens
from tests.support.timeouts import ACQUIRE, STATEMENT, assert_unavailable, new_product, tight_settings, timed

pytestmark = pytest.mark.skipif(support.BACKEND != "postgresql", reason="PostgreSQL connections only")


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[FaultProxy]:
    proxy = await FaultProxy(database_url).start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def proxied(proxy: FaultProxy, database_url: str) -> AsyncIterator[Litestar]:
    """An app (a server process, as far as the database can tell) that reaches it through the proxy."""
    async with support.running(create_app(tight_settings(proxy.url_for(database_url)))) as app:
        yield app


async def test_dead_pooled_connections_are_replaced_once_before_an_outage_is_declared(
    proxied: Litestar, proxy: FaultProxy
) -> None:
    tenant = await support.make_tenant(proxied)
    for _ in range(3):
        assert (await tenant.client.get("/v1/products")).status_code == 200
    proxy.sever()  # every pooled connection is dead, and the app cannot know it yet
    tenant.app.state.authenticator.forget_all()  # so the key is looked up too
    assert (await tenant.client.get("/v1/products")).status_code == 200
    proxy.sever()
    created = await tenant.client.post("/v1/products", json=new_product())  # BEGIN is tried again
    assert created.status_code == 201, created.text
    listed = await tenant.client.get("/v1/products")
    assert [p["id"] for p in listed.json()["data"]] == [created.json()["id"]]

    # When the replacement fails too, that is an outage: a quick 503, not a hang.
    proxy.sever()
    proxy.refuse = True
    tenant.app.state.authenticator.forget_all()
    assert_unavailable(*await timed(tenant.client.get("/v1/products")))
    assert_unavailable(*await timed(tenant.client.post("/v1/products", json=new_product())))
    proxy.refuse = False
    assert (await tenant.client.get("/v1/products")).status_code == 200
    await tenant.close()


async def test_a_statement_inside_a_transaction_is_never_retried(
    proxied: Litestar, proxy: FaultProxy, database_url: str
) -> None:
    db = proxied.state.db
    name = f"Org {uuid.uuid4().hex[:10]}"

    async def change() -> None:
        async with db.transaction() as tx:
            await orgs_service.create(tx, name)
            proxy.sever()
            await tx.fetchval("SELECT count(*) FROM organizations WHERE name = $1", name)

    with pytest.raises(DatabaseUnavailable):
        await change()
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM organizations WHERE name = $1", name) == 0
    finally:
        await conn.close()
    async with db.transaction() as tx:  # the pool is fine afterwards
        assert await tx.fetchval("SELECT 1") == 1


async def test_a_server_that_stops_answering_gives_503_within_the_bound(proxied: Litestar, proxy: FaultProxy) -> None:
    tenant = await support.make_tenant(proxied)
    assert (await tenant.client.get("/v1/products")).status_code == 200
    proxy.freeze()
    try:
        read, write, health = await asyncio.gather(
            timed(tenant.client.get("/v1/products")),
            timed(tenant.client.post("/v1/products", json=new_product())),
            timed(tenant.client.get("/health")),
        )
        (response, took), bound = read, STATEMENT + CLIENT_MARGIN + ACQUIRE + 2.5
        assert_error(response, 503, "service_unavailable")
        assert took < bound and response.headers["retry-after"]
        assert_error(write[0], 503, "service_unavailable")
        assert write[1] < bound
        assert (health[0].status_code, health[0].json()["database"]) == (503, "busy")
        assert health[1] < 1.0
    finally:
        proxy.thaw()
    assert (await tenant.client.get("/v1/products")).status_code == 200
    assert (await tenant.client.get("/health")).status_code == 200
    await tenant.close()


async def test_a_server_that_is_down_gives_503_at_once_and_then_recovers(proxied: Litestar, proxy: FaultProxy) -> None:
    tenant = await support.make_tenant(proxied)
    assert (await tenant.client.post("/v1/products", json=new_product())).status_code == 201
    proxy.refuse = True
    proxy.drop()  # every connection closed, and no new one accepted: the database is down
    tenant.app.state.authenticator.forget_all()
    health, took = await timed(tenant.client.get("/health"))
    assert (health.status_code, health.json()["database"]) == (503, "unreachable")
    assert took < 1.0
    assert_unavailable(*await timed(tenant.client.get("/v1/products")))
    assert_unavailable(*await timed(tenant.client.post("/v1/products", json=new_product())))
    proxy.refuse = False  # back up: the next requests are served, without a restart of the app
    assert (await tenant.client.get("/health")).status_code == 200
    assert (await tenant.client.post("/v1/products", json=new_product())).status_code == 201
    assert len((await tenant.client.get("/v1/products")).json()["data"]) == 2
    await tenant.close()


async def _until(condition: Any, within: float) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_the_listen_connection_comes_back_and_drops_the_cache(
    tenant: Tenant, proxy: FaultProxy, database_url: str
) -> None:
    """Another server process (``elsewhere``, through the proxy) trusts a cached token; the
    revocation's notification is lost with its LISTEN connection. Once it listens again it has
    dropped its cache (sooner than the cache's one-second life), and later revocations reach it."""
    settings = support.test_settings(proxy.url_for(database_url), embedded_worker=False, credential_cache_ttl=1.0)
    elsewhere_app = create_app(settings)
    first = await tokens(tenant, (await member(tenant))["email"])
    async with support.running(elsewhere_app), as_user(elsewhere_app, first["access_token"]) as elsewhere:
        assert (await elsewhere.get("/v1/users")).status_code == 200  # cached there now
        cached_at = time.monotonic()
        proxy.freeze()  # the notification will be held …
        revoked = await tenant.client.delete(f"/v1/users/{first['user']['id']}/sessions")
        assert revoked.status_code == 204
        proxy.drop()  # … and lost with the connection
        proxy.thaw()
        listener = elsewhere_app.state.db.listener
        made = listener.connections
        await _until(lambda: listener.connections > made and listener.listening, within=0.8)
        assert_error(await elsewhere.get("/v1/users"), 401, "invalid_api_key")
        assert time.monotonic() - cached_at < 1.0  # not the cache's life running out

        # Listening again: a revocation reaches the other process at once.
        second = await tokens(tenant, (await member(tenant))["email"])
        elsewhere.headers["Authorization"] = f"Bearer {second['access_token']}"
        assert (await elsewhere.get("/v1/users")).status_code == 200
        assert (await tenant.client.delete(f"/v1/users/{second['user']['id']}/sessions")).status_code == 204
        started = time.monotonic()
        while (await elsewhere.get("/v1/users")).status_code == 200:
            assert time.monotonic() - started < 0.5, "the revocation did not reach the other process"
            await asyncio.sleep(0.01)


async def test_a_transaction_cancelled_while_its_begin_waits_gives_its_connection_back(
    proxy: FaultProxy,
    database_url: str,
) -> None:
    """A task cancelled (a worker stopped at shutdown) while BEGIN is on the wire: its connection is
    closed and given back, so the pool is whole and closes at once (it used to wait for ever)."""
    db = PostgresDatabase(proxy.url_for(database_url), min_size=2, max_size=2)
    await db.connect()
    try:
        async with db.transaction() as tx:  # the pool's connections are open and working
            assert await tx.fetchval("SELECT 1") == 1
        entered = asyncio.Event()

        async def change() -> None:
            async with db.transaction():
                entered.set()

        proxy.freeze()  # BEGIN goes out and no answer comes back
        tasks = [asyncio.create_task(change()) for _ in range(2)]
        await asyncio.sleep(0.3)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        proxy.thaw()
        assert not entered.is_set()
        assert db.pool.get_idle_size() == db.pool.get_size()  # every connection given back
        async with db.transaction() as tx:  # and the pool serves again, on fresh connections
            assert await tx.fetchval("SELECT 1") == 1
    finally:
        started = time.monotonic()
        await db.close()
        assert time.monotonic() - started < 2.0
