"""A JSON body with a key twice in one object is refused (400 ``validation_error`` naming the key),
at any depth, never "the last one wins": ``{"role": "viewer", "role": "admin"}`` made an admin."""

from __future__ import annotations

from typing import Any

import pytest

from redcore_server import errors
from redcore_server.http.body import decode_body, duplicate_key
from tests.support import Tenant
from tests.support.responses import assert_error

JSON = {"content-type": "application/json"}


def _field(response) -> str:
    error = assert_error(response, 400, "validation_error")
    assert "more than once" in error["message"]
    return error["details"][0]["field"]


async def test_a_repeated_role_is_refused_and_nobody_is_made_admin(tenant: Tenant) -> None:
    body = b'{"email": "twice@example.com", "name": "Twice", "role": "viewer", "role": "admin"}'
    assert _field(await tenant.client.post("/v1/users", content=body, headers=JSON)) == "role"
    listed = (await tenant.client.get("/v1/users", params={"q": "twice@example.com"})).json()
    assert listed["data"] == []  # nothing was created


async def test_every_write_refuses_a_repeated_key(tenant: Tenant) -> None:
    user = await tenant.create_user(role="viewer")
    product = (await tenant.client.post("/v1/products", json={"name": "P", "sku": "DUP-1", "price": 1})).json()
    cases = [
        ("PATCH", f"/v1/users/{user['id']}", b'{"role": "viewer", "role": "admin"}', "role"),
        ("PUT", f"/v1/users/{user['id']}", b'{"name": "A", "email": "a@example.com", "name": "B"}', "name"),
        ("POST", "/v1/products", b'{"name": "P", "sku": "DUP-2", "price": 1, "price": 0}', "price"),
        ("PATCH", f"/v1/products/{product['id']}", b'{"stock": 1, "stock": 2}', "stock"),
        (
            "POST",
            "/v1/webhook_endpoints",
            b'{"url": "https://h.example.com/a", "url": "https://h.example.com/b"}',
            "url",
        ),
        (
            "POST",
            "/v1/auth/token",
            b'{"organization": "o", "email": "a@example.com", "email": "b@example.com", "password": "p"}',
            "email",
        ),
        ("POST", "/v1/invitations/accept", b'{"token": "rci_a", "password": "password1", "token": "rci_b"}', "token"),
        # The same key spelled with an escape is the same key.
        ("PATCH", f"/v1/users/{user['id']}", b'{"role": "viewer", "r\\u006fle": "admin"}', "role"),
    ]
    for method, path, body, key in cases:
        response = await tenant.client.request(method, path, content=body, headers=JSON)
        assert _field(response) == key, (method, path)
    assert (await tenant.client.get(f"/v1/users/{user['id']}")).json()["role"] == "viewer"
    assert (await tenant.client.get(f"/v1/products/{product['id']}")).json()["stock"] == 0


async def test_the_same_key_in_different_objects_is_fine(tenant: Tenant) -> None:
    response = await tenant.client.post(
        "/v1/users", content=b'{"email": "fine@example.com", "name": "Fine", "role": "editor"}', headers=JSON
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b'{"a": 1, "a": 2}', "a"),
        (b'{"a": {"b": 1, "c": {"d": 1, "d": 2}}}', "a.c.d"),
        (b'{"items": [{"sku": "x"}, {"sku": "y", "sku": "z"}]}', "items[1].sku"),
        (b'[{"k": 1}, [{"k": 1, "k": 1}]]', "[1][0].k"),
        (b'{"a": 1, "b": {"a": 1}, "c": [{"a": 1}, {"a": 2}]}', None),  # repeated only across objects
        (b'{"n": 123456789012345678901234567890, "n2": 1e999}', None),  # numbers are never converted
    ],
)
def test_duplicates_are_found_at_any_depth(raw: bytes, where: str | None) -> None:
    """Current bodies have no nested objects; the check is generic for those to come (metadata)."""
    assert duplicate_key(raw) == where
    if where is not None:
        with pytest.raises(errors.ValidationError) as caught:
            decode_body(raw, Any)
        assert caught.value.details is not None and caught.value.details[0].field == where


def test_a_body_nested_too_deeply_is_invalid_json_not_a_crash() -> None:
    """Only an untyped part of a body could nest this deep; msgspec and the key check both recurse."""
    with pytest.raises(errors.InvalidJSON):
        decode_body(b"[" * 5000 + b"]" * 5000, Any)
