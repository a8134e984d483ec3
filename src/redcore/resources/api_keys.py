"""``client.api_keys``: the organization's API keys (``/v1/api_keys``): list, read, create (the secret
shown once), rename, revoke, and roll to a new secret with a grace period for the old one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Unpack

from redcore._base import AsyncAPIClient, Call, SyncAPIClient
from redcore.pagination import DEFAULT_PAGE_SIZE, Page
from redcore.resources._collection import (
    AsyncReadOnlyCollection,
    Endpoints,
    SyncReadOnlyCollection,
    async_raw_response,
    raw_response,
)
from redcore.types import (
    ApiKey,
    ApiKeyCreateParams,
    ApiKeyFilters,
    ApiKeyListParams,
    ApiKeyUpdateParams,
    NewApiKey,
)

__all__ = ["ApiKeys", "ApiKeysWithRawResponse", "AsyncApiKeys", "AsyncApiKeysWithRawResponse"]

KEYS = Endpoints("/api_keys", ApiKey, Page[ApiKey])
MADE = Endpoints("/api_keys", NewApiKey, Page[NewApiKey])  # create and roll answer the key with its secret


def _create_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The create body: an ``expires_at`` datetime as RFC 3339 with its offset (a naive one is UTC)."""
    body = dict(fields)
    when = body.get("expires_at")
    if isinstance(when, datetime):
        body["expires_at"] = (when if when.tzinfo is not None else when.replace(tzinfo=UTC)).isoformat()
    return body


def _revoke(id: str, force: bool) -> Call[None]:
    call = KEYS.delete(id, None)
    return replace(call, params={"force": True}) if force else call


def _roll(id: str, grace_period: int | None) -> Call[NewApiKey]:
    return MADE.action(id, "roll", {} if grace_period is None else {"grace_period": grace_period})


class ApiKeys(SyncReadOnlyCollection[ApiKey]):
    """The organization's API keys (every method needs ``keys:manage``): ``list``, ``list_all``,
    ``iter``, ``get``, ``create``, ``update``, ``revoke`` (also as ``delete``) and ``roll``.

    Nobody grants what they do not hold: a key is made only with scopes the caller has, and renamed,
    rolled or revoked only by a caller holding every scope of it; else PermissionDeniedError with code
    ``insufficient_privilege``. A key's secret is in the answer of ``create`` and ``roll`` only.

    ``revoke`` is the operation's name (the key is kept, with ``revoked_at``, and listed); ``delete`` is
    the same call under the name every other collection uses, for code written against any of them.
    Keys carry no ETag, so neither takes ``if_match``.
    """

    _endpoints = KEYS

    def list(self, **params: Unpack[ApiKeyListParams]) -> Page[ApiKey]:
        """One page of API keys, revoked and expired ones included, newest first unless ``order="asc"``.

        Position: ``limit`` (1-100, default 20) with ``offset``, ``page`` or ``starting_after``. Use
        :meth:`list_all` or :meth:`iter` to walk every page.
        """
        return self._request(KEYS.list(params))

    def list_all(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[ApiKeyFilters]
    ) -> Iterator[Page[ApiKey]]:
        """Every page of API keys, ``page_size`` (1-100) at a time, fetched as you iterate, with the
        keyset cursor."""
        return self._pages(KEYS, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[ApiKeyFilters]) -> Iterator[ApiKey]:
        """Every API key, one at a time, across all pages."""
        return self._items(KEYS, page_size, filters)

    def create(self, **fields: Unpack[ApiKeyCreateParams]) -> NewApiKey:
        """Make a key: ``name``, ``scopes`` (default: every scope), ``expires_at`` (a future ``datetime``
        or RFC 3339 string; default: never) and ``rate_limit`` (requests per window) are all optional.

        The answer's ``secret`` (``sk_live_…``) is shown this once, and works at once. Raises
        PermissionDeniedError (``insufficient_privilege``) for scopes the caller lacks or, when the
        caller's own key expires, for a later (or no) expiry; ValidationError (``.details``) for an
        unknown scope, a past ``expires_at`` or a bad ``rate_limit``.
        """
        return self._request(MADE.create(_create_body(fields)))

    def update(self, id: str, **fields: Unpack[ApiKeyUpdateParams]) -> ApiKey:
        """Rename key ``id`` (``name=None`` clears the name) and return it. Raises NotFoundError, or
        PermissionDeniedError (``insufficient_privilege``) if the caller lacks a scope of the key."""
        return self._request(KEYS.update(id, fields, None))

    def revoke(self, id: str, *, force: bool = False) -> None:
        """Revoke key ``id``: it stops working at once on the server that answers and within a second on
        every other (at once on PostgreSQL). Revoking a revoked key changes nothing.

        Raises NotFoundError; PermissionDeniedError (``insufficient_privilege``) if the caller lacks a
        scope of the key; DuplicateError (409, code ``last_manager_key``) for the organization's last
        working key holding ``keys:manage``: only that key itself may revoke it, with ``force=True``.
        """
        return self._request(_revoke(id, force))

    def delete(self, id: str, *, force: bool = False) -> None:
        """The same as :meth:`revoke` (the HTTP method is DELETE)."""
        return self._request(_revoke(id, force))

    def roll(self, id: str, *, grace_period: int | None = None) -> NewApiKey:
        """Replace key ``id`` by a new key with the same name, scopes, rate limit and expiry; the answer
        is the new key with its ``secret``, shown this once.

        The old key keeps working for ``grace_period`` seconds (0-604800; the server's default is a
        day; 0 revokes it at once), so its users can switch without a gap. Raises NotFoundError,
        PermissionDeniedError (``insufficient_privilege``), or DuplicateError (409, code
        ``api_key_inactive``) for a revoked or expired key.
        """
        return self._request(_roll(id, grace_period))

    @cached_property
    def with_raw_response(self) -> ApiKeysWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return ApiKeysWithRawResponse(self._client)


class ApiKeysWithRawResponse:
    """``client.api_keys.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: SyncAPIClient) -> None:
        keys = ApiKeys(client, raw=True)
        self.list = raw_response(keys.list)
        self.get = raw_response(keys.get)
        self.create = raw_response(keys.create)
        self.update = raw_response(keys.update)
        self.revoke = raw_response(keys.revoke)
        self.delete = raw_response(keys.delete)
        self.roll = raw_response(keys.roll)


class AsyncApiKeys(AsyncReadOnlyCollection[ApiKey]):
    """The organization's API keys, on :class:`~redcore.AsyncClient`: the methods of :class:`ApiKeys`,
    awaited (``list_all`` and ``iter`` are async iterators: ``async for``)."""

    _endpoints = KEYS

    async def list(self, **params: Unpack[ApiKeyListParams]) -> Page[ApiKey]:
        """One page of API keys (see :meth:`ApiKeys.list`)."""
        return await self._request(KEYS.list(params))

    def list_all(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[ApiKeyFilters]
    ) -> AsyncIterator[Page[ApiKey]]:
        """Every page of API keys, for ``async for`` (see :meth:`ApiKeys.list_all`)."""
        return self._pages(KEYS, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[ApiKeyFilters]) -> AsyncIterator[ApiKey]:
        """Every API key, for ``async for`` (see :meth:`ApiKeys.iter`)."""
        return self._items(KEYS, page_size, filters)

    async def create(self, **fields: Unpack[ApiKeyCreateParams]) -> NewApiKey:
        """Make a key, its secret shown this once (see :meth:`ApiKeys.create`)."""
        return await self._request(MADE.create(_create_body(fields)))

    async def update(self, id: str, **fields: Unpack[ApiKeyUpdateParams]) -> ApiKey:
        """Rename key ``id`` (see :meth:`ApiKeys.update`)."""
        return await self._request(KEYS.update(id, fields, None))

    async def revoke(self, id: str, *, force: bool = False) -> None:
        """Revoke key ``id`` (see :meth:`ApiKeys.revoke`)."""
        return await self._request(_revoke(id, force))

    async def delete(self, id: str, *, force: bool = False) -> None:
        """The same as :meth:`revoke` (see :meth:`ApiKeys.delete`)."""
        return await self._request(_revoke(id, force))

    async def roll(self, id: str, *, grace_period: int | None = None) -> NewApiKey:
        """Replace key ``id`` by a new key with a new secret (see :meth:`ApiKeys.roll`)."""
        return await self._request(_roll(id, grace_period))

    @cached_property
    def with_raw_response(self) -> AsyncApiKeysWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return AsyncApiKeysWithRawResponse(self._client)


class AsyncApiKeysWithRawResponse:
    """``async_client.api_keys.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: AsyncAPIClient) -> None:
        keys = AsyncApiKeys(client, raw=True)
        self.list = async_raw_response(keys.list)
        self.get = async_raw_response(keys.get)
        self.create = async_raw_response(keys.create)
        self.update = async_raw_response(keys.update)
        self.revoke = async_raw_response(keys.revoke)
        self.delete = async_raw_response(keys.delete)
        self.roll = async_raw_response(keys.roll)
