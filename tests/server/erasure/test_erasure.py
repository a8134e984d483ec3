"""Deleting a user deletes their personal data: once the deliveries of their events are done (the
``user.deleted`` delivery carries the user, as receivers rely on it), the stored events, the
webhook delivery log and the email outbox no longer hold their email or name anywhere, while ids,
types, times and statuses stay. Driven through HTTP, with the embedded worker and with
``redcore-server worker`` processes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from redcore_server.db import Database
from redcore_server.db.batches import BATCH_SIZE
from redcore_server.erasure.service import erased_data
from tests.receiver import Receiver
from tests.support import Tenant, eventually
from tests.support.erasure import copy_event, holding, no_trace, person
from tests.support.webhooks import api_without_worker, deliveries, settled, subscribe, worker


async def events_of(tenant: Tenant, user_id: str) -> list[dict[str, Any]]:
    response = await tenant.client.get("/v1/events", params={"limit": 100, "order": "asc"})
    assert response.status_code == 200, response.text
    return [e for e in response.json()["data"] if e["data"]["id"] == user_id]


async def test_a_deleted_users_data_leaves_events_delivery_logs_and_emails(tenant: Tenant, receiver: Receiver) -> None:
    receiver.echo = True  # the receiver answers with the payload, so the log's excerpts hold the user too
    endpoint = await subscribe(tenant, receiver)
    email, name = person()
    kept_email, kept_name = person()
    user = await tenant.create_user(email=email, name=name)  # no password: an invitation email is queued
    kept = await tenant.create_user(email=kept_email, name=kept_name)
    renamed = (await tenant.client.patch(f"/v1/users/{user['id']}", json={"name": f"{name} II"})).json()
    await settled(tenant, endpoint["id"], count=3)
    db: Database = tenant.app.state.db
    assert await holding(db, email) == ["events", "webhook_attempts", "emails"]
    before = await events_of(tenant, user["id"])

    assert (await tenant.client.delete(f"/v1/users/{user['id']}")).status_code == 204
    requests = await receiver.wait_for(4)
    gone = json.loads(requests[-1].body)
    assert (gone["type"], gone["data"]) == ("user.deleted", renamed)  # delivered with the user's data

    await eventually(lambda: no_trace(db, email, name))
    after = await events_of(tenant, user["id"])
    assert [(e["id"], e["type"], e["created_at"], e["request_id"]) for e in after] == [
        (e["id"], e["type"], e["created_at"], e["request_id"]) for e in before
    ] + [(gone["id"], "user.deleted", gone["created_at"], after[-1]["request_id"])]
    assert {json.dumps(e["data"]) for e in after} == {json.dumps({"id": user["id"], "erased": True})}
    one = (await tenant.client.get(f"/v1/events/{gone['id']}")).json()
    assert one["data"] == {"id": user["id"], "erased": True}

    log = await deliveries(tenant, endpoint["id"], limit=100)
    mine = [d for d in log if d["event_id"] in {e["id"] for e in after}]
    assert [(d["event_type"], d["status"]) for d in mine] == [
        ("user.deleted", "succeeded"),
        ("user.updated", "succeeded"),
        ("user.created", "succeeded"),
    ]
    assert [(a["status_code"], a["response_excerpt"]) for d in mine for a in d["attempts"]] == [(200, None)] * 3

    row = await db.fetchrow(
        "SELECT id, kind, status, to_address, subject, body, user_id FROM emails WHERE user_id = $1", user["id"]
    )
    assert row[0].startswith("eml_") and tuple(row[1:]) == ("invitation", "sent", "", "", None, user["id"])

    # A user who is not deleted keeps everything.
    assert await holding(db, kept_email) == ["events", "webhook_attempts", "emails"]
    assert await holding(db, kept_name) == ["events", "webhook_attempts", "emails"]
    [created] = await events_of(tenant, kept["id"])
    assert created["data"] == kept
    assert await db.fetchval("SELECT count(*) FROM erasures WHERE subject_id = $1", user["id"]) == 0


async def test_an_erasure_waits_while_a_delivery_is_pending(tenant: Tenant, receiver: Receiver) -> None:
    endpoint = await subscribe(tenant, receiver)
    email, name = person()
    user = await tenant.create_user(email=email, name=name, password="a long password")
    await settled(tenant, endpoint["id"])
    receiver.answer("hang")  # the user.deleted delivery's first attempt times out (2 s), the retry succeeds
    await tenant.client.delete(f"/v1/users/{user['id']}")
    await receiver.wait_for(2)
    db: Database = tenant.app.state.db
    looks = 0
    while True:
        stored = await events_of(tenant, user["id"])  # read before asking whether a delivery is pending:
        pending = [d for d in await deliveries(tenant, endpoint["id"]) if d["status"] == "pending"]
        if not pending:  # it was pending when the events were read, so they cannot have been erased yet
            break
        assert [e["data"]["email"] for e in stored] == [email, email], "erased while a delivery was pending"
        looks += 1
        await asyncio.sleep(0.1)
    assert looks >= 3  # housekeeping (every 0.1 s) ran many times while the delivery was pending
    [request] = (await receiver.wait_for(3))[2:]
    assert json.loads(request.body)["data"]["email"] == email  # the retry still carried the user
    await eventually(lambda: no_trace(db, email, name))
    assert [e["data"] for e in await events_of(tenant, user["id"])] == [{"id": user["id"], "erased": True}] * 2


async def test_mail_not_yet_sent_to_a_deleted_user_is_cancelled_and_erased_by_a_worker(
    fresh_database_url: str, receiver: Receiver
) -> None:
    async with api_without_worker(fresh_database_url) as tenant:
        endpoint = await subscribe(tenant, receiver)
        email, name = person()
        user = await tenant.create_user(email=email, name=name)  # invitation queued; nothing sends it yet
        await tenant.client.delete(f"/v1/users/{user['id']}")
        db: Database = tenant.app.state.db
        row = await db.fetchrow("SELECT status, to_address FROM emails WHERE user_id = $1", user["id"])
        assert tuple(row) == ("cancelled", email)  # never sent; kept until the deliveries are done
        assert len(await holding(db, email)) == 2  # the events and the email, while nothing has been delivered

        with worker(fresh_database_url):
            await receiver.wait_for(2)
            await settled(tenant, endpoint["id"], count=2)
            await eventually(lambda: no_trace(db, email, name))
        row = await db.fetchrow(
            "SELECT status, to_address, body, last_error FROM emails WHERE user_id = $1", user["id"]
        )
        assert tuple(row) == ("cancelled", "", None, None)
        sent = {json.loads(r.body)["type"]: json.loads(r.body)["data"] for r in receiver.requests}  # sent at once
        assert sent == {"user.created": user, "user.deleted": user}


async def test_workers_side_by_side_erase_every_deleted_user(fresh_database_url: str) -> None:
    async with api_without_worker(fresh_database_url) as tenant:
        people = [person() for _ in range(30)]
        users = [await tenant.create_user(email=e, name=n, password="a long password") for e, n in people]
        db: Database = tenant.app.state.db
        with worker(fresh_database_url) as one, worker(fresh_database_url) as two:
            await asyncio.gather(*(tenant.client.delete(f"/v1/users/{u['id']}") for u in users))
            await eventually(lambda: no_trace(db, *(e for e, _ in people), *(n for _, n in people)), within=30)
        for proc in (one, two):
            assert proc.stderr is not None
            assert "Traceback" not in proc.stderr.read()
        assert await db.fetchval("SELECT count(*) FROM events WHERE org_id = $1", tenant.org.id) == 60
        assert await db.fetchval("SELECT count(*) FROM erasures") == 0


async def test_a_user_with_more_events_than_a_batch_is_erased_in_full(tenant: Tenant) -> None:
    email, name = person()
    user = await tenant.create_user(email=email, name=name, password="a long password")
    [created] = await events_of(tenant, user["id"])
    db: Database = tenant.app.state.db
    await copy_event(db, created["id"], BATCH_SIZE + 50)
    await tenant.client.delete(f"/v1/users/{user['id']}")
    await eventually(lambda: no_trace(db, email, name))
    erased = await db.fetchval(
        "SELECT count(*) FROM events WHERE subject_id = $1 AND data = $2", user["id"], erased_data(user["id"])
    )
    assert erased == BATCH_SIZE + 52  # the copies, the user.created and the user.deleted
