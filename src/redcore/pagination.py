"""List pages, and how to walk from one page to the next.

``client.users.list(...)`` answers one :class:`Page`: ``page.data`` (or ``page["data"]``, or just
iterate the page) and ``page.meta``. ``list_all(...)`` and ``iter(...)`` walk every page with the
keyset cursor (``meta.next_cursor`` sent back as ``starting_after``), which costs the same on
page 1 and page 50,000 and never repeats or skips an item while the list changes elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

from redcore.types import Model

__all__ = ["DEFAULT_PAGE_SIZE", "ListMeta", "Page", "first_page_params", "next_page_params"]

M = TypeVar("M", bound=Model)

DEFAULT_PAGE_SIZE = 100  # the API's largest page: the fewest round trips


class ListMeta(Model):
    """Where a page sits in the whole list.

    ``total`` counts the whole list; None when the request had ``include_total=False`` (what the
    iterators send: they walk to the end and need no count). ``total_exact`` False means ``total``
    is a lower bound (a search past 100 matches, another filter past 10,000): there are at least
    that many. ``offset`` and ``page`` are None when the page was reached through a cursor. When
    ``has_more``, pass ``next_cursor`` back as ``starting_after`` for the next page.
    """

    total: int | None
    limit: int
    total_exact: bool = True
    offset: int | None = None
    page: int | None = None
    pages: int | None = None
    has_more: bool = False
    next_cursor: str | None = None


class Page(Model, Generic[M]):
    """One page of a list: ``data`` (the items, in order) and ``meta``. Iterating it yields the items."""

    data: list[M]
    meta: ListMeta

    def __iter__(self) -> Iterator[M]:
        """The page's items."""
        return iter(self.data)

    def __len__(self) -> int:
        """How many items this page holds (``meta.total`` counts the whole list)."""
        return len(self.data)

    @property
    def has_more(self) -> bool:
        """Whether another page follows this one."""
        return self.meta.has_more and self.meta.next_cursor is not None


def first_page_params(page_size: int, filters: Mapping[str, Any], *, total: bool = True) -> dict[str, Any]:
    """The parameters of a walk's first page: the caller's filters, ``page_size`` items a page, and
    whether to count the whole list (``total``; a walk over items only does not)."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    return {"include_total": total, **filters, "limit": page_size}


def next_page_params(params: Mapping[str, Any], page: Page[Any]) -> dict[str, Any] | None:
    """The parameters of the page after ``page`` (same filters, sort and size), or None at the end.
    Later pages are never counted: the first page's ``meta.total`` is the walk's."""
    if not page.has_more:
        return None
    rest = {k: v for k, v in params.items() if k not in ("offset", "page", "starting_after")}
    return {**rest, "include_total": False, "starting_after": page.meta.next_cursor}
