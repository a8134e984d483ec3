"""``client.me``: who the client's credential is (``/v1/me``), and a signed-in user's own account.

``get`` works with any credential. ``update`` and ``change_password`` need a user's access token
(any role, a viewer included)::

    tokens = Client(base_url=url).auth.sign_in(organization="org_...", email=email, password=password)
    as_user = Client(api_key=tokens.access_token, base_url=url)
    as_user.me.update(name="Dana Reyes")
    as_user.me.change_password(current_password=password, new_password="a new passphrase")
"""

from __future__ import annotations

from functools import cached_property
from typing import Unpack

from redcore._base import AsyncAPIClient, Call, SyncAPIClient
from redcore.resources._collection import AsyncResource, SyncResource, async_raw_response, raw_response
from redcore.types import Me, MeUpdateParams

__all__ = ["AsyncMe", "AsyncMeWithRawResponse", "MeResource", "MeWithRawResponse"]

GET = Call("GET", "/me", Me)


def _update(fields: MeUpdateParams) -> Call[Me]:
    return Call("PATCH", "/me", Me, body=dict(fields))


def _change_password(current_password: str, new_password: str) -> Call[None]:
    # Safe to retry: the attempts share one Idempotency-Key, and the session making the change lives on.
    body = {"current_password": current_password, "new_password": new_password}
    return Call("POST", "/me/password", type(None), body=body)


class MeResource(SyncResource):
    """The caller: ``get``; for a signed-in user, ``update`` and ``change_password``."""

    def get(self) -> Me:
        """Who the client's credential is: :class:`~redcore.Me` with ``type`` ``"api_key"`` (and the
        key, never its secret) or ``"user"`` (the user and the ``session_id``), the organization
        and the credential's scopes."""
        return self._request(GET)

    def update(self, **fields: Unpack[MeUpdateParams]) -> Me:
        """Change the signed-in user's own ``name``, ``avatar`` or ``email``; answers :class:`~redcore.Me`.

        ``email`` needs ``current_password`` (ValidationError without it; ValidationError with code
        ``invalid_current_password`` when wrong; RateLimitError after too many wrong ones); the new
        address has ``email_verified`` False until the link sent to it is used. With an API key,
        raises PermissionDeniedError with code ``user_token_required``. Role and status cannot be
        changed here.
        """
        return self._request(_update(fields))

    def change_password(self, *, current_password: str, new_password: str) -> None:
        """Set the signed-in user's password (``new_password``: 8-128 characters). Every other session
        of the user ends at once; this client's stays signed in.

        Raises ValidationError with code ``invalid_current_password`` for a wrong ``current_password``,
        RateLimitError after too many, and PermissionDeniedError (``user_token_required``) with an API key.
        """
        return self._request(_change_password(current_password, new_password))

    @cached_property
    def with_raw_response(self) -> MeWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return MeWithRawResponse(self._client)


class MeWithRawResponse:
    """``client.me.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: SyncAPIClient) -> None:
        me = MeResource(client, raw=True)
        self.get = raw_response(me.get)
        self.update = raw_response(me.update)
        self.change_password = raw_response(me.change_password)


class AsyncMe(AsyncResource):
    """The caller, on :class:`~redcore.AsyncClient`: the methods of :class:`MeResource`, awaited."""

    async def get(self) -> Me:
        """Who the client's credential is (see :meth:`MeResource.get`)."""
        return await self._request(GET)

    async def update(self, **fields: Unpack[MeUpdateParams]) -> Me:
        """Change the signed-in user's own profile (see :meth:`MeResource.update`)."""
        return await self._request(_update(fields))

    async def change_password(self, *, current_password: str, new_password: str) -> None:
        """Set the signed-in user's password (see :meth:`MeResource.change_password`)."""
        return await self._request(_change_password(current_password, new_password))

    @cached_property
    def with_raw_response(self) -> AsyncMeWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return AsyncMeWithRawResponse(self._client)


class AsyncMeWithRawResponse:
    """``async_client.me.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: AsyncAPIClient) -> None:
        me = AsyncMe(client, raw=True)
        self.get = async_raw_response(me.get)
        self.update = async_raw_response(me.update)
        self.change_password = async_raw_response(me.change_password)
