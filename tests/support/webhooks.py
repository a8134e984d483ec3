"""Webhook endpoints and their deliveries through the API, and the API and the worker run apart."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from redcore_server.app import create_app
from redcore_server.db.migrate import upgrade
from tests import support
from tests.receiver import Receiver
from tests.support import Tenant


async def subscribe(tenant: Tenant, receiver: Receiver, **fields: Any) -> dict[str, Any]:
    response = await tenant.client.post("/v1/webhook_endpoints", json={"url": receiver.url} | fields)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def deliveries(tenant: Tenant, endpoint_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await tenant.client.get(f"/v1/webhook_endpoints/{endpoint_id}/deliveries", params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


async def settled(tenant: Tenant, endpoint_id: str, count: int = 1, within: float = 15.0) -> list[dict[str, Any]]:
    """The endpoint's deliveries once ``count`` of them are no longer pending."""
    deadline = time.monotonic() + within
    while True:
        found = await deliveries(tenant, endpoint_id, limit=100)
        if len([d for d in found if d["status"] != "pending"]) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries did not settle: {found}")
        await asyncio.sleep(0.05)


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
