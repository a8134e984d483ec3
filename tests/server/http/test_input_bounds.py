"""What issue 11 found (500s on both databases) and what answers now: integers past the drivers'
64-bit range, U+0000 in a search or an id, forged cursors and calendar-edge times are 400s
naming the parameter; the largest values allowed still work."""

from __future__ import annotations

import base64

import msgspec
import pytest

from redcore_server.kit.params import MAX_LIMIT, MAX_OFFSET, MAX_PAGE
from tests.support import Tenant
from tests.support.responses import assert_error


async def _lists(tenant: Tenant) -> list[str]:
    user = await tenant.create_user()
    endpoint = await tenant.client.post("/v1/webhook_endpoints", json={"url": "https://hooks.example.com/x"})
    return [
        "/v1/users",
        "/v1/products",
        "/v1/events",
        "/v1/webhook_endpoints",
        f"/v1/webhook_endpoints/{endpoint.json()['id']}/deliveries",
        f"/v1/users/{user['id']}/sessions",
    ]


def _field(response) -> str:
    return assert_error(response, 400, "validation_error")["details"][0]["field"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"offset": "99999999999999999999"}, "offset"),
        ({"offset": str(2**63)}, "offset"),
        ({"offset": str(MAX_OFFSET + 1)}, "offset"),
        ({"page": "4611686018427387904"}, "page"),
        ({"page": str(MAX_PAGE + 1), "limit": "1"}, "page"),
        ({"limit": str(2**64)}, "limit"),
        ({"sort": "created_at\x00"}, "sort"),
        ({"starting_after": "abc\x00"}, "starting_after"),
    ],
)
async def test_every_list_refuses_out_of_range_integers(tenant: Tenant, params: dict, field: str) -> None:
    for path in await _lists(tenant):
        assert _field(await tenant.client.get(path, params=params)) == field, path


async def test_the_largest_offset_and_page_still_answer(tenant: Tenant) -> None:
    await tenant.create_user()
    for path in await _lists(tenant):
        for params in ({"offset": MAX_OFFSET}, {"page": MAX_PAGE, "limit": MAX_LIMIT}):
            response = await tenant.client.get(path, params=params)
            assert response.status_code == 200, (path, params, response.text)
            assert response.json()["data"] == []


@pytest.mark.parametrize(("path", "param"), [("/v1/users", "q"), ("/v1/users", "search"), ("/v1/products", "q")])
async def test_a_nul_in_a_search_is_400(tenant: Tenant, path: str, param: str) -> None:
    for text in ("a\x00b", "ab\x00cd", "abc\x00", "\x00"):
        assert _field(await tenant.client.get(path, params={param: text})) == param


@pytest.mark.parametrize("collection", ["users", "products", "events", "webhook_endpoints"])
async def test_a_nul_in_an_id_is_400(tenant: Tenant, collection: str) -> None:
    assert _field(await tenant.client.get(f"/v1/{collection}/x_%00")) == "id"
    if collection != "events":  # read-only
        assert _field(await tenant.client.delete(f"/v1/{collection}/x_%00")) == "id"


def _cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(list(parts))).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/v1/users", _cursor("created_at", "desc", "2026-01-01T00:00:00+00:00", "usr_\x00")),
        ("/v1/users?sort=name&order=asc", _cursor("name", "asc", "a\x00", "usr_1")),
        ("/v1/users?sort=name&order=asc", _cursor("name", "asc", "a\nb", "usr_1")),
        ("/v1/products?sort=price&order=asc", _cursor("price", "asc", 2**63, "prod_1")),
        ("/v1/products?sort=price&order=asc", _cursor("price", "asc", -(2**70), "prod_1")),
        ("/v1/products?sort=price&order=asc", _cursor("price", "asc", True, "prod_1")),
        ("/v1/users", _cursor("created_at", "desc", "2026-01-01T00:00:00", "usr_1")),  # no offset
        ("/v1/users", _cursor("created_at", "desc", "0001-01-01T00:00:00+01:00", "usr_1")),
        ("/v1/users", _cursor("created_at", "desc", "9999-12-31T23:59:59-01:00", "usr_1")),
        ("/v1/users", _cursor("created_at\x00", "desc", "2026-01-01T00:00:00+00:00", "usr_1")),
    ],
)
async def test_forged_cursors_are_400(tenant: Tenant, path: str, cursor: str) -> None:
    """A cursor is opaque but anyone can make one: whatever it carries into the query is checked."""
    response = await tenant.client.get(path, params={"starting_after": cursor})
    assert _field(response) == "starting_after"


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-00:01"]
)
@pytest.mark.parametrize("param", ["created_after", "created_before"])
async def test_event_times_past_the_calendar_are_400(tenant: Tenant, param: str, moment: str) -> None:
    assert _field(await tenant.client.get("/v1/events", params={param: moment})) == param
