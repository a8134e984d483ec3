"""Listing products: filters, search, every sort with offset/page/cursor pagination, and ``meta``."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar

from tests import support
from tests.support import Tenant, walk_list
from tests.support.products import PRODUCT_FIELDS, create_product
from tests.support.responses import assert_error

STATUSES = ("available", "out_of_stock", "discontinued")
# Mixed case, an accent, and repeats (with ``i % 5`` below) so that name sorts have ties.
NAMES = ("anvil", "Bolt", "cable", "Drill", "emery board", "Écrou", "file")
SKU_PREFIXES = ("SKU", "sku", "Part", "x")
COUNT = 250


def spec(i: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[i % len(NAMES)]} {i % 5}",
        "sku": f"{SKU_PREFIXES[i % len(SKU_PREFIXES)]}-{(i * 7919) % 10007:05d}",
        "price": (i * 37) % 40 * 125,  # 40 distinct prices, so about six products share each
        "stock": i % 9,
        "status": STATUSES[i % 3],
    }


async def seed(tenant: Tenant, count: int) -> list[dict[str, Any]]:
    products: list[dict[str, Any]] = []

    async def one(i: int) -> None:
        products.append(await create_product(tenant, **spec(i)))

    for start in range(0, count, 25):
        await asyncio.gather(*(one(i) for i in range(start, min(start + 25, count))))
    return products


@pytest.fixture(scope="module")
async def catalog(app: Litestar) -> AsyncIterator[tuple[Tenant, list[dict[str, Any]]]]:
    """One organization with 250 products, shared by the read-only tests of this module."""
    tenant = await support.make_tenant(app)
    products = await seed(tenant, COUNT)
    assert len({p["sku"].lower() for p in products}) == COUNT
    yield tenant, products
    await tenant.close()


async def walk(tenant: Tenant, mode: str, **params: Any) -> list[dict[str, Any]]:
    """Every product the list gives, page by page (``mode``: offset, page or cursor)."""
    return await walk_list(tenant.client, "/v1/products", mode, **params)


@pytest.mark.parametrize("sort", ["created_at", "name", "price", "sku"])
@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("mode", ["offset", "page", "cursor"])
async def test_walking_250_products_has_no_repeat_and_no_gap(catalog, sort: str, order: str, mode: str) -> None:
    tenant, products = catalog
    items = await walk(tenant, mode, sort=sort, order=order)
    ids = [p["id"] for p in items]
    assert len(ids) == len(set(ids)) == COUNT
    assert set(ids) == {p["id"] for p in products}
    by_id = {p["id"]: p for p in products}
    assert all(item == by_id[item["id"]] for item in items)
    if sort in ("created_at", "price"):
        # Values tie; the id breaks ties, in the same direction.
        keys = [(p[sort], p["id"]) for p in items]
        assert keys == sorted(keys, reverse=order == "desc")
    else:
        # Text order is the database's collation: the walk matches the same list in big pages,
        # and it is the exact reverse of the other direction.
        assert ids == [p["id"] for p in await walk(tenant, "offset", sort=sort, order=order, limit=100)]
        other = "desc" if order == "asc" else "asc"
        assert ids == [p["id"] for p in reversed(await walk(tenant, "cursor", sort=sort, order=other, limit=100))]


@pytest.mark.parametrize("sort", ["created_at", "name", "price", "sku"])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_walking_a_status_filter_gives_exactly_that_status(catalog, sort: str, order: str) -> None:
    tenant, products = catalog
    for status in STATUSES:
        expected = {p["id"] for p in products if p["status"] == status}
        for mode in ("page", "cursor"):
            items = await walk(tenant, mode, status=status, sort=sort, order=order, limit=23)
            ids = [p["id"] for p in items]
            assert len(ids) == len(set(ids)) == len(expected)
            assert set(ids) == expected


async def test_status_filter_totals(catalog) -> None:
    tenant, products = catalog
    counts = Counter(p["status"] for p in products)
    assert sum(counts.values()) == COUNT
    for status in STATUSES:
        body = (await tenant.client.get("/v1/products", params={"status": status, "limit": 100})).json()
        assert body["meta"]["total"] == counts[status]
        assert body["meta"]["pages"] == -(-counts[status] // 100)
        assert {p["status"] for p in body["data"]} == {status}
    assert (await tenant.client.get("/v1/products")).json()["meta"]["total"] == COUNT


async def test_seeded_example_shape(catalog) -> None:
    tenant, products = catalog
    response = await tenant.client.get("/v1/products", params={"status": "available", "limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "meta"}
    available = sorted(
        (p for p in products if p["status"] == "available"), key=lambda p: (p["created_at"], p["id"]), reverse=True
    )
    assert body["data"] == available[:5]  # newest first by default
    assert all(set(p) == PRODUCT_FIELDS for p in body["data"])
    assert body["meta"] == {
        "total": len(available),
        "total_exact": True,
        "limit": 5,
        "offset": 0,
        "page": 1,
        "pages": -(-len(available) // 5),
        "has_more": True,
        "next_cursor": body["meta"]["next_cursor"],
    }


async def test_default_order_is_newest_first_and_default_limit_is_20(catalog) -> None:
    tenant, _ = catalog
    default = (await tenant.client.get("/v1/products")).json()
    explicit = (await tenant.client.get("/v1/products", params={"sort": "created_at", "order": "desc"})).json()
    assert len(default["data"]) == 20
    assert default["meta"]["limit"] == 20
    assert default["data"] == explicit["data"]
    keys = [(p["created_at"], p["id"]) for p in default["data"]]
    assert keys == sorted(keys, reverse=True)


async def test_sort_alone_defaults_to_descending_and_order_alone_to_created_at(catalog) -> None:
    tenant, _ = catalog
    by_price = (await tenant.client.get("/v1/products", params={"sort": "price"})).json()["data"]
    assert [p["price"] for p in by_price] == sorted((p["price"] for p in by_price), reverse=True)
    oldest = (await tenant.client.get("/v1/products", params={"order": "asc"})).json()["data"]
    keys = [(p["created_at"], p["id"]) for p in oldest]
    assert keys == sorted(keys)


async def test_meta_for_offset_and_page(catalog) -> None:
    tenant, _ = catalog
    body = (await tenant.client.get("/v1/products", params={"limit": 10, "page": 3})).json()
    assert body["meta"] == {
        "total": COUNT,
        "total_exact": True,
        "limit": 10,
        "offset": 20,
        "page": 3,
        "pages": 25,
        "has_more": True,
        "next_cursor": body["meta"]["next_cursor"],
    }
    assert body["data"] == (await tenant.client.get("/v1/products", params={"limit": 10, "offset": 20})).json()["data"]
    last = (await tenant.client.get("/v1/products", params={"limit": 100, "offset": 200})).json()
    assert len(last["data"]) == 50
    assert (last["meta"]["has_more"], last["meta"]["next_cursor"], last["meta"]["pages"]) == (False, None, 3)
    beyond = (await tenant.client.get("/v1/products", params={"limit": 10, "page": 26})).json()
    assert beyond["data"] == []
    assert beyond["meta"]["total"] == COUNT
    assert beyond["meta"]["has_more"] is False


async def test_cursor_follows_the_previous_page_exactly(catalog) -> None:
    tenant, _ = catalog
    params = {"sort": "price", "order": "asc", "limit": 7}
    first = (await tenant.client.get("/v1/products", params=params)).json()
    by_offset = (await tenant.client.get("/v1/products", params=params | {"offset": 7})).json()
    by_cursor = (
        await tenant.client.get("/v1/products", params=params | {"starting_after": first["meta"]["next_cursor"]})
    ).json()
    assert by_cursor["data"] == by_offset["data"]
    assert (by_cursor["meta"]["offset"], by_cursor["meta"]["page"], by_cursor["meta"]["total"]) == (None, None, COUNT)


async def test_cursor_from_another_sort_or_with_offset_is_refused(catalog) -> None:
    tenant, _ = catalog
    cursor = (await tenant.client.get("/v1/products", params={"limit": 1, "sort": "price"})).json()["meta"][
        "next_cursor"
    ]
    for params in (
        {"sort": "name", "starting_after": cursor},
        {"sort": "price", "order": "asc", "starting_after": cursor},
        {"sort": "price", "starting_after": cursor, "offset": 1},
        {"sort": "price", "starting_after": cursor, "page": 2},
    ):
        error = assert_error(await tenant.client.get("/v1/products", params=params), 400, "validation_error")
        assert any(d["field"] in ("starting_after", "offset", "page") for d in error["details"]), error


# --- search -------------------------------------------------------------------------------------


@pytest.fixture
async def searchable(tenant: Tenant) -> Tenant:
    for name, sku in (
        ("Red Widget", "RW-100"),
        ("Blue gadget", "bg_200"),
        ("Gizmo", "GZ-1"),
        ("Discount 50% Off", "PROMO-50"),
        ("Cotton 100%", "COT-A"),
        ("Cotton 1000 thread", "COT-B"),
        ("Part A", "PART_A"),
        ("Part X", "PARTXA"),
    ):
        await create_product(tenant, name=name, sku=sku)
    return tenant


async def search(tenant: Tenant, text: str, **params: Any) -> set[str]:
    response = await tenant.client.get("/v1/products", params={"q": text, "limit": 100} | params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["meta"]["total"] == len(body["data"])
    return {p["name"] for p in body["data"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("widget", {"Red Widget"}),
        ("WIDGET", {"Red Widget"}),
        ("dGeT", {"Red Widget", "Blue gadget"}),
        ("rw-1", {"Red Widget"}),  # SKU only, other case
        ("RW-100", {"Red Widget"}),  # a whole SKU
        ("BG_2", {"Blue gadget"}),
        ("promo", {"Discount 50% Off"}),
        ("cotton", {"Cotton 100%", "Cotton 1000 thread"}),
        ("gizmo", {"Gizmo"}),
        ("nothing like it", set()),
    ],
)
async def test_search_matches_name_or_sku_partially_and_case_insensitively(
    searchable: Tenant, text: str, expected: set[str]
) -> None:
    assert await search(searchable, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gz", {"Gizmo"}),  # SKU "GZ-1", other case
        ("Gz", {"Gizmo"}),
        ("rw", {"Red Widget"}),
        ("ED", {"Red Widget"}),
        ("z", {"Gizmo"}),
        ("Z", {"Gizmo"}),
        ("g", {"Red Widget", "Blue gadget", "Gizmo"}),
        ("_a", {"Part A"}),  # SKU "PART_A": underscore is literal
        ("0%", {"Discount 50% Off", "Cotton 100%"}),
        ("qq", set()),
    ],
)
async def test_one_and_two_character_queries(searchable: Tenant, text: str, expected: set[str]) -> None:
    assert await search(searchable, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%", {"Discount 50% Off", "Cotton 100%"}),
        ("_", {"Blue gadget", "Part A"}),
        ("100%", {"Cotton 100%"}),  # not "Cotton 1000 thread"
        ("50%", {"Discount 50% Off"}),
        ("t_a", {"Part A"}),  # not "PARTXA"
        ("%%", set()),
        ("__", set()),
        ("g_2", {"Blue gadget"}),
    ],
)
async def test_percent_and_underscore_are_literal(searchable: Tenant, text: str, expected: set[str]) -> None:
    assert await search(searchable, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "écrou",  # three or more characters
        "ÉCROU",
        "ÉC",  # one or two characters
        "éc",
        "é",
    ],
)
async def test_search_is_case_insensitive_beyond_ascii_at_every_length(tenant: Tenant, text: str) -> None:
    await create_product(tenant, name="Écrou hexagonal", sku="ECR-1")
    await create_product(tenant, name="Bolt", sku="BLT-1")
    assert await search(tenant, text) == {"Écrou hexagonal"}


async def test_blank_query_lists_everything(searchable: Tenant) -> None:
    assert len(await search(searchable, "   ")) == 8
    assert len(await search(searchable, "")) == 8


async def test_search_with_status_filter_and_paging_totals(tenant: Tenant) -> None:
    for i in range(7):
        await create_product(tenant, name=f"Team Shirt {i}", status="discontinued" if i % 2 else "available")
    await create_product(tenant, name="Mug", status="discontinued")
    body = (await tenant.client.get("/v1/products", params={"q": "shirt", "status": "discontinued", "limit": 2})).json()
    assert body["meta"]["total"] == 3
    assert body["meta"]["pages"] == 2
    assert body["meta"]["has_more"] is True
    assert all(p["status"] == "discontinued" and "Shirt" in p["name"] for p in body["data"])
    rest = (
        await tenant.client.get(
            "/v1/products",
            params={"q": "shirt", "status": "discontinued", "limit": 2, "starting_after": body["meta"]["next_cursor"]},
        )
    ).json()
    assert len(rest["data"]) == 1
    assert rest["meta"]["has_more"] is False
    assert not {p["id"] for p in body["data"]} & {p["id"] for p in rest["data"]}


async def test_search_follows_renames_sku_changes_and_deletes(tenant: Tenant) -> None:
    product = await create_product(tenant, name="Original Name", sku="OLD-SKU-1")
    url = f"/v1/products/{product['id']}"
    await tenant.client.patch(url, json={"name": "Renamed Thing"})
    assert await search(tenant, "original") == set()
    assert await search(tenant, "renamed") == {"Renamed Thing"}
    assert await search(tenant, "old-sku") == {"Renamed Thing"}
    await tenant.client.put(url, json={"sku": "NEW-SKU-1"})
    assert await search(tenant, "old-sku") == set()
    assert await search(tenant, "new-sku") == {"Renamed Thing"}
    await tenant.client.patch(url, json={"price": 5})  # an update that touches neither name nor sku
    assert await search(tenant, "renamed") == {"Renamed Thing"}
    await tenant.client.delete(url)
    assert await search(tenant, "renamed") == set()
    assert await search(tenant, "new-sku") == set()


# --- bad parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": -5}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "x"}, "offset"),
        ({"page": 0}, "page"),
        ({"page": -1}, "page"),
        ({"page": 1, "offset": 0}, "page"),
        ({"sort": "stock"}, "sort"),
        ({"sort": "currency"}, "sort"),
        ({"sort": "org_id"}, "sort"),
        ({"order": "sideways"}, "order"),
        ({"status": "bogus"}, "status"),
        ({"status": "AVAILABLE"}, "status"),
        ({"starting_after": "not-a-cursor"}, "starting_after"),
        ({"starting_after": "eyJ4IjoxfQ"}, "starting_after"),  # base64 of {"x":1}
        ({"starting_after": "WyJwcmljZSIsImRlc2MiLCJ4IiwicHJvZF94Il0"}, "starting_after"),  # price "x"
        ({"q": "x" * 201}, "q"),
    ],
)
async def test_bad_list_parameters_are_400_naming_the_field(tenant: Tenant, params: dict, field: str) -> None:
    error = assert_error(await tenant.client.get("/v1/products", params=params), 400, "validation_error")
    assert any(d["field"] == field for d in error["details"]), error
