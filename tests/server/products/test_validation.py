"""Products: every invalid body or content type is refused with the contract's error, writing nothing."""

from __future__ import annotations

import pytest

from tests.support import Tenant
from tests.support.products import MAX_PRICE, VALID, create_product, total
from tests.support.responses import assert_error

# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(VALID | {"id": "prod_mine"}, "id", id="unknown-id"),
        pytest.param(VALID | {"created_at": "2020-01-01T00:00:00Z"}, "created_at", id="unknown-created_at"),
        pytest.param(VALID | {"updated_at": "2020-01-01T00:00:00Z"}, "updated_at", id="unknown-updated_at"),
        pytest.param(VALID | {"description": "Nice"}, "description", id="unknown-description"),
        pytest.param(VALID | {"price": 1.5}, "price", id="price-float"),
        pytest.param(VALID | {"price": True}, "price", id="price-bool"),
        pytest.param(VALID | {"price": "100"}, "price", id="price-string"),
        pytest.param(VALID | {"price": None}, "price", id="price-null"),
        pytest.param(VALID | {"price": -1}, "price", id="price-negative"),
        pytest.param(VALID | {"price": MAX_PRICE + 1}, "price", id="price-above-2**53-1"),
        pytest.param(VALID | {"stock": 2.5}, "stock", id="stock-float"),
        pytest.param(VALID | {"stock": 1e30}, "stock", id="stock-huge-whole-float"),
        pytest.param(VALID | {"stock": False}, "stock", id="stock-bool"),
        pytest.param(VALID | {"stock": "5"}, "stock", id="stock-string"),
        pytest.param(VALID | {"stock": -1}, "stock", id="stock-negative"),
        pytest.param(VALID | {"currency": "usd"}, "currency", id="currency-lower"),
        pytest.param(VALID | {"currency": "XXX"}, "currency", id="currency-not-iso"),
        pytest.param(VALID | {"currency": "EURO"}, "currency", id="currency-4-letters"),
        pytest.param(VALID | {"currency": ""}, "currency", id="currency-empty"),
        pytest.param(VALID | {"currency": 978}, "currency", id="currency-number"),
        pytest.param(VALID | {"sku": ""}, "sku", id="sku-empty"),
        pytest.param(VALID | {"sku": "WID 1"}, "sku", id="sku-inner-space"),
        pytest.param(VALID | {"sku": " WID-1"}, "sku", id="sku-leading-space"),
        pytest.param(VALID | {"sku": "WID-1 "}, "sku", id="sku-trailing-space"),
        pytest.param(VALID | {"sku": "S" * 65}, "sku", id="sku-65-chars"),
        pytest.param(VALID | {"sku": 12345}, "sku", id="sku-number"),
        pytest.param(VALID | {"name": ""}, "name", id="name-empty"),
        pytest.param(VALID | {"name": "   "}, "name", id="name-blank"),
        pytest.param(VALID | {"name": "N" * 201}, "name", id="name-201-chars"),
        pytest.param(VALID | {"name": ["Widget"]}, "name", id="name-list"),
        pytest.param(VALID | {"name": "Wid\nget"}, "name", id="name-control-character"),
        pytest.param(VALID | {"name": None}, "name", id="name-null"),
        pytest.param(VALID | {"status": "sold"}, "status", id="status-unknown"),
        pytest.param(VALID | {"status": "AVAILABLE"}, "status", id="status-upper"),
        pytest.param({"sku": "WID-1", "price": 1}, "name", id="missing-name"),
        pytest.param({"name": "Widget", "price": 1}, "sku", id="missing-sku"),
        pytest.param({"name": "Widget", "sku": "WID-1"}, "price", id="missing-price"),
    ],
)
async def test_invalid_create_bodies_are_400_with_details_and_write_nothing(
    tenant: Tenant, body: dict, field: str
) -> None:
    response = await tenant.client.post("/v1/products", json=body)
    error = assert_error(response, 400, "validation_error")
    assert any(d["field"] == field and d["issue"] for d in error["details"]), error
    assert error["message"].startswith(field)
    assert "location" not in response.headers
    assert await total(tenant) == 0  # nothing half-written


@pytest.mark.parametrize("raw", [b'[{"name": "Widget", "sku": "WID-1", "price": 1}]', b'"Widget"', b"42", b"null"])
async def test_body_that_is_not_an_object_is_a_validation_error(tenant: Tenant, raw: bytes) -> None:
    response = await tenant.client.post("/v1/products", content=raw, headers={"content-type": "application/json"})
    assert_error(response, 400, "validation_error")
    assert await total(tenant) == 0


async def test_malformed_json_is_400_invalid_json(tenant: Tenant) -> None:
    response = await tenant.client.post(
        "/v1/products", content=b'{"name": "Widget", "sku": ', headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "invalid_json")
    assert await total(tenant) == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"name": "Widget", "sku": "WID-1", "price": 1}', "text/plain"),
        (b"name=Widget&sku=WID-1&price=1", "application/x-www-form-urlencoded"),
        (b'{"name": "Widget", "sku": "WID-1", "price": 1}', None),
    ],
)
async def test_non_json_content_type_is_415(tenant: Tenant, content: bytes, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    assert_error(
        await tenant.client.post("/v1/products", content=content, headers=headers), 415, "unsupported_media_type"
    )
    assert await total(tenant) == 0
    product = await create_product(tenant, name="Before")
    for method in ("PATCH", "PUT"):
        response = await tenant.client.request(
            method, f"/v1/products/{product['id']}", content=b'{"name": "After"}', headers=headers
        )
        assert_error(response, 415, "unsupported_media_type")
    assert (await tenant.client.get(f"/v1/products/{product['id']}")).json() == product


@pytest.mark.parametrize("written", ["950.0", "9.5e2", "950E0", "95000e-2"])
async def test_a_whole_number_written_with_a_fraction_or_exponent_is_that_integer(tenant: Tenant, written: str) -> None:
    """JSON has one number type and JSON Schema counts ``950.0`` as an integer, as the OpenAPI document
    says ``price`` is: the server agrees, while ``950.5`` stays refused."""
    body = f'{{"name": "Lamp", "sku": "LAMP-{written}", "price": {written}, "stock": {written}}}'
    response = await tenant.client.post("/v1/products", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 201, response.text
    assert (response.json()["price"], response.json()["stock"]) == (950, 950)
    assert type(response.json()["price"]) is int
