"""Models: typed, forward compatible (unknown fields ignored), attribute and item access."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from redcore import (
    ApiKey,
    Event,
    NewApiKey,
    Page,
    Product,
    Team,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

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


def test_webhook_models_decode_the_api_shapes() -> None:
    body = b"""{"id": "we_1", "url": "https://hooks.example.com/redcore", "description": null,
                "event_types": null, "enabled": true, "disabled_reason": null, "previous_secret_expires_at": null,
                "created_at": "2026-04-01T14:22:00Z", "updated_at": "2026-04-01T14:22:00Z"}"""
    endpoint = msgspec.json.decode(body, type=WebhookEndpoint)
    assert (endpoint.secret, endpoint.event_types, endpoint["enabled"]) == (None, None, True)  # no secret but once

    body = b"""{"id": "msg_1", "endpoint_id": "we_1", "event_id": "evt_1", "event_type": "user.created",
                "status": "failed", "attempt_count": 1, "next_attempt_at": null,
                "created_at": "2026-04-01T14:22:00Z", "updated_at": "2026-04-01T14:22:01Z",
                "attempts": [{"attempt": 1, "created_at": "2026-04-01T14:22:01Z", "status_code": null,
                              "duration_ms": 10000, "error": "timed out after 10s", "response_excerpt": null}]}"""
    delivery = msgspec.json.decode(body, type=WebhookDelivery)
    [attempt] = delivery.attempts
    assert isinstance(attempt, WebhookAttempt)
    assert (attempt.status_code, attempt.error) == (None, "timed out after 10s")
    assert delivery.to_dict()["attempts"][0]["created_at"] == "2026-04-01T14:22:01Z"


def test_an_event_and_a_webhook_event_carry_the_object() -> None:
    body = b"""{"id": "evt_1", "type": "product.deleted", "created_at": "2026-04-01T14:22:00Z",
                "data": {"id": "prod_1", "price": 4999}, "request_id": "req_1", "credential_id": null}"""
    event = msgspec.json.decode(body, type=Event)
    assert (event.type, event.data["price"], event.request_id, event.credential_id) == (
        "product.deleted",
        4999,
        "req_1",
        None,
    )
    delivered = msgspec.json.decode(body, type=WebhookEvent)  # the receiver's view: who made it is not sent
    assert (delivered.id, delivered.data) == (event.id, event.data)
    assert "request_id" not in delivered


def test_api_key_models_decode_the_api_shapes_and_keep_the_secret_out_of_the_repr() -> None:
    body = b"""{"id": "key_1", "name": null, "prefix": "sk_live_abc123", "scopes": ["users:read"],
                "rate_limit": null, "created_at": "2026-04-01T14:22:00Z", "last_used_at": null,
                "expires_at": "2026-05-01T00:00:00Z", "revoked_at": null}"""
    key = msgspec.json.decode(body, type=ApiKey)
    assert (key.name, key.scopes, key["expires_at"].isoformat()) == (None, ["users:read"], "2026-05-01T00:00:00+00:00")
    assert "secret" not in key

    made = msgspec.json.decode(body[:-1] + b', "secret": "sk_live_abc123XYZ"}', type=NewApiKey)
    assert isinstance(made, ApiKey)
    assert made.secret == "sk_live_abc123XYZ"
    assert made.to_dict()["secret"] == "sk_live_abc123XYZ"
    assert "sk_live_abc123XYZ" not in repr(made)
    assert repr(made).startswith("NewApiKey(id='key_1', name=None, prefix='sk_live_abc123'")


def test_the_sdk_knows_every_event_type_and_scope_the_server_has() -> None:
    from typing import get_args

    from redcore._models import EventType, Scope
    from redcore_server.auth.scopes import ALL_SCOPES
    from redcore_server.webhooks.schemas import EVENT_TYPES

    assert set(get_args(EventType)) == set(EVENT_TYPES)
    assert list(get_args(Scope)) == list(ALL_SCOPES)


def test_a_team_decodes_the_api_shape_and_has_the_servers_fields() -> None:
    from redcore_server.teams.schemas import Team as ServerTeam

    body = b"""{"id": "team_1", "name": "Platform", "description": null, "member_count": 3,
                "created_at": "2026-04-01T14:22:00Z", "updated_at": "2026-04-01T14:22:00Z"}"""
    team = msgspec.json.decode(body, type=Team)
    assert (team.name, team.description, team["member_count"]) == ("Platform", None, 3)
    assert set(Team.__struct_fields__) == set(ServerTeam.__struct_fields__)
