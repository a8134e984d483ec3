"""The OpenAPI document describes every route and error, and the docs work offline."""

from __future__ import annotations

import re
from typing import Any

from tests.support import Tenant, http_client


async def test_openapi_describes_every_users_route(tenant: Tenant) -> None:
    async with http_client(tenant.app) as anonymous:
        response = await anonymous.get("/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    assert set(paths["/v1/users"]) >= {"get", "post"}
    assert set(paths["/v1/users/{id}"]) >= {"get", "patch", "put", "delete"}

    post = paths["/v1/users"]["post"]
    body_ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body_ref.endswith("/UserCreate")
    assert {"201", "400", "401", "403", "409", "413", "415"} <= set(post["responses"])
    assert paths["/v1/users/{id}"]["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/UserUpdate"
    )
    assert "204" in paths["/v1/users/{id}"]["delete"]["responses"]
    assert "404" in paths["/v1/users/{id}"]["get"]["responses"]

    list_params = {p["name"] for p in paths["/v1/users"]["get"]["parameters"]}
    assert list_params >= {
        "limit",
        "offset",
        "page",
        "sort",
        "order",
        "starting_after",
        "role",
        "status",
        "q",
        "search",
    }

    for path, item in paths.items():
        for method, operation in item.items():
            for status, resp in operation["responses"].items():
                if status.startswith(("4", "5")):
                    ref = resp["content"]["application/json"]["schema"]["$ref"]
                    expected = "/Health" if path == "/health" else "/ErrorResponse"  # /health answers its state
                    assert ref.endswith(expected), (path, method, status)

    assert set(paths["/v1/products"]) >= {"get", "post"}
    assert set(paths["/v1/products/{id}"]) >= {"get", "patch", "put", "delete"}
    product_post = paths["/v1/products"]["post"]
    assert product_post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ProductCreate")
    product_params = {p["name"] for p in paths["/v1/products"]["get"]["parameters"]}
    assert product_params >= {"limit", "offset", "page", "sort", "order", "starting_after", "status", "q"}

    schemas = doc["components"]["schemas"]
    assert set(schemas["ProductCreate"]["required"]) == {"name", "sku", "price"}
    assert schemas["Product"]["properties"]["price"]["type"] == "integer"
    assert "password" not in schemas["User"]["properties"]
    assert set(schemas["UserCreate"]["required"]) == {"email", "name"}
    assert doc["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


async def test_docs_page_and_its_assets_are_served_locally(tenant: Tenant) -> None:
    async with http_client(tenant.app) as anonymous:
        page = await anonymous.get("/docs")
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        assert not re.search(r"(src|href)=\"https?://", page.text)  # nothing from a CDN
        assert "<script>" not in page.text  # scripts are files: the page's CSP allows no inline script
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assets = re.findall(r"(?:src|href)=\"(/docs/assets/[^\"]+)\"", page.text)
        assert len(assets) == 3
        for asset in assets:
            response = await anonymous.get(asset)
            assert response.status_code == 200
            assert len(response.content) > 500


async def test_the_document_is_valid_openapi_3_1(tenant: Tenant) -> None:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    async with http_client(tenant.app) as anonymous:
        doc = (await anonymous.get("/openapi.json")).json()
        assert (await anonymous.get("/schema/openapi.json")).json() == doc  # one document, wherever read
        assert (await anonymous.get("/schema/swagger")).status_code == 404  # no pages that load from CDNs
    assert [e.message for e in OpenAPIV31SpecValidator(doc).iter_errors()] == []
    public = {
        "/health",
        "/v1/auth/token",
        "/v1/auth/refresh",
        "/v1/invitations/accept",
        "/v1/auth/password_reset",
        "/v1/auth/password_reset/confirm",
        "/v1/auth/verify_email",
    }
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", operation["operationId"]), operation["operationId"]
            assert (operation.get("security") == []) == (path in public), (path, method)
            if path.startswith("/v1/") and path not in public:
                assert "429" in operation["responses"], (path, method)


async def test_the_document_says_what_metadata_the_server_takes(tenant: Tenant) -> None:
    """Nested metadata text and keys may not hold U+0000 and objects nest five levels at most: the
    document says both, so a client (or a test generator) that follows it is never refused."""
    from jsonschema import Draft202012Validator

    async with http_client(tenant.app) as anonymous:
        doc = (await anonymous.get("/openapi.json")).json()
    schema = {"$ref": "#/components/schemas/ProductCreate", "components": doc["components"]}  # refs resolve here
    product = {"sku": "META-1", "name": "Meta", "price": 1}
    cases = [
        ({"a": {"b": [{"c": [1, "x", None, True]}]}}, True),  # five levels
        ({"a": {"b": [{"c": [[1]]}]}}, False),  # six
        ({"a": [{"k\u0000": 1}]}, False),
        ({"a": {"b": ["t\u0000"]}}, False),
    ]
    for metadata, documented in cases:
        body = product | {"metadata": metadata}
        valid = Draft202012Validator(schema).is_valid(body)
        assert valid is documented, metadata
        response = await tenant.client.post("/v1/products", json=body | {"sku": f"META-{len(str(metadata))}"})
        assert (response.status_code == 201) is documented, (metadata, response.text)


async def test_the_scopes_each_operation_names_are_the_ones_the_server_asks_for(tenant: Tenant) -> None:
    """For every operation whose security names scopes: a key holding every scope but one of them is
    refused with 403 ``insufficient_scope`` naming that one, and a key holding just them is not."""
    from redcore_server.auth.scopes import ALL_SCOPES

    async with http_client(tenant.app) as anonymous:
        doc = (await anonymous.get("/openapi.json")).json()
    scoped = [
        (path, method, tuple(operation["security"][0]["apiKey"]))
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete") and (operation.get("security") or [{}])[0].get("apiKey")
    ]
    assert len(scoped) > 40
    assert ("/v1/teams/{team_id}/members", "get", ("teams:read", "users:read")) in scoped
    clients: dict[tuple[str, ...], Any] = {}

    async def holding(scopes: tuple[str, ...]) -> Any:
        if scopes not in clients:
            clients[scopes] = await tenant.client_with(*scopes)
        return clients[scopes]

    for path, method, scopes in scoped:
        url = re.sub(r"\{[^}]+\}", "x_missing", path)
        for scope in scopes:
            lacking = await holding(tuple(s for s in ALL_SCOPES if s != scope))
            refused = await lacking.request(method.upper(), url, json={})
            assert refused.status_code == 403, (method, path, refused.text)
            assert refused.json()["error"]["code"] == "insufficient_scope", (method, path)
            assert f"`{scope}`" in refused.json()["error"]["message"], (method, path)
        allowed = await (await holding(scopes)).request(method.upper(), url, json={})
        assert allowed.status_code < 500, (method, path, allowed.text)
        if allowed.status_code == 403:
            assert allowed.json()["error"]["code"] != "insufficient_scope", (method, path, allowed.text)
