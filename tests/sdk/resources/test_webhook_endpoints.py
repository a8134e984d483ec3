"""``client.webhook_endpoints``: every method against the real server, and real deliveries to a receiver
on 127.0.0.1 checked with ``redcore.webhooks.verify``, with Client and AsyncClient alike.

The test server allows private URLs (tests/sdk/server.py), so refusing them is left to the server's
own tests. Every endpoint here points at 127.0.0.1 and is deleted after its test, so no later test's
events go to a receiver that is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from redcore import Client, WebhookDelivery, WebhookEndpoint
from redcore.exceptions import (
    DuplicateError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    ValidationError,
)
from redcore.resources.webhook_endpoints import DELIVERIES
from redcore.webhooks import WebhookVerificationError, verify
from tests.receiver import Receiver, running_receiver
from tests.sdk.helpers import collect, done, unique
from tests.sdk.server import ServerProcess

WAIT = 15.0  # seconds a delivery may take to reach its expected state


@pytest.fixture
def cleanup(server: ServerProcess) -> Iterator[Callable[[WebhookEndpoint], WebhookEndpoint]]:
    """Register an endpoint to delete after the test."""
    made: list[str] = []

    def register(endpoint: WebhookEndpoint) -> WebhookEndpoint:
        made.append(endpoint.id)
        return endpoint

    yield register
    with Client(api_key=server.api_key, base_url=server.base_url) as client:
        for ident in made:
            with contextlib.suppress(NotFoundError):
                client.webhook_endpoints.delete(ident)


async def eventually(fetch: Callable[[], Any], ready: Callable[[Any], bool], what: str) -> Any:
    """Call ``fetch`` until ``ready(result)``, for at most WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while True:
        value = await done(fetch())
        if ready(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {WAIT}s; last seen {value!r}")
        await asyncio.sleep(0.1)


async def delivery_of(api: Any, endpoint: WebhookEndpoint, user_id: str, ready: Callable[[Any], bool]) -> Any:
    """The delivery, to ``endpoint``, of the ``user.created`` event of ``user_id``, once ``ready``."""

    async def find() -> WebhookDelivery | None:
        for delivery in await done(api.webhook_endpoints.list_deliveries(endpoint.id, limit=100)):
            event = await done(api.events.get(delivery.event_id))
            if event.data["id"] == user_id:
                return delivery
        return None

    return await eventually(find, lambda d: d is not None and ready(d), f"the delivery of {user_id}")


def succeeded(delivery: WebhookDelivery) -> bool:
    return delivery.status == "succeeded"


# --- the endpoints ---------------------------------------------------------------------------


async def test_create_get_update_delete(api: Any, receiver: Receiver, cleanup: Any) -> None:
    raw = await done(
        api.webhook_endpoints.with_raw_response.create(
            url=receiver.url, description="CRM sync", event_types=["user.created", "product.deleted"], enabled=False
        )
    )
    assert raw.status_code == 201
    created = cleanup(raw.parse())
    assert isinstance(created, WebhookEndpoint)
    assert raw.headers["location"].endswith(f"/webhook_endpoints/{created.id}")
    assert created.id.startswith("we_")
    assert created.secret is not None
    assert created.secret.startswith("whsec_")
    assert (created.url, created.description, created.enabled) == (receiver.url, "CRM sync", False)
    assert sorted(created.event_types or []) == ["product.deleted", "user.created"]
    assert (created.disabled_reason, created.previous_secret_expires_at) == (None, None)

    fetched = await done(api.webhook_endpoints.get(created.id))
    assert fetched.secret is None  # shown once, at creation
    assert "secret" in fetched  # the model's field, None
    assert fetched.to_dict() == created.to_dict() | {"secret": None}

    updated = await done(api.webhook_endpoints.update(created.id, description=None, event_types=None))
    assert (updated.description, updated.event_types, updated.secret) == (None, None, None)  # None: every type
    assert updated.updated_at >= created.updated_at

    await done(api.webhook_endpoints.delete(created.id))
    with pytest.raises(NotFoundError):
        await done(api.webhook_endpoints.get(created.id))
    with pytest.raises(NotFoundError):
        await done(api.webhook_endpoints.delete(created.id))


async def test_list_filter_and_walk(api: Any, receiver: Receiver, cleanup: Any) -> None:
    tag = unique("walk-")
    made = [
        cleanup(await done(api.webhook_endpoints.create(url=f"{receiver.url}?n={i}", description=tag, enabled=False)))
        for i in range(3)
    ]
    ids = {e.id for e in made}
    disabled = {e.id for e in await collect(api.webhook_endpoints.iter(enabled=False, page_size=2))}
    assert ids <= disabled
    enabled = {e.id for e in await collect(api.webhook_endpoints.iter(enabled=True))}
    assert not ids & enabled

    pages = await collect(api.webhook_endpoints.list_all(enabled=False, order="asc", page_size=1))
    walked = [e.id for page in pages for e in page]
    assert len(walked) == len(set(walked))
    assert [i for i in walked if i in ids] == [e.id for e in made]  # oldest first
    page = await done(api.webhook_endpoints.list(enabled=False, limit=1))
    assert len(page) == 1
    assert page.meta.total >= 3


async def test_if_match(api: Any, receiver: Receiver, cleanup: Any) -> None:
    endpoint = cleanup(await done(api.webhook_endpoints.create(url=receiver.url, enabled=False)))
    raw = await done(api.webhook_endpoints.with_raw_response.get(endpoint.id))
    assert raw.etag
    assert "secret" not in raw.http_response.json()  # omitted, not null, outside create and rotate_secret
    changed = await done(api.webhook_endpoints.update(endpoint.id, description="first", if_match=raw.etag))
    assert changed.description == "first"
    with pytest.raises(PreconditionFailedError):
        await done(api.webhook_endpoints.update(endpoint.id, description="second", if_match=raw.etag))
    with pytest.raises(PreconditionFailedError):
        await done(api.webhook_endpoints.delete(endpoint.id, if_match=raw.etag))


async def test_rotate_secret(api: Any, receiver: Receiver, cleanup: Any) -> None:
    endpoint = cleanup(await done(api.webhook_endpoints.create(url=receiver.url, enabled=False)))
    now = datetime.now(UTC)

    rotated = await done(api.webhook_endpoints.rotate_secret(endpoint.id, grace_period=3600))
    assert rotated.secret is not None
    assert rotated.secret.startswith("whsec_")
    assert rotated.secret != endpoint.secret
    assert rotated.previous_secret_expires_at is not None
    assert abs(rotated.previous_secret_expires_at - (now + timedelta(hours=1))) < timedelta(minutes=1)

    by_default = await done(api.webhook_endpoints.with_raw_response.rotate_secret(endpoint.id))
    assert by_default.status_code == 200
    again = by_default.parse()
    assert again.secret not in (None, rotated.secret, endpoint.secret)
    assert again.previous_secret_expires_at is not None
    assert abs(again.previous_secret_expires_at - (now + timedelta(days=1))) < timedelta(minutes=1)  # a day

    at_once = await done(api.webhook_endpoints.rotate_secret(endpoint.id, grace_period=0))
    assert at_once.previous_secret_expires_at is None or at_once.previous_secret_expires_at <= datetime.now(UTC)
    assert (await done(api.webhook_endpoints.get(endpoint.id))).secret is None

    for grace_period in (-1, 604_801):
        with pytest.raises(ValidationError) as invalid:
            await done(api.webhook_endpoints.rotate_secret(endpoint.id, grace_period=grace_period))
        assert invalid.value.details[0]["field"] == "grace_period"
    with pytest.raises(NotFoundError):
        await done(api.webhook_endpoints.rotate_secret("we_00000000000000000000000000"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"event_types": ["user.exploded"]}, "event_types"),
        ({"event_types": []}, "event_types"),
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://127.0.0.1/hooks"}, "url"),
    ],
)
async def test_validation_errors(api: Any, receiver: Receiver, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as invalid:
        await done(api.webhook_endpoints.create(**({"url": receiver.url, "enabled": False} | fields)))
    assert invalid.value.details[0]["field"] == field
    assert invalid.value.details[0]["issue"]


async def test_update_is_validated_too(api: Any, receiver: Receiver, cleanup: Any) -> None:
    endpoint = cleanup(await done(api.webhook_endpoints.create(url=receiver.url, enabled=False)))
    with pytest.raises(ValidationError) as invalid:
        await done(api.webhook_endpoints.update(endpoint.id, event_types=["user.exploded"]))
    assert invalid.value.details[0]["field"] == "event_types"
    with pytest.raises(ValidationError) as invalid:
        await done(api.webhook_endpoints.update(endpoint.id, url="mailto:someone@example.com"))
    assert invalid.value.details[0]["field"] == "url"


async def test_scope_and_missing_things(api: Any, make_client: Any, readonly_key: str) -> None:
    with pytest.raises(PermissionDeniedError) as denied:
        await done(make_client(api_key=readonly_key).webhook_endpoints.list())
    assert "webhooks:manage" in denied.value.message
    missing = "we_00000000000000000000000000"
    with pytest.raises(NotFoundError):
        await done(api.webhook_endpoints.get(missing))
    with pytest.raises(NotFoundError):
        await done(api.webhook_endpoints.list_deliveries(missing))
    with pytest.raises(NotFoundError):
        await done(api.webhook_endpoints.get_delivery(missing, "msg_00000000000000000000000000"))


def test_a_deliveries_path_is_under_its_endpoint() -> None:
    assert DELIVERIES.of("we_1").get("msg_2").path == "/webhook_endpoints/we_1/deliveries/msg_2"
    assert DELIVERIES.of("we_1").action("msg_2", "retry").path == "/webhook_endpoints/we_1/deliveries/msg_2/retry"
    assert DELIVERIES.of("a/b?c").list({}).path == "/webhook_endpoints/a%2Fb%3Fc/deliveries"
    with pytest.raises(ValueError, match="expected a resource id"):
        DELIVERIES.of("")


# --- deliveries, to a real receiver -----------------------------------------------------------


def header(request: Any, name: str) -> str:
    value: str = {k.lower(): v for k, v in request.headers.items()}[name]
    return value


async def test_a_delivery_is_signed_logged_and_retried_on_demand(api: Any, receiver: Receiver, cleanup: Any) -> None:
    endpoint = cleanup(await done(api.webhook_endpoints.create(url=receiver.url, event_types=["user.created"])))
    user = await done(api.users.create(email=f"{unique()}@example.com", name="Wendy Webhook"))

    delivery = await delivery_of(api, endpoint, user.id, succeeded)
    assert isinstance(delivery, WebhookDelivery)
    assert delivery.id.startswith("msg_")
    assert (delivery.endpoint_id, delivery.event_type) == (endpoint.id, "user.created")
    assert (delivery.attempt_count, delivery.next_attempt_at) == (1, None)
    [attempt] = delivery.attempts
    assert (attempt.attempt, attempt.status_code, attempt.error, attempt.response_excerpt) == (1, 200, None, "ok")
    assert attempt.duration_ms >= 0
    assert await done(api.webhook_endpoints.get_delivery(endpoint.id, delivery.id)) == delivery

    [request] = receiver.requests
    assert request.path == "/hook"  # a POST: the receiver answers nothing else
    assert header(request, "content-type").startswith("application/json")
    assert header(request, "webhook-id") == delivery.id
    event = verify(request.body, request.headers, endpoint.secret)
    assert set(json.loads(request.body)) == {"id", "type", "created_at", "data"}
    assert (event.id, event.type) == (delivery.event_id, "user.created")
    assert (event.data["id"], event.data["email"]) == (user.id, user.email)
    assert event.created_at == (await done(api.events.get(event.id))).created_at

    raw = await done(api.webhook_endpoints.with_raw_response.retry_delivery(endpoint.id, delivery.id))
    assert raw.status_code == 202
    queued = raw.parse()
    assert (queued.id, queued.status) == (delivery.id, "pending")
    assert queued.next_attempt_at is not None

    retried = await eventually(
        lambda: api.webhook_endpoints.get_delivery(endpoint.id, delivery.id),
        lambda d: d.attempt_count == 2 and succeeded(d),
        "the retry on demand",
    )
    assert sorted(a.attempt for a in retried.attempts) == [1, 2]
    first, second = receiver.requests
    assert header(second, "webhook-id") == header(first, "webhook-id") == delivery.id  # constant across retries
    assert verify(second.body, second.headers, endpoint.secret) == event


async def test_failed_attempts_are_retried_and_logged(api: Any, receiver: Receiver, cleanup: Any) -> None:
    receiver.answer(500, 503)  # then 200
    endpoint = cleanup(await done(api.webhook_endpoints.create(url=receiver.url, event_types=["user.created"])))
    user = await done(api.users.create(email=f"{unique()}@example.com", name="Ray Retry"))

    delivery = await delivery_of(api, endpoint, user.id, succeeded)
    assert delivery.attempt_count == 3
    attempts = sorted(delivery.attempts, key=lambda a: a.attempt)
    assert [a.status_code for a in attempts] == [500, 503, 200]
    assert attempts[0].response_excerpt == "status 500 from the test receiver"
    requests = receiver.requests
    assert {header(r, "webhook-id") for r in requests} == {delivery.id}
    assert {verify(r.body, r.headers, endpoint.secret).data["id"] for r in requests} == {user.id}

    def ids(page: Any) -> set[str]:
        return {d.id for d in page}

    assert delivery.id in ids(await done(api.webhook_endpoints.list_deliveries(endpoint.id, status="succeeded")))
    assert delivery.id not in ids(await done(api.webhook_endpoints.list_deliveries(endpoint.id, status="failed")))
    walked = await collect(api.webhook_endpoints.iter_deliveries(endpoint.id, status="succeeded", page_size=1))
    assert delivery.id in {d.id for d in walked}


async def test_a_delivery_fails_after_its_last_retry_and_can_be_retried(
    api: Any, receiver: Receiver, cleanup: Any
) -> None:
    with running_receiver() as gone:  # a receiver that stopped: its port refuses connections
        nowhere = gone.url
    endpoint = cleanup(await done(api.webhook_endpoints.create(url=nowhere, event_types=["user.created"])))
    user = await done(api.users.create(email=f"{unique()}@example.com", name="Fay Failure"))

    failed = await delivery_of(api, endpoint, user.id, lambda d: d.status == "failed")
    assert (failed.attempt_count, failed.next_attempt_at) == (4, None)  # the first attempt and 3 retries
    assert all(a.status_code is None and a.error for a in failed.attempts)
    page = await done(api.webhook_endpoints.list_deliveries(endpoint.id, status="failed"))
    assert failed.id in {d.id for d in page}

    await done(api.webhook_endpoints.update(endpoint.id, url=receiver.url))  # the receiver is back, elsewhere
    await done(api.webhook_endpoints.retry_delivery(endpoint.id, failed.id))
    delivered = await eventually(
        lambda: api.webhook_endpoints.get_delivery(endpoint.id, failed.id), succeeded, "the retry on demand"
    )
    assert delivered.attempt_count == 5
    [request] = receiver.requests
    assert header(request, "webhook-id") == failed.id
    assert verify(request.body, request.headers, endpoint.secret).data["id"] == user.id


async def test_during_a_rotation_both_secrets_verify(api: Any, receiver: Receiver, cleanup: Any) -> None:
    endpoint = cleanup(await done(api.webhook_endpoints.create(url=receiver.url, event_types=["user.created"])))
    rotated = await done(api.webhook_endpoints.rotate_secret(endpoint.id, grace_period=3600))
    user = await done(api.users.create(email=f"{unique()}@example.com", name="Rosa Rotation"))
    first = await delivery_of(api, endpoint, user.id, succeeded)
    [request] = receiver.requests
    assert len(header(request, "webhook-signature").split(" ")) == 2
    assert verify(request.body, request.headers, endpoint.secret).data["id"] == user.id  # the old secret
    assert verify(request.body, request.headers, rotated.secret).data["id"] == user.id  # the new one

    final = await done(api.webhook_endpoints.rotate_secret(endpoint.id, grace_period=0))
    later = await done(api.users.create(email=f"{unique()}@example.com", name="Rosa Later"))
    second = await delivery_of(api, endpoint, later.id, succeeded)
    request = receiver.requests[-1]
    assert len(header(request, "webhook-signature").split(" ")) == 1
    newest_first = await done(api.webhook_endpoints.list_deliveries(endpoint.id))
    assert [d.id for d in newest_first] == [second.id, first.id]
    assert verify(request.body, request.headers, final.secret).data["id"] == later.id
    for old in (endpoint.secret, rotated.secret):
        with pytest.raises(WebhookVerificationError, match="No signature"):
            verify(request.body, request.headers, old)


async def test_a_receiver_answering_410_disables_its_endpoint(api: Any, receiver: Receiver, cleanup: Any) -> None:
    receiver.answer(410)
    endpoint = cleanup(await done(api.webhook_endpoints.create(url=receiver.url, event_types=["user.created"])))
    user = await done(api.users.create(email=f"{unique()}@example.com", name="Gone Gary"))
    delivery = await delivery_of(api, endpoint, user.id, lambda d: len(d.attempts) >= 1)  # one attempt recorded
    disabled = await eventually(
        lambda: api.webhook_endpoints.get(endpoint.id), lambda e: not e.enabled, "the endpoint disabled"
    )
    assert disabled.disabled_reason
    assert delivery.attempts[0].status_code == 410

    with pytest.raises(DuplicateError) as conflict:
        await done(api.webhook_endpoints.retry_delivery(endpoint.id, delivery.id))
    assert conflict.value.code == "endpoint_disabled"
    enabled = await done(api.webhook_endpoints.update(endpoint.id, enabled=True))
    assert (enabled.enabled, enabled.disabled_reason) == (True, None)
