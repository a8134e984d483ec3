"""Models: typed, forward compatible (unknown fields ignored), attribute and item access."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from redcore import Page, Product, User

USER_JSON = b"""{
  "id": "usr_98765", "email": "alice@example.com", "name": "Alice M\\u00fcller", "role": "admin",
  "status": "active", "avatar": null, "last_login": "2026-04-01T14:22:00Z",
  "created_at": "2025-11-15T08:30:00Z", "updated_at": "2026-04-01T14:22:00.123456Z",
  "a_field_from_a_newer_server": {"nested": [1, 2, 3]}
}"""


def test_a_user_is_typed_and_ignores_unknown_fields() -> None:
    user = msgspec.json.decode(USER_JSON, type=User)
    assert user.name == "Alice Müller"
    assert user.created_at == datetime(2025, 11, 15, 8, 30, tzinfo=UTC)
    assert user.last_login == datetime(2026, 4, 1, 14, 22, tzinfo=UTC)
    assert user.updated_at.microsecond == 123456
    assert not hasattr(user, "a_field_from_a_newer_server")


def test_attribute_and_item_access() -> None:
    user = msgspec.json.decode(USER_JSON, type=User)
    assert user["email"] == user.email == "alice@example.com"
    assert "email" in user
    assert "password" not in user
    assert user.get("role") == "admin"
    assert user.get("nope", 42) == 42
    with pytest.raises(KeyError):
        user["nope"]
    with pytest.raises(KeyError):
        user["__class__"]  # only fields, never other attributes
    data = user.to_dict()
    assert data["created_at"] == "2025-11-15T08:30:00Z"
    assert set(data) == set(User.__struct_fields__)


def test_unknown_enum_values_and_missing_optional_fields_are_accepted() -> None:
    body = b"""{"id": "usr_1", "email": "a@example.com", "name": "A", "role": "owner", "status": "archived",
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}"""
    user = msgspec.json.decode(body, type=User)
    assert (user.role, user.status, user.avatar, user.last_login) == ("owner", "archived", None, None)


def test_a_page_iterates_its_items_and_answers_item_access() -> None:
    body = b"""{"data": [{"id": "prod_00123", "name": "Titanium Widget Pro", "sku": "TWP-001", "price": 4999,
                          "currency": "USD", "stock": 250, "status": "available",
                          "created_at": "2026-01-10T12:00:00Z", "updated_at": "2026-01-10T12:00:00Z"}],
               "meta": {"total": 87, "limit": 5, "offset": 0, "page": 1, "pages": 18, "has_more": true,
                        "next_cursor": "xyz"}}"""
    page = msgspec.json.decode(body, type=Page[Product])
    assert [p.sku for p in page] == ["TWP-001"]
    assert len(page) == 1
    assert page["data"][0]["price"] == 4999
    assert page["meta"]["total"] == 87
    assert page.meta.next_cursor == "xyz"
    assert page.has_more


def test_the_seeds_short_meta_is_enough() -> None:
    page = msgspec.json.decode(b'{"data": [], "meta": {"total": 42, "limit": 10, "offset": 0}}', type=Page[User])
    assert page.meta.total == 42
    assert not page.has_more
