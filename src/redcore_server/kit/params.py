"""List parameters and the ``meta`` block, shared by every collection route."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

import msgspec
from litestar.params import Parameter

from redcore_server import errors
from redcore_server.kit.listing import PageRequest, PageResult
from redcore_server.text import SINGLE_LINE_PATTERN

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
# Bounds that keep every offset far inside the drivers' 64-bit integers (an unbounded value was a 500)
# and out-of-range values a 400, never clamped. Any page within MAX_PAGE, at any limit, starts within
# MAX_OFFSET; walking deeper than that is what the keyset cursor (``starting_after``) is for.
MAX_OFFSET = 1_000_000_000
MAX_PAGE = MAX_OFFSET // MAX_LIMIT


class ListMeta(msgspec.Struct):
    """Where this page sits in the whole list.

    ``total`` counts the whole list (every page), null when the request said `include_total=false`.
    When ``total_exact`` is true it is the exact count; when false (a search past 100 matches, or
    another filter past 10,000, where the database keeps no count) it is a lower bound: the list has
    at least that many items, and on an offset page always more than the page reaches while
    ``has_more`` (so "stop when offset + limit >= total" never stops early). ``pages`` follows
    ``total`` (a lower bound too when it is). ``offset`` and ``page`` are null when the page was
    reached through a cursor. ``next_cursor`` (when ``has_more``) is passed back as
    ``starting_after`` for the next page: walking by cursor is how to reach every item.
    """

    total: int | None
    total_exact: bool
    limit: int
    offset: int | None
    page: int | None
    pages: int | None
    has_more: bool
    next_cursor: str | None


def text_parameter(description: str, *, max_length: int | None = None) -> Any:
    """A text query or path parameter, documented as free of control characters (the rule
    ``http/parameters.py`` enforces for every parameter)."""
    return Parameter(description=description, max_length=max_length, schema_extra={"pattern": SINGLE_LINE_PATTERN})


def provide_page_request(
    limit: Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description=f"Items per page, 1–{MAX_LIMIT}.")] = DEFAULT_LIMIT,
    offset: Annotated[
        int | None,
        Parameter(
            ge=0,
            le=MAX_OFFSET,
            description="Items to skip. Not with `page` or `starting_after`.",
            schema_extra={"minimum": 0},  # Litestar leaves out a bound of 0
        ),
    ] = None,
    page: Annotated[
        int | None,
        Parameter(ge=1, le=MAX_PAGE, description="1-based page number. Not with `offset` or `starting_after`."),
    ] = None,
    sort: Annotated[str | None, text_parameter("Field to sort by (default `created_at`).", max_length=64)] = None,
    order: Annotated[Literal["asc", "desc"] | None, Parameter(description="Sort direction (default `desc`).")] = None,
    starting_after: Annotated[
        str | None,
        text_parameter(
            "A `meta.next_cursor` from the previous page: the scalable way to walk a list.", max_length=2048
        ),
    ] = None,
    include_total: Annotated[
        bool,
        Parameter(
            description="Whether `meta.total` is given (default `true`). `false` skips counting: "
            "`total` and `pages` are null (what a walk that only needs the items sends)."
        ),
    ] = True,
) -> PageRequest:
    given = [
        name
        for name, value in (("offset", offset), ("page", page), ("starting_after", starting_after))
        if value is not None
    ]
    if len(given) > 1:
        raise errors.ValidationError.of(*((name, f"cannot be combined with {given[0]}") for name in given[1:]))
    start = offset or 0
    if page is not None:
        start = (page - 1) * limit
        if start > MAX_OFFSET:  # cannot happen within the bounds above; kept should they change
            raise errors.ValidationError.of(("page", f"starts past item {MAX_OFFSET}; use starting_after"))
    return PageRequest(limit=limit, offset=start, sort=sort, order=order, cursor=starting_after, count=include_total)


def search_text(*candidates: str | None) -> str | None:
    """The first search parameter given (``q``, then its aliases), trimmed and NFC-normalised (as
    stored emails are); None when blank."""
    for text in candidates:
        if text is not None:
            return unicodedata.normalize("NFC", text.strip()) or None
    return None


def list_meta(req: PageRequest, result: PageResult) -> ListMeta:
    by_offset = req.cursor is None
    return ListMeta(
        total=result.total,
        total_exact=result.total_exact,
        limit=req.limit,
        offset=req.offset if by_offset else None,
        page=req.offset // req.limit + 1 if by_offset else None,
        pages=None if result.total is None else -(-result.total // req.limit),
        has_more=result.has_more,
        next_cursor=result.next_cursor,
    )
