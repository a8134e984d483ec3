"""Webhook endpoints through HTTP: CRUD under ``webhooks:manage``, the secret shown only when made,
rotation, validation, and URLs that must not be reachable refused."""

from __future__ import annotations

import pytest
from litestar import Litestar

from redcore_server.auth.scopes import USERS_READ, USERS_WRITE, WEBHOOKS_MANAGE
from tests import support
from tests.support import Tenant
from tests.support.responses import assert_error

HOOK = "http://127.0.0.1:9/hook"  # a closed port: nothing listens, so deliveries made here just fail


async def test_create_get_list_update_delete(tenant: Tenant) -> None:
    created = await tenant.client.post(
        "/v1/webhook_endpoints",
        json={"url": HOOK, "description": " CRM sync ", "event_types": ["user.updated", "user.created"]},
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["id"].startswith("we_")
    assert created.headers["location"] == f"/v1/webhook_endpoints/{endpoint['id']}"
    assert endpoint["secret"].startswith("whsec_") and len(endpoint["secret"]) > 30
    assert endpoint["event_types"] == ["user.created", "user.updated"]  # stable order
    assert (endpoint["description"], endpoint["enabled"], endpoint["disabled_reason"]) == ("CRM sync", True, None)

    fetched = await tenant.client.get(f"/v1/webhook_endpoints/{endpoint['id']}")
    assert fetched.status_code == 200
    assert "secret" not in fetched.json()  # shown once
    assert fetched.json() == {k: v for k, v in endpoint.items() if k != "secret"}
    assert fetched.headers["etag"]

    listed = await tenant.client.get("/v1/webhook_endpoints")
    assert [e["id"] for e in listed.json()["data"]] == [endpoint["id"]]
    assert "secret" not in listed.json()["data"][0]

    patched = await tenant.client.patch(
        f"/v1/webhook_endpoints/{endpoint['id']}", json={"event_types": None, "enabled": False}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["event_types"], patched.json()["enabled"]) == (None, False)
    disabled = await tenant.client.get("/v1/webhook_endpoints", params={"enabled": "false"})
    assert [e["id"] for e in disabled.json()["data"]] == [endpoint["id"]]
    assert (await tenant.client.get("/v1/webhook_endpoints", params={"enabled": "true"})).json()["data"] == []

    assert (await tenant.client.delete(f"/v1/webhook_endpoints/{endpoint['id']}")).status_code == 204
    assert (await tenant.client.get(f"/v1/webhook_endpoints/{endpoint['id']}")).status_code == 404


async def test_endpoint_changes_are_not_events(tenant: Tenant) -> None:
    created = await tenant.client.post("/v1/webhook_endpoints", json={"url": HOOK})
    await tenant.client.patch(f"/v1/webhook_endpoints/{created.json()['id']}", json={"enabled": False})
    events = await tenant.client.get("/v1/events")
    assert events.json()["data"] == []  # and so the secret never lands in the event log


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://127.0.0.1/x"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http:///path-only"}, "url"),
        ({"url": HOOK, "event_types": ["user.exploded"]}, "event_types"),
        ({"url": HOOK, "event_types": []}, "event_types"),
        ({"url": HOOK, "secret": "whsec_mine"}, "secret"),
        ({"event_types": ["user.created"]}, "url"),
        ({"url": HOOK, "enabled": "yes"}, "enabled"),
    ],
)
async def test_invalid_endpoints_are_refused(tenant: Tenant, body: dict, field: str) -> None:
    response = await tenant.client.post("/v1/webhook_endpoints", json=body)
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["details"][0]["field"] == field
    assert (await tenant.client.get("/v1/webhook_endpoints")).json()["data"] == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "https://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.1.10:8443/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata, link-local
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",  # an IPv4-mapped private address
        "http://2130706433/hook",  # 127.0.0.1 written as one number
    ],
)
async def test_private_addresses_are_refused_unless_allowed(app: Litestar, database_url: str, url: str) -> None:
    strict = support.test_settings(database_url, webhook_allow_private=False, embedded_worker=False)
    from redcore_server.app import create_app

    async with support.running(create_app(strict)) as strict_app:
        tenant = await support.make_tenant(strict_app)
        try:
            response = await tenant.client.post("/v1/webhook_endpoints", json={"url": url})
            assert_error(response, 400, "validation_error")
            assert "non-public address" in response.json()["error"]["message"]
            ok = await tenant.client.post("/v1/webhook_endpoints", json={"url": "https://93.184.215.14/hook"})
            assert ok.status_code == 201, ok.text
            moved = await tenant.client.patch(f"/v1/webhook_endpoints/{ok.json()['id']}", json={"url": url})
            assert_error(moved, 400, "validation_error")
        finally:
            async with strict_app.state.db.transaction() as tx:  # no deliveries to a public address remain
                await tx.execute("DELETE FROM webhook_endpoints WHERE org_id = $1", tenant.org.id)
            await tenant.close()


async def test_rotation_returns_a_new_secret_and_keeps_the_old_one_for_the_grace_period(tenant: Tenant) -> None:
    endpoint = (await tenant.client.post("/v1/webhook_endpoints", json={"url": HOOK})).json()
    rotated = await tenant.client.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret")
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != endpoint["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    again = await tenant.client.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret", json={"grace_period": 0})
    assert again.json()["previous_secret_expires_at"] is None
    too_long = await tenant.client.post(
        f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret", json={"grace_period": 10**7}
    )
    assert_error(too_long, 400, "validation_error")
    missing = await tenant.client.post("/v1/webhook_endpoints/we_missing/rotate_secret")
    assert_error(missing, 404, "not_found")


async def test_scope_and_tenancy(tenant: Tenant, make_tenant) -> None:
    endpoint = (await tenant.client.post("/v1/webhook_endpoints", json={"url": HOOK})).json()
    users_only = await tenant.client_with(USERS_READ, USERS_WRITE)
    for response in (
        await users_only.get("/v1/webhook_endpoints"),
        await users_only.post("/v1/webhook_endpoints", json={"url": HOOK}),
        await users_only.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries"),
        await users_only.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret"),
    ):
        assert_error(response, 403, "insufficient_scope")
        assert WEBHOOKS_MANAGE in response.json()["error"]["message"]

    other = await make_tenant()
    for response in (
        await other.client.get(f"/v1/webhook_endpoints/{endpoint['id']}"),
        await other.client.delete(f"/v1/webhook_endpoints/{endpoint['id']}"),
        await other.client.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret"),
        await other.client.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries"),
    ):
        assert_error(response, 404, "not_found")
    assert (await other.client.get("/v1/webhook_endpoints")).json()["data"] == []
