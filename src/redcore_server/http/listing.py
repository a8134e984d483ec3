"""List parameters and the ``meta`` block, shared by every collection route."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar.params import Parameter

from redcore_server import errors
from redcore_server.db.listing import PageRequest, PageResult

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class ListMeta(msgspec.Struct):
    """Where this page sits in the whole list.

    ``offset`` and ``page`` are null when the page was reached through a cursor.
    ``next_cursor`` (when ``has_more``) is passed back as ``starting_after`` for the next page.
    """

    total: int
    limit: int
    offset: int | None
    page: int | None
    pages: int
    has_more: bool
    next_cursor: str | None


def provide_page_request(
    limit: Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description=f"Items per page, 1–{MAX_LIMIT}.")] = DEFAULT_LIMIT,
    offset: Annotated[
        int | None, Parameter(ge=0, description="Items to skip. Not with `page` or `starting_after`.")
    ] = None,
    page: Annotated[
        int | None, Parameter(ge=1, description="1-based page number. Not with `offset` or `starting_after`.")
    ] = None,
    sort: Annotated[str | None, Parameter(description="Field to sort by (default `created_at`).")] = None,
    order: Annotated[Literal["asc", "desc"] | None, Parameter(description="Sort direction (default `desc`).")] = None,
    starting_after: Annotated[
        str | None,
        Parameter(description="A `meta.next_cursor` from the previous page: the scalable way to walk a list."),
    ] = None,
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
    return PageRequest(limit=limit, offset=start, sort=sort, order=order, cursor=starting_after)


def search_text(*candidates: str | None) -> str | None:
    """The first search parameter given (``q``, then its aliases), trimmed; None when blank."""
    for text in candidates:
        if text is not None:
            return text.strip() or None
    return None


def list_meta(req: PageRequest, result: PageResult) -> ListMeta:
    by_offset = req.cursor is None
    return ListMeta(
        total=result.total,
        limit=req.limit,
        offset=req.offset if by_offset else None,
        page=req.offset // req.limit + 1 if by_offset else None,
        pages=-(-result.total // req.limit),
        has_more=result.has_more,
        next_cursor=result.next_cursor,
    )
