"""``meta.total`` at any size: exact where it says so, a lower bound where it says so, and never in
the way of a client that stops at ``offset + limit >= total`` (seed 000's ``iter_pages``).

The kept totals (``list_counts``, migration 0018) are checked against ``count(*)`` after every kind
of change: API creates, updates and deletes, a bulk insert in one statement, concurrent changes, and
an organization's deletion."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from redcore_server.db import Database
from redcore_server.kit import listing
from tests.support import Tenant
from tests.support.imports import import_file

ROLES = ("admin", "editor", "viewer")
STATUSES = ("active", "inactive", "suspended")


async def truth(db: Database, org_id: str, **where: str) -> int:
    clauses = " AND ".join(["org_id = $1", *(f"{column} = ${i}" for i, column in enumerate(where, start=2))])
    return int(await db.fetchval(f"SELECT count(*) FROM users WHERE {clauses}", org_id, *where.values()))


async def assert_totals_exact(tenant: Tenant) -> None:
    """Every role × status combination (and each alone, and none) answers the exact total."""
    db: Database = tenant.app.state.db
    shapes: list[dict[str, str]] = [{}]
    shapes += [{"role": r} for r in ROLES] + [{"status": s} for s in (*STATUSES, "pending_invite")]
    shapes += [{"role": r, "status": s} for r, s in itertools.product(ROLES, STATUSES)]
    for shape in shapes:
        meta = (await tenant.client.get("/v1/users", params={**shape, "limit": 1})).json()["meta"]
        assert (meta["total"], meta["total_exact"]) == (await truth(db, tenant.org.id, **shape), True), shape


async def bulk_insert(db: Database, org_id: str, count: int, role: str = "viewer") -> None:
    """``count`` users in one INSERT statement (as a bulk import writes them)."""
    now = datetime.now(UTC)
    numbers = (
        f"SELECT g FROM generate_series(1, {count}) g"
        if db.dialect == "postgresql"
        else f"WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {count}) SELECT g FROM n"
    )
    tag = org_id[-10:]
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO users (id, org_id, email, email_key, name, role, status, created_at, updated_at)"
            f" SELECT 'usr_bulk{tag}' || g, $1, 'bulk' || g || '@example.com', 'bulk' || g || '@example.com',"
            f" 'Bulk ' || g, $3, CASE WHEN g % 3 = 0 THEN 'inactive' ELSE 'active' END, $2, $2 FROM ({numbers}) AS n",
            org_id,
            now,
            role,
        )


async def test_kept_totals_follow_every_change(tenant: Tenant) -> None:
    db: Database = tenant.app.state.db
    users = [
        await tenant.create_user(role=ROLES[i % 3], password="a long password" if i % 2 else None) for i in range(12)
    ]
    await assert_totals_exact(tenant)
    for user, status in zip(users[:6], itertools.cycle(STATUSES), strict=False):
        response = await tenant.client.patch(f"/v1/users/{user['id']}", json={"status": status, "role": "editor"})
        assert response.status_code == 200, response.text
    await tenant.client.patch(f"/v1/users/{users[7]['id']}", json={"name": "Only a name"})  # no counted change
    await assert_totals_exact(tenant)
    for user in users[::4]:
        assert (await tenant.client.delete(f"/v1/users/{user['id']}")).status_code == 204
    await assert_totals_exact(tenant)
    await bulk_insert(db, tenant.org.id, 500)
    await assert_totals_exact(tenant)
    await db.execute("UPDATE users SET role = 'admin' WHERE org_id = $1 AND name LIKE 'Bulk 1%'", tenant.org.id)
    await db.execute("DELETE FROM users WHERE org_id = $1 AND name LIKE 'Bulk 2%'", tenant.org.id)
    await assert_totals_exact(tenant)


async def test_kept_totals_stay_exact_under_concurrent_changes(tenant: Tenant) -> None:
    """Creates, role and status changes and deletes, many at once (on PostgreSQL on as many pool
    connections), while lists are read: afterwards every total is exact, and none was ever negative
    or claimed more users than were ever made."""
    rnd = random.Random(15)
    made: list[str] = []
    totals: list[int] = []

    async def create(i: int) -> None:
        user = await tenant.create_user(role=rnd.choice(ROLES), password="a long password")
        made.append(user["id"])

    async def change(user_id: str) -> None:
        body = {"role": rnd.choice(ROLES), "status": rnd.choice(STATUSES)}
        assert (await tenant.client.patch(f"/v1/users/{user_id}", json=body)).status_code in (200, 404)

    async def delete(user_id: str) -> None:
        assert (await tenant.client.delete(f"/v1/users/{user_id}")).status_code in (204, 404)

    async def read() -> None:
        meta = (await tenant.client.get("/v1/users", params={"role": rnd.choice(ROLES), "limit": 1})).json()["meta"]
        totals.append(meta["total"])

    await asyncio.gather(*(create(i) for i in range(30)))
    for _ in range(3):
        victims = rnd.sample(made, 8)
        work = [change(u) for u in rnd.sample(made, 15)] + [delete(u) for u in victims]
        work += [create(i) for i in range(10)] + [read() for _ in range(10)]
        rnd.shuffle(work)
        await asyncio.gather(*work)
        made = [u for u in made if u not in victims]
    assert all(0 <= total <= 60 for total in totals)
    await assert_totals_exact(tenant)


async def test_a_deleted_organization_leaves_no_counts(tenant: Tenant, make_tenant: Any) -> None:
    db: Database = tenant.app.state.db
    other = await make_tenant()
    await tenant.create_user(role="editor")
    await other.create_user(role="editor")
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM organizations WHERE id = $1", other.org.id)
    assert await db.fetchval("SELECT count(*) FROM list_counts WHERE org_id = $1", other.org.id) == 0
    await assert_totals_exact(tenant)


async def test_a_team_filter_reads_the_team_member_count(tenant: Tenant) -> None:
    users = [await tenant.create_user() for _ in range(5)]
    team = (await tenant.client.post("/v1/teams", json={"name": "Counted"})).json()
    for user in users[:3]:
        response = await tenant.client.put(f"/v1/teams/{team['id']}/members/{user['id']}")
        assert response.status_code in (200, 201, 204), response.text
    await tenant.client.delete(f"/v1/users/{users[0]['id']}")  # leaves the team by the cascade
    meta = (await tenant.client.get("/v1/users", params={"team": team["id"]})).json()["meta"]
    assert (meta["total"], meta["total_exact"]) == (2, True)
    meta = (await tenant.client.get("/v1/users", params={"team": "team_none"})).json()["meta"]
    assert (meta["total"], meta["total_exact"]) == (0, True)


@pytest.fixture
def small_count_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count limits small enough to pass with a few dozen users (the defaults are 100 and 10,000)."""
    monkeypatch.setattr(listing, "SEARCH_COUNT_LIMIT", 10)
    monkeypatch.setattr(listing, "FILTER_COUNT_LIMIT", 20)


async def test_past_the_count_limit_a_total_is_a_lower_bound_that_never_stops_a_walk(
    tenant: Tenant, small_count_limits: None
) -> None:
    db: Database = tenant.app.state.db
    await bulk_insert(db, tenant.org.id, 57)
    first = (await tenant.client.get("/v1/users", params={"q": "bulk", "limit": 5})).json()["meta"]
    assert first["total_exact"] is False and first["total"] >= 10 and first["has_more"]
    # seed 000's iter_pages: stop when offset + limit >= total. It must reach every user.
    seen: list[str] = []
    offset = 0
    while True:
        body = (await tenant.client.get("/v1/users", params={"q": "bulk", "limit": 5, "offset": offset})).json()
        seen += [u["id"] for u in body["data"]]
        meta = body["meta"]
        if meta["total_exact"]:
            assert meta["total"] == 57  # the page that ends the list knows the whole
        else:
            assert meta["total"] >= offset + len(body["data"]) + 1
        if offset + 5 >= meta["total"]:
            break
        offset += 5
    assert len(seen) == len(set(seen)) == 57
    # an external_id filter is counted (up to the limit): exact below it
    meta = (await tenant.client.get("/v1/users", params={"external_id": "nobody"})).json()["meta"]
    assert (meta["total"], meta["total_exact"]) == (0, True)


async def test_a_cursor_page_past_the_limit_says_its_total_is_a_lower_bound(
    tenant: Tenant, small_count_limits: None
) -> None:
    await bulk_insert(tenant.app.state.db, tenant.org.id, 30)
    first = (await tenant.client.get("/v1/users", params={"q": "bulk", "limit": 5})).json()["meta"]
    body = (await tenant.client.get("/v1/users", params={"q": "bulk", "starting_after": first["next_cursor"]})).json()
    assert body["meta"]["total"] >= 10 and body["meta"]["total_exact"] is False
    assert body["meta"]["offset"] is None and len(body["data"]) == 20


@pytest.mark.parametrize("query", [{}, {"role": "viewer"}, {"q": "bulk"}, {"team": "team_none"}])
async def test_include_total_false_skips_the_count(tenant: Tenant, query: dict[str, str]) -> None:
    await bulk_insert(tenant.app.state.db, tenant.org.id, 25)
    body = (await tenant.client.get("/v1/users", params={**query, "include_total": "false", "limit": 10})).json()
    meta = body["meta"]
    assert (meta["total"], meta["pages"], meta["total_exact"]) == (None, None, False)
    if not query:
        assert len(body["data"]) == 10 and meta["has_more"] and meta["next_cursor"]
        after = {"starting_after": meta["next_cursor"], "include_total": "false"}
        assert (await tenant.client.get("/v1/users", params=after)).json()["meta"]["total"] is None


async def test_an_import_and_an_upsert_keep_the_totals_exact(tenant: Tenant, database_url: str, tmp_path: Path) -> None:
    """The bulk import writes through staged ``INSERT … SELECT`` statements (an upsert through ``ON
    CONFLICT DO UPDATE``): the kept counts follow both."""
    rows = [(f"imp{i}@example.com", f"Imported {i}", ROLES[i % 3], STATUSES[i % 3]) for i in range(60)]
    path = tmp_path / "users.csv"
    path.write_text("email,name,role,status\n" + "".join(",".join(row) + "\n" for row in rows))
    await import_file(database_url, path, tenant.org.id)
    await assert_totals_exact(tenant)
    moved = [(email, name, "admin", "suspended") for email, name, _, _ in rows[::2]]
    path.write_text("email,name,role,status\n" + "".join(",".join(row) + "\n" for row in moved))
    await import_file(database_url, path, tenant.org.id, "--upsert", "email")
    await assert_totals_exact(tenant)
    meta = (await tenant.client.get("/v1/users", params={"role": "admin", "status": "suspended"})).json()["meta"]
    assert meta["total"] >= 30
