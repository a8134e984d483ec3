"""A custom role's scopes are exactly what its users' tokens can do, as they are at each request:
on this worker at once and on another within its cache's second; and a role being deleted never
leaves a user holding it, however the two requests interleave."""

from __future__ import annotations

import asyncio
import time

from redcore_server.app import create_app
from tests import support
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import as_user, member, tokens


async def test_a_custom_roles_scopes_are_what_its_users_tokens_can_do(tenant: Tenant) -> None:
    await tenant.client.post("/v1/roles", json={"key": "catalog", "name": "Catalog", "scopes": ["products:read"]})
    user = await member(tenant, role="catalog")
    async with as_user(tenant.app, (await tokens(tenant, user["email"]))["access_token"]) as client:
        me = (await client.get("/v1/me")).json()
        assert sorted(me["scopes"]) == ["products:read"]
        assert (await client.get("/v1/products")).status_code == 200
        error = assert_error(await client.get("/v1/users"), 403, "insufficient_scope")
        assert "users:read" in error["message"]
        assert_error(
            await client.post("/v1/products", json={"name": "A", "sku": "A-1", "price": 1}), 403, "insufficient_scope"
        )

        widened = await tenant.client.patch("/v1/roles/catalog", json={"scopes": ["products:read", "users:read"]})
        assert widened.status_code == 200, widened.text
        assert (await client.get("/v1/users")).status_code == 200  # the same token, its next request

        narrowed = await tenant.client.patch("/v1/roles/catalog", json={"scopes": ["users:read"]})
        assert narrowed.status_code == 200, narrowed.text
        assert_error(await client.get("/v1/products"), 403, "insufficient_scope")


async def test_another_worker_follows_a_roles_new_scopes_within_a_second(tenant: Tenant, database_url: str) -> None:
    await tenant.client.post("/v1/roles", json={"key": "reader", "name": "Reader", "scopes": ["users:read"]})
    user = await member(tenant, role="reader")
    pair = await tokens(tenant, user["email"])
    worker2 = create_app(support.test_settings(database_url, embedded_worker=False))
    async with support.running(worker2), as_user(worker2, pair["access_token"]) as elsewhere:
        assert (await elsewhere.get("/v1/users")).status_code == 200  # cached by the other worker
        changed = await tenant.client.patch("/v1/roles/reader", json={"scopes": ["products:read"]})
        assert changed.status_code == 200, changed.text
        started = time.monotonic()
        while (await elsewhere.get("/v1/users")).status_code == 200:
            assert time.monotonic() - started < 1.1
            await asyncio.sleep(0.01)
        took = time.monotonic() - started
        assert_error(await elsewhere.get("/v1/users"), 403, "insufficient_scope")
        assert (await elsewhere.get("/v1/products")).status_code == 200
        if support.BACKEND == "postgresql":
            assert took < 0.5  # invalidated, not waited out


async def test_giving_a_role_while_it_is_deleted_never_leaves_a_user_without_one(tenant: Tenant) -> None:
    users = [await tenant.create_user() for _ in range(8)]
    for round_, user in enumerate(users):
        key = f"fleeting{round_}"
        made = await tenant.client.post("/v1/roles", json={"key": key, "name": "Fleeting", "scopes": ["users:read"]})
        assert made.status_code == 201, made.text
        give = tenant.client.patch(f"/v1/users/{user['id']}", json={"role": key})
        create = tenant.client.post("/v1/users", json={"email": f"{key}@example.com", "name": "New", "role": key})
        drop = tenant.client.delete(f"/v1/roles/{key}")
        given, created, dropped = (
            await asyncio.gather(give, create, drop)
            if round_ % 2
            else reversed(await asyncio.gather(drop, create, give))
        )
        assert given.status_code in (200, 400), given.text
        assert created.status_code in (201, 400), created.text
        assert dropped.status_code in (204, 409), dropped.text
        holders = (await tenant.client.get("/v1/users", params={"role": key})).json()["data"]
        exists = (await tenant.client.get(f"/v1/roles/{key}")).status_code == 200
        assert exists or not holders, (key, holders)  # never a user holding a missing role
        assert (dropped.status_code == 204) == (not exists)
    dangling = await tenant.app.state.db.fetchval(
        "SELECT count(*) FROM users u WHERE u.org_id = $1 AND u.role NOT IN ('admin', 'editor', 'viewer')"
        " AND NOT EXISTS (SELECT 1 FROM roles r WHERE r.org_id = u.org_id AND r.key = u.role)",
        tenant.org.id,
    )
    assert dangling == 0
