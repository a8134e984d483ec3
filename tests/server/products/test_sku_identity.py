"""SKUs are unique per organization under one key (``text.fold``, stored in ``products.sku_key``),
the same on SQLite and PostgreSQL; the SKU alphabet stays ASCII letters, digits and ``. _ - /``."""

from __future__ import annotations

import pytest

from tests.support import Tenant
from tests.support.products import create_product
from tests.support.responses import assert_error


async def test_another_case_of_a_taken_sku_is_409_on_create_and_on_update(tenant: Tenant) -> None:
    await create_product(tenant, sku="Widget-9/B")
    response = await tenant.client.post("/v1/products", json={"name": "Twin", "sku": "wIDGET-9/b", "price": 1})
    assert_error(response, 409, "duplicate_sku")
    other = await create_product(tenant, sku="other-1")
    response = await tenant.client.patch(f"/v1/products/{other['id']}", json={"sku": "WIDGET-9/B"})
    assert_error(response, 409, "duplicate_sku")


@pytest.mark.parametrize("sku", ["SKU-1\n", "SKU-\u00c9", "SKU 1", "SKU-1\x00"])
async def test_skus_outside_the_alphabet_are_400(tenant: Tenant, sku: str) -> None:
    """A final line feed passed the pattern check before (Python's ``$`` matches before it)."""
    response = await tenant.client.post("/v1/products", json={"name": "Bad", "sku": sku, "price": 1})
    assert assert_error(response, 400, "validation_error")["details"][0]["field"] == "sku"
