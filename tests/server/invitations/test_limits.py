"""Invitation sending limits: each organization counts its own (per organization, and per
organization and address), so one tenant never blocks another; an address's bound across every
organization delays the emails past it instead of refusing anyone's request."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from litestar import Litestar

from redcore_server.app import create_app
from redcore_server.ids import utcnow
from tests import support
from tests.support import Tenant
from tests.support.responses import assert_error


@asynccontextmanager
async def three_tenants(database_url: str, **limits: Any) -> AsyncIterator[list[Tenant]]:
    """Three organizations on an app with these limits."""
    async with support.running(create_app(support.test_settings(database_url, **limits))) as app:
        made = [await support.make_tenant(app) for _ in range(3)]
        try:
            yield made
        finally:
            for tenant in made:
                await tenant.close()


def address() -> str:
    return f"{uuid.uuid4().hex[:10]}@example.com"


async def emails_to(app: Litestar, to: str) -> list[tuple[str, str, datetime]]:
    """``(organization, status, next attempt)`` of every email queued to ``to``, oldest first."""
    rows = await app.state.db.fetch(
        "SELECT org_id, status, next_attempt_at FROM emails WHERE to_address = $1 ORDER BY seq", to
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def test_an_organization_is_limited_per_address_without_touching_the_others(database_url: str) -> None:
    async with three_tenants(database_url, invitation_address_limit=2, embedded_worker=False) as (a, b, _):
        await _limited_per_address(a, b)


async def _limited_per_address(a: Tenant, b: Tenant) -> None:
    to = address()
    invited = await b.create_user(email=to)  # B invites the address, then sends again
    assert (await b.client.post(f"/v1/users/{invited['id']}/invitation")).status_code == 201
    refused = await b.client.post(f"/v1/users/{invited['id']}/invitation")
    error = assert_error(refused, 429, "rate_limit_exceeded")
    assert "this address" in error["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 3600

    # A was never affected (before, its POST /v1/users got B's 429): two sends of its own.
    mine = await a.client.post("/v1/users", json={"email": to, "name": "Invited by A"})
    assert mine.status_code == 201, mine.text
    assert (await a.client.post(f"/v1/users/{mine.json()['id']}/invitation")).status_code == 201
    assert_error(await a.client.post(f"/v1/users/{mine.json()['id']}/invitation"), 429, "rate_limit_exceeded")

    queued = [org for org, _, _ in await emails_to(a.app, to)]
    assert queued == [b.org.id, b.org.id, a.org.id, a.org.id]

    # A refused create makes nothing: B deletes its user and makes it again, past B's limit.
    assert (await b.client.delete(f"/v1/users/{invited['id']}")).status_code == 204
    again = await b.client.post("/v1/users", json={"email": to, "name": "Again"})
    assert_error(again, 429, "rate_limit_exceeded")
    assert (await b.client.get("/v1/users", params={"q": to})).json()["data"] == []
    # No email more; B's two may already be erased with its deleted user (by any process's worker).
    assert [org for org, _, _ in await emails_to(a.app, to)] in (queued, [a.org.id, a.org.id])


async def test_an_organization_has_its_own_hourly_budget(database_url: str) -> None:
    async with three_tenants(database_url, invitation_org_limit=2, embedded_worker=False) as (a, b, _):
        for _ in range(2):
            await b.create_user(email=address())
        refused = await b.client.post("/v1/users", json={"email": address(), "name": "N"})
        assert "This organization" in assert_error(refused, 429, "rate_limit_exceeded")["message"]
        assert (await a.client.post("/v1/users", json={"email": address(), "name": "N"})).status_code == 201


async def test_past_the_bound_across_organizations_emails_wait_and_nobody_is_refused(database_url: str) -> None:
    """Three organizations invite one address; the bound is two an hour: the third invitation is
    made like the others (same answer), and its email waits its turn (half an hour) in the outbox."""
    async with three_tenants(database_url, invitation_global_address_limit=2) as tenants:
        await _emails_wait(tenants)


async def _emails_wait(tenants: list[Tenant]) -> None:
    to = address()
    answers = [await t.client.post("/v1/users", json={"email": to, "name": "Popular"}) for t in tenants]
    assert [r.status_code for r in answers] == [201, 201, 201]
    assert answers[2].json().keys() == answers[0].json().keys()
    assert answers[2].json()["status"] == "pending_invite"
    assert "retry-after" not in answers[2].headers
    latest = await tenants[2].client.get(f"/v1/users/{answers[2].json()['id']}/invitation")
    assert latest.status_code == 200 and latest.json()["status"] == "pending"

    app = tenants[0].app
    deadline = time.monotonic() + 10
    while [status for _, status, _ in await emails_to(app, to)] != ["sent", "sent", "pending"]:
        assert time.monotonic() < deadline, await emails_to(app, to)
        await asyncio.sleep(0.05)
    org, _, due = (await emails_to(app, to))[2]
    assert org == tenants[2].org.id
    assert utcnow() + timedelta(minutes=29) < due <= utcnow() + timedelta(minutes=30)  # 3600 s / 2: spaced
