"""Every change to a user or product records an event in the same transaction; events are listed
and read back with the shared list machinery, under ``events:read``, per organization."""

from __future__ import annotations

import json

import pytest

from redcore_server.tokens import hash_secret
from tests.receiver import Receiver
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.webhooks import subscribe


async def events(tenant: Tenant, **params) -> list[dict]:
    response = await tenant.client.get("/v1/events", params={"limit": 100, "order": "asc"} | params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_user_changes_record_events_with_the_object_the_request_and_the_key(
    tenant: Tenant, receiver: Receiver
) -> None:
    await subscribe(tenant, receiver)
    created = await tenant.client.post("/v1/users", json={"email": "ev@example.com", "name": "Ev"})
    user = created.json()
    updated = await tenant.client.patch(f"/v1/users/{user['id']}", json={"role": "admin"})
    before_deletion = await events(tenant)
    assert [e["data"] for e in before_deletion] == [user, updated.json()]
    deleted = await tenant.client.delete(f"/v1/users/{user['id']}")
    delivered = [json.loads(r.body) for r in await receiver.wait_for(3)]
    assert [(d["type"], d["data"]) for d in delivered] == [
        ("user.created", user),
        ("user.updated", updated.json()),
        ("user.deleted", updated.json()),  # as it was before the deletion (then erased: tests/server/erasure)
    ]
    recorded = await events(tenant)
    assert [e["type"] for e in recorded] == ["user.created", "user.updated", "user.deleted"]
    assert [e["id"] for e in recorded] == [d["id"] for d in delivered]
    assert [e["request_id"] for e in recorded] == [r.headers["x-request-id"] for r in (created, updated, deleted)]
    key_id = hash_secret(tenant.key)
    row = await tenant.app.state.db.fetchrow("SELECT id FROM api_keys WHERE secret_hash = $1", key_id)
    assert {e["credential_id"] for e in recorded} == {row[0]}
    assert all(e["id"].startswith("evt_") for e in recorded)
    assert "password" not in str(recorded)


async def test_product_changes_record_events(tenant: Tenant) -> None:
    product = (await tenant.client.post("/v1/products", json={"name": "W", "sku": "EV-1", "price": 5})).json()
    await tenant.client.put(f"/v1/products/{product['id']}", json={"stock": 3})
    await tenant.client.delete(f"/v1/products/{product['id']}")
    recorded = await events(tenant)
    assert [e["type"] for e in recorded] == ["product.created", "product.updated", "product.deleted"]
    assert recorded[1]["data"]["stock"] == 3


async def test_refused_and_empty_writes_record_nothing(tenant: Tenant) -> None:
    user = await tenant.create_user(email="one@example.com")
    assert (await tenant.client.post("/v1/users", json={"email": "ONE@example.com", "name": "X"})).status_code == 409
    assert (await tenant.client.patch(f"/v1/users/{user['id']}", json={"role": "root"})).status_code == 400
    assert (await tenant.client.patch(f"/v1/users/{user['id']}", json={})).status_code == 200
    assert (await tenant.client.delete("/v1/users/usr_missing")).status_code == 404
    assert [e["type"] for e in await events(tenant)] == ["user.created"]


async def test_a_failed_transaction_leaves_no_event(tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    from redcore_server.events import repository as events_repository

    async def broken(*args, **kwargs):
        raise RuntimeError("event store down")

    monkeypatch.setattr(events_repository, "record", broken)
    response = await tenant.client.post("/v1/users", json={"email": "lost@example.com", "name": "Lost"})
    assert_error(response, 500, "internal_error")
    monkeypatch.undo()
    assert (await tenant.client.get("/v1/users", params={"q": "lost"})).json()["meta"]["total"] == 0
    assert await events(tenant) == []


async def test_events_filter_by_type_and_time_and_read_one(tenant: Tenant) -> None:
    first = await tenant.create_user()
    await tenant.client.patch(f"/v1/users/{first['id']}", json={"name": "Renamed"})
    second = await tenant.create_user()
    created = await events(tenant, type="user.created")
    assert [e["data"]["id"] for e in created] == [first["id"], second["id"]]
    everything = await events(tenant)
    middle = everything[1]["created_at"]
    assert [e["id"] for e in await events(tenant, created_after=middle)] == [e["id"] for e in everything[1:]]
    assert [e["id"] for e in await events(tenant, created_before=middle)] == [everything[0]["id"]]
    naive = middle.removesuffix("Z")  # no offset: read as UTC
    assert [e["id"] for e in await events(tenant, created_after=naive)] == [e["id"] for e in everything[1:]]
    newest_first = (await tenant.client.get("/v1/events")).json()
    assert newest_first["meta"]["total"] == 3
    assert newest_first["data"][0]["id"] == everything[-1]["id"]
    one = await tenant.client.get(f"/v1/events/{everything[0]['id']}")
    assert one.status_code == 200
    assert one.json() == everything[0]
    assert_error(await tenant.client.get("/v1/events/evt_missing"), 404, "not_found")
    assert_error(await tenant.client.get("/v1/events", params={"created_after": "yesterday"}), 400, "validation_error")


async def test_events_need_events_read_and_stay_in_their_organization(tenant: Tenant, make_tenant) -> None:
    await tenant.create_user()
    mine = (await events(tenant))[0]
    users_only = await tenant.client_with("users:read", "users:write")
    error = assert_error(await users_only.get("/v1/events"), 403, "insufficient_scope")
    assert "events:read" in error["message"]
    other = await make_tenant()
    assert (await other.client.get("/v1/events")).json()["data"] == []
    assert_error(await other.client.get(f"/v1/events/{mine['id']}"), 404, "not_found")
    assert_error(await tenant.client.post("/v1/events", json={}), 405, "method_not_allowed")
