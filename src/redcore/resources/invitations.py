"""``client.invitations``: an invited user accepts their invitation (``/v1/invitations/accept``) with the
token from the emailed link and the password they choose.

Accepting needs no API key: ``Client(base_url=...)`` is enough. The user is then ``active`` and signs in::

    user = Client(base_url=url).invitations.accept(token="rci_...", password=password)
    tokens = Client(base_url=url).auth.sign_in(organization="org_...", email=user.email, password=password)

An admin reads, sends again or withdraws a user's invitation with ``client.users.get_invitation``,
``resend_invitation`` and ``revoke_invitation``.
"""

from __future__ import annotations

from functools import cached_property

from redcore._base import AsyncAPIClient, Call, SyncAPIClient
from redcore.resources._collection import AsyncResource, SyncResource, async_raw_response, raw_response
from redcore.types import User

__all__ = ["AsyncInvitations", "AsyncInvitationsWithRawResponse", "Invitations", "InvitationsWithRawResponse"]


def _accept(token: str, password: str) -> Call[User]:
    # Safe to retry although the token is spent by its first use: the attempts share one
    # Idempotency-Key, so a retry after a lost answer is answered with the first one.
    body = {"token": token, "password": password}
    return Call("POST", "/invitations/accept", User, body=body, authenticated=False)


class Invitations(SyncResource):
    """Accepting an invitation: ``accept``. Works on a client without an API key."""

    def accept(self, *, token: str, password: str) -> User:
        """Accept the invitation whose link carries ``token`` (``rci_…``), choosing ``password`` (8-128
        characters): answers the :class:`~redcore.types.User`, now ``active``, who can then sign in.

        The client's own API key, if any, is not sent. A link works once, until it expires or is
        replaced (resent) or withdrawn: otherwise raises ValidationError with code
        ``invalid_invitation``; a password that is too short or too long, ValidationError with code
        ``validation_error``. Retried like any POST: a retry after a lost answer gets the first answer.
        """
        return self._request(_accept(token, password))

    @cached_property
    def with_raw_response(self) -> InvitationsWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return InvitationsWithRawResponse(self._client)


class InvitationsWithRawResponse:
    """``client.invitations.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: SyncAPIClient) -> None:
        invitations = Invitations(client, raw=True)
        self.accept = raw_response(invitations.accept)


class AsyncInvitations(AsyncResource):
    """Accepting an invitation, on :class:`~redcore.AsyncClient`: the methods of :class:`Invitations`, awaited."""

    async def accept(self, *, token: str, password: str) -> User:
        """Accept an invitation with its token and a new password (see :meth:`Invitations.accept`)."""
        return await self._request(_accept(token, password))

    @cached_property
    def with_raw_response(self) -> AsyncInvitationsWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return AsyncInvitationsWithRawResponse(self._client)


class AsyncInvitationsWithRawResponse:
    """``async_client.invitations.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: AsyncAPIClient) -> None:
        invitations = AsyncInvitations(client, raw=True)
        self.accept = async_raw_response(invitations.accept)
