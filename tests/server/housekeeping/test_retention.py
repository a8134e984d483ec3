"""Events older than ``REDCORE_EVENT_RETENTION`` (30 days here) are purged with their deliveries and
attempts, unless a delivery is still pending (until twice the retention); the email outbox's
finished rows go after the retention too. The rows are made old by moving their times back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.db.batches import BATCH_SIZE
from redcore_server.ids import utcnow
from tests.receiver import Receiver
from tests.support import Tenant, eventually
from tests.support.erasure import copy_event
from tests.support.webhooks import deliveries, settled, subscribe

DAY = timedelta(days=1)


async def product_events(tenant: Tenant, sku: str) -> list[dict[str, Any]]:
    """A product made and changed: its two events, delivered."""
    product = (await tenant.client.post("/v1/products", json={"name": sku, "sku": sku, "price": 1})).json()
    await tenant.client.patch(f"/v1/products/{product['id']}", json={"price": 2})
    found = (await tenant.client.get("/v1/events", params={"limit": 100})).json()["data"]
    return [e for e in found if e["data"]["id"] == product["id"]]


async def age(db: Database, events: list[dict[str, Any]], by: timedelta, *, pending: bool = False) -> None:
    """Move ``events`` (and their deliveries) ``by`` into the past; ``pending``: their deliveries
    wait for a retry tomorrow."""
    async with db.transaction() as tx:
        for event in events:
            await tx.execute("UPDATE events SET created_at = $2 WHERE id = $1", event["id"], utcnow() - by)
            await tx.execute(
                "UPDATE webhook_deliveries SET created_at = $2 WHERE event_id = $1", event["id"], utcnow() - by
            )
            if pending:
                await tx.execute(
                    "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2 WHERE event_id = $1",
                    event["id"],
                    utcnow() + DAY,
                )


async def count(db: Database, sql: str, ids: list[str]) -> int:
    marks = ", ".join(f"${i}" for i in range(1, len(ids) + 1))
    return int(await db.fetchval(sql.format(marks), *ids))


async def test_events_past_the_retention_are_purged_with_their_deliveries(tenant: Tenant, receiver: Receiver) -> None:
    endpoint = await subscribe(tenant, receiver)
    old, recent, held, stuck = [await product_events(tenant, sku) for sku in ("RT-1", "RT-2", "RT-3", "RT-4")]
    await settled(tenant, endpoint["id"], count=8)
    db: Database = tenant.app.state.db
    await age(db, old, 31 * DAY)
    await age(db, recent, 29 * DAY)
    await age(db, held, 31 * DAY, pending=True)  # a delivery still to be retried holds its event back
    await age(db, stuck, 61 * DAY, pending=True)  # … but not past twice the retention

    async def purged() -> bool:
        return (await tenant.client.get(f"/v1/events/{stuck[0]['id']}")).status_code == 404

    await eventually(purged)
    for event in old + stuck:
        assert (await tenant.client.get(f"/v1/events/{event['id']}")).status_code == 404
    for event in recent + held:
        assert (await tenant.client.get(f"/v1/events/{event['id']}")).status_code == 200
    gone = [e["id"] for e in old + stuck]
    left = await deliveries(tenant, endpoint["id"], limit=100)
    assert {d["event_id"] for d in left} == {e["id"] for e in recent + held}
    assert {d["status"] for d in left if d["event_id"] in {e["id"] for e in held}} == {"pending"}
    assert await count(db, "SELECT count(*) FROM webhook_deliveries WHERE event_id IN ({})", gone) == 0
    orphans = "SELECT count(*) FROM webhook_attempts a WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d"
    assert await db.fetchval(f"{orphans} WHERE d.id = a.delivery_id)") == 0
    kept = [d["id"] for d in left]
    assert await count(db, "SELECT count(*) FROM webhook_attempts WHERE delivery_id IN ({})", kept) == 4


async def test_finished_emails_past_the_retention_are_purged(tenant: Tenant) -> None:
    users = [await tenant.create_user() for _ in range(3)]  # an invitation each, sent to the local mailbox
    db: Database = tenant.app.state.db

    async def sent() -> bool:
        statuses = await db.fetch("SELECT status FROM emails WHERE org_id = $1", tenant.org.id)
        return [r[0] for r in statuses] == ["sent"] * 3

    await eventually(sent)
    old, recent, waiting = users
    async with db.transaction() as tx:
        for user, days in ((old, 31), (recent, 29), (waiting, 31)):
            await tx.execute("UPDATE emails SET created_at = $2 WHERE user_id = $1", user["id"], utcnow() - days * DAY)
        await tx.execute(
            "UPDATE emails SET status = 'pending', next_attempt_at = $2 WHERE user_id = $1",
            waiting["id"],
            utcnow() + DAY,
        )

    async def purged() -> bool:
        return await db.fetchval("SELECT count(*) FROM emails WHERE user_id = $1", old["id"]) == 0

    await eventually(purged)
    left = await db.fetch("SELECT user_id, status FROM emails WHERE org_id = $1 ORDER BY seq", tenant.org.id)
    assert [tuple(r) for r in left] == [(recent["id"], "sent"), (waiting["id"], "pending")]


@pytest.mark.parametrize(
    ("value", "seconds"), [("2592000", 2_592_000), ("30d", 2_592_000), ("36h", 129_600), ("0", 0), ("1.5d", 129_600)]
)
def test_the_retention_is_seconds_or_a_duration(monkeypatch: pytest.MonkeyPatch, value: str, seconds: float) -> None:
    monkeypatch.setenv("REDCORE_EVENT_RETENTION", value)
    assert Settings().event_retention == seconds


@pytest.mark.parametrize("value", ["soon", "-1", "30 days", "1h"])
def test_a_retention_that_is_not_a_duration_or_shorter_than_the_retries_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("REDCORE_EVENT_RETENTION", value)
    with pytest.raises(ValueError, match=r"duration|retry schedule"):
        Settings()


async def test_more_expired_events_than_a_batch_are_purged_in_full(tenant: Tenant) -> None:
    event = (await product_events(tenant, "RT-MANY"))[0]
    db: Database = tenant.app.state.db
    await copy_event(db, event["id"], BATCH_SIZE + 50, age_days=31)

    async def purged() -> bool:
        return await db.fetchval("SELECT count(*) FROM events WHERE org_id = $1", tenant.org.id) == 2

    await eventually(purged)  # only the two events of this month remain
