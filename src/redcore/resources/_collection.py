"""What every collection resource (users, products, events, webhook endpoints) shares, written once.

:class:`Endpoints` builds each operation's :class:`~redcore._base.Call` (method, path, query,
body, headers) for one collection, or for a collection nested under another item (a webhook
endpoint's deliveries, a user's sessions); :class:`SyncCollection` and :class:`AsyncCollection`
perform those calls with the sync or async client, and walk lists page by page (any collection's,
nested ones too). Their read-only bases serve collections without writes (events), and
:class:`SyncResource` / :class:`AsyncResource` under them any resource that is not a collection
(``auth``). The resource classes in ``users.py``, ``products.py``, ``events.py``,
``webhook_endpoints.py`` and ``auth.py`` only add typed signatures and docstrings on top.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Generic, ParamSpec, TypeVar, cast
from urllib.parse import quote

import anyio
import msgspec

from redcore import exceptions as exc
from redcore._base import APIResponse, AsyncAPIClient, Call, SyncAPIClient
from redcore._streaming import astream, stream
from redcore.pagination import Page, first_page_params, next_page_params
from redcore.types import ExportFormat, Model

M = TypeVar("M", bound=Model)
N = TypeVar("N", bound=Model)  # the items of a list walked by a collection of M (a nested one's)
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Endpoints(Generic[M]):
    """The operations of the collection at ``path`` whose items are ``model``.

    A nested collection's ``path`` holds ``{}`` where its parent's id goes
    (``"/webhook_endpoints/{}/deliveries"``): :meth:`of` gives the collection under one parent.
    """

    path: str  # "/users"
    model: type[M]
    page: type[Page[M]]

    def of(self, parent_id: str) -> Endpoints[M]:
        """The nested collection under the item ``parent_id`` of its parent collection."""
        return replace(self, path=self.path.format(_segment(parent_id)))

    def list(self, params: Mapping[str, Any]) -> Call[Page[M]]:
        return Call("GET", self.path, self.page, params=params)

    def get(self, id: str) -> Call[M]:
        return Call("GET", self._item(id), self.model)

    def export(self, format: ExportFormat, filters: Mapping[str, Any]) -> Call[bytes]:
        """``GET {path}/export``: the whole filtered list, streamed (read with ``_streaming``)."""
        if format not in _EXPORT_MEDIA_TYPES:
            raise ValueError(f"format must be 'ndjson' or 'csv', not {format!r}")
        accept = {"Accept": f"{_EXPORT_MEDIA_TYPES[format]}, application/json"}
        return Call("GET", f"{self.path}/export", bytes, params={**filters, "format": format}, headers=accept)

    def create(self, fields: Mapping[str, Any]) -> Call[M]:
        return Call("POST", self.path, self.model, body=dict(fields))

    def update(self, id: str, fields: Mapping[str, Any], if_match: str | None) -> Call[M]:
        return Call("PATCH", self._item(id), self.model, body=dict(fields), headers=_if_match(if_match))

    def delete(self, id: str, if_match: str | None) -> Call[None]:
        return Call("DELETE", self._item(id), type(None), headers=_if_match(if_match))

    def delete_all(self) -> Call[None]:
        """``DELETE {path}``: every item of the collection at once (a user's sessions)."""
        return Call("DELETE", self.path, type(None))

    def action(self, id: str, name: str, body: Mapping[str, Any] | None = None) -> Call[M]:
        """``POST {path}/{id}/{name}`` (``rotate_secret``, ``retry``), answering the item."""
        return Call("POST", f"{self._item(id)}/{name}", self.model, body=dict(body or {}))

    def _item(self, id: str) -> str:
        return f"{self.path}/{_segment(id)}"


_EXPORT_MEDIA_TYPES = {"ndjson": "application/x-ndjson", "csv": "text/csv"}


def _decode_line(decoder: msgspec.json.Decoder[N], line: str, response: Any) -> N:
    try:
        return decoder.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        raise exc.APIResponseValidationError(f"Unexpected line in the export: {e}", response=response) from e


def _partial(file: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Where ``file`` is written until complete (beside it), and ``file`` itself."""
    target = Path(file)
    return target.with_name(f".{target.name}.partial"), target


def _segment(id: str) -> str:
    """``id`` as one path segment, refusing what cannot be an id (None, "", an object)."""
    if not isinstance(id, str | int) or not str(id):
        raise ValueError(f"expected a resource id, got {id!r}")
    return quote(str(id), safe="")


def _if_match(etag: str | None) -> dict[str, str] | None:
    return {"If-Match": etag} if etag is not None else None


class SyncResource:
    """Any resource on the blocking :class:`~redcore.Client` (a collection, or ``auth``): performs its calls."""

    def __init__(self, client: SyncAPIClient, *, raw: bool = False) -> None:
        self._client = client
        self._raw = raw  # the with_raw_response view: calls answer APIResponse instead of the model

    def _request(self, call: Call[R]) -> R:
        if self._raw:
            return cast(R, self._client.request_raw(call))
        return self._client.request(call)


class SyncReadOnlyCollection(SyncResource, Generic[M]):
    """A collection resource on the blocking :class:`~redcore.Client` that can be read, not written."""

    _endpoints: Endpoints[M]

    def get(self, id: str) -> M:
        """Retrieve one item by id. Raises NotFoundError if this organization has no such item."""
        return self._request(self._endpoints.get(id))

    def _pages(self, endpoints: Endpoints[N], page_size: int, filters: Mapping[str, Any]) -> Iterator[Page[N]]:
        """Every page of ``endpoints``' list, fetched as the caller iterates."""
        return self._walk(endpoints, first_page_params(page_size, filters))  # checks page_size now, not on next()

    def _items(self, endpoints: Endpoints[N], page_size: int, filters: Mapping[str, Any]) -> Iterator[N]:
        pages = self._walk(endpoints, first_page_params(page_size, filters, total=False))
        return (item for page in pages for item in page.data)

    def _walk(self, endpoints: Endpoints[N], params: dict[str, Any] | None) -> Iterator[Page[N]]:
        while params is not None:
            page = self._client.request(endpoints.list(params))
            yield page
            params = next_page_params(params, page)

    def _export(self, endpoints: Endpoints[N], format: ExportFormat, filters: Mapping[str, Any]) -> Iterator[Any]:
        """The export's items (``ndjson``) or its bytes as they arrive (``csv``), fetched as the caller
        iterates; the format is checked now."""
        call = endpoints.export(format, filters)
        if format == "csv":
            return self._export_bytes(call)
        return self._export_items(call, msgspec.json.Decoder(endpoints.model))

    def _export_bytes(self, call: Call[bytes]) -> Iterator[bytes]:
        with stream(self._client, call) as response:
            yield from response.iter_bytes()

    def _export_items(self, call: Call[bytes], decoder: msgspec.json.Decoder[N]) -> Iterator[N]:
        with stream(self._client, call) as response:
            for line in response.iter_lines():
                if line:
                    yield _decode_line(decoder, line, response)

    def _export_to(
        self, endpoints: Endpoints[N], file: str | os.PathLike[str], format: ExportFormat, filters: Mapping[str, Any]
    ) -> int:
        """Write the export's bytes to ``file`` (beside it until complete); the number of bytes."""
        call = endpoints.export(format, filters)
        partial, target = _partial(file)
        written = 0
        try:
            with stream(self._client, call) as response, partial.open("wb") as out:
                for chunk in response.iter_bytes():
                    written += out.write(chunk)
            partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return written


class SyncCollection(SyncReadOnlyCollection[M]):
    """A collection resource on the blocking :class:`~redcore.Client`: read, and delete items."""

    def delete(self, id: str, *, if_match: str | None = None) -> None:
        """Delete an item (204, irreversible). Raises NotFoundError if missing; with ``if_match`` (an
        ETag), PreconditionFailedError if the item changed since."""
        return self._request(self._endpoints.delete(id, if_match))


class AsyncResource:
    """Any resource on :class:`~redcore.AsyncClient`: performs its calls, awaited."""

    def __init__(self, client: AsyncAPIClient, *, raw: bool = False) -> None:
        self._client = client
        self._raw = raw

    async def _request(self, call: Call[R]) -> R:
        if self._raw:
            return cast(R, await self._client.request_raw(call))
        return await self._client.request(call)


class AsyncReadOnlyCollection(AsyncResource, Generic[M]):
    """A read-only collection resource on :class:`~redcore.AsyncClient`: the same operations, awaited."""

    _endpoints: Endpoints[M]

    async def get(self, id: str) -> M:
        """Retrieve one item by id. Raises NotFoundError if this organization has no such item."""
        return await self._request(self._endpoints.get(id))

    def _pages(self, endpoints: Endpoints[N], page_size: int, filters: Mapping[str, Any]) -> AsyncIterator[Page[N]]:
        """Every page of ``endpoints``' list, fetched as the caller iterates."""
        return self._walk(endpoints, first_page_params(page_size, filters))  # checks page_size now, not on anext()

    def _items(self, endpoints: Endpoints[N], page_size: int, filters: Mapping[str, Any]) -> AsyncIterator[N]:
        pages = self._walk(endpoints, first_page_params(page_size, filters, total=False))
        return (item async for page in pages for item in page.data)

    async def _walk(self, endpoints: Endpoints[N], params: dict[str, Any] | None) -> AsyncIterator[Page[N]]:
        while params is not None:
            page = await self._client.request(endpoints.list(params))
            yield page
            params = next_page_params(params, page)

    def _export(self, endpoints: Endpoints[N], format: ExportFormat, filters: Mapping[str, Any]) -> AsyncIterator[Any]:
        """The export's items (``ndjson``) or its bytes (``csv``), for ``async for``."""
        call = endpoints.export(format, filters)
        if format == "csv":
            return self._export_bytes(call)
        return self._export_items(call, msgspec.json.Decoder(endpoints.model))

    async def _export_bytes(self, call: Call[bytes]) -> AsyncIterator[bytes]:
        async with astream(self._client, call) as response:
            async for chunk in response.aiter_bytes():
                yield chunk

    async def _export_items(self, call: Call[bytes], decoder: msgspec.json.Decoder[N]) -> AsyncIterator[N]:
        async with astream(self._client, call) as response:
            async for line in response.aiter_lines():
                if line:
                    yield _decode_line(decoder, line, response)

    async def _export_to(
        self, endpoints: Endpoints[N], file: str | os.PathLike[str], format: ExportFormat, filters: Mapping[str, Any]
    ) -> int:
        """Write the export's bytes to ``file`` (beside it until complete); the number of bytes."""
        call = endpoints.export(format, filters)
        partial, target = _partial(file)
        written = 0
        try:
            async with astream(self._client, call) as response, await anyio.open_file(partial, "wb") as out:
                async for chunk in response.aiter_bytes():
                    written += await out.write(chunk)
            await anyio.Path(partial).replace(target)
        except BaseException:
            await anyio.Path(partial).unlink(missing_ok=True)
            raise
        return written


class AsyncCollection(AsyncReadOnlyCollection[M]):
    """A collection resource on :class:`~redcore.AsyncClient`: read, and delete items, awaited."""

    async def delete(self, id: str, *, if_match: str | None = None) -> None:
        """Delete an item (204, irreversible). Raises NotFoundError if missing; with ``if_match`` (an
        ETag), PreconditionFailedError if the item changed since."""
        return await self._request(self._endpoints.delete(id, if_match))


def raw_response(method: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    """Retype a method of a ``raw=True`` resource: it answers the APIResponse around its model."""
    return cast(Callable[P, APIResponse[R]], method)


def async_raw_response(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[APIResponse[R]]]:
    """Retype a method of a ``raw=True`` async resource: it answers the APIResponse around its model."""
    return cast(Callable[P, Awaitable[APIResponse[R]]], method)
