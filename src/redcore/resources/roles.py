"""``client.roles``: the organization's roles (``/v1/roles``), built in and custom."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Unpack

from redcore._base import AsyncAPIClient, SyncAPIClient
from redcore.pagination import DEFAULT_PAGE_SIZE, Page
from redcore.resources._collection import (
    AsyncCollection,
    Endpoints,
    SyncCollection,
    async_raw_response,
    raw_response,
)
from redcore.types import Role, RoleCreateParams, RoleFilters, RoleListParams, RoleUpdateParams

__all__ = ["AsyncRoles", "AsyncRolesWithRawResponse", "Roles", "RolesWithRawResponse"]

ROLES = Endpoints("/roles", Role, Page[Role])


class Roles(SyncCollection[Role]):
    """The organization's roles: ``list``, ``list_all``, ``iter`` and ``get`` (``users:read``);
    ``create``, ``update`` and ``delete`` (``org:manage``, and every scope of the role).

    A role is addressed by its ``key`` (``"member"``). The built-in ``admin``, ``editor`` and
    ``viewer`` are listed and read but never changed or deleted (DuplicateError, code
    ``built_in_role``). A user's ``role`` is any role's key.
    """

    _endpoints = ROLES

    def list(self, **params: Unpack[RoleListParams]) -> Page[Role]:
        """One page of roles (built-ins included), newest first unless ``sort``/``order`` say otherwise
        (``sort``: ``created_at``, ``key``, ``name``). Position: ``limit`` (1-100, default 20) with
        ``offset``, ``page`` or ``starting_after``."""
        return self._request(ROLES.list(params))

    def list_all(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[RoleFilters]) -> Iterator[Page[Role]]:
        """Every page of roles, ``page_size`` (1-100) at a time, fetched as you iterate."""
        return self._pages(ROLES, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[RoleFilters]) -> Iterator[Role]:
        """Every role, one at a time, across all pages."""
        return self._items(ROLES, page_size, filters)

    def create(self, **fields: Unpack[RoleCreateParams]) -> Role:
        """A custom role: ``key``, ``name``, ``scopes``. Raises DuplicateError (``duplicate_role``) for a
        key the organization has (a built-in's included), PermissionDeniedError
        (``insufficient_privilege``) for a scope the caller lacks, ValidationError for a bad field."""
        return self._request(ROLES.create(fields))

    def update(self, key: str, **fields: Unpack[RoleUpdateParams]) -> Role:
        """Change the ``name`` or ``scopes`` of custom role ``key``; new scopes apply to its users' tokens
        from their next request."""
        return self._request(ROLES.update(key, fields, None))

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        """Delete custom role ``key``. Raises DuplicateError with code ``role_in_use`` while a user
        holds it (give them another role first)."""
        self._request(ROLES.delete(key, if_match))

    @cached_property
    def with_raw_response(self) -> RolesWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return RolesWithRawResponse(self._client)


class RolesWithRawResponse:
    """``client.roles.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: SyncAPIClient) -> None:
        roles = Roles(client, raw=True)
        self.list = raw_response(roles.list)
        self.get = raw_response(roles.get)
        self.create = raw_response(roles.create)
        self.update = raw_response(roles.update)
        self.delete = raw_response(roles.delete)


class AsyncRoles(AsyncCollection[Role]):
    """The organization's roles, on :class:`~redcore.AsyncClient`: the methods of :class:`Roles`,
    awaited (``list_all`` and ``iter`` are async iterators: ``async for``)."""

    _endpoints = ROLES

    async def list(self, **params: Unpack[RoleListParams]) -> Page[Role]:
        """One page of roles (see :meth:`Roles.list`)."""
        return await self._request(ROLES.list(params))

    def list_all(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[RoleFilters]
    ) -> AsyncIterator[Page[Role]]:
        """Every page of roles, for ``async for`` (see :meth:`Roles.list_all`)."""
        return self._pages(ROLES, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[RoleFilters]) -> AsyncIterator[Role]:
        """Every role, for ``async for`` (see :meth:`Roles.iter`)."""
        return self._items(ROLES, page_size, filters)

    async def create(self, **fields: Unpack[RoleCreateParams]) -> Role:
        """A custom role (see :meth:`Roles.create`)."""
        return await self._request(ROLES.create(fields))

    async def update(self, key: str, **fields: Unpack[RoleUpdateParams]) -> Role:
        """Change a custom role (see :meth:`Roles.update`)."""
        return await self._request(ROLES.update(key, fields, None))

    async def delete(self, key: str, *, if_match: str | None = None) -> None:
        """Delete a custom role (see :meth:`Roles.delete`)."""
        await self._request(ROLES.delete(key, if_match))

    @cached_property
    def with_raw_response(self) -> AsyncRolesWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return AsyncRolesWithRawResponse(self._client)


class AsyncRolesWithRawResponse:
    """``async_client.roles.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: AsyncAPIClient) -> None:
        roles = AsyncRoles(client, raw=True)
        self.list = async_raw_response(roles.list)
        self.get = async_raw_response(roles.get)
        self.create = async_raw_response(roles.create)
        self.update = async_raw_response(roles.update)
        self.delete = async_raw_response(roles.delete)
