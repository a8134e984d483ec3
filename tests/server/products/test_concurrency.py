"""Concurrent product writes never duplicate or corrupt data: the unique index decides, not a pre-check."""

from __future__ import annotations

import asyncio

from tests.support import Tenant
from tests.support.products import create_product
from tests.support.responses import assert_error


async def test_twenty_concurrent_creates_of_one_sku_make_exactly_one_product(tenant: Tenant) -> None:
    skus = ["SKU-1" if i % 2 else "sku-1" for i in range(20)]
    responses = await asyncio.gather(
        *(
            tenant.client.post("/v1/products", json={"name": f"Racer {i}", "sku": sku, "price": i})
            for i, sku in enumerate(skus)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 19
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "duplicate_sku")
    (winner,) = [r.json() for r in responses if r.status_code == 201]
    listed = (await tenant.client.get("/v1/products")).json()
    assert listed["meta"]["total"] == 1
    assert listed["data"] == [winner]
    assert (await tenant.client.get("/v1/products", params={"q": "sku-1"})).json()["meta"]["total"] == 1


async def test_concurrent_creates_of_distinct_skus_all_succeed(tenant: Tenant) -> None:
    responses = await asyncio.gather(
        *(tenant.client.post("/v1/products", json={"name": f"P{i}", "sku": f"D-{i}", "price": i}) for i in range(30))
    )
    assert [r.status_code for r in responses] == [201] * 30
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 30
    listed = (await tenant.client.get("/v1/products", params={"limit": 100})).json()
    assert listed["meta"]["total"] == 30
    assert {p["id"] for p in listed["data"]} == ids
    assert {p["sku"] for p in listed["data"]} == {f"D-{i}" for i in range(30)}


async def test_concurrent_sku_changes_to_one_value_leave_one_owner(tenant: Tenant) -> None:
    products = [await create_product(tenant) for _ in range(10)]
    responses = await asyncio.gather(
        *(
            tenant.client.patch(f"/v1/products/{p['id']}", json={"sku": "Same-1" if i % 2 else "SAME-1"})
            for i, p in enumerate(products)
        )
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    assert all(r.json()["error"]["code"] == "duplicate_sku" for r in responses if r.status_code == 409)
    owners = (await tenant.client.get("/v1/products", params={"q": "same-1"})).json()
    assert owners["meta"]["total"] == 1


async def test_concurrent_updates_with_one_etag_let_exactly_one_through(tenant: Tenant) -> None:
    created = await tenant.client.post("/v1/products", json={"name": "Contended", "sku": "C-1", "price": 1})
    url, etag = f"/v1/products/{created.json()['id']}", created.headers["etag"]
    responses = await asyncio.gather(
        *(tenant.client.patch(url, json={"stock": i}, headers={"If-Match": etag}) for i in range(1, 11))
    )
    assert sorted(r.status_code for r in responses) == [200] + [412] * 9
    (winner,) = [r for r in responses if r.status_code == 200]
    current = await tenant.client.get(url)
    assert current.json() == winner.json()
    assert current.headers["etag"] == winner.headers["etag"]


async def test_concurrent_deletes_of_one_product_delete_it_once(tenant: Tenant) -> None:
    product = await create_product(tenant)
    responses = await asyncio.gather(*(tenant.client.delete(f"/v1/products/{product['id']}") for _ in range(8)))
    assert sorted(r.status_code for r in responses) == [204] + [404] * 7
    assert (await tenant.client.get("/v1/products")).json()["meta"]["total"] == 0
