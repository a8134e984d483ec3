"""Deliveries from the server's embedded worker to a real HTTP receiver: signed per Standard
Webhooks, retried with one ``webhook-id``, logged attempt by attempt, stopped by 410."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from standardwebhooks.webhooks import Webhook

from tests.receiver import Receiver
from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.webhooks import deliveries, settled, subscribe


async def test_a_created_user_is_delivered_signed_per_standard_webhooks(tenant: Tenant, receiver: Receiver) -> None:
    endpoint = await subscribe(tenant, receiver)
    user = await tenant.create_user(email="hook@example.com", name="Hook")
    [request] = await receiver.wait_for(1)

    payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)  # the reference library
    assert payload["type"] == "user.created"
    assert payload["data"] == user
    assert payload["id"].startswith("evt_")
    assert payload["created_at"].endswith("Z")
    assert set(payload) == {"id", "type", "created_at", "data"}
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-signature"].startswith("v1,")
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 30
    event = (await tenant.client.get(f"/v1/events/{payload['id']}")).json()
    assert event["data"] == user

    [delivery] = await settled(tenant, endpoint["id"])
    assert delivery["id"] == request.headers["webhook-id"]
    assert delivery["id"].startswith("msg_")
    assert (delivery["status"], delivery["event_id"], delivery["event_type"]) == (
        "succeeded",
        payload["id"],
        "user.created",
    )
    assert delivery["attempt_count"] == 1 and delivery["next_attempt_at"] is None
    [attempt] = delivery["attempts"]
    assert (attempt["attempt"], attempt["status_code"], attempt["error"], attempt["response_excerpt"]) == (
        1,
        200,
        None,
        "ok",
    )
    assert attempt["duration_ms"] >= 0


async def test_only_subscribed_types_are_delivered(tenant: Tenant, receiver: Receiver) -> None:
    endpoint = await subscribe(tenant, receiver, event_types=["product.deleted"])
    await tenant.create_user()
    product = (await tenant.client.post("/v1/products", json={"name": "P", "sku": "HK-1", "price": 1})).json()
    await tenant.client.delete(f"/v1/products/{product['id']}")
    [request] = await receiver.wait_for(1)
    assert json.loads(request.body)["type"] == "product.deleted"
    await asyncio.sleep(0.3)
    assert len(receiver.requests) == 1
    assert [d["event_type"] for d in await deliveries(tenant, endpoint["id"])] == ["product.deleted"]


async def test_failures_are_retried_with_one_webhook_id_until_acknowledged(tenant: Tenant, receiver: Receiver) -> None:
    receiver.answer(500, 503)
    endpoint = await subscribe(tenant, receiver)
    await tenant.create_user()
    requests = await receiver.wait_for(3)
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert len({r.body for r in requests}) == 1  # the same payload each time
    for request in requests:
        Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert requests[1].at - requests[0].at >= 0.18  # the (shortened) back-off schedule

    [delivery] = await settled(tenant, endpoint["id"])
    assert (delivery["status"], delivery["attempt_count"]) == ("succeeded", 3)
    assert [(a["attempt"], a["status_code"]) for a in delivery["attempts"]] == [(1, 500), (2, 503), (3, 200)]
    assert delivery["attempts"][0]["error"] == "HTTP 500"
    assert delivery["attempts"][0]["response_excerpt"] == "status 500 from the test receiver"


async def test_retries_stop_when_the_schedule_is_spent(tenant: Tenant, receiver: Receiver) -> None:
    receiver.answer(*[500] * 10)
    endpoint = await subscribe(tenant, receiver)
    await tenant.create_user()
    [delivery] = await settled(tenant, endpoint["id"])
    assert delivery["status"] == "failed"
    assert delivery["attempt_count"] == 4  # the first attempt and the three retries of the test schedule
    assert len(receiver.requests) == 4
    assert (await tenant.client.get(f"/v1/webhook_endpoints/{endpoint['id']}")).json()["enabled"] is True


async def test_410_disables_the_endpoint(tenant: Tenant, receiver: Receiver) -> None:
    receiver.answer(410)
    endpoint = await subscribe(tenant, receiver)
    await tenant.create_user()
    [delivery] = await settled(tenant, endpoint["id"])
    assert (delivery["status"], delivery["attempt_count"]) == ("failed", 1)
    current = (await tenant.client.get(f"/v1/webhook_endpoints/{endpoint['id']}")).json()
    assert current["enabled"] is False
    assert "410" in current["disabled_reason"]

    await tenant.create_user()  # a disabled endpoint is not sent anything
    await asyncio.sleep(0.3)
    assert len(receiver.requests) == 1
    assert len(await deliveries(tenant, endpoint["id"])) == 1

    retry = await tenant.client.post(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries/{delivery['id']}/retry")
    assert_error(retry, 409, "endpoint_disabled")
    enabled = await tenant.client.patch(f"/v1/webhook_endpoints/{endpoint['id']}", json={"enabled": True})
    assert (enabled.json()["enabled"], enabled.json()["disabled_reason"]) == (True, None)


async def test_redirects_are_not_followed_and_timeouts_are_recorded(tenant: Tenant, receiver: Receiver) -> None:
    receiver.answer(302, "hang")
    endpoint = await subscribe(tenant, receiver)
    await tenant.create_user()
    [delivery] = await settled(tenant, endpoint["id"], within=20)
    attempts = delivery["attempts"]
    assert attempts[0]["status_code"] == 302
    assert "redirects are not followed" in attempts[0]["error"]
    assert attempts[1]["status_code"] is None
    assert attempts[1]["error"] == "timed out after 2s"
    assert attempts[1]["duration_ms"] >= 1900
    assert all(r.path == "/hook" for r in receiver.requests)  # never /elsewhere


async def test_a_delivery_can_be_retried_on_demand(tenant: Tenant, receiver: Receiver) -> None:
    endpoint = await subscribe(tenant, receiver)
    await tenant.create_user()
    [delivery] = await settled(tenant, endpoint["id"])
    path = f"/v1/webhook_endpoints/{endpoint['id']}/deliveries/{delivery['id']}"
    retried = await tenant.client.post(f"{path}/retry")
    assert retried.status_code == 202, retried.text
    assert retried.json()["status"] == "pending"
    requests = await receiver.wait_for(2)
    assert requests[0].headers["webhook-id"] == requests[1].headers["webhook-id"] == delivery["id"]
    deadline = time.monotonic() + 10
    while (one := (await tenant.client.get(path)).json())["attempt_count"] < 2 or one["status"] == "pending":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert [a["attempt"] for a in one["attempts"]] == [1, 2]
    assert_error(
        await tenant.client.post(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries/msg_nope/retry"), 404, "not_found"
    )


async def test_during_a_rotation_both_secrets_sign(tenant: Tenant, receiver: Receiver) -> None:
    endpoint = await subscribe(tenant, receiver)
    rotated = (await tenant.client.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret")).json()
    await tenant.create_user()
    [request] = await receiver.wait_for(1)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (endpoint["secret"], rotated["secret"]):
        Webhook(secret).verify(request.body, request.headers)

    await tenant.client.post(f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret", json={"grace_period": 0})
    await tenant.create_user()
    [_, second] = await receiver.wait_for(2)
    assert len(second.headers["webhook-signature"].split(" ")) == 1
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(rotated["secret"]).verify(second.body, second.headers)


async def test_a_rolled_back_change_queues_nothing(tenant: Tenant, receiver: Receiver) -> None:
    endpoint = await subscribe(tenant, receiver)
    user = await tenant.create_user(email="first@example.com")
    clash = await tenant.client.patch(f"/v1/users/{user['id']}", json={"email": "x"})
    assert clash.status_code == 400
    dup = await tenant.client.post("/v1/users", json={"email": "FIRST@example.com", "name": "Dup"})
    assert dup.status_code == 409
    await receiver.wait_for(1)
    await asyncio.sleep(0.3)
    assert [d["event_type"] for d in await deliveries(tenant, endpoint["id"])] == ["user.created"]
    assert len(receiver.requests) == 1


async def test_delivery_list_filters_and_paginates(tenant: Tenant, receiver: Receiver) -> None:
    receiver.answer(410)
    gone = await subscribe(tenant, receiver)
    await tenant.create_user()
    await settled(tenant, gone["id"])
    endpoint = await subscribe(tenant, receiver)
    for _ in range(3):
        await tenant.create_user()
    await settled(tenant, endpoint["id"], count=3)
    page = await tenant.client.get(
        f"/v1/webhook_endpoints/{endpoint['id']}/deliveries", params={"limit": 2, "status": "succeeded"}
    )
    body = page.json()
    assert (len(body["data"]), body["meta"]["total"], body["meta"]["has_more"]) == (2, 3, True)
    rest = await tenant.client.get(
        f"/v1/webhook_endpoints/{endpoint['id']}/deliveries",
        params={"limit": 2, "status": "succeeded", "starting_after": body["meta"]["next_cursor"]},
    )
    assert len(rest.json()["data"]) == 1
    assert await deliveries(tenant, endpoint["id"], status="failed") == []
    assert [d["status"] for d in await deliveries(tenant, gone["id"])] == ["failed"]
    assert_error(
        await tenant.client.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries", params={"status": "lost"}),
        400,
        "validation_error",
    )


async def test_deleting_an_endpoint_mid_attempt_loses_no_other_outcome(
    tenant: Tenant, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    """Outcomes are recorded many to a transaction: one whose delivery was deleted with its endpoint
    while it was being attempted (and whose row a change may hold) must not take the others with it
    (they were lost and sent again when their leases ended)."""
    receiver.delay = 0.5
    doomed, kept = await subscribe(tenant, receiver), await subscribe(tenant, receiver)
    for _ in range(4):
        await tenant.create_user()
    await receiver.wait_for(2)  # attempts are in flight
    assert (await tenant.client.delete(f"/v1/webhook_endpoints/{doomed['id']}")).status_code == 204
    found = await settled(tenant, kept["id"], count=4)
    assert [d["status"] for d in found] == ["succeeded"] * 4
    assert [len(d["attempts"]) for d in found] == [1] * 4
    await asyncio.sleep(0.3)
    assert not [r for r in caplog.records if "could not record" in r.getMessage()]
    assert (
        await tenant.app.state.db.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1", doomed["id"]
        )
        == 0
    )
