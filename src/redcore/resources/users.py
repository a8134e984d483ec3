"""``client.users``: the organization's users (``/v1/users``), each user's signed-in sessions
(``/v1/users/{id}/sessions``) and each user's invitation (``/v1/users/{id}/invitation``)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Literal, Unpack, overload

from redcore._base import AsyncAPIClient, Call, SyncAPIClient
from redcore.pagination import DEFAULT_PAGE_SIZE, Page
from redcore.resources._collection import (
    AsyncCollection,
    Endpoints,
    SyncCollection,
    _segment,
    async_raw_response,
    raw_response,
)
from redcore.resources.imports import ImportFile, ImportFormat, import_call
from redcore.types import (
    ExportFormat,
    Import,
    Invitation,
    Session,
    SessionFilters,
    SessionListParams,
    User,
    UserCreateParams,
    UserFilters,
    UserListParams,
    UserUpdateParams,
)

__all__ = ["AsyncUsers", "AsyncUsersWithRawResponse", "Users", "UsersWithRawResponse"]

USERS = Endpoints("/users", User, Page[User])
SESSIONS = Endpoints("/users/{}/sessions", Session, Page[Session])


def _invitation(method: str, user_id: str) -> Call[Invitation]:
    """``{method} /users/{user_id}/invitation``: a user's one invitation (read, resent)."""
    return Call(method, f"/users/{_segment(user_id)}/invitation", Invitation)


def _revoke_invitation(user_id: str) -> Call[None]:
    return Call("DELETE", f"/users/{_segment(user_id)}/invitation", type(None))


class Users(SyncCollection[User]):
    """The organization's users: ``list``, ``list_all``, ``iter``, ``get``, ``create``, ``update``, ``delete``,
    each user's sessions: ``list_sessions``, ``iter_sessions``, ``revoke_session``, ``revoke_sessions``,
    and each user's invitation: ``get_invitation``, ``resend_invitation``, ``revoke_invitation``.

    ``get`` and ``delete`` take a ``usr_`` id; ``delete(id, if_match=etag)`` refuses (412) if the user
    changed since that ETag. Deleting a user, or making them ``inactive`` or ``suspended``, revokes all
    their sessions; changing their password, all but the session that changed it.
    """

    _endpoints = USERS

    def list(self, **params: Unpack[UserListParams]) -> Page[User]:
        """One page of users, newest first unless ``sort``/``order`` say otherwise.

        Filters: ``role``, ``status``, ``external_id``, ``q`` (or ``search``: partial match on name or
        email), ``team`` (a ``team_`` id: only its members). Position: ``limit`` (1-100, default 20)
        with ``offset``, ``page`` or ``starting_after`` (a previous page's ``meta.next_cursor``). Use
        :meth:`list_all` or :meth:`iter` to walk every page.
        """
        return self._request(USERS.list(params))

    def list_all(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[UserFilters]) -> Iterator[Page[User]]:
        """Every page of users matching ``filters``, ``page_size`` (1-100) at a time, fetched as you
        iterate, with the keyset cursor: no user is repeated or skipped."""
        return self._pages(USERS, page_size, filters)

    def iter(self, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[UserFilters]) -> Iterator[User]:
        """Every user matching ``filters``, one at a time, across all pages (see :meth:`list_all`)."""
        return self._items(USERS, page_size, filters)

    @overload
    def export(self, *, format: Literal["ndjson"] = "ndjson", **filters: Unpack[UserFilters]) -> Iterator[User]: ...
    @overload
    def export(self, *, format: Literal["csv"], **filters: Unpack[UserFilters]) -> Iterator[bytes]: ...
    def export(
        self, *, format: ExportFormat = "ndjson", **filters: Unpack[UserFilters]
    ) -> Iterator[User] | Iterator[bytes]:
        """Every user matching ``filters`` (and in their ``sort``/``order``) in one streamed download
        (``GET /v1/users/export``), read as you iterate: ``format="ndjson"`` (default) gives
        :class:`~redcore.types.User` models, ``format="csv"`` the CSV's bytes as they arrive (a header
        row, then a row per user; private metadata included). Retried only before the first byte; a download cut short
        raises APIConnectionError."""
        return self._export(USERS, format, filters)

    def export_to(
        self, file: str | os.PathLike[str], *, format: ExportFormat = "ndjson", **filters: Unpack[UserFilters]
    ) -> int:
        """Write :meth:`export`'s download to ``file`` as it arrives (under a temporary name beside it
        until complete) and return the number of bytes written."""
        return self._export_to(USERS, file, format, filters)

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

    def list_sessions(self, user_id: str, **params: Unpack[SessionListParams]) -> Page[Session]:
        """One page of user ``user_id``'s sessions that have not ended, newest first (needs ``users:read``).

        Position: ``limit`` (1-100, default 20) with ``offset``, ``page`` or ``starting_after``. Raises
        NotFoundError if there is no such user.
        """
        return self._request(SESSIONS.of(user_id).list(params))

    def iter_sessions(
        self, user_id: str, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[SessionFilters]
    ) -> Iterator[Session]:
        """Every session of user ``user_id`` that has not ended, one at a time, across all pages."""
        return self._items(SESSIONS.of(user_id), page_size, filters)

    def revoke_session(self, user_id: str, session_id: str) -> None:
        """End session ``session_id`` (``ses_``) of user ``user_id``: its access and refresh tokens stop
        working at once (needs ``users:write``). Raises NotFoundError if there is no such session."""
        return self._request(SESSIONS.of(user_id).delete(session_id, None))

    def revoke_sessions(self, user_id: str) -> None:
        """End every session of user ``user_id`` (signs them out everywhere; needs ``users:write``).
        Raises NotFoundError if there is no such user."""
        return self._request(SESSIONS.of(user_id).delete_all())

    def get_invitation(self, user_id: str) -> Invitation:
        """User ``user_id``'s latest invitation and where it stands: ``status`` is ``pending``,
        ``accepted``, ``revoked`` or ``expired`` (needs ``users:read``). Raises NotFoundError if there
        is no such user or they were never invited (created with a password)."""
        return self._request(_invitation("GET", user_id))

    def resend_invitation(self, user_id: str) -> Invitation:
        """Email user ``user_id`` a new invitation link and answer the new invitation; the previous link
        stops working (needs ``users:write``).

        Only for a user still ``pending_invite``: otherwise raises DuplicateError with code
        ``not_invited``. Raises NotFoundError if there is no such user, RateLimitError when the
        organization or the address has had too many invitations this hour.
        """
        return self._request(_invitation("POST", user_id))

    def revoke_invitation(self, user_id: str) -> None:
        """Withdraw user ``user_id``'s invitation: its link stops working and the user stays
        ``pending_invite`` until invited again with :meth:`resend_invitation` (needs ``users:write``).
        Raises NotFoundError if there is no such user or no invitation that could still be accepted."""
        return self._request(_revoke_invitation(user_id))

    def import_(
        self,
        file: ImportFile,
        *,
        format: ImportFormat | None = None,
        dry_run: bool = False,
        upsert: Literal["email", "external_id"] | None = None,
        invite: bool = False,
        events: bool = False,
    ) -> Import:
        """Send a CSV or JSON Lines file of users to import (``POST /v1/users/import``, needs
        ``users:write``) and answer its job, ``queued``: follow it with ``client.imports.wait(job.id)``.

        ``file``: a path (``.csv``/``.jsonl`` gives the ``format``), bytes, text or a binary file object.
        All rows or none are written; ``dry_run`` checks without writing; ``upsert`` updates the users
        rows match by ``email`` or ``external_id``; ``invite`` emails the new users without a password
        hash; ``events`` records an event per user besides ``import.completed``.
        """
        return self._request(import_call(file, format, dry_run=dry_run, upsert=upsert, invite=invite, events=events))

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
        self.list_sessions = raw_response(users.list_sessions)
        self.revoke_session = raw_response(users.revoke_session)
        self.revoke_sessions = raw_response(users.revoke_sessions)
        self.get_invitation = raw_response(users.get_invitation)
        self.resend_invitation = raw_response(users.resend_invitation)
        self.revoke_invitation = raw_response(users.revoke_invitation)
        self.import_ = raw_response(users.import_)


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

    @overload
    def export(
        self, *, format: Literal["ndjson"] = "ndjson", **filters: Unpack[UserFilters]
    ) -> AsyncIterator[User]: ...
    @overload
    def export(self, *, format: Literal["csv"], **filters: Unpack[UserFilters]) -> AsyncIterator[bytes]: ...
    def export(
        self, *, format: ExportFormat = "ndjson", **filters: Unpack[UserFilters]
    ) -> AsyncIterator[User] | AsyncIterator[bytes]:
        """Every user matching ``filters``, streamed, for ``async for`` (see :meth:`Users.export`)."""
        return self._export(USERS, format, filters)

    async def export_to(
        self, file: str | os.PathLike[str], *, format: ExportFormat = "ndjson", **filters: Unpack[UserFilters]
    ) -> int:
        """Write the export to ``file`` as it arrives; the number of bytes (see :meth:`Users.export_to`)."""
        return await self._export_to(USERS, file, format, filters)

    async def create(self, **fields: Unpack[UserCreateParams]) -> User:
        """Create a user (see :meth:`Users.create`)."""
        return await self._request(USERS.create(fields))

    async def update(self, id: str, *, if_match: str | None = None, **fields: Unpack[UserUpdateParams]) -> User:
        """Change only the given fields of user ``id`` (see :meth:`Users.update`)."""
        return await self._request(USERS.update(id, fields, if_match))

    async def list_sessions(self, user_id: str, **params: Unpack[SessionListParams]) -> Page[Session]:
        """One page of a user's sessions (see :meth:`Users.list_sessions`)."""
        return await self._request(SESSIONS.of(user_id).list(params))

    def iter_sessions(
        self, user_id: str, *, page_size: int = DEFAULT_PAGE_SIZE, **filters: Unpack[SessionFilters]
    ) -> AsyncIterator[Session]:
        """Every session of a user, for ``async for`` (see :meth:`Users.iter_sessions`)."""
        return self._items(SESSIONS.of(user_id), page_size, filters)

    async def revoke_session(self, user_id: str, session_id: str) -> None:
        """End one session of a user (see :meth:`Users.revoke_session`)."""
        return await self._request(SESSIONS.of(user_id).delete(session_id, None))

    async def revoke_sessions(self, user_id: str) -> None:
        """End every session of a user (see :meth:`Users.revoke_sessions`)."""
        return await self._request(SESSIONS.of(user_id).delete_all())

    async def get_invitation(self, user_id: str) -> Invitation:
        """A user's latest invitation and where it stands (see :meth:`Users.get_invitation`)."""
        return await self._request(_invitation("GET", user_id))

    async def resend_invitation(self, user_id: str) -> Invitation:
        """Email a user a new invitation link (see :meth:`Users.resend_invitation`)."""
        return await self._request(_invitation("POST", user_id))

    async def revoke_invitation(self, user_id: str) -> None:
        """Withdraw a user's invitation (see :meth:`Users.revoke_invitation`)."""
        return await self._request(_revoke_invitation(user_id))

    async def import_(
        self,
        file: ImportFile,
        *,
        format: ImportFormat | None = None,
        dry_run: bool = False,
        upsert: Literal["email", "external_id"] | None = None,
        invite: bool = False,
        events: bool = False,
    ) -> Import:
        """Send a file of users to import (see :meth:`Users.import_`)."""
        return await self._request(
            import_call(file, format, dry_run=dry_run, upsert=upsert, invite=invite, events=events)
        )

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
        self.list_sessions = async_raw_response(users.list_sessions)
        self.revoke_session = async_raw_response(users.revoke_session)
        self.revoke_sessions = async_raw_response(users.revoke_sessions)
        self.get_invitation = async_raw_response(users.get_invitation)
        self.resend_invitation = async_raw_response(users.resend_invitation)
        self.revoke_invitation = async_raw_response(users.revoke_invitation)
        self.import_ = async_raw_response(users.import_)
