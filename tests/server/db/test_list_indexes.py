"""Every list query shape is served by an index: no full scan, and no sort step for the order.

The planner is asked to avoid sequential scans and sorts (PostgreSQL) so the test shows that an index
*can* answer each shape, whatever the table's size and statistics (for the test's nearly empty
organization, sorting its few rows is as cheap as any index, so a plan may sort unasked); on SQLite
the plan must name an index or the FTS table and never sort in a temporary B-tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from redcore_server.db import Database
from redcore_server.kit.listing import PageRequest, fetch_page
from redcore_server.kit.spec import ResourceSpec
from redcore_server.products.repository import PRODUCTS
from redcore_server.users.repository import USERS
from tests.support import Tenant

CASES: list[tuple[ResourceSpec[Any], dict[str, Any]]] = [
    (USERS.spec, {}),
    (USERS.spec, {"role": "admin"}),
    (USERS.spec, {"status": "active"}),
    (PRODUCTS.spec, {}),
    (PRODUCTS.spec, {"status": "available"}),
]


class PlanRecorder:
    """An executor that records the plan of each statement before running it."""

    def __init__(self, db: Database, conn: Any) -> None:
        self.dialect = db.dialect
        self._conn = conn
        self.plans: list[str] = []

    async def _plan(self, sql: str, args: Sequence[Any]) -> None:
        if self.dialect == "postgresql":
            rows = await self._conn.fetch("EXPLAIN " + sql, *args)
            self.plans.append("\n".join(r[0] for r in rows))
        else:
            from redcore_server.db.sqlite import _adapt, _translate

            rows = await self._conn.execute_fetchall("EXPLAIN QUERY PLAN " + _translate(sql), _adapt(tuple(args)))
            self.plans.append("\n".join(str(r[-1]) for r in rows))

    async def fetch(self, sql: str, *args: Any) -> Any:
        await self._plan(sql, args)
        return []

    async def fetchval(self, sql: str, *args: Any) -> Any:
        await self._plan(sql, args)
        return 0


async def plans_for(tenant: Tenant, spec: ResourceSpec[Any], req: PageRequest, *, sorts: bool = False) -> list[str]:
    db: Database = tenant.app.state.db
    if db.dialect == "postgresql":
        async with db.pool.acquire() as conn:  # type: ignore[attr-defined]  # noqa: SIM117
            async with conn.transaction():
                await conn.execute("SET LOCAL enable_seqscan = off")
                if not sorts:
                    await conn.execute("SET LOCAL enable_sort = off")
                recorder = PlanRecorder(db, conn)
                await fetch_page(recorder, spec, tenant.org.id, req)  # type: ignore[arg-type]
                return recorder.plans
    async with db._reader() as conn:  # type: ignore[attr-defined]
        recorder = PlanRecorder(db, conn.raw)
        await fetch_page(recorder, spec, tenant.org.id, req)  # type: ignore[arg-type]
        return recorder.plans


@pytest.mark.parametrize(("spec", "filters"), CASES, ids=lambda v: v.table if isinstance(v, ResourceSpec) else str(v))
async def test_each_sort_and_filter_is_served_by_an_index(
    tenant: Tenant, spec: ResourceSpec[Any], filters: dict
) -> None:
    for sort in spec.sort_fields:
        for order in ("asc", "desc"):
            req = PageRequest(limit=20, sort=sort, order=order, filters=dict(filters))  # type: ignore[arg-type]
            page_plan, count_plan = await plans_for(tenant, spec, req)
            for plan in (page_plan, count_plan):
                assert "Seq Scan" not in plan, plan
                assert "SCAN " + spec.table + "\n" not in plan + "\n", plan  # SQLite full scan
            if not filters or sort == "created_at":
                assert "Sort" not in page_plan.replace("Sort Key", ""), (sort, order, page_plan)
                assert "TEMP B-TREE" not in page_plan, (sort, order, page_plan)


@pytest.mark.parametrize("spec", [USERS.spec, PRODUCTS.spec], ids=lambda s: s.table)
@pytest.mark.parametrize("text", ["ab", "widget"])
async def test_search_is_served_by_a_text_index(tenant: Tenant, spec: ResourceSpec[Any], text: str) -> None:
    page_plan, count_plan = await plans_for(tenant, spec, PageRequest(limit=20, search=text))
    for plan in (page_plan, count_plan):
        assert "Seq Scan" not in plan, plan
    if len(text) < 3:
        return  # trigram indexes need three characters; shorter text filters the organization's rows
    db = tenant.app.state.db
    if db.dialect == "postgresql":
        # Which index wins depends on the table size (test_filters_at_scale.py shows the trigram index
        # chosen at 100,000 users); here, that the organization-led trigram index covers the very
        # expression the search matches.
        definition = await db.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE tablename = $1 AND indexname = $2",
            spec.table,
            f"ix_{spec.table}_org_trgm",
        )
        assert definition is not None and "USING gin (org_id, " in definition, definition
        assert all(f"({column})::text" in definition for column in spec.searchable), definition
        assert "gin_trgm_ops" in definition, definition
    else:
        assert f"{spec.fts_table} VIRTUAL TABLE INDEX" in page_plan, page_plan


@pytest.mark.parametrize("sort", ["created_at", "name", "email"])
async def test_the_external_id_filter_is_served_by_its_unique_index(tenant: Tenant, sort: str) -> None:
    """``?external_id=`` finds at most one row through ``uq_users_org_id_external_id``, whatever the
    sort (sorting at most one row is no work). The organization has rows enough, and statistics,
    for the planner to choose between indexes as it would in production."""
    db: Database = tenant.app.state.db
    now = datetime.now(UTC)
    async with db.transaction() as tx:
        for i in range(300):
            await tx.execute(
                "INSERT INTO users (id, org_id, email, email_key, name, role, status, created_at, updated_at,"
                " external_id) VALUES ($1, $2, $3, $4, $5, 'viewer', 'active', $6, $6, $7)",
                f"usr_explain{i:04d}{tenant.org.id[-8:]}",
                tenant.org.id,
                f"u{i}@example.com",
                f"u{i}@example.com",
                f"User {i}",
                now,
                f"crm-{i}",
            )
    await db.execute("ANALYZE users")
    req = PageRequest(limit=20, sort=sort, order="desc", filters={"external_id": "crm-1"})
    page_plan, count_plan = await plans_for(tenant, USERS.spec, req, sorts=True)  # sorting one row is free
    for plan in (page_plan, count_plan):
        assert "Seq Scan" not in plan, plan
        assert "uq_users_org_id_external_id" in plan, plan


@pytest.mark.parametrize("sort", ["created_at", "name", "email"])
async def test_the_team_filter_is_served_by_the_membership_key(tenant: Tenant, sort: str) -> None:
    """``/v1/users?team=`` and a team's member list: each user is looked up in ``team_members`` by its
    primary key (team_id, user_id), never by a scan of either table; the total is the team's kept
    ``member_count``, read by the team's id."""
    req = PageRequest(limit=20, sort=sort, order="desc", member_of={"team": "team_x"})
    page_plan, count_plan = await plans_for(tenant, USERS.spec, req)
    assert "Seq Scan" not in page_plan, page_plan
    assert "SCAN users\n" not in page_plan + "\n" and "SCAN team_members\n" not in page_plan + "\n", page_plan
    assert (
        "pk_team_members" in page_plan
        or "team_members USING PRIMARY KEY" in page_plan
        or "sqlite_autoindex_team_members" in page_plan
    ), page_plan
    assert "team_members" not in count_plan and "users" not in count_plan, count_plan
    assert "Seq Scan" not in count_plan and "SCAN teams" not in count_plan, count_plan
