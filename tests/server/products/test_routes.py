"""The Products API through HTTP: create, read, update, delete, not found, conflicts and ETags
(validation in test_validation.py, scopes and isolation in test_access.py)."""

from __future__ import annotations

import re

import pytest

from redcore_server.keys import service as keys_service
from redcore_server.orgs import service as orgs_service
from tests.support import Tenant, http_client
from tests.support.products import MAX_PRICE, PRODUCT_FIELDS, create_product, total
from tests.support.responses import RFC3339_Z, assert_error

# --- create and read --------------------------------------------------------------------------


async def test_create_returns_201_location_etag_and_exactly_the_contract_fields(tenant: Tenant) -> None:
    body = {
        "name": "Blue Mug",
        "sku": "MUG-BLUE",
        "price": 1250,
        "currency": "EUR",
        "stock": 7,
        "status": "out_of_stock",
    }
    response = await tenant.client.post("/v1/products", json=body)
    assert response.status_code == 201, response.text
    product = response.json()
    assert set(product) == PRODUCT_FIELDS
    assert re.fullmatch(r"prod_\w+", product["id"])
    assert response.headers["location"] == f"/v1/products/{product['id']}"
    assert response.headers["etag"].startswith('"')
    assert {k: product[k] for k in body} == body
    assert RFC3339_Z.match(product["created_at"])
    assert product["created_at"] == product["updated_at"]

    fetched = await tenant.client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == product
    assert fetched.headers["etag"] == response.headers["etag"]


async def test_defaults_are_base_currency_zero_stock_and_available(tenant: Tenant) -> None:
    product = await create_product(tenant, name="Plain", sku="PLAIN-1", price=0)
    assert (product["currency"], product["stock"], product["status"], product["price"]) == ("USD", 0, "available", 0)
    assert (await tenant.client.get(f"/v1/products/{product['id']}")).json() == product


async def test_currency_defaults_to_the_organizations_base_currency(tenant: Tenant) -> None:
    db = tenant.app.state.db
    async with db.transaction() as tx:
        org = await orgs_service.create(tx, f"Euro Org {tenant.org.id}", base_currency="EUR")
        key = await keys_service.create(tx, org.id, name="admin")
    async with http_client(tenant.app, key.secret) as euro:
        product = await create_product(euro, sku="EU-1")
        assert product["currency"] == "EUR"
        assert (await euro.get(f"/v1/products/{product['id']}")).json()["currency"] == "EUR"
        assert (await create_product(euro, sku="EU-2", currency="CHF"))["currency"] == "CHF"
    assert (await create_product(tenant, sku="EU-1"))["currency"] == "USD"


async def test_boundary_values_round_trip_exactly(tenant: Tenant) -> None:
    sku = "A" + "b.c_d-e/9" * 7  # 64 characters, every allowed punctuation mark
    assert len(sku) == 64
    product = await create_product(tenant, name="N" * 200, sku=sku, price=MAX_PRICE, stock=2**31 - 1)
    fetched = (await tenant.client.get(f"/v1/products/{product['id']}")).json()
    assert fetched == product
    assert (fetched["name"], fetched["sku"], fetched["price"], fetched["stock"]) == (
        "N" * 200,
        sku,
        MAX_PRICE,
        2**31 - 1,
    )


async def test_name_is_stored_trimmed(tenant: Tenant) -> None:
    product = await create_product(tenant, name="  Padded Name  ")
    assert product["name"] == "Padded Name"
    assert (await tenant.client.get(f"/v1/products/{product['id']}")).json()["name"] == "Padded Name"


async def test_list_returns_data_and_meta_with_exact_fields(tenant: Tenant) -> None:
    made = [await create_product(tenant, status="available") for _ in range(6)]
    await create_product(tenant, status="discontinued")
    response = await tenant.client.get("/v1/products", params={"status": "available", "limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "meta"}
    assert body["meta"] == {
        "total": 6,
        "total_exact": True,
        "limit": 5,
        "offset": 0,
        "page": 1,
        "pages": 2,
        "has_more": True,
        "next_cursor": body["meta"]["next_cursor"],
    }
    assert isinstance(body["meta"]["next_cursor"], str) and body["meta"]["next_cursor"]
    by_id = {p["id"]: p for p in made}
    assert len(body["data"]) == 5
    for item in body["data"]:
        assert set(item) == PRODUCT_FIELDS
        assert item == by_id[item["id"]]  # the listed object is the product, field for field


async def test_empty_list(tenant: Tenant) -> None:
    body = (await tenant.client.get("/v1/products")).json()
    assert body == {
        "data": [],
        "meta": {
            "total": 0,
            "total_exact": True,
            "limit": 20,
            "offset": 0,
            "page": 1,
            "pages": 0,
            "has_more": False,
            "next_cursor": None,
        },
    }


# --- update -------------------------------------------------------------------------------------


async def test_patch_changes_only_the_given_fields(tenant: Tenant) -> None:
    product = await create_product(tenant, name="Before", sku="KEEP-1", price=500, currency="GBP", stock=3)
    response = await tenant.client.patch(f"/v1/products/{product['id']}", json={"price": 750})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert set(updated) == PRODUCT_FIELDS
    assert updated == product | {"price": 750, "updated_at": updated["updated_at"]}
    assert RFC3339_Z.match(updated["updated_at"])
    assert updated["updated_at"] > product["updated_at"]
    fetched = await tenant.client.get(f"/v1/products/{product['id']}")
    assert fetched.json() == updated
    assert fetched.headers["etag"] == response.headers["etag"]


async def test_patch_every_field(tenant: Tenant) -> None:
    product = await create_product(tenant)
    body = {
        "name": "Renamed",
        "sku": "NEW-SKU/2",
        "price": MAX_PRICE,
        "currency": "JPY",
        "stock": 0,
        "status": "discontinued",
    }
    updated = (await tenant.client.patch(f"/v1/products/{product['id']}", json=body)).json()
    assert {k: updated[k] for k in body} == body
    assert (updated["id"], updated["created_at"]) == (product["id"], product["created_at"])
    assert (await tenant.client.get(f"/v1/products/{product['id']}")).json() == updated


async def test_put_has_the_same_partial_semantics(tenant: Tenant) -> None:
    product = await create_product(tenant, name="Keep Me", stock=9)
    response = await tenant.client.put(f"/v1/products/{product['id']}", json={"status": "out_of_stock"})
    assert response.status_code == 200, response.text
    assert response.json() == product | {"status": "out_of_stock", "updated_at": response.json()["updated_at"]}
    assert (await tenant.client.get(f"/v1/products/{product['id']}")).json() == response.json()


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_empty_update_returns_the_product_unchanged(tenant: Tenant, method: str) -> None:
    product = await create_product(tenant)
    response = await tenant.client.request(method, f"/v1/products/{product['id']}", json={})
    assert response.status_code == 200
    assert response.json() == product


async def test_sku_may_change_case_on_its_own_product(tenant: Tenant) -> None:
    product = await create_product(tenant, sku="case-1")
    response = await tenant.client.patch(f"/v1/products/{product['id']}", json={"sku": "CASE-1"})
    assert response.status_code == 200, response.text
    assert response.json()["sku"] == "CASE-1"


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "prod_x"}, "id"),
        ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
        ({"description": "x"}, "description"),
        ({"name": None}, "name"),
        ({"name": "  "}, "name"),
        ({"sku": "has space"}, "sku"),
        ({"sku": ""}, "sku"),
        ({"price": -1}, "price"),
        ({"price": 1.5}, "price"),
        ({"price": True}, "price"),
        ({"price": "100"}, "price"),
        ({"price": None}, "price"),
        ({"price": MAX_PRICE + 1}, "price"),
        ({"stock": -1}, "stock"),
        ({"stock": 2.5}, "stock"),
        ({"currency": "usd"}, "currency"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": None}, "currency"),
        ({"status": "gone"}, "status"),
        ({"name": "Fine", "price": -5}, "price"),  # one bad field spoils the whole change
    ],
)
async def test_invalid_updates_are_400_and_change_nothing(tenant: Tenant, method: str, body: dict, field: str) -> None:
    product = await create_product(tenant)
    response = await tenant.client.request(method, f"/v1/products/{product['id']}", json=body)
    error = assert_error(response, 400, "validation_error")
    assert any(d["field"] == field for d in error["details"]), error
    assert (await tenant.client.get(f"/v1/products/{product['id']}")).json() == product


# --- delete -------------------------------------------------------------------------------------


async def test_delete_is_204_without_body_then_404(tenant: Tenant) -> None:
    product = await create_product(tenant)
    keep = await create_product(tenant)
    response = await tenant.client.delete(f"/v1/products/{product['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert "x-request-id" in response.headers
    for again in (
        await tenant.client.get(f"/v1/products/{product['id']}"),
        await tenant.client.patch(f"/v1/products/{product['id']}", json={"name": "Ghost"}),
        await tenant.client.put(f"/v1/products/{product['id']}", json={"name": "Ghost"}),
        await tenant.client.delete(f"/v1/products/{product['id']}"),
    ):
        assert_error(again, 404, "not_found")
    listed = (await tenant.client.get("/v1/products")).json()
    assert [p["id"] for p in listed["data"]] == [keep["id"]]
    assert listed["meta"]["total"] == 1


async def test_sku_is_freed_by_delete(tenant: Tenant) -> None:
    product = await create_product(tenant, sku="REUSE-1")
    await tenant.client.delete(f"/v1/products/{product['id']}")
    again = await create_product(tenant, sku="reuse-1")
    assert again["id"] != product["id"]


# --- not found ----------------------------------------------------------------------------------

UNKNOWN_IDS = ["prod_doesnotexist", "prod_", "42", "usr_0123456789", "PROD_x", "prod_%25"]


@pytest.mark.parametrize("product_id", UNKNOWN_IDS)
async def test_unknown_and_malformed_ids_are_404_for_every_method(tenant: Tenant, product_id: str) -> None:
    await create_product(tenant)  # a catalog that is not empty
    for method, body in (("GET", None), ("PATCH", {"name": "X"}), ("PUT", {"name": "X"}), ("DELETE", None)):
        response = await tenant.client.request(method, f"/v1/products/{product_id}", json=body)
        error = assert_error(response, 404, "not_found")
        assert "No product with id" in error["message"]
    assert await total(tenant) == 1


async def test_a_users_id_is_not_a_product(tenant: Tenant) -> None:
    user = await tenant.create_user()
    assert_error(await tenant.client.get(f"/v1/products/{user['id']}"), 404, "not_found")
    assert_error(await tenant.client.delete(f"/v1/products/{user['id']}"), 404, "not_found")
    assert (await tenant.client.get(f"/v1/users/{user['id']}")).status_code == 200


# --- conflicts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("second", ["ABC-1", "abc-1", "Abc-1"])
async def test_duplicate_sku_on_create_is_409_case_insensitively(tenant: Tenant, second: str) -> None:
    first = await create_product(tenant, sku="ABC-1")
    response = await tenant.client.post("/v1/products", json={"name": "Other", "sku": second, "price": 1})
    error = assert_error(response, 409, "duplicate_sku")
    assert "location" not in response.headers
    assert error["message"]
    listed = (await tenant.client.get("/v1/products")).json()
    assert [p["id"] for p in listed["data"]] == [first["id"]]


async def test_duplicate_sku_on_update_is_409_case_insensitively_and_changes_nothing(tenant: Tenant) -> None:
    await create_product(tenant, sku="TAKEN-1")
    product = await create_product(tenant, sku="MINE-1", name="Mine")
    for method, sku in (("PATCH", "taken-1"), ("PUT", "TAKEN-1"), ("PATCH", "Taken-1")):
        response = await tenant.client.request(
            method, f"/v1/products/{product['id']}", json={"sku": sku, "name": "Changed"}
        )
        assert_error(response, 409, "duplicate_sku")
    assert (await tenant.client.get(f"/v1/products/{product['id']}")).json() == product


async def test_same_sku_is_fine_in_two_organizations(tenant: Tenant, make_tenant) -> None:
    other = await make_tenant()
    mine = await create_product(tenant, sku="SHARED-1")
    theirs = await create_product(other, sku="shared-1")
    assert mine["id"] != theirs["id"]


# --- ETag and If-Match --------------------------------------------------------------------------


async def test_if_match_gives_optimistic_concurrency(tenant: Tenant) -> None:
    created = await tenant.client.post("/v1/products", json={"name": "E", "sku": "ETAG-1", "price": 10})
    product = created.json()
    url = f"/v1/products/{product['id']}"
    etag = created.headers["etag"]
    assert (await tenant.client.get(url)).headers["etag"] == etag

    first = await tenant.client.patch(url, json={"price": 20}, headers={"If-Match": etag})
    assert first.status_code == 200, first.text
    current = first.headers["etag"]
    assert current != etag
    assert (await tenant.client.get(url)).headers["etag"] == current

    for method, body in (("PATCH", {"price": 30}), ("PUT", {"price": 30}), ("DELETE", None)):
        stale = await tenant.client.request(method, url, json=body, headers={"If-Match": etag})
        error = assert_error(stale, 412, "precondition_failed")
        assert product["id"] in error["message"]
    assert (await tenant.client.get(url)).json() == first.json()

    put = await tenant.client.put(url, json={"stock": 4}, headers={"If-Match": f'"nope", {current}'})
    assert put.status_code == 200
    assert put.json()["stock"] == 4 and put.json()["price"] == 20
    anything = await tenant.client.patch(url, json={"stock": 5}, headers={"If-Match": "*"})
    assert anything.status_code == 200
    deleted = await tenant.client.delete(url, headers={"If-Match": f"W/{anything.headers['etag']}"})
    assert deleted.status_code == 204
    assert_error(await tenant.client.patch(url, json={}, headers={"If-Match": current}), 404, "not_found")
