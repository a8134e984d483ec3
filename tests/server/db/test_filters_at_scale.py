"""At 100,000 users in one organization, with statistics: the planner itself (no hints, unlike
``test_list_indexes.py``) serves the *page* of an ``?external_id=`` or ``?team=`` list through
indexes, never a full scan of the users or the memberships; and an index can serve its count too
(with sequential scans discouraged, as ``test_list_indexes.py`` asks of every filter). A search for
a rare fragment goes to the organization-led trigram index (PostgreSQL), and the totals of unfiltered,
role, status and team lists read kept counts, never the users (``bench/scale.py`` measures the same
shapes at a million users). A common fragment's page and capped count walk an index too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from redcore_server.db import Database
from redcore_server.kit.listing import PageRequest, fetch_page
from redcore_server.users.repository import USERS
from tests.server.db.test_list_indexes import PlanRecorder
from tests.support import Tenant

USERS_COUNT = 100_000
EVERY = 100  # one user in EVERY is in the team: 1,000 members


async def _fill(db: Database, org_id: str, team_id: str) -> None:
    now = datetime.now(UTC)
    suffix = org_id[-10:]
    numbers = (
        f"SELECT g FROM generate_series(1, {USERS_COUNT}) g"
        if db.dialect == "postgresql"
        else f"WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < {USERS_COUNT}) SELECT g FROM n"
    )
    cat = "||"
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO users (id, org_id, email, email_key, name, role, status, created_at, updated_at,"
            f" external_id) SELECT 'usr_{suffix}' {cat} g, $1, 'u' {cat} g {cat} '@example.com',"
            f" 'u' {cat} g {cat} '@example.com', 'User ' {cat} g, 'viewer', 'active', $2, $2,"
            f" 'crm-' {cat} g FROM ({numbers}) AS numbers",
            org_id,
            now,
        )
        await tx.execute(
            "INSERT INTO teams (id, org_id, name, name_key, description, member_count, created_at, updated_at)"
            " VALUES ($1, $2, 'Scale', 'scale', NULL, 0, $3, $3)",
            team_id,
            org_id,
            now,
        )
        await tx.execute(
            f"INSERT INTO team_members (team_id, user_id, created_at) SELECT $1, 'usr_{suffix}' {cat} g, $2"
            f" FROM ({numbers}) AS numbers WHERE g % {EVERY} = 0",
            team_id,
            now,
        )
    await db.execute("ANALYZE")


async def _plans(db: Database, org_id: str, req: PageRequest, *, hinted: bool) -> list[str]:
    """The page's plan and the count's, as the planner chooses them (or with sequential scans off)."""
    if db.dialect == "postgresql":
        async with db.pool.acquire() as conn, conn.transaction():  # type: ignore[attr-defined]
            if hinted:
                await conn.execute("SET LOCAL enable_seqscan = off")
            recorder = PlanRecorder(db, conn)
            await fetch_page(recorder, USERS.spec, org_id, req)  # type: ignore[arg-type]
            return recorder.plans
    async with db._reader() as conn:  # type: ignore[attr-defined]
        recorder = PlanRecorder(db, conn.raw)
        await fetch_page(recorder, USERS.spec, org_id, req)  # type: ignore[arg-type]
        return recorder.plans


async def test_external_id_and_team_lists_use_indexes_at_100k_users(tenant: Tenant) -> None:
    db: Database = tenant.app.state.db
    team_id = f"team_scale{tenant.org.id[-10:]}"
    await _fill(db, tenant.org.id, team_id)
    cases: list[dict[str, Any]] = [
        {"filters": {"external_id": "crm-50000"}},
        {"member_of": {"team": team_id}},
        {"member_of": {"team": team_id}, "filters": {"role": "viewer"}},
    ]
    for case in cases:
        for sort in ("created_at", "name"):
            req = PageRequest(limit=20, sort=sort, order="desc", **case)
            page_plan, _ = await _plans(db, tenant.org.id, req, hinted=False)
            page_hinted, count_hinted = await _plans(db, tenant.org.id, req, hinted=True)
            for plan in (page_plan, page_hinted, count_hinted):
                assert "Seq Scan" not in plan, (case, sort, plan)
                bare_scans = {line.strip() for line in plan.splitlines()} & {"SCAN users", "SCAN team_members"}
                assert not bare_scans, (case, sort, plan)
    if db.dialect == "postgresql":
        search = PageRequest(limit=20, search="User 5000")
        for plan in await _plans(db, tenant.org.id, search, hinted=False):
            assert "ix_users_org_trgm" in plan, plan
        # A common fragment: the page walks an index and stops at its limit, and so does the count
        # at its cap (never a sequential scan, which reads every other tenant's rows on its way).
        for sort in ("created_at", "name"):
            common = PageRequest(limit=20, search="User 1", sort=sort, order="desc")
            for plan in await _plans(db, tenant.org.id, common, hinted=False):
                assert "Seq Scan" not in plan, (sort, plan)
    kept: list[dict[str, Any]] = [
        {},
        {"filters": {"role": "viewer"}},
        {"filters": {"role": "viewer", "status": "active"}},
    ]
    for case in [*kept, {"member_of": {"team": team_id}}]:
        _, count_plan = await _plans(db, tenant.org.id, PageRequest(limit=20, **case), hinted=False)
        assert "on users" not in count_plan and "SCAN users" not in count_plan, (case, count_plan)
        assert "team_members" not in count_plan, (case, count_plan)
    page = await tenant.client.get("/v1/users", params={"team": team_id, "limit": 100})
    assert page.status_code == 200 and page.json()["meta"]["total"] == USERS_COUNT // EVERY
    found = await tenant.client.get("/v1/users", params={"external_id": "crm-50000"})
    assert [u["name"] for u in found.json()["data"]] == ["User 50000"]
    team = (await tenant.client.get(f"/v1/teams/{team_id}")).json()
    assert team["member_count"] == USERS_COUNT // EVERY  # kept by the memberships' triggers
