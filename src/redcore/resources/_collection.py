"""What every collection resource (users, products) shares, written once.

:class:`Endpoints` builds each operation's :class:`~redcore._base.Call` (method, path, query,
body, headers) for one collection; :class:`SyncCollection` and :class:`AsyncCollection` perform
those calls with the sync or async client, and walk lists page by page. The resource classes in
``users.py`` and ``products.py`` only add typed signatures and docstrings on top.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar, cast
from urllib.parse import quote

from redcore._base import APIResponse, AsyncAPIClient, Call, SyncAPIClient
from redcore.pagination import Page, first_page_params, next_page_params
from redcore.types import Model

M = TypeVar("M", bound=Model)
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Endpoints(Generic[M]):
    """The five operations of the collection at ``path`` whose items are ``model``."""

    path: str  # "/users"
    model: type[M]
    page: type[Page[M]]

    def list(self, params: Mapping[str, Any]) -> Call[Page[M]]:
        return Call("GET", self.path, self.page, params=params)

    def get(self, id: str) -> Call[M]:
        return Call("GET", self._item(id), self.model)

    def create(self, fields: Mapping[str, Any]) -> Call[M]:
        return Call("POST", self.path, self.model, body=dict(fields))

    def update(self, id: str, fields: Mapping[str, Any], if_match: str | None) -> Call[M]:
        return Call("PATCH", self._item(id), self.model, body=dict(fields), headers=_if_match(if_match))

    def delete(self, id: str, if_match: str | None) -> Call[None]:
        return Call("DELETE", self._item(id), type(None), headers=_if_match(if_match))

    def _item(self, id: str) -> str:
        if not isinstance(id, str | int) or not str(id):
            raise ValueError(f"expected a resource id, got {id!r}")
        return f"{self.path}/{quote(str(id), safe='')}"


def _if_match(etag: str | None) -> dict[str, str] | None:
    return {"If-Match": etag} if etag is not None else None


class SyncCollection(Generic[M]):
    """A collection resource on the blocking :class:`~redcore.Client`."""

    _endpoints: Endpoints[M]

    def __init__(self, client: SyncAPIClient, *, raw: bool = False) -> None:
        self._client = client
        self._raw = raw  # the with_raw_response view: calls answer APIResponse instead of the model

    def _request(self, call: Call[R]) -> R:
        if self._raw:
            return cast(R, self._client.request_raw(call))
        return self._client.request(call)

    def get(self, id: str) -> M:
        """Retrieve one item by id. Raises NotFoundError if this organization has no such item."""
        return self._request(self._endpoints.get(id))

    def delete(self, id: str, *, if_match: str | None = None) -> None:
        """Delete an item (204, irreversible). Raises NotFoundError if missing; with ``if_match`` (an
        ETag), PreconditionFailedError if the item changed since."""
        return self._request(self._endpoints.delete(id, if_match))

    def _pages(self, page_size: int, filters: Mapping[str, Any]) -> Iterator[Page[M]]:
        return self._walk(first_page_params(page_size, filters))  # checks page_size now, not on first next()

    def _items(self, page_size: int, filters: Mapping[str, Any]) -> Iterator[M]:
        pages = self._pages(page_size, filters)
        return (item for page in pages for item in page.data)

    def _walk(self, params: dict[str, Any] | None) -> Iterator[Page[M]]:
        while params is not None:
            page = self._client.request(self._endpoints.list(params))
            yield page
            params = next_page_params(params, page)


class AsyncCollection(Generic[M]):
    """A collection resource on :class:`~redcore.AsyncClient`: the same operations, awaited."""

    _endpoints: Endpoints[M]

    def __init__(self, client: AsyncAPIClient, *, raw: bool = False) -> None:
        self._client = client
        self._raw = raw

    async def _request(self, call: Call[R]) -> R:
        if self._raw:
            return cast(R, await self._client.request_raw(call))
        return await self._client.request(call)

    async def get(self, id: str) -> M:
        """Retrieve one item by id. Raises NotFoundError if this organization has no such item."""
        return await self._request(self._endpoints.get(id))

    async def delete(self, id: str, *, if_match: str | None = None) -> None:
        """Delete an item (204, irreversible). Raises NotFoundError if missing; with ``if_match`` (an
        ETag), PreconditionFailedError if the item changed since."""
        return await self._request(self._endpoints.delete(id, if_match))

    def _pages(self, page_size: int, filters: Mapping[str, Any]) -> AsyncIterator[Page[M]]:
        return self._walk(first_page_params(page_size, filters))  # checks page_size now, not on first anext()

    def _items(self, page_size: int, filters: Mapping[str, Any]) -> AsyncIterator[M]:
        pages = self._pages(page_size, filters)
        return (item async for page in pages for item in page.data)

    async def _walk(self, params: dict[str, Any] | None) -> AsyncIterator[Page[M]]:
        while params is not None:
            page = await self._client.request(self._endpoints.list(params))
            yield page
            params = next_page_params(params, page)


def raw_response(method: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    """Retype a method of a ``raw=True`` resource: it answers the APIResponse around its model."""
    return cast(Callable[P, APIResponse[R]], method)


def async_raw_response(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[APIResponse[R]]]:
    """Retype a method of a ``raw=True`` async resource: it answers the APIResponse around its model."""
    return cast(Callable[P, Awaitable[APIResponse[R]]], method)
