"""Walking 250 users: ``list_all`` pages and ``iter`` items, by keyset cursor, with no repeat and no gap."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from redcore import Client, ListMeta, Page, User
from redcore.pagination import first_page_params, next_page_params
from tests.sdk.helpers import collect, done, unique
from tests.sdk.server import ServerProcess

COUNT = 250


@pytest.fixture(scope="module")
def population(server: ServerProcess) -> tuple[str, list[str]]:
    """250 users sharing a marker in their emails (so other tests' users do not count); their ids."""
    tag = unique("pag")
    with Client(api_key=server.api_key, base_url=server.base_url) as client:
        ids = [client.users.create(email=f"{tag}-{i:03d}@example.com", name=f"Paged {i:03d}").id for i in range(COUNT)]
    return tag, ids


async def test_list_all_yields_every_page_once(api: Any, population: tuple[str, list[str]]) -> None:
    tag, ids = population
    pages = await collect(api.users.list_all(q=tag, page_size=40))
    assert [len(page) for page in pages] == [40] * 6 + [10]
    assert all(isinstance(page, Page) for page in pages)
    first = pages[0].meta  # counted once, on the first page: exact, or (a search past its count limit) "at least"
    assert first.total is not None
    assert (first.total, first.total_exact) == (COUNT, True) or (not first.total_exact and 40 < first.total <= COUNT)
    assert all(page.meta.total is None for page in pages[1:])
    assert pages[0].meta.offset == 0
    assert all(page.meta.offset is None for page in pages[1:])  # reached by cursor
    assert [page.has_more for page in pages] == [True] * 6 + [False]
    seen = [user.id for page in pages for user in page]  # iterating a page yields its users
    assert len(seen) == len(set(seen)) == COUNT
    assert set(seen) == set(ids)
    keys = [(user.created_at, user.id) for page in pages for user in page]
    assert keys == sorted(keys, reverse=True)  # newest first, ties broken by id, across page boundaries


async def test_iter_yields_every_item_once_in_order(api: Any, population: tuple[str, list[str]]) -> None:
    tag, ids = population
    users = await collect(api.users.iter(q=tag, page_size=33, sort="email", order="asc"))
    assert all(isinstance(user, User) for user in users)
    assert [user.id for user in users] == ids  # emails were numbered in creation order
    default_size = await collect(api.users.iter(q=tag))
    assert {user.id for user in default_size} == set(ids)


async def test_offset_and_page_numbers(api: Any, population: tuple[str, list[str]]) -> None:
    tag, ids = population
    third = await done(api.users.list(q=tag, limit=100, page=3, sort="email"))
    assert len(third["data"]) == 50
    assert (third["meta"]["page"], third["meta"]["pages"], third["meta"]["total"]) == (3, 3, COUNT)
    by_offset = await done(api.users.list(q=tag, limit=100, offset=200, sort="email"))
    assert [u.id for u in by_offset] == [u.id for u in third]

    first = await done(api.users.list(q=tag, limit=100, sort="email", order="asc"))
    cursor = first.meta.next_cursor
    assert first.meta.has_more and cursor
    after = await done(api.users.list(q=tag, limit=100, sort="email", order="asc", starting_after=cursor))
    assert [u.id for u in after] == ids[100:200]


async def test_an_empty_list_is_one_empty_page(api: Any) -> None:
    pages = await collect(api.users.list_all(q=unique("none")))
    assert len(pages) == 1
    assert list(pages[0]) == []
    assert pages[0].meta.total == 0
    assert await collect(api.users.iter(q=unique("none"))) == []


async def test_page_size_is_checked_when_called(api: Any) -> None:
    with pytest.raises(ValueError, match="page_size"):
        api.users.list_all(page_size=0)
    with pytest.raises(ValueError, match="page_size"):
        api.users.iter(page_size=-1)


def test_iter_never_asks_for_a_total(server: ServerProcess, population: tuple[str, list[str]]) -> None:
    """An item walk does not use totals, so it never makes the server count: every request it sends
    says ``include_total=false``."""
    tag, _ = population
    sent: list[httpx.URL] = []
    hooks = {"request": [lambda request: sent.append(request.url)]}
    with (
        httpx.Client(event_hooks=hooks) as http,
        Client(api_key=server.api_key, base_url=server.base_url, http_client=http) as client,
    ):
        assert len(list(client.users.iter(q=tag, page_size=100))) == COUNT
    assert len(sent) == 3
    assert all(url.params.get("include_total") == "false" for url in sent)


def test_next_page_params_keeps_filters_and_drops_offsets() -> None:
    params = first_page_params(50, {"status": "active", "sort": "name"})
    assert params == {"include_total": True, "status": "active", "sort": "name", "limit": 50}
    more = Page[User](data=[], meta=ListMeta(total=120, limit=50, has_more=True, next_cursor="abc"))
    assert next_page_params({**params, "offset": 0}, more) == {
        "status": "active",
        "sort": "name",
        "limit": 50,
        "include_total": False,
        "starting_after": "abc",
    }
    last = Page[User](data=[], meta=ListMeta(total=120, limit=50, has_more=False))
    assert next_page_params(params, last) is None
