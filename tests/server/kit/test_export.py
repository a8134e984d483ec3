"""``GET /v1/users/export`` and ``GET /v1/products/export``: the whole filtered list, streamed."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from redcore_server.app import create_app
from redcore_server.auth.scopes import PRODUCTS_READ, USERS_READ
from redcore_server.db import Database
from redcore_server.kit.csv_cells import unescape_cell
from redcore_server.kit.export import walk
from redcore_server.kit.listing import PageRequest, PageResult
from redcore_server.users.repository import USERS
from tests import support
from tests.support import Tenant, walk_list
from tests.support.exports import (
    PRODUCT_COLUMNS,
    USER_COLUMNS,
    csv_rows,
    expected_cells,
    insert_users,
    ndjson,
    stream,
)
from tests.support.products import create_product
from tests.support.responses import assert_error

ROLES = ("admin", "editor", "viewer")


async def seed_users(tenant: Tenant, count: int = 30) -> None:
    for i in range(count):
        await tenant.create_user(
            email=f"u{i:03d}@{'initech' if i % 4 == 0 else 'example'}.com",
            name=f"{('Ann', 'bob', 'Émile', 'zed')[i % 4]} {i % 7}",
            role=ROLES[i % 3],
            external_id=f"ext-{i}" if i % 2 else None,
            public_metadata={"i": i, "tags": ["a", "b"]} if i % 5 == 0 else {},
            private_metadata={"secret_ref": i} if i % 6 == 0 else {},
        )


async def export(tenant: Tenant, path: str, **params: Any) -> bytes:
    response = await tenant.client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.content


USER_LISTS = [
    {},
    {"role": "editor"},
    {"role": "viewer", "sort": "name", "order": "asc"},
    {"q": "initech", "sort": "email"},
    {"q": "émile", "order": "asc"},
    {"external_id": "ext-7"},
    {"status": "pending_invite", "sort": "name", "order": "desc"},
    {"role": "nobody"},
]


@pytest.mark.parametrize("params", USER_LISTS)
async def test_a_user_export_gives_exactly_what_the_list_gives_in_its_order(
    tenant: Tenant, params: dict[str, Any]
) -> None:
    await seed_users(tenant)
    listed = await walk_list(tenant.client, "/v1/users", "cursor", limit=7, **params)

    assert ndjson(await export(tenant, "/v1/users/export", **params)) == listed
    assert ndjson(await export(tenant, "/v1/users/export", format="ndjson", **params)) == listed
    rows = csv_rows(await export(tenant, "/v1/users/export", format="csv", **params))
    assert rows[0] == USER_COLUMNS
    assert rows[1:] == [expected_cells(item, USER_COLUMNS) for item in listed]


async def test_a_team_filter_exports_its_members(tenant: Tenant) -> None:
    await seed_users(tenant, 6)
    team = (await tenant.client.post("/v1/teams", json={"name": "Ops"})).json()
    members = (await tenant.client.get("/v1/users", params={"limit": 3, "sort": "email"})).json()["data"]
    for user in members:
        assert (await tenant.client.put(f"/v1/teams/{team['id']}/members/{user['id']}")).status_code == 204

    exported = ndjson(await export(tenant, "/v1/users/export", team=team["id"], sort="email", order="asc"))
    assert [u["id"] for u in exported] == [u["id"] for u in sorted(members, key=lambda u: u["email"])]


@pytest.mark.parametrize(
    "params", [{}, {"status": "discontinued"}, {"sort": "price", "order": "asc"}, {"q": "gad", "sort": "sku"}]
)
async def test_a_product_export_gives_exactly_what_the_list_gives_in_its_order(
    tenant: Tenant, params: dict[str, Any]
) -> None:
    statuses = ("available", "out_of_stock", "discontinued")
    for i in range(25):
        await create_product(
            tenant,
            name=f"{'Gadget' if i % 3 else 'Widget'} {i}",
            price=(i * 37) % 11 * 100,
            stock=i,
            status=statuses[i % 3],
            metadata={"colour": "red", "n": i} if i % 4 == 0 else {},
        )
    listed = await walk_list(tenant.client, "/v1/products", "cursor", limit=6, **params)

    assert ndjson(await export(tenant, "/v1/products/export", **params)) == listed
    rows = csv_rows(await export(tenant, "/v1/products/export", format="csv", **params))
    assert rows[0] == PRODUCT_COLUMNS
    assert rows[1:] == [expected_cells(item, PRODUCT_COLUMNS) for item in listed]


async def test_csv_cells_that_a_spreadsheet_would_run_are_written_as_text(tenant: Tenant) -> None:
    names = ['=HYPERLINK("http://x.test","click")', "+1 555", "-minus", "@sum", "'quoted", 'plain, with "quotes"']
    for name in names:
        await tenant.create_user(name=name, external_id=f"=cmd|{name}"[:255])
    rows = csv_rows(await export(tenant, "/v1/users/export", format="csv", sort="created_at", order="asc"))
    name_at, external_at = USER_COLUMNS.index("name"), USER_COLUMNS.index("external_id")

    assert [row[name_at] for row in rows[1:]] == [
        '\'=HYPERLINK("http://x.test","click")',
        "'+1 555",
        "'-minus",
        "'@sum",
        "''quoted",
        'plain, with "quotes"',
    ]
    assert all(row[external_at].startswith("'=cmd|") for row in rows[1:])
    assert [unescape_cell(row[name_at]) for row in rows[1:]] == names  # what the import reads back


async def test_an_empty_list_exports_nothing_but_the_csv_header(tenant: Tenant) -> None:
    assert await export(tenant, "/v1/users/export") == b""
    assert await export(tenant, "/v1/products/export", format="ndjson") == b""
    assert csv_rows(await export(tenant, "/v1/users/export", format="csv")) == [USER_COLUMNS]
    assert csv_rows(await export(tenant, "/v1/products/export", format="csv")) == [PRODUCT_COLUMNS]


async def test_another_organizations_items_never_appear(
    tenant: Tenant, make_tenant: Callable[[], Awaitable[Tenant]]
) -> None:
    other = await make_tenant()
    await seed_users(other, 5)
    await create_product(other, name="Theirs")
    mine = await tenant.create_user(name="Mine")

    assert [u["id"] for u in ndjson(await export(tenant, "/v1/users/export"))] == [mine["id"]]
    assert ndjson(await export(tenant, "/v1/products/export")) == []
    assert len(csv_rows(await export(tenant, "/v1/users/export", format="csv", q="initech"))) == 1  # theirs only


async def test_the_export_needs_the_lists_read_scope(tenant: Tenant) -> None:
    await tenant.create_user(name="Someone")
    products_only = await tenant.client_with(PRODUCTS_READ)
    users_only = await tenant.client_with(USERS_READ)

    response = await products_only.get("/v1/users/export", params={"format": "csv"})
    assert_error(response, 403, "insufficient_scope")
    assert_error(await users_only.get("/v1/products/export"), 403, "insufficient_scope")
    assert (await users_only.get("/v1/users/export")).status_code == 200
    assert (await products_only.get("/v1/products/export", params={"format": "csv"})).status_code == 200
    assert_error(
        await tenant.client.get("/v1/users/export", headers={"Authorization": "Bearer nope"}), 401, "invalid_api_key"
    )


async def test_the_answer_is_a_download_that_is_not_cached(tenant: Tenant) -> None:
    await tenant.create_user()
    as_csv = await tenant.client.get("/v1/users/export", params={"format": "csv"})
    as_ndjson = await tenant.client.get("/v1/products/export")

    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_ndjson.headers["content-type"] == "application/x-ndjson"
    assert as_csv.headers["cache-control"] == as_ndjson.headers["cache-control"] == "no-store"
    org = re.escape(tenant.org.id)
    assert re.fullmatch(
        rf'attachment; filename="users-{org}-\d{{8}}T\d{{6}}Z\.csv"', as_csv.headers["content-disposition"]
    )
    assert re.fullmatch(
        rf'attachment; filename="products-{org}-\d{{8}}T\d{{6}}Z\.ndjson"', as_ndjson.headers["content-disposition"]
    )
    assert as_csv.headers["x-request-id"].startswith("req_")


async def test_bad_parameters_are_refused_before_anything_is_sent(tenant: Tenant) -> None:
    for params, field in [
        ({"format": "xml"}, "format"),
        ({"sort": "price"}, "sort"),
        ({"order": "up"}, "order"),
        ({"status": "gone"}, "status"),
        ({"q": "a\x00b"}, "q"),
        ({"format": "csv", "role": "x" * 33}, "role"),
    ]:
        response = await tenant.client.get("/v1/users/export", params=params)
        assert_error(response, 400, "validation_error")
        assert field in response.text


async def test_export_is_a_route_not_a_user_id(tenant: Tenant, database_url: str) -> None:
    """``/v1/users/export`` is the export on the lean read path and in the framework's routing alike
    (fast reads off); a user id still reads the user."""
    user = await tenant.create_user()
    product = await create_product(tenant)
    settings = support.test_settings(database_url, fast_reads=False)
    async with support.running(create_app(settings)) as app, support.http_client(app, tenant.key) as framework:
        for client in (tenant.client, framework):
            assert (await client.get(f"/v1/users/{user['id']}")).json() == user
            assert ndjson((await client.get("/v1/users/export")).content) == [user]
            assert ndjson((await client.get("/v1/products/export")).content) == [product]
            assert_error(await client.get("/v1/users/export/more"), 404, "not_found")


async def test_a_large_export_streams_a_chunk_per_batch_of_separate_queries(tenant: Tenant) -> None:
    await insert_users(tenant.app, tenant.org.id, 5_000)

    streamed = await stream(tenant.app, tenant.key, "/v1/users/export", {"order": "asc"})
    assert (streamed.status, streamed.complete) == (200, True)
    assert len(streamed.chunks) == 5  # a batch of 1,000 users is one query and one chunk
    assert [len(ndjson(chunk)) for chunk in streamed.chunks] == [1000] * 5
    users = ndjson(streamed.body)
    assert [u["name"] for u in users] == [f"Bulk {i:06d}" for i in range(5_000)]
    assert users[4321]["public_metadata"] == {"n": 4321}

    as_csv = await stream(tenant.app, tenant.key, "/v1/users/export", {"format": "csv", "sort": "email"})
    assert len(as_csv.chunks) == 5  # the header rides with the first batch
    assert len(csv_rows(as_csv.body)) == 5_001


async def test_the_walk_stops_when_the_client_goes_away(tenant: Tenant) -> None:
    await insert_users(tenant.app, tenant.org.id, 5_000)

    streamed = await stream(tenant.app, tenant.key, "/v1/users/export", disconnect_after=1)
    assert streamed.status == 200
    assert not streamed.complete
    assert 1 <= len(streamed.chunks) <= 2  # the next batch may have been on its way; no more than that
    # The connection the cancelled query held went back to the pool, and the next export is whole.
    again = await stream(tenant.app, tenant.key, "/v1/users/export", {"format": "csv"})
    assert (again.complete, len(csv_rows(again.body))) == (True, 5_001)


async def test_each_batch_is_a_query_of_its_own_on_the_keyset_cursor(tenant: Tenant) -> None:
    await seed_users(tenant, 23)
    db: Database = tenant.app.state.db
    asked: list[PageRequest] = []

    async def list_page(db: Database, org_id: str, req: PageRequest) -> tuple[list[Any], PageResult]:
        asked.append(PageRequest(**{name: getattr(req, name) for name in req.__slots__}))  # type: ignore[attr-defined]
        return await USERS.list_page(db, org_id, req)

    request = PageRequest(limit=20, offset=5, sort="name", order="asc", filters={"role": "editor"}, cursor="junk")
    batches = [batch async for batch in walk(list_page, db, tenant.org.id, request, batch_size=3)]

    listed = await walk_list(tenant.client, "/v1/users", "cursor", role="editor", sort="name", order="asc")
    assert [u.id for batch in batches for u in batch] == [u["id"] for u in listed]
    assert [len(batch) for batch in batches] == [3, 3, 2]
    assert len(asked) == 3
    assert all((r.limit, r.offset, r.count) == (3, 0, False) for r in asked)
    assert asked[0].cursor is None
    assert all(r.cursor for r in asked[1:])
