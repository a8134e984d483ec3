"""The list machinery's intricate parts: cursors, LIKE escaping, sort resolution, parameters."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from redcore_server import errors
from redcore_server.kit.listing import (
    Cursor,
    PageRequest,
    PageResult,
    decode_cursor,
    encode_cursor,
    escape_like,
    resolve_sort,
)
from redcore_server.kit.params import list_meta, provide_page_request
from redcore_server.kit.spec import ResourceSpec


class Thing(msgspec.Struct):
    id: str
    name: str
    created_at: datetime


SPEC = ResourceSpec(
    name="things", noun="thing", id_prefix="thg", model=Thing, sortable={"created_at": "timestamp", "name": "text"}
)


def test_cursor_round_trips_and_is_opaque_url_safe() -> None:
    cursor = Cursor(sort="created_at", order="desc", value=datetime(2026, 1, 2, tzinfo=UTC).isoformat(), id="usr_1")
    token = encode_cursor(cursor)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(token) == cursor


@pytest.mark.parametrize("token", ["", "!!!", "bm90IGpzb24", encode_cursor(Cursor("a", "b", 1, "x"))[:-3]])
def test_garbage_cursors_are_validation_errors(token: str) -> None:
    with pytest.raises(errors.ValidationError) as info:
        decode_cursor(token)
    assert info.value.details is not None
    assert info.value.details[0].field == "starting_after"


def test_escape_like_makes_wildcards_literal() -> None:
    assert escape_like("100%_off\\") == "100\\%\\_off\\\\"


def test_resolve_sort_defaults_and_refuses_unknown_fields() -> None:
    assert resolve_sort(SPEC, None, None) == ("created_at", "desc")
    assert resolve_sort(SPEC, "name", "asc") == ("name", "asc")
    with pytest.raises(errors.ValidationError, match="sort"):
        resolve_sort(SPEC, "secret", None)


def test_page_parameter_becomes_an_offset() -> None:
    req = provide_page_request(limit=25, page=3)
    assert (req.limit, req.offset, req.cursor) == (25, 50, None)


@pytest.mark.parametrize(
    "kwargs", [{"page": 2, "offset": 0}, {"offset": 5, "starting_after": "c"}, {"page": 1, "starting_after": "c"}]
)
def test_offset_page_and_cursor_are_mutually_exclusive(kwargs: dict) -> None:
    with pytest.raises(errors.ValidationError):
        provide_page_request(limit=10, **kwargs)


@pytest.mark.parametrize(
    ("total", "limit", "offset", "pages", "page"),
    [(0, 20, 0, 0, 1), (1, 20, 0, 1, 1), (40, 20, 20, 2, 2), (41, 20, 40, 3, 3), (100, 100, 0, 1, 1)],
)
def test_meta_arithmetic(total: int, limit: int, offset: int, pages: int, page: int) -> None:
    meta = list_meta(
        PageRequest(limit=limit, offset=offset), PageResult(rows=[], total=total, has_more=False, next_cursor=None)
    )
    assert (meta.total, meta.limit, meta.offset, meta.pages, meta.page) == (total, limit, offset, pages, page)
