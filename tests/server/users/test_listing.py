"""Listing users: filters, search, sorting, offset/page/cursor pagination and ``meta``."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import Tenant, walk_list
from tests.support.responses import assert_error

ROLES = ("admin", "editor", "viewer")
NAMES = ("alice", "Bob", "carol", "Dave", "eve", "Émile", "frank")  # mixed case, accents and duplicates


async def seed(tenant: Tenant, count: int) -> list[dict]:
    """``count`` users with repeating names (so sorts have ties) and varied roles."""
    db = tenant.app.state.db
    users = []

    async def one(i: int) -> None:
        users.append(
            await tenant.create_user(
                email=f"user{i:04d}@example.com", name=f"{NAMES[i % len(NAMES)]} {i % 5}", role=ROLES[i % 3]
            )
        )

    for start in range(0, count, 25):
        await asyncio.gather(*(one(i) for i in range(start, min(start + 25, count))))
    assert db is not None
    return users


async def walk(tenant: Tenant, mode: str, **params) -> list[str]:
    """The ids of every user the list gives, page by page (``mode``: offset, page or cursor)."""
    return [u["id"] for u in await walk_list(tenant.client, "/v1/users", mode, **params)]


def expected_order(users: list[dict], sort: str, order: str) -> list[str]:
    ranked = sorted(users, key=lambda u: (u[sort], u["id"]), reverse=order == "desc")
    return [u["id"] for u in ranked]


@pytest.fixture
async def two_fifty(tenant: Tenant) -> list[dict]:
    return await seed(tenant, 250)


@pytest.mark.parametrize("sort", ["created_at", "name", "email"])
@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("mode", ["offset", "page", "cursor"])
async def test_walking_250_users_has_no_repeat_and_no_gap(
    tenant: Tenant, two_fifty: list[dict], sort: str, order: str, mode: str
) -> None:
    ids = await walk(tenant, mode, sort=sort, order=order)
    assert len(ids) == len(set(ids)) == 250
    if sort == "created_at":
        # Timestamps may tie; the id breaks ties, and both come back in one consistent order.
        listed = {u["id"]: u for u in two_fifty}
        keys = [(listed[i]["created_at"], i) for i in ids]
        assert keys == sorted(keys, reverse=order == "desc")
    else:
        # Text order is the database's collation; check the walk matches one unpaged query's order.
        assert ids == await walk(tenant, "offset", sort=sort, order=order, limit=100)


async def test_default_order_is_newest_first(tenant: Tenant) -> None:
    first = await tenant.create_user()
    second = await tenant.create_user()
    data = (await tenant.client.get("/v1/users")).json()["data"]
    assert [u["id"] for u in data] == [second["id"], first["id"]]


async def test_meta_for_offset_and_page(tenant: Tenant) -> None:
    await seed(tenant, 45)
    body = (await tenant.client.get("/v1/users", params={"limit": 10, "page": 3})).json()
    assert body["meta"] == {
        "total": 45,
        "total_exact": True,
        "limit": 10,
        "offset": 20,
        "page": 3,
        "pages": 5,
        "has_more": True,
        "next_cursor": body["meta"]["next_cursor"],
    }
    assert len(body["data"]) == 10
    assert body["meta"]["next_cursor"]
    last = (await tenant.client.get("/v1/users", params={"limit": 10, "offset": 40})).json()
    assert len(last["data"]) == 5
    assert last["meta"]["has_more"] is False
    assert last["meta"]["next_cursor"] is None
    assert last["meta"]["page"] == 5
    beyond = (await tenant.client.get("/v1/users", params={"limit": 10, "page": 9})).json()
    assert beyond["data"] == []
    assert beyond["meta"]["total"] == 45


async def test_default_limit_is_20(tenant: Tenant) -> None:
    await seed(tenant, 21)
    body = (await tenant.client.get("/v1/users")).json()
    assert len(body["data"]) == 20
    assert body["meta"]["limit"] == 20


async def test_cursor_pages_report_null_offset_and_page(tenant: Tenant) -> None:
    await seed(tenant, 5)
    first = (await tenant.client.get("/v1/users", params={"limit": 2})).json()
    second = (
        await tenant.client.get("/v1/users", params={"limit": 2, "starting_after": first["meta"]["next_cursor"]})
    ).json()
    assert second["meta"]["offset"] is None
    assert second["meta"]["page"] is None
    assert second["meta"]["total"] == 5
    assert not {u["id"] for u in first["data"]} & {u["id"] for u in second["data"]}


async def test_filters_by_role_and_status(tenant: Tenant) -> None:
    await tenant.create_user(role="admin", password="a password 1")
    await tenant.create_user(role="admin")
    await tenant.create_user(role="viewer", password="a password 2")
    admins = (await tenant.client.get("/v1/users", params={"role": "admin"})).json()
    assert admins["meta"]["total"] == 2
    assert {u["role"] for u in admins["data"]} == {"admin"}
    active_admins = (await tenant.client.get("/v1/users", params={"role": "admin", "status": "active"})).json()
    assert active_admins["meta"]["total"] == 1
    invited = (await tenant.client.get("/v1/users", params={"status": "pending_invite"})).json()
    assert [u["status"] for u in invited["data"]] == ["pending_invite"]


@pytest.mark.parametrize("param", ["q", "search"])
async def test_search_is_partial_and_case_insensitive_on_name_or_email(tenant: Tenant, param: str) -> None:
    await tenant.create_user(name="Alice Müller", email="alice@wonder.example")
    await tenant.create_user(name="Bob Stone", email="bstone@quarry.example")
    await tenant.create_user(name="Carol", email="carol_100%@x.example")

    async def names(text: str) -> set[str]:
        response = await tenant.client.get("/v1/users", params={param: text})
        assert response.status_code == 200
        return {u["name"] for u in response.json()["data"]}

    assert await names("ALICE") == {"Alice Müller"}
    assert await names("müll") == {"Alice Müller"}
    assert await names("Ü") == {"Alice Müller"}  # short queries fold non-ASCII case too
    assert await names("quarry") == {"Bob Stone"}  # email only
    assert await names("st") == {"Bob Stone"}  # short query
    assert await names("ro") == {"Carol"}
    assert await names("100%") == {"Carol"}  # wildcards are literal
    assert await names("_100") == {"Carol"}
    assert await names("%") == {"Carol"}
    assert await names('"quoted"') == set()
    assert await names("nobody") == set()


async def test_search_with_filters_and_total(tenant: Tenant) -> None:
    for i in range(6):
        await tenant.create_user(name=f"Team Member {i}", role="editor" if i % 2 else "viewer")
    body = (await tenant.client.get("/v1/users", params={"q": "member", "role": "editor", "limit": 2})).json()
    assert body["meta"]["total"] == 3
    assert body["meta"]["pages"] == 2
    assert all(u["role"] == "editor" for u in body["data"])


async def test_search_follows_renames_and_deletes(tenant: Tenant) -> None:
    user = await tenant.create_user(name="Original Name")
    await tenant.client.patch(f"/v1/users/{user['id']}", json={"name": "Renamed Person"})
    assert (await tenant.client.get("/v1/users", params={"q": "original"})).json()["data"] == []
    assert len((await tenant.client.get("/v1/users", params={"q": "renamed"})).json()["data"]) == 1
    await tenant.client.delete(f"/v1/users/{user['id']}")
    assert (await tenant.client.get("/v1/users", params={"q": "renamed"})).json()["data"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"page": 0}, "page"),
        ({"page": 1, "offset": 0}, "page"),
        ({"sort": "password_hash"}, "sort"),
        ({"order": "sideways"}, "order"),
        ({"status": "deleted"}, "status"),
        ({"starting_after": "not-a-cursor"}, "starting_after"),
    ],
)
async def test_bad_list_parameters_are_400(tenant: Tenant, params: dict, field: str) -> None:
    error = assert_error(await tenant.client.get("/v1/users", params=params), 400, "validation_error")
    assert any(d["field"] == field for d in error["details"]), error


async def test_cursor_from_another_sort_is_refused(tenant: Tenant) -> None:
    await seed(tenant, 3)
    cursor = (await tenant.client.get("/v1/users", params={"limit": 1, "sort": "name"})).json()["meta"]["next_cursor"]
    response = await tenant.client.get("/v1/users", params={"limit": 1, "sort": "email", "starting_after": cursor})
    assert_error(response, 400, "validation_error")
    response = await tenant.client.get("/v1/users", params={"limit": 1, "starting_after": cursor, "offset": 1})
    assert_error(response, 400, "validation_error")
