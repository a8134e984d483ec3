"""A user's sessions: listed, revoked one by one or all at once, and revoked with the user when the
user is deleted, suspended or deactivated, or changes password — effective on the very next request
to the same worker, and within the credential cache's second on every other."""

from __future__ import annotations

import asyncio
import time

from redcore_server.app import create_app
from redcore_server.auth.scopes import USERS_READ
from tests import support
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import as_user, member, refresh, tokens


async def test_deleting_a_user_revokes_their_tokens_at_once(tenant: Tenant) -> None:
    user = await member(tenant)
    pair = await tokens(tenant, user["email"])
    async with as_user(tenant.app, pair["access_token"]) as client:
        assert (await client.get("/v1/users")).status_code == 200  # cached now
        assert (await tenant.client.delete(f"/v1/users/{user['id']}")).status_code == 204
        assert_error(await client.get("/v1/users"), 401, "invalid_api_key")
    assert_error(await refresh(tenant.app, pair["refresh_token"]), 401, "invalid_refresh_token")
    count = await tenant.app.state.db.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", user["id"])
    assert count == 0


async def test_suspending_or_deactivating_revokes_and_reactivating_does_not_restore(tenant: Tenant) -> None:
    for status in ("suspended", "inactive"):
        user = await member(tenant)
        pair = await tokens(tenant, user["email"])
        async with as_user(tenant.app, pair["access_token"]) as client:
            assert (await client.get("/v1/users")).status_code == 200
            await tenant.client.patch(f"/v1/users/{user['id']}", json={"status": status})
            assert_error(await client.get("/v1/users"), 401, "invalid_api_key")
            await tenant.client.patch(f"/v1/users/{user['id']}", json={"status": "active"})
            assert_error(await client.get("/v1/users"), 401, "invalid_api_key")
        assert_error(await refresh(tenant.app, pair["refresh_token"]), 401, "invalid_refresh_token")


async def test_a_password_change_revokes_the_other_sessions(tenant: Tenant) -> None:
    user = await member(tenant, role="editor")
    here, elsewhere = await tokens(tenant, user["email"]), await tokens(tenant, user["email"])
    async with (
        as_user(tenant.app, here["access_token"]) as mine,
        as_user(tenant.app, elsewhere["access_token"]) as other,
    ):
        changed = await mine.patch(f"/v1/users/{user['id']}", json={"password": "a new long password"})
        assert changed.status_code == 200, changed.text
        assert (await mine.get("/v1/users")).status_code == 200  # the session that changed it stays
        assert_error(await other.get("/v1/users"), 401, "invalid_api_key")
        await tenant.client.patch(f"/v1/users/{user['id']}", json={"password": "an admin's reset"})
        assert_error(await mine.get("/v1/users"), 401, "invalid_api_key")  # an admin's reset ends them all


async def test_sessions_are_listed_and_revoked(tenant: Tenant, make_tenant) -> None:
    user = await member(tenant)
    first, second = await tokens(tenant, user["email"]), await tokens(tenant, user["email"])
    path = f"/v1/users/{user['id']}/sessions"
    listed = await tenant.client.get(path)
    assert listed.status_code == 200, listed.text
    assert [s["id"] for s in listed.json()["data"]] == [second["session"]["id"], first["session"]["id"]]
    assert listed.json()["meta"]["total"] == 2
    assert listed.json()["data"][0]["ip"] == "127.0.0.1"

    assert (await tenant.client.delete(f"{path}/{first['session']['id']}")).status_code == 204
    assert_error(await tenant.client.delete(f"{path}/{first['session']['id']}"), 404, "not_found")
    async with as_user(tenant.app, first["access_token"]) as gone, as_user(tenant.app, second["access_token"]) as kept:
        assert_error(await gone.get("/v1/users"), 401, "invalid_api_key")
        assert (await kept.get("/v1/users")).status_code == 200
        assert (await tenant.client.delete(path)).status_code == 204
        assert_error(await kept.get("/v1/users"), 401, "invalid_api_key")
    assert (await tenant.client.get(path)).json()["data"] == []

    reader = await tenant.client_with(USERS_READ)
    assert (await reader.get(path)).status_code == 200
    assert_error(await reader.delete(path), 403, "insufficient_scope")
    other = await make_tenant()
    assert_error(await other.client.get(path), 404, "not_found")
    assert_error(await other.client.delete(path), 404, "not_found")
    assert_error(await tenant.client.get("/v1/users/usr_missing/sessions"), 404, "not_found")


async def test_another_worker_stops_accepting_a_revoked_token_within_a_second(
    tenant: Tenant, database_url: str
) -> None:
    """On PostgreSQL the revocation is broadcast (NOTIFY on commit) and the other worker drops its cache
    at once; on SQLite its cache's one-second life bounds it."""
    user = await member(tenant)
    pair = await tokens(tenant, user["email"])
    worker2 = create_app(support.test_settings(database_url, embedded_worker=False))
    async with support.running(worker2), as_user(worker2, pair["access_token"]) as elsewhere:
        assert (await elsewhere.get("/v1/users")).status_code == 200  # cached by the other worker
        assert (await tenant.client.delete(f"/v1/users/{user['id']}")).status_code == 204
        started = time.monotonic()
        while (await elsewhere.get("/v1/users")).status_code == 200:
            assert time.monotonic() - started < 1.1
            await asyncio.sleep(0.01)
        took = time.monotonic() - started
        assert_error(await elsewhere.get("/v1/users"), 401, "invalid_api_key")
        if support.BACKEND == "postgresql":
            assert took < 0.5  # invalidated, not waited out
