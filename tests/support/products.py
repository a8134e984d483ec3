"""Products made through the API, and the figures the product tests share."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tests.support import Tenant

PRODUCT_FIELDS = {
    "id",
    "name",
    "sku",
    "price",
    "currency",
    "stock",
    "status",
    "created_at",
    "updated_at",
    "metadata",
}
MAX_PRICE = 2**53 - 1
VALID = {"name": "Widget", "sku": "WID-1", "price": 1999}
_numbers = itertools.count(1)


async def create_product(client: Tenant | httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """Create a product (``name``, ``sku`` and ``price`` filled in unless given) and return it."""
    http = client.client if isinstance(client, Tenant) else client
    n = next(_numbers)
    body = {"name": f"Product {n}", "sku": f"AUTO-{n:06d}", "price": 100} | fields
    response = await http.post("/v1/products", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def total(tenant: Tenant, **params: Any) -> int:
    response = await tenant.client.get("/v1/products", params=params)
    assert response.status_code == 200, response.text
    return response.json()["meta"]["total"]  # type: ignore[no-any-return]


def without_request_id(response: httpx.Response) -> dict[str, Any]:
    error = dict(response.json()["error"])
    del error["request_id"]
    return error
