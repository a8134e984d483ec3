"""``/v1/organization``: any credential reads its own organization; ``org:manage`` changes its name
and base currency, with ``If-Match`` and an ``organization.updated`` event."""

from __future__ import annotations

import uuid

from redcore_server.auth.scopes import EVENTS_READ, ORG_MANAGE, USERS_READ
from tests.support import Tenant
from tests.support.responses import RFC3339_Z, assert_error
from tests.support.sessions import as_user, member, tokens

ORG_FIELDS = {"id", "name", "base_currency", "created_at", "updated_at"}


def unique_name() -> str:
    return f"Org {uuid.uuid4().hex[:10]}"


async def test_any_credential_reads_its_own_organization(tenant: Tenant) -> None:
    for client in (tenant.client, await tenant.client_with(USERS_READ), await tenant.client_with(EVENTS_READ)):
        response = await client.get("/v1/organization")
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == ORG_FIELDS
        assert (body["id"], body["name"], body["base_currency"]) == (tenant.org.id, tenant.org.name, "USD")
        assert RFC3339_Z.match(body["created_at"]) and RFC3339_Z.match(body["updated_at"])
        assert response.headers["etag"].startswith('"')
    viewer = await member(tenant, role="viewer")
    async with as_user(tenant.app, (await tokens(tenant, viewer["email"]))["access_token"]) as as_viewer:
        assert (await as_viewer.get("/v1/organization")).json()["id"] == tenant.org.id


async def test_a_credential_sees_only_its_own_organization(tenant: Tenant, make_tenant) -> None:
    other = await make_tenant()
    assert (await other.client.get("/v1/organization")).json()["id"] == other.org.id
    assert (await tenant.client.get("/v1/organization")).json()["id"] == tenant.org.id


async def test_an_admin_renames_it_and_changes_the_base_currency(tenant: Tenant) -> None:
    name = unique_name()
    response = await tenant.client.patch("/v1/organization", json={"name": f"  {name}  ", "base_currency": "EUR"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["base_currency"]) == (name, "EUR")  # trimmed
    assert body["updated_at"] > body["created_at"]
    assert (await tenant.client.get("/v1/organization")).json() == body

    # Only products made from now on take the new base currency.
    product = await tenant.client.post("/v1/products", json={"name": "Mug", "sku": "MUG-1", "price": 900})
    assert product.json()["currency"] == "EUR"
    await tenant.client.patch("/v1/organization", json={"base_currency": "GBP"})
    assert (await tenant.client.get(f"/v1/products/{product.json()['id']}")).json()["currency"] == "EUR"

    [event, *_] = (await tenant.client.get("/v1/events", params={"type": "organization.updated"})).json()["data"]
    assert event["data"]["base_currency"] == "GBP" and event["data"]["id"] == tenant.org.id
    assert event["credential_id"].startswith("key_")


async def test_the_event_is_recorded_with_the_change(tenant: Tenant) -> None:
    name = unique_name()
    await tenant.client.patch("/v1/organization", json={"name": name})
    events = (await tenant.client.get("/v1/events", params={"type": "organization.updated"})).json()["data"]
    assert [e["data"] for e in events] == [(await tenant.client.get("/v1/organization")).json()]
    assert events[0]["data"]["name"] == name
    assert events[0]["request_id"].startswith("req_")


async def test_changing_it_needs_org_manage(tenant: Tenant) -> None:
    for scopes in ((USERS_READ,), (USERS_READ, EVENTS_READ)):
        client = await tenant.client_with(*scopes)
        error = assert_error(await client.patch("/v1/organization", json={"name": "x"}), 403, "insufficient_scope")
        assert ORG_MANAGE in error["message"]
    manager = await tenant.client_with(ORG_MANAGE)
    assert (await manager.patch("/v1/organization", json={"base_currency": "JPY"})).status_code == 200

    editor = await member(tenant, role="editor")
    async with as_user(tenant.app, (await tokens(tenant, editor["email"]))["access_token"]) as as_editor:
        assert_error(await as_editor.patch("/v1/organization", json={"name": "mine"}), 403, "insufficient_scope")
    admin = await member(tenant, role="admin")
    async with as_user(tenant.app, (await tokens(tenant, admin["email"]))["access_token"]) as as_admin:
        assert (await as_admin.patch("/v1/organization", json={"base_currency": "CHF"})).status_code == 200
    assert (await tenant.client.get("/v1/organization")).json()["base_currency"] == "CHF"


async def test_invalid_changes_are_refused(tenant: Tenant) -> None:
    before = (await tenant.client.get("/v1/organization")).json()
    cases = [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "a\nb"}, "name"),
        ({"name": 5}, "name"),
        ({"base_currency": "usd"}, "base_currency"),
        ({"base_currency": "XYZ"}, "base_currency"),
        ({"base_currency": "EURO"}, "base_currency"),
        ({"id": "org_other"}, "id"),
        ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
    ]
    for body, field in cases:
        error = assert_error(await tenant.client.patch("/v1/organization", json=body), 400, "validation_error")
        assert field in error["message"], (body, error)
    assert (await tenant.client.get("/v1/organization")).json() == before
    assert (await tenant.client.get("/v1/events", params={"type": "organization.updated"})).json()["data"] == []


async def test_a_name_is_unique_across_organizations(tenant: Tenant, make_tenant) -> None:
    other = await make_tenant()
    error = assert_error(
        await tenant.client.patch("/v1/organization", json={"name": other.org.name}),
        409,
        "duplicate_organization_name",
    )
    assert other.org.name in error["message"]
    assert (await tenant.client.get("/v1/organization")).json()["name"] == tenant.org.name
    same = await tenant.client.patch("/v1/organization", json={"name": tenant.org.name})  # its own name again
    assert same.status_code == 200, same.text


async def test_if_match_guards_a_change(tenant: Tenant) -> None:
    first = await tenant.client.get("/v1/organization")
    etag = first.headers["etag"]
    changed = await tenant.client.patch("/v1/organization", json={"base_currency": "EUR"}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] != etag
    assert changed.headers["etag"] == (await tenant.client.get("/v1/organization")).headers["etag"]
    stale = await tenant.client.patch("/v1/organization", json={"base_currency": "GBP"}, headers={"If-Match": etag})
    assert_error(stale, 412, "precondition_failed")
    assert (await tenant.client.get("/v1/organization")).json()["base_currency"] == "EUR"
    events = (await tenant.client.get("/v1/events", params={"type": "organization.updated"})).json()["data"]
    assert len(events) == 1
    star = await tenant.client.patch("/v1/organization", json={"base_currency": "GBP"}, headers={"If-Match": "*"})
    assert star.status_code == 200


async def test_an_empty_change_changes_nothing(tenant: Tenant) -> None:
    before = await tenant.client.get("/v1/organization")
    response = await tenant.client.patch("/v1/organization", json={})
    assert response.status_code == 200
    assert response.json() == before.json() and response.headers["etag"] == before.headers["etag"]
    assert (await tenant.client.get("/v1/events", params={"type": "organization.updated"})).json()["data"] == []
