"""API keys over HTTP (``/v1/api_keys``): made with the caller's scopes at most, shown once, working at
once; renamed, revoked (here at once, on another worker within a second) and rolled with a grace
period; the organization's last key that can manage keys is not revoked from under it."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from redcore_server.app import create_app
from redcore_server.auth.scopes import ALL_SCOPES
from redcore_server.tokens import hash_secret
from tests import support
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import as_user, member, tokens

KEY_FIELDS = {"id", "name", "prefix", "scopes", "rate_limit", "created_at", "last_used_at", "expires_at", "revoked_at"}


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _make(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/api_keys", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_key_made_over_http_works_at_once_and_its_secret_is_never_shown_again(tenant: Tenant) -> None:
    response = await tenant.client.post("/v1/api_keys", json={"name": "CI", "scopes": ["users:read"]})
    assert response.status_code == 201, response.text
    made = response.json()
    assert set(made) == KEY_FIELDS | {"secret"}
    assert made["secret"].startswith("sk_live_") and made["secret"].startswith(made["prefix"])
    assert made["scopes"] == ["users:read"] and made["name"] == "CI"
    assert response.headers["location"] == f"/v1/api_keys/{made['id']}"
    assert response.headers["cache-control"] == "no-store"
    async with support.http_client(tenant.app, made["secret"]) as ci:
        assert (await ci.get("/v1/users")).status_code == 200
        assert_error(await ci.get("/v1/products"), 403, "insufficient_scope")
    one = (await tenant.client.get(f"/v1/api_keys/{made['id']}")).json()
    listed = (await tenant.client.get("/v1/api_keys")).json()
    assert set(one) == KEY_FIELDS and one["revoked_at"] is None
    assert made["id"] in [k["id"] for k in listed["data"]] and listed["meta"]["total"] == 2
    everything = (await tenant.client.get("/v1/api_keys")).text + (await tenant.client.get("/v1/events")).text
    assert made["secret"] not in everything and "secret" not in one
    stored = await tenant.app.state.db.fetchval("SELECT secret_hash FROM api_keys WHERE id = $1", made["id"])
    assert stored == hash_secret(made["secret"])


async def test_a_key_without_scopes_has_every_scope_and_lists_page_by_cursor(tenant: Tenant) -> None:
    made = await _make(tenant.client)
    assert made["scopes"] == list(ALL_SCOPES)
    for _ in range(3):
        await _make(tenant.client, name="more")
    walked = await support.walk_list(tenant.client, "/v1/api_keys", "cursor", limit=2)
    assert len(walked) == 5 and len({k["id"] for k in walked}) == 5


async def test_nobody_makes_a_key_with_scopes_they_do_not_hold(tenant: Tenant) -> None:
    reader = await tenant.client_with("users:read", "keys:manage")
    refused = await reader.post("/v1/api_keys", json={"scopes": ["users:read", "users:write"]})
    assert_error(refused, 403, "insufficient_privilege")
    assert "`users:write`" in refused.json()["error"]["message"]
    assert_error(await reader.post("/v1/api_keys", json={}), 403, "insufficient_privilege")  # "every scope"
    assert (await reader.post("/v1/api_keys", json={"scopes": ["users:read"]})).status_code == 201
    no_manage = await tenant.client_with("users:read", "users:write")
    assert_error(await no_manage.get("/v1/api_keys"), 403, "insufficient_scope")
    assert_error(await no_manage.post("/v1/api_keys", json={"scopes": ["users:read"]}), 403, "insufficient_scope")
    # A viewer's and an editor's access tokens do not hold keys:manage; an admin's does.
    for role, status in (("viewer", 403), ("editor", 403), ("admin", 201)):
        user = await member(tenant, role=role)
        async with as_user(tenant.app, (await tokens(tenant, user["email"]))["access_token"]) as client:
            assert (await client.post("/v1/api_keys", json={"scopes": ["users:read"]})).status_code == status
    total = (await tenant.client.get("/v1/api_keys")).json()["meta"]["total"]
    assert total == 4 + 1  # the tenant's, two made by client_with, the reader's, the admin user's


async def test_a_key_cannot_touch_a_key_with_scopes_it_lacks(tenant: Tenant) -> None:
    admin_key = (await tenant.client.get("/v1/api_keys")).json()["data"][0]
    manager = await tenant.client_with("keys:manage", "users:read")
    for refused in (
        await manager.patch(f"/v1/api_keys/{admin_key['id']}", json={"name": "mine now"}),
        await manager.delete(f"/v1/api_keys/{admin_key['id']}"),
        await manager.post(f"/v1/api_keys/{admin_key['id']}/roll", json={"grace_period": 0}),
    ):
        assert_error(refused, 403, "insufficient_privilege")
    assert (await tenant.client.get("/v1/users")).status_code == 200
    assert (await tenant.client.get(f"/v1/api_keys/{admin_key['id']}")).json()["name"] == admin_key["name"]


async def test_validation_expiry_and_rate_limit(tenant: Tenant) -> None:
    past = _rfc3339(datetime.now(UTC) - timedelta(minutes=1))
    for body, field in (
        ({"expires_at": past}, "expires_at"),
        ({"expires_at": "2030-01-01T00:00:00"}, "expires_at"),  # no offset
        ({"scopes": ["users:admin"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"name": "  "}, "name"),
        ({"secret": "sk_live_mine"}, "secret"),
    ):
        error = assert_error(await tenant.client.post("/v1/api_keys", json=body), 400, "validation_error")
        assert field in error["message"], error
    soon = datetime.now(UTC) + timedelta(seconds=2)
    short = await _make(tenant.client, scopes=["users:read"], expires_at=_rfc3339(soon), rate_limit=3)
    async with support.http_client(tenant.app, short["secret"]) as client:
        answered = await client.get("/v1/users")
        assert answered.status_code == 200 and answered.headers["x-ratelimit-limit"] == "3"
        await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 1.1)
        assert_error(await client.get("/v1/users"), 401, "token_expired")


async def test_an_expiring_key_only_makes_keys_that_expire_no_later(tenant: Tenant) -> None:
    until = datetime.now(UTC) + timedelta(days=1)
    temporary = await _make(tenant.client, scopes=["keys:manage", "users:read"], expires_at=_rfc3339(until))
    async with support.http_client(tenant.app, temporary["secret"]) as client:
        forever = await client.post("/v1/api_keys", json={"scopes": ["users:read"]})
        assert_error(forever, 403, "insufficient_privilege")
        later = _rfc3339(until + timedelta(days=1))
        assert_error(
            await client.post("/v1/api_keys", json={"scopes": ["users:read"], "expires_at": later}),
            403,
            "insufficient_privilege",
        )
        sooner = _rfc3339(until - timedelta(hours=1))
        assert (await client.post("/v1/api_keys", json={"scopes": ["users:read"], "expires_at": sooner})).is_success


async def test_rename_and_not_found(tenant: Tenant, make_tenant: Any) -> None:
    made = await _make(tenant.client, name="old", scopes=["users:read"])
    path = f"/v1/api_keys/{made['id']}"
    renamed = await tenant.client.patch(path, json={"name": "new"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "new" and "secret" not in renamed.json()
    assert (await tenant.client.patch(path, json={"name": None})).json()["name"] is None
    assert_error(await tenant.client.patch(path, json={"scopes": ["users:write"]}), 400, "validation_error")
    other = await make_tenant()
    for response in (
        await other.client.get(path),
        await other.client.patch(path, json={"name": "x"}),
        await other.client.delete(path),
        await other.client.post(f"{path}/roll"),
        await tenant.client.get("/v1/api_keys/key_missing"),
        await tenant.client.get("/v1/api_keys/usr_123"),
    ):
        assert_error(response, 404, "not_found")


async def test_revoking_stops_the_key_at_once_here_and_within_a_second_on_another_worker(
    tenant: Tenant, database_url: str
) -> None:
    made = await _make(tenant.client, scopes=["users:read"])
    worker2 = create_app(support.test_settings(database_url, embedded_worker=False))
    async with (
        support.running(worker2),
        support.http_client(worker2, made["secret"]) as elsewhere,
        support.http_client(tenant.app, made["secret"]) as here,
    ):
        assert (await elsewhere.get("/v1/users")).status_code == 200  # cached by the other worker
        assert (await here.get("/v1/users")).status_code == 200
        assert (await tenant.client.delete(f"/v1/api_keys/{made['id']}")).status_code == 204
        assert_error(await here.get("/v1/users"), 401, "invalid_api_key")
        started = time.monotonic()
        while (await elsewhere.get("/v1/users")).status_code == 200:
            assert time.monotonic() - started < 1.1
            await asyncio.sleep(0.01)
        if support.BACKEND == "postgresql":
            assert time.monotonic() - started < 0.5  # invalidated by the notice, not waited out
    key = (await tenant.client.get(f"/v1/api_keys/{made['id']}")).json()
    assert key["revoked_at"] is not None
    assert (await tenant.client.delete(f"/v1/api_keys/{made['id']}")).status_code == 204  # again: no change
    assert (await tenant.client.get(f"/v1/api_keys/{made['id']}")).json()["revoked_at"] == key["revoked_at"]
    events = (await tenant.client.get("/v1/events", params={"type": "api_key.revoked"})).json()["data"]
    assert [e["data"]["id"] for e in events] == [made["id"]]


async def test_a_rolled_key_keeps_working_for_its_grace_period_and_not_after(tenant: Tenant) -> None:
    until = _rfc3339(datetime.now(UTC) + timedelta(days=30))
    old = await _make(tenant.client, name="deploy", scopes=["users:read"], rate_limit=50, expires_at=until)
    rolled = await tenant.client.post(f"/v1/api_keys/{old['id']}/roll", json={"grace_period": 1})
    assert rolled.status_code == 201, rolled.text
    new = rolled.json()
    assert rolled.headers["location"] == f"/v1/api_keys/{new['id']}"
    assert new["id"] != old["id"] and new["secret"] != old["secret"]
    assert (new["name"], new["scopes"], new["rate_limit"], new["expires_at"]) == ("deploy", ["users:read"], 50, until)
    async with (
        support.http_client(tenant.app, old["secret"]) as before,
        support.http_client(tenant.app, new["secret"]) as after,
    ):
        assert (await before.get("/v1/users")).status_code == 200  # within the grace period
        assert (await after.get("/v1/users")).status_code == 200
        await asyncio.sleep(2.2)  # the grace period, and the credential cache's second
        assert_error(await before.get("/v1/users"), 401, "token_expired")
        assert (await after.get("/v1/users")).status_code == 200
    assert_error(await tenant.client.post(f"/v1/api_keys/{old['id']}/roll"), 409, "api_key_inactive")
    events = (await tenant.client.get("/v1/events", params={"type": "api_key.rolled"})).json()["data"]
    assert events[0]["data"]["id"] == new["id"] and events[0]["data"]["rolled_from"] == old["id"]
    assert "secret" not in events[0]["data"] and new["secret"] not in str(events)


async def test_rolling_without_grace_ends_the_old_key_at_once(tenant: Tenant) -> None:
    old = await _make(tenant.client, scopes=["users:read"])
    default = await tenant.client.post(f"/v1/api_keys/{old['id']}/roll")  # no body: a day's grace
    assert default.status_code == 201
    graced = (await tenant.client.get(f"/v1/api_keys/{old['id']}")).json()
    left = datetime.fromisoformat(graced["expires_at"]) - datetime.now(UTC)
    assert timedelta(hours=23, minutes=59) < left <= timedelta(hours=24)
    newer = (await tenant.client.post(f"/v1/api_keys/{default.json()['id']}/roll", json={"grace_period": 0})).json()
    async with support.http_client(tenant.app, default.json()["secret"]) as gone:
        assert_error(await gone.get("/v1/users"), 401, "invalid_api_key")
    assert (await tenant.client.get(f"/v1/api_keys/{default.json()['id']}")).json()["revoked_at"] is not None
    assert newer["secret"].startswith("sk_live_")
    for grace in (-1, 604_801, "1"):
        refused = await tenant.client.post(f"/v1/api_keys/{newer['id']}/roll", json={"grace_period": grace})
        assert_error(refused, 400, "validation_error")


async def test_the_last_key_that_can_manage_keys_is_not_revoked_from_under_the_organization(tenant: Tenant) -> None:
    admin_key = (await tenant.client.get("/v1/api_keys")).json()["data"][0]
    path = f"/v1/api_keys/{admin_key['id']}"
    admin = await member(tenant, role="admin")
    async with as_user(tenant.app, (await tokens(tenant, admin["email"]))["access_token"]) as admin_user:
        assert_error(await admin_user.delete(path), 409, "last_manager_key")
        assert_error(await admin_user.delete(path, params={"force": "true"}), 409, "last_manager_key")
    refused = await tenant.client.delete(path)  # the key itself, not deliberately
    assert_error(refused, 409, "last_manager_key")
    assert "force=true" in refused.json()["error"]["message"]
    # With another manager key, either can go; the last one can still end itself deliberately.
    second = await _make(tenant.client, scopes=["keys:manage"])
    assert (await tenant.client.delete(f"/v1/api_keys/{second['id']}")).status_code == 204
    assert (await tenant.client.delete(path, params={"force": "true"})).status_code == 204
    assert_error(await tenant.client.get("/v1/users"), 401, "invalid_api_key")


async def test_two_manager_keys_revoking_each_other_at_once_leave_one(tenant: Tenant) -> None:
    first = (await tenant.client.get("/v1/api_keys")).json()["data"][0]
    second = await _make(tenant.client, scopes=list(ALL_SCOPES))
    async with support.http_client(tenant.app, second["secret"]) as other:
        outcomes = await asyncio.gather(
            tenant.client.delete(f"/v1/api_keys/{second['id']}"), other.delete(f"/v1/api_keys/{first['id']}")
        )
    assert sorted(r.status_code for r in outcomes) == [204, 409], [r.text for r in outcomes]
    db = tenant.app.state.db
    working = await db.fetchval("SELECT count(*) FROM api_keys WHERE org_id = $1 AND revoked_at IS NULL", tenant.org.id)
    assert working == 1


async def test_key_events_name_the_key_and_never_its_secret(tenant: Tenant) -> None:
    made = await _make(tenant.client, name="events", scopes=["users:read"])
    await tenant.client.delete(f"/v1/api_keys/{made['id']}")
    listed = await tenant.client.get("/v1/events", params={"type": "api_key.created"})
    created = [e for e in listed.json()["data"] if e["data"]["id"] == made["id"]]
    assert len(created) == 1 and set(created[0]["data"]) == KEY_FIELDS
    assert created[0]["credential_id"] == (await tenant.client.get("/v1/api_keys")).json()["data"][-1]["id"]
    assert made["secret"] not in listed.text and made["secret"][len(made["prefix"]) :] not in listed.text
