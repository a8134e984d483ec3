"""``redcore-server worker`` as real processes on a database the API wrote to: the outbox survives a
process that stops between commit and send, a worker killed mid-attempt is replaced without losing
the delivery, and workers running side by side never send one delivery twice."""

from __future__ import annotations

import asyncio
import signal

from standardwebhooks.webhooks import Webhook

from tests.receiver import Receiver
from tests.support.webhooks import api_without_worker, settled, subscribe, worker


async def test_changes_committed_while_no_worker_runs_are_delivered_when_one_starts(
    fresh_database_url: str, receiver: Receiver
) -> None:
    async with api_without_worker(fresh_database_url) as tenant:
        endpoint = await subscribe(tenant, receiver)
        user = await tenant.create_user()
        await asyncio.sleep(0.5)
        assert receiver.requests == []  # committed, queued, not sent: as if the server had died right after commit
        [queued] = (await tenant.client.get(f"/v1/webhook_endpoints/{endpoint['id']}/deliveries")).json()["data"]
        assert queued["status"] == "pending"

        with worker(fresh_database_url) as proc:
            [request] = await receiver.wait_for(1)
            assert Webhook(endpoint["secret"]).verify(request.body, request.headers)["data"] == user
            [delivery] = await settled(tenant, endpoint["id"])
            assert delivery["status"] == "succeeded"
            assert delivery["id"] == queued["id"] == request.headers["webhook-id"]
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0  # stops cleanly on SIGTERM


async def test_a_worker_killed_mid_attempt_is_replaced_and_the_delivery_is_not_lost(
    fresh_database_url: str, receiver: Receiver
) -> None:
    receiver.answer("hang")
    async with api_without_worker(fresh_database_url) as tenant:
        endpoint = await subscribe(tenant, receiver)
        await tenant.create_user()
        with worker(fresh_database_url, webhook_timeout="1") as proc:
            await receiver.wait_for(1)  # the request is on the wire; its outcome is not recorded yet
            proc.kill()
            proc.wait()
        with worker(fresh_database_url, webhook_timeout="1"):
            first, second = await receiver.wait_for(2)  # once the dead worker's lease runs out
            assert first.headers["webhook-id"] == second.headers["webhook-id"]
            assert first.body == second.body
            [delivery] = await settled(tenant, endpoint["id"])
        assert (delivery["status"], delivery["attempt_count"]) == ("succeeded", 2)
        # The killed attempt left no result to record; the one that answered is logged as attempt 2.
        assert [(a["attempt"], a["status_code"]) for a in delivery["attempts"]] == [(2, 200)]


async def test_workers_side_by_side_never_send_a_delivery_twice(fresh_database_url: str, receiver: Receiver) -> None:
    receiver.delay = 0.05
    async with api_without_worker(fresh_database_url) as tenant:
        endpoint = await subscribe(tenant, receiver)
        with worker(fresh_database_url, webhook_concurrency="4"), worker(fresh_database_url, webhook_concurrency="4"):
            await asyncio.gather(*(tenant.create_user() for _ in range(60)))
            await receiver.wait_for(60, within=60)
            found = await settled(tenant, endpoint["id"], count=60, within=60)
            await asyncio.sleep(0.5)  # time for any second sending to show
        ids = [r.headers["webhook-id"] for r in receiver.requests]
        assert len(ids) == len(set(ids)) == 60
        assert {d["id"] for d in found} == set(ids)
        assert {(d["status"], d["attempt_count"]) for d in found} == {("succeeded", 1)}
        assert receiver.most_in_flight > 4  # more than one worker's concurrency: both were sending
