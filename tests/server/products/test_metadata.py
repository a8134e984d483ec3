"""Products' ``metadata`` through HTTP: the users' rules (``kit/metadata.py``), one object."""

from __future__ import annotations

import asyncio

from tests.server.users.test_metadata import fields_of, nested
from tests.support import Tenant
from tests.support.products import create_product
from tests.support.responses import assert_error


async def test_create_and_merge(tenant: Tenant) -> None:
    product = await create_product(tenant, metadata={"color": "red", "size": {"w": 1}, "gone": None})
    assert product["metadata"] == {"color": "red", "size": {"w": 1}}
    assert (await create_product(tenant))["metadata"] == {}
    url = f"/v1/products/{product['id']}"
    patched = await tenant.client.patch(url, json={"metadata": {"color": None, "size": {"h": 2}, "new": [1]}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["metadata"] == {"size": {"h": 2}, "new": [1]}
    put = await tenant.client.put(url, json={"metadata": {"more": True}, "price": 5})
    assert put.json()["metadata"] == {"size": {"h": 2}, "new": [1], "more": True} and put.json()["price"] == 5
    assert (await tenant.client.get(url)).json()["metadata"] == put.json()["metadata"]


async def test_concurrent_patches_of_different_keys_all_survive(tenant: Tenant) -> None:
    url = f"/v1/products/{(await create_product(tenant))['id']}"
    responses = await asyncio.gather(*(tenant.client.patch(url, json={"metadata": {f"k{i}": i}}) for i in range(12)))
    assert [r.status_code for r in responses] == [200] * 12
    assert (await tenant.client.get(url)).json()["metadata"] == {f"k{i}": i for i in range(12)}


async def test_limits(tenant: Tenant) -> None:
    body = {"name": "P", "sku": "LIM-1", "price": 1}
    big = await tenant.client.post("/v1/products", json=body | {"metadata": {"blob": "x" * 8200}})
    assert fields_of(assert_error(big, 400, "validation_error")) == {"metadata"}
    deep = await tenant.client.post("/v1/products", json=body | {"metadata": nested(6)})
    assert fields_of(assert_error(deep, 400, "validation_error")) == {"metadata"}
    assert_error(await tenant.client.post("/v1/products", json=body | {"metadata": [1]}), 400, "validation_error")
    product = await create_product(tenant, metadata={"a": "x" * 5000})
    url = f"/v1/products/{product['id']}"
    over = await tenant.client.patch(url, json={"metadata": {"b": "y" * 4000}})
    assert fields_of(assert_error(over, 400, "validation_error")) == {"metadata"}
    assert_error(
        await tenant.client.patch(url, json={"metadata": nested(6)["k"] | {"z": nested(5)}}), 400, "validation_error"
    )


async def test_etag_and_events(tenant: Tenant) -> None:
    created = await tenant.client.post("/v1/products", json={"name": "E", "sku": "ETAG-M", "price": 1})
    url, etag = f"/v1/products/{created.json()['id']}", created.headers["etag"]
    changed = await tenant.client.patch(url, json={"metadata": {"a": 1}}, headers={"If-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert_error(
        await tenant.client.patch(url, json={"metadata": {"b": 1}}, headers={"If-Match": etag}),
        412,
        "precondition_failed",
    )
    events = (await tenant.client.get("/v1/events", params={"type": "product.updated"})).json()["data"]
    assert [e["data"]["metadata"] for e in events if e["data"]["id"] == created.json()["id"]] == [{"a": 1}]
