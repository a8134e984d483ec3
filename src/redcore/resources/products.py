"""``client.products``: the organization's product catalog (``/v1/products``)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Literal, Unpack, overload

from redcore._base import AsyncAPIClient, SyncAPIClient
from redcore.pagination import DEFAULT_PAGE_SIZE, Page
from redcore.resources._collection import (
    AsyncCollection,
    Endpoints,
    SyncCollection,
    async_raw_response,
    raw_response,
)
from redcore.types import (
    ExportFormat,
    Product,
    ProductCreateParams,
    ProductFilters,
    ProductListParams,
    ProductUpdateParams,
)

__all__ = ["AsyncProducts", "AsyncProductsWithRawResponse", "Products", "ProductsWithRawResponse"]

PRODUCTS = Endpoints("/products", Product, Page[Product])


class Products(SyncCollection[Product]):
    """The organization's products: ``list``, ``list_all``, ``iter``, ``get``, ``create``, ``update``, ``delete``.

    ``get`` and ``delete`` take a ``prod_`` id; ``delete(id, if_match=etag)`` refuses (412) if the
    product changed since that ETag.
    """

    _endpoints = PRODUCTS

    def list(self, **params: Unpack[ProductListParams]) -> Page[Product]:
        """One page of products, newest first unless ``sort``/``order`` say otherwise.

        Filters: ``status``, ``q`` (partial match on name or SKU). Position:
        ``limit`` (1-100, default 20) with ``offset``, ``page`` or ``starting_after`` (a previous
        page's ``meta.next_cursor``). Use :meth:`list_all` or :meth:`iter` to walk every page.
        """
        return self._request(PRODUCTS.list(params))

    def list_all(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[ProductFilters]
    ) -> Iterator[Page[Product]]:
        """Every page of products matching ``filters``, ``page_size`` (1-100) at a time, fetched as you
        iterate, with the keyset cursor: no product is repeated or skipped."""
        return self._pages(PRODUCTS, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[ProductFilters]) -> Iterator[Product]:
        """Every product matching ``filters``, one at a time, across all pages (see :meth:`list_all`)."""
        return self._items(PRODUCTS, page_size, filters)

    @overload
    def export(
        self, *, format: Literal["ndjson"] = "ndjson", **filters: Unpack[ProductFilters]
    ) -> Iterator[Product]: ...
    @overload
    def export(self, *, format: Literal["csv"], **filters: Unpack[ProductFilters]) -> Iterator[bytes]: ...
    def export(
        self, *, format: ExportFormat = "ndjson", **filters: Unpack[ProductFilters]
    ) -> Iterator[Product] | Iterator[bytes]:
        """Every product matching ``filters`` (and in their ``sort``/``order``) in one streamed download
        (``GET /v1/products/export``), read as you iterate: ``format="ndjson"`` (default) gives
        :class:`~redcore.types.Product` models, ``format="csv"`` the CSV's bytes as they arrive (a header
        row, then a row per product). Retried only before the first byte; a download cut short
        raises APIConnectionError."""
        return self._export(PRODUCTS, format, filters)

    def export_to(
        self, file: str | os.PathLike[str], *, format: ExportFormat = "ndjson", **filters: Unpack[ProductFilters]
    ) -> int:
        """Write :meth:`export`'s download to ``file`` as it arrives (under a temporary name beside it
        until complete) and return the number of bytes written."""
        return self._export_to(PRODUCTS, file, format, filters)

    def create(self, **fields: Unpack[ProductCreateParams]) -> Product:
        """Add a product: ``name``, ``sku`` and ``price`` (an integer in minor units) are required.

        ``currency`` defaults to the organization's, ``stock`` to 0, ``status`` to ``"available"``.
        Raises ValidationError (``.details``) or DuplicateError (SKU taken).
        """
        return self._request(PRODUCTS.create(fields))

    def update(self, id: str, *, if_match: str | None = None, **fields: Unpack[ProductUpdateParams]) -> Product:
        """Change only the given fields of product ``id`` and return the product as it now is.

        With ``if_match`` (an ETag, see ``with_raw_response``), raises PreconditionFailedError if the
        product changed since. Raises NotFoundError, ValidationError or DuplicateError as they apply.
        """
        return self._request(PRODUCTS.update(id, fields, if_match))

    @cached_property
    def with_raw_response(self) -> ProductsWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return ProductsWithRawResponse(self._client)


class ProductsWithRawResponse:
    """``client.products.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: SyncAPIClient) -> None:
        products = Products(client, raw=True)
        self.list = raw_response(products.list)
        self.get = raw_response(products.get)
        self.create = raw_response(products.create)
        self.update = raw_response(products.update)
        self.delete = raw_response(products.delete)


class AsyncProducts(AsyncCollection[Product]):
    """The organization's products, on :class:`~redcore.AsyncClient`: the methods of :class:`Products`, awaited
    (``list_all`` and ``iter`` are async iterators: ``async for``)."""

    _endpoints = PRODUCTS

    async def list(self, **params: Unpack[ProductListParams]) -> Page[Product]:
        """One page of products (see :meth:`Products.list`)."""
        return await self._request(PRODUCTS.list(params))

    def list_all(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[ProductFilters]
    ) -> AsyncIterator[Page[Product]]:
        """Every page of products matching ``filters``, for ``async for`` (see :meth:`Products.list_all`)."""
        return self._pages(PRODUCTS, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[ProductFilters]) -> AsyncIterator[Product]:
        """Every product matching ``filters``, for ``async for`` (see :meth:`Products.iter`)."""
        return self._items(PRODUCTS, page_size, filters)

    @overload
    def export(
        self, *, format: Literal["ndjson"] = "ndjson", **filters: Unpack[ProductFilters]
    ) -> AsyncIterator[Product]: ...
    @overload
    def export(self, *, format: Literal["csv"], **filters: Unpack[ProductFilters]) -> AsyncIterator[bytes]: ...
    def export(
        self, *, format: ExportFormat = "ndjson", **filters: Unpack[ProductFilters]
    ) -> AsyncIterator[Product] | AsyncIterator[bytes]:
        """Every product matching ``filters``, streamed, for ``async for`` (see :meth:`Products.export`)."""
        return self._export(PRODUCTS, format, filters)

    async def export_to(
        self, file: str | os.PathLike[str], *, format: ExportFormat = "ndjson", **filters: Unpack[ProductFilters]
    ) -> int:
        """Write the export to ``file`` as it arrives; the number of bytes (see :meth:`Products.export_to`)."""
        return await self._export_to(PRODUCTS, file, format, filters)

    async def create(self, **fields: Unpack[ProductCreateParams]) -> Product:
        """Add a product (see :meth:`Products.create`)."""
        return await self._request(PRODUCTS.create(fields))

    async def update(self, id: str, *, if_match: str | None = None, **fields: Unpack[ProductUpdateParams]) -> Product:
        """Change only the given fields of product ``id`` (see :meth:`Products.update`)."""
        return await self._request(PRODUCTS.update(id, fields, if_match))

    @cached_property
    def with_raw_response(self) -> AsyncProductsWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return AsyncProductsWithRawResponse(self._client)


class AsyncProductsWithRawResponse:
    """``async_client.products.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: AsyncAPIClient) -> None:
        products = AsyncProducts(client, raw=True)
        self.list = async_raw_response(products.list)
        self.get = async_raw_response(products.get)
        self.create = async_raw_response(products.create)
        self.update = async_raw_response(products.update)
        self.delete = async_raw_response(products.delete)
