"""``client.users``: the organization's users (``/v1/users``)."""

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
from redcore.types import User, UserCreateParams, UserFilters, UserListParams, UserUpdateParams

__all__ = ["AsyncUsers", "AsyncUsersWithRawResponse", "Users", "UsersWithRawResponse"]

USERS = Endpoints("/users", User, Page[User])


class Users(SyncCollection[User]):
    """The organization's users: ``list``, ``list_all``, ``iter``, ``get``, ``create``, ``update``, ``delete``.

    ``get`` and ``delete`` take a ``usr_`` id; ``delete(id, if_match=etag)`` refuses (412) if the user
    changed since that ETag.
    """

    _endpoints = USERS

    def list(self, **params: Unpack[UserListParams]) -> Page[User]:
        """One page of users, newest first unless ``sort``/``order`` say otherwise.

        Filters: ``role``, ``status``, ``q`` (or ``search``: partial match on name or email). Position:
        ``limit`` (1-100, default 20) with ``offset``, ``page`` or ``starting_after`` (a previous
        page's ``meta.next_cursor``). Use :meth:`list_all` or :meth:`iter` to walk every page.
        """
        return self._request(USERS.list(params))

    def list_all(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[UserFilters]) -> Iterator[Page[User]]:
        """Every page of users matching ``filters``, ``page_size`` (1-100) at a time, fetched as you
        iterate, with the keyset cursor: no user is repeated or skipped."""
        return self._pages(USERS, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[UserFilters]) -> Iterator[User]:
        """Every user matching ``filters``, one at a time, across all pages (see :meth:`list_all`)."""
        return self._items(USERS, page_size, filters)

    def create(self, **fields: Unpack[UserCreateParams]) -> User:
        """Create a user: ``email`` and ``name`` are required, ``role`` defaults to ``"viewer"``.

        Without a ``password`` the user is ``pending_invite`` (to be invited); with one,
        ``active``. Raises ValidationError (``.details``) or DuplicateError (email taken).
        """
        return self._request(USERS.create(fields))

    def update(self, id: str, *, if_match: str | None = None, **fields: Unpack[UserUpdateParams]) -> User:
        """Change only the given fields of user ``id`` and return the user as it now is.

        With ``if_match`` (an ETag, see ``with_raw_response``), raises PreconditionFailedError if the
        user changed since. Raises NotFoundError, ValidationError or DuplicateError as they apply.
        """
        return self._request(USERS.update(id, fields, if_match))

    @cached_property
    def with_raw_response(self) -> UsersWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return UsersWithRawResponse(self._client)


class UsersWithRawResponse:
    """``client.users.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: SyncAPIClient) -> None:
        users = Users(client, raw=True)
        self.list = raw_response(users.list)
        self.get = raw_response(users.get)
        self.create = raw_response(users.create)
        self.update = raw_response(users.update)
        self.delete = raw_response(users.delete)


class AsyncUsers(AsyncCollection[User]):
    """The organization's users, on :class:`~redcore.AsyncClient`: the methods of :class:`Users`, awaited
    (``list_all`` and ``iter`` are async iterators: ``async for``)."""

    _endpoints = USERS

    async def list(self, **params: Unpack[UserListParams]) -> Page[User]:
        """One page of users (see :meth:`Users.list`)."""
        return await self._request(USERS.list(params))

    def list_all(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[UserFilters]
    ) -> AsyncIterator[Page[User]]:
        """Every page of users matching ``filters``, for ``async for`` (see :meth:`Users.list_all`)."""
        return self._pages(USERS, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[UserFilters]) -> AsyncIterator[User]:
        """Every user matching ``filters``, for ``async for`` (see :meth:`Users.iter`)."""
        return self._items(USERS, page_size, filters)

    async def create(self, **fields: Unpack[UserCreateParams]) -> User:
        """Create a user (see :meth:`Users.create`)."""
        return await self._request(USERS.create(fields))

    async def update(self, id: str, *, if_match: str | None = None, **fields: Unpack[UserUpdateParams]) -> User:
        """Change only the given fields of user ``id`` (see :meth:`Users.update`)."""
        return await self._request(USERS.update(id, fields, if_match))

    @cached_property
    def with_raw_response(self) -> AsyncUsersWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return AsyncUsersWithRawResponse(self._client)


class AsyncUsersWithRawResponse:
    """``async_client.users.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: AsyncAPIClient) -> None:
        users = AsyncUsers(client, raw=True)
        self.list = async_raw_response(users.list)
        self.get = async_raw_response(users.get)
        self.create = async_raw_response(users.create)
        self.update = async_raw_response(users.update)
        self.delete = async_raw_response(users.delete)
