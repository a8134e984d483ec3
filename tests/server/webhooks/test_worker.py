"""``redcore-server worker`` as real processes on a database the API wrote to: the outbox survives a
process that stops between commit and send, a worker killed mid-attempt is replaced without losing
the delivery, and workers running side by side never send one delivery twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from standardwebhooks.webhooks import Webhook

from redcore_server.app import create_app
from redcore_server.db.migrate import upgrade
from tests import support
from tests.receiver import Receiver
from tests.server.webhooks.test_delivery import settled, subscribe
from tests.support import Tenant


@asynccontextmanager
async def api_without_worker(url: str) -> AsyncIterator[Tenant]:
    """The API on ``url`` with no embedded worker: changes commit, nothing is sent."""
    await asyncio.to_thread(upgrade, url)
    async with support.running(create_app(support.test_settings(url, embedded_worker=False))) as app:
        tenant = await support.make_tenant(app)
        try:
            yield tenant
        finally:
            await tenant.close()


@contextmanager
def worker(url: str, **settings: str) -> Iterator[subprocess.Popen[str]]:
    """A ``redcore-server worker`` process, returned once it says it has started."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {f"REDCORE_{name.upper()}": str(value) for name, value in support.TEST_WEBHOOKS.items()}
    env |= {"REDCORE_DATABASE_URL": url, "REDCORE_LOG_LEVEL": "warning"}
    env |= {f"REDCORE_{name.upper()}": value for name, value in settings.items()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "redcore_server", "worker", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "the worker exited"
        assert json.loads(line)["worker"] == "started"
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


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
