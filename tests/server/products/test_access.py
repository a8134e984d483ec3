"""Products: authentication, scopes and tenant isolation."""

from __future__ import annotations

from tests.support import Tenant, http_client
from tests.support.products import VALID, create_product, total, without_request_id
from tests.support.responses import assert_error

# --- authentication and scopes ------------------------------------------------------------------


async def test_requests_without_a_valid_key_are_401(tenant: Tenant) -> None:
    product = await create_product(tenant)
    url = f"/v1/products/{product['id']}"
    async with http_client(tenant.app) as anonymous, http_client(tenant.app, "sk_live_wrong") as wrong:
        for client in (anonymous, wrong):
            for method, path, body in (
                ("GET", "/v1/products", None),
                ("POST", "/v1/products", VALID),
                ("GET", url, None),
                ("PATCH", url, {"name": "X"}),
                ("PUT", url, {"name": "X"}),
                ("DELETE", url, None),
            ):
                response = await client.request(method, path, json=body)
                assert_error(response, 401, "invalid_api_key")
                assert response.headers["www-authenticate"].startswith("Bearer")
                assert product["name"] not in response.text
    assert (await tenant.client.get(url)).json() == product


async def test_read_only_key_gets_403_on_every_write(tenant: Tenant) -> None:
    product = await create_product(tenant)
    url = f"/v1/products/{product['id']}"
    reader = await tenant.client_with("products:read")
    assert (await reader.get("/v1/products")).json()["meta"]["total"] == 1
    assert (await reader.get(url)).json() == product
    for response in (
        await reader.post("/v1/products", json={"name": "W", "sku": "W-1", "price": 1}),
        await reader.patch(url, json={"name": "W"}),
        await reader.put(url, json={"name": "W"}),
        await reader.delete(url),
    ):
        error = assert_error(response, 403, "insufficient_scope")
        assert "products:write" in error["message"]
    assert (await tenant.client.get(url)).json() == product
    assert await total(tenant) == 1


async def test_write_only_key_can_write_but_not_read(tenant: Tenant) -> None:
    writer = await tenant.client_with("products:write")
    created = await writer.post("/v1/products", json={"name": "W", "sku": "W-1", "price": 1})
    assert created.status_code == 201
    url = f"/v1/products/{created.json()['id']}"
    assert (await writer.patch(url, json={"price": 2})).status_code == 200
    assert (await writer.put(url, json={"price": 3})).status_code == 200
    for response in (
        await writer.get("/v1/products"),
        await writer.get(url),
        await writer.get("/v1/products/prod_missing"),
    ):
        error = assert_error(response, 403, "insufficient_scope")
        assert "products:read" in error["message"]
    assert (await tenant.client.get(url)).json()["price"] == 3
    assert (await writer.delete(url)).status_code == 204
    assert await total(tenant) == 0


async def test_a_key_with_only_user_scopes_can_do_nothing_with_products(tenant: Tenant) -> None:
    product = await create_product(tenant)
    url = f"/v1/products/{product['id']}"
    users_only = await tenant.client_with("users:read", "users:write")
    assert (await users_only.get("/v1/users")).status_code == 200
    for response, scope in (
        (await users_only.get("/v1/products"), "products:read"),
        (await users_only.get(url), "products:read"),
        (await users_only.post("/v1/products", json=VALID), "products:write"),
        (await users_only.patch(url, json={"name": "X"}), "products:write"),
        (await users_only.put(url, json={"name": "X"}), "products:write"),
        (await users_only.delete(url), "products:write"),
    ):
        error = assert_error(response, 403, "insufficient_scope")
        assert scope in error["message"]
    assert (await tenant.client.get(url)).json() == product
    assert await total(tenant) == 1


# --- tenant isolation (BOLA) --------------------------------------------------------------------


async def test_other_organizations_products_are_404_everywhere_and_never_listed(tenant: Tenant, make_tenant) -> None:
    other = await make_tenant()
    theirs = await create_product(other, name="Secret Prototype", sku="SECRET-9", price=99)
    mine = await create_product(tenant, name="My Product", sku="MINE-1")
    url = f"/v1/products/{theirs['id']}"
    missing = "prod_" + "0" * len(theirs["id"][5:])
    for method, body in (("GET", None), ("PATCH", {"name": "Hijacked"}), ("PUT", {"price": 0}), ("DELETE", None)):
        response = await tenant.client.request(method, url, json=body)
        error = assert_error(response, 404, "not_found")
        assert error["message"] == f"No product with id {theirs['id']!r}."
        assert "Secret" not in response.text and "SECRET" not in response.text
        assert "etag" not in response.headers
        # Exactly as a missing id answers: same status, code and shape.
        absent = await tenant.client.request(method, f"/v1/products/{missing}", json=body)
        assert without_request_id(absent) == without_request_id(response) | {
            "message": f"No product with id {missing!r}."
        }
    etag = (await other.client.get(url)).headers["etag"]
    for method in ("PATCH", "DELETE"):
        response = await tenant.client.request(method, url, json={"name": "X"}, headers={"If-Match": etag})
        assert_error(response, 404, "not_found")

    for params in ({}, {"q": "secret"}, {"q": "SECRET-9"}, {"q": "se"}, {"q": "9"}, {"status": "available"}):
        listed = (await tenant.client.get("/v1/products", params=params)).json()
        assert theirs["id"] not in {p["id"] for p in listed["data"]}, params
        assert "Secret" not in str(listed)
    listed = (await tenant.client.get("/v1/products")).json()
    assert [p["id"] for p in listed["data"]] == [mine["id"]]
    assert listed["meta"]["total"] == 1
    assert (await tenant.client.get("/v1/products", params={"q": "secret"})).json()["meta"]["total"] == 0
    assert (await other.client.get(url)).json() == theirs


async def test_a_foreign_sku_does_not_block_an_update(tenant: Tenant, make_tenant) -> None:
    other = await make_tenant()
    await create_product(other, sku="THEIRS-1")
    mine = await create_product(tenant, sku="MINE-2")
    response = await tenant.client.patch(f"/v1/products/{mine['id']}", json={"sku": "theirs-1"})
    assert response.status_code == 200, response.text
    assert response.json()["sku"] == "theirs-1"
