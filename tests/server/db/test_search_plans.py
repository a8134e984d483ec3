"""On PostgreSQL a search is planned for its own text, however often it runs.

asyncpg keeps each statement prepared on its connection, and after five runs PostgreSQL may switch a
prepared statement to one generic plan for every parameter value. For a search that plan is wrong for
some texts (a common fragment counted through the trigram index read 155,000 entries for 100 matches
at a million users, 81 ms instead of 2), so the listing asks for a custom plan each time. The test
runs one search more often than the switch needs, on a single pooled connection, and reads that
connection's ``pg_prepared_statements``: no search statement may have used a generic plan.
"""

from __future__ import annotations

import pytest

from redcore_server.db import open_database
from redcore_server.kit.listing import PageRequest, fetch_page
from redcore_server.products.repository import PRODUCTS
from redcore_server.users.repository import USERS
from tests import support
from tests.support import Tenant

pytestmark = pytest.mark.skipif(support.BACKEND != "postgresql", reason="PostgreSQL plan caching only")

RUNS = 8  # PostgreSQL considers a generic plan from the sixth run of a prepared statement


@pytest.mark.parametrize("spec", [USERS.spec, PRODUCTS.spec], ids=lambda s: s.table)
async def test_a_search_never_runs_on_a_generic_plan(tenant: Tenant, database_url: str, spec) -> None:
    if spec is USERS.spec:
        for i in range(3):
            await tenant.create_user(email=f"jo{i}@example.com", name=f"Jo Johnson {i}")
    db = open_database(database_url, pool_min=1, pool_max=1)  # every statement on one connection
    await db.connect()
    try:
        for text in ["son", "Johnson", "example", "zzz-none"] * (RUNS // 4 + 1):
            await fetch_page(db, spec, tenant.org.id, PageRequest(limit=10, search=text, sort="name"))
        async with db.pool.acquire() as conn:  # type: ignore[attr-defined]
            rows = await conn.fetch(
                "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE '%' || $1 || '%' AND statement ILIKE '%like%'",
                f"FROM {spec.table} ",
            )
    finally:
        await db.close()
    assert rows, "the searches ran as prepared statements on the connection"
    for row in rows:
        assert row["custom_plans"] >= RUNS, row["statement"]
        assert row["generic_plans"] == 0, row["statement"]
