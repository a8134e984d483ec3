"""Concurrent writes never duplicate or corrupt data: the unique index decides, not a pre-check."""

from __future__ import annotations

import asyncio

from tests.support import Tenant


async def test_twenty_concurrent_creates_of_one_email_make_exactly_one_user(tenant: Tenant) -> None:
    emails = ["A@x.com" if i % 2 else "a@x.com" for i in range(20)]
    responses = await asyncio.gather(
        *(tenant.client.post("/v1/users", json={"email": e, "name": f"Racer {i}"}) for i, e in enumerate(emails))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19
    assert all(r.json()["error"]["code"] == "duplicate_email" for r in responses if r.status_code == 409)
    listed = (await tenant.client.get("/v1/users", params={"q": "x.com"})).json()
    assert listed["meta"]["total"] == 1


async def test_concurrent_creates_of_distinct_emails_all_succeed(tenant: Tenant) -> None:
    responses = await asyncio.gather(
        *(tenant.client.post("/v1/users", json={"email": f"u{i}@x.com", "name": f"U{i}"}) for i in range(30))
    )
    assert [r.status_code for r in responses] == [201] * 30
    assert (await tenant.client.get("/v1/users")).json()["meta"]["total"] == 30


async def test_concurrent_email_changes_to_one_address_leave_one_owner(tenant: Tenant) -> None:
    users = [await tenant.create_user() for _ in range(10)]
    responses = await asyncio.gather(
        *(tenant.client.patch(f"/v1/users/{u['id']}", json={"email": "Same@x.com"}) for u in users)
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    owners = (await tenant.client.get("/v1/users", params={"q": "same@x.com"})).json()
    assert owners["meta"]["total"] == 1
