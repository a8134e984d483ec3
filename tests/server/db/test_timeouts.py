"""Every database wait is bounded: a locked table, a slow statement or busy connections give 503
``service_unavailable`` with ``Retry-After`` within the configured bound (never a hang), ``/health``
answers within a second whatever the connections do, and everything works again once the cause goes.

The app here runs with small timeouts; the lock is taken by a connection of its own, as another
process would."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from redcore_server.app import create_app
from redcore_server.db.database import DatabaseTimeout
from redcore_server.db.urls import sqlite_path
from tests import support
from tests.support.timeouts import STATEMENT, assert_unavailable, new_product, tight_settings, timed

POSTGRES = support.BACKEND == "postgresql"


@asynccontextmanager
async def tight_app(database_url: str, **overrides: Any) -> AsyncIterator[Litestar]:
    async with support.running(create_app(tight_settings(database_url, **overrides))) as app:
        yield app


@asynccontextmanager
async def locked(database_url: str, table: str) -> AsyncIterator[None]:
    """Another connection holds a lock until the block ends: on PostgreSQL an ACCESS EXCLUSIVE lock
    on ``table`` (even reads wait for it); SQLite locks the whole file for writing (reads go on)."""
    if POSTGRES:
        conn = await asyncpg.connect(database_url)
        tx = conn.transaction()
        await tx.start()
        await conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            await tx.rollback()
            await conn.close()
    else:
        conn = sqlite3.connect(sqlite_path(database_url), isolation_level=None, timeout=10)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()


async def health_soon(client: httpx.AsyncClient) -> tuple[httpx.Response, float]:
    await asyncio.sleep(0.1)  # once the other requests are waiting
    return await timed(client.get("/health"))


def new_user() -> dict[str, str]:
    return {"email": f"{uuid.uuid4().hex[:10]}@example.com", "name": "Locked Out"}


async def test_a_locked_table_answers_503_within_the_bound_while_health_answers(database_url: str) -> None:
    async with tight_app(database_url) as app:
        tenant = await support.make_tenant(app)
        client = tenant.client
        user = await tenant.create_user()
        async with locked(database_url, "users"):
            results = await asyncio.gather(
                timed(client.get("/v1/users")),
                timed(client.get(f"/v1/users/{user['id']}")),  # the fast read path
                timed(client.post("/v1/users", json=new_user())),
                timed(client.get("/v1/products")),
                timed(client.post("/v1/products", json=new_product())),
                health_soon(client),
            )
            (users_list, users_get, users_post, products_list, products_post, (health, health_took)) = results
            assert (health.status_code, health.json()["status"]) == (200, "ok")
            assert health_took < 1.0
            assert products_list[0].status_code == 200
            assert_unavailable(*users_post)
            if POSTGRES:  # even reads wait for an ACCESS EXCLUSIVE lock; other tables are untouched
                assert_unavailable(*users_list)
                assert_unavailable(*users_get)
                assert "locked" in users_list[0].json()["error"]["message"]  # lock_timeout, not a later bound
                assert products_post[0].status_code == 201, products_post[0].text
            else:  # the whole file is locked for writing; reads go on (WAL)
                assert users_list[0].status_code == 200
                assert users_get[0].status_code == 200
                assert_unavailable(*products_post)
        # The lock is gone: everything works again.
        assert (await client.post("/v1/users", json=new_user())).status_code == 201
        assert (await client.get("/v1/users")).status_code == 200
        assert (await client.post("/v1/products", json=new_product())).status_code == 201
        await tenant.close()


@asynccontextmanager
async def slow_product_inserts(database_url: str, org_id: str) -> AsyncIterator[None]:
    """Inserting a product of ``org_id`` runs a statement far longer than the statement timeout."""
    if POSTGRES:
        conn = await asyncpg.connect(database_url)
        await conn.execute(
            "CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$"
        )
        await conn.execute(
            "CREATE TRIGGER test_slow_insert BEFORE INSERT ON products FOR EACH ROW"
            f" WHEN (NEW.org_id = '{org_id}') EXECUTE FUNCTION test_slow_insert()"
        )
        try:
            yield
        finally:
            await conn.execute("DROP TRIGGER test_slow_insert ON products")
            await conn.execute("DROP FUNCTION test_slow_insert()")
            await conn.close()
    else:  # about a billion rows counted: minutes of work, and SQLite triggers cannot sleep
        # Setting up waits out other tests' writers on the shared file (a busy machine makes them slow).
        conn = sqlite3.connect(sqlite_path(database_url), isolation_level=None, timeout=60)
        conn.execute("CREATE TABLE test_thousand (n INTEGER)")
        conn.executemany("INSERT INTO test_thousand VALUES (?)", [(n,) for n in range(1000)])
        conn.execute(
            f"CREATE TRIGGER test_slow_insert BEFORE INSERT ON products WHEN NEW.org_id = '{org_id}'"
            " BEGIN SELECT count(*) FROM test_thousand a, test_thousand b, test_thousand c; END"
        )
        try:
            yield
        finally:
            conn.execute("DROP TRIGGER test_slow_insert")
            conn.execute("DROP TABLE test_thousand")
            conn.close()


async def test_a_slow_statement_is_cut_at_the_statement_timeout(database_url: str) -> None:
    async with tight_app(database_url) as app:
        tenant = await support.make_tenant(app)
        async with slow_product_inserts(database_url, tenant.org.id):
            response, took = await timed(tenant.client.post("/v1/products", json=new_product()))
            assert_unavailable(response, took)
            assert took >= STATEMENT * 0.9  # it was the statement's bound, not an earlier failure
            health, health_took = await timed(tenant.client.get("/health"))
            assert health.status_code == 200 and health_took < 1.0
            listed = await tenant.client.get("/v1/products")
            assert listed.json()["data"] == []  # nothing half-written
        assert (await tenant.client.post("/v1/products", json=new_product())).status_code == 201
        await tenant.close()


def slow_read() -> str:
    if POSTGRES:
        return "SELECT pg_sleep(60)"
    return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5000000000) SELECT count(*) FROM c"


async def test_slow_reads_holding_every_connection_give_503_and_health_answers_fast(database_url: str) -> None:
    """Two connections, both busy with slow reads: the next request gets 503 once it has waited
    for a connection as long as allowed, and /health says so within a second; the slow reads end
    at the statement timeout, and then all is well."""
    statement = 3.0  # the slow reads outlast everything below
    settings = {"db_pool_min_size": 2, "db_pool_max_size": 2, "sqlite_readers": 2, "db_statement_timeout": statement}
    async with tight_app(database_url, **settings) as app:
        tenant = await support.make_tenant(app)
        assert (await tenant.client.get("/v1/products")).status_code == 200  # the key is cached
        db = app.state.db
        started = time.monotonic()
        slow = [asyncio.create_task(db.fetchval(slow_read())) for _ in range(2)]
        try:
            await asyncio.sleep(0.2)
            assert_unavailable(*await timed(tenant.client.get("/v1/products")))
            health, took = await timed(tenant.client.get("/health"))
            assert (health.status_code, health.json()["database"]) == (503, "busy")
            assert took < 1.0
            assert health.headers["retry-after"] == "1"
            assert time.monotonic() - started < statement  # all of it while both reads still ran
        finally:
            outcomes = await asyncio.gather(*slow, return_exceptions=True)
        assert all(isinstance(outcome, DatabaseTimeout) for outcome in outcomes), outcomes
        assert (await tenant.client.get("/health")).status_code == 200
        assert (await tenant.client.get("/v1/products")).status_code == 200
        await tenant.close()


async def test_transactions_held_open_make_writes_wait_only_as_long_as_allowed(database_url: str) -> None:
    """Every connection a write could use is held by a transaction in this process (PostgreSQL:
    the whole pool; SQLite: the one writer): a write answers 503 after the acquire timeout."""
    async with tight_app(database_url, db_pool_min_size=2, db_pool_max_size=2) as app:
        tenant = await support.make_tenant(app)
        assert (await tenant.client.get("/v1/products")).status_code == 200  # the key is cached
        async with AsyncExitStack() as stack:
            for _ in range(2 if POSTGRES else 1):
                await stack.enter_async_context(app.state.db.transaction())
            assert_unavailable(*await timed(tenant.client.post("/v1/products", json=new_product())))
            health, took = await timed(tenant.client.get("/health"))
            assert took < 1.0
            assert health.status_code == (503 if POSTGRES else 200)  # SQLite reads need no writer
        assert (await tenant.client.post("/v1/products", json=new_product())).status_code == 201
        await tenant.close()


async def test_a_transaction_may_extend_its_statements_bound_for_itself_alone(database_url: str) -> None:
    """A bulk import's set-wise checks may outlast the request bound (extend_statement_timeout), in its
    own transaction only."""
    from redcore_server.db import DatabaseUnavailable, Timeouts, open_database

    slow = "SELECT pg_sleep(0.6)" if database_url.startswith("postgres") else _SQLITE_SLOW
    async with open_database(database_url, timeouts=Timeouts(statement=0.2)) as db:
        async with db.transaction() as tx:
            await tx.extend_statement_timeout(5.0)
            await tx.fetchval(slow)
        with pytest.raises(DatabaseUnavailable):
            async with db.transaction() as tx:
                await tx.fetchval(slow)


# about a second of work for SQLite's virtual machine (no sleep function)
_SQLITE_SLOW = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT count(*) FROM n"
)
