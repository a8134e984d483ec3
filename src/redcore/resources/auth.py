"""``client.auth``: a user signs in with a password (``/v1/auth/token``), refreshes (``/v1/auth/refresh``)
and signs out (``/v1/auth/logout``); recovers a forgotten password (``/v1/auth/password_reset``,
``…/confirm``) and verifies a changed email address (``/v1/auth/verify_email``) with emailed links.

Signing in needs no API key: ``Client(base_url=...)`` is enough. The answer's access token is then
a credential like a key, whose scopes follow the user's role::

    tokens = Client(base_url=url).auth.sign_in(organization="org_...", email=email, password=password)
    me = Client(api_key=tokens.access_token, base_url=url)
    me.users.list()  # as the user: a viewer reads, an editor also writes users and products
    tokens = me.auth.refresh(tokens.refresh_token)  # before tokens.expires_in runs out
    Client(api_key=tokens.access_token, base_url=url).auth.logout()

    Client(base_url=url).auth.request_password_reset(organization="org_...", email=email)  # a link by email
    user = Client(base_url=url).auth.confirm_password_reset(token="rcp_...", password=new_password)
    user = Client(base_url=url).auth.verify_email(token="rcv_...")  # user.email_verified is True
"""

from __future__ import annotations

from functools import cached_property

from redcore._base import AsyncAPIClient, Call, SyncAPIClient
from redcore.resources._collection import AsyncResource, SyncResource, async_raw_response, raw_response
from redcore.types import TokenResponse, User

__all__ = ["AsyncAuth", "AsyncAuthWithRawResponse", "Auth", "AuthWithRawResponse"]


def _sign_in(organization: str, email: str, password: str) -> Call[TokenResponse]:
    body = {"organization": organization, "email": email, "password": password}
    return Call("POST", "/auth/token", TokenResponse, body=body, authenticated=False)


def _refresh(refresh_token: str) -> Call[TokenResponse]:
    # Safe to retry: every attempt carries the same Idempotency-Key, so a refresh that reached the
    # server is answered again with the same new tokens instead of looking like a stolen token's reuse.
    body = {"refresh_token": refresh_token}
    return Call("POST", "/auth/refresh", TokenResponse, body=body, authenticated=False)


def _request_password_reset(organization: str, email: str) -> Call[None]:
    body = {"organization": organization, "email": email}
    return Call("POST", "/auth/password_reset", type(None), body=body, authenticated=False)


def _confirm_password_reset(token: str, password: str) -> Call[User]:
    # Safe to retry although the link is spent by its first use: the attempts share one
    # Idempotency-Key, so a retry after a lost answer is answered with the first one.
    body = {"token": token, "password": password}
    return Call("POST", "/auth/password_reset/confirm", User, body=body, authenticated=False)


def _verify_email(token: str) -> Call[User]:
    return Call("POST", "/auth/verify_email", User, body={"token": token}, authenticated=False)


# Not replayable: the session it ends is its own credential, so a second attempt could not even
# authenticate to be answered from the first.
LOGOUT = Call("POST", "/auth/logout", type(None), replayable=False)


class Auth(SyncResource):
    """Signing in as a user: ``sign_in``, ``refresh``, ``logout``.

    ``sign_in`` and ``refresh`` work on a client without an API key; to act as the signed-in user,
    make a client with ``api_key=tokens.access_token``.
    """

    def sign_in(self, *, organization: str, email: str, password: str) -> TokenResponse:
        """Sign in as the user ``email`` of ``organization`` (an ``org_`` id) with their password.

        Answers a :class:`~redcore.types.TokenResponse`: an access token (``rca_…``, for
        ``expires_in`` seconds), a refresh token (``rcr_…``), the new session and the user. The
        client's own API key, if any, is not sent. Raises AuthenticationError with code
        ``invalid_credentials`` for an unknown organization or email, a wrong password or a user who
        may not sign in (inactive, suspended, invited), all with the same message; RateLimitError
        after too many failed sign-ins for the account or from the address.
        """
        return self._request(_sign_in(organization, email, password))

    def refresh(self, refresh_token: str) -> TokenResponse:
        """Exchange ``refresh_token`` for a new access token and a new refresh token, in the same session.

        The old refresh token is spent. Presenting a spent one again raises AuthenticationError with
        code ``invalid_refresh_token`` and revokes the whole session, as does an expired or revoked one
        (the code is the same): sign in again. Retried like any POST: its attempts share one
        Idempotency-Key, so a retry after a lost answer gets the same new tokens. Needs no API key.
        """
        return self._request(_refresh(refresh_token))

    def logout(self) -> None:
        """End the session whose access token is this client's ``api_key``: its access and refresh
        tokens stop working at once. With an API key instead, raises ValidationError."""
        return self._request(LOGOUT)

    def request_password_reset(self, *, organization: str, email: str) -> None:
        """Ask for a link to choose a new password, emailed to the active user of ``organization`` (an
        ``org_`` id) with the address ``email``.

        Returns None whether or not such a user (or organization) exists: the server answers 202
        alike, and only the owner of the address learns anything, by email. The link (``rcp_…``) works
        once, for an hour, until a newer one is sent. Raises RateLimitError after too many requests
        for the address or from this client's address. Needs no API key.
        """
        return self._request(_request_password_reset(organization, email))

    def confirm_password_reset(self, *, token: str, password: str) -> User:
        """Set a new ``password`` (8-128 characters) with the ``token`` of a password-reset link: answers
        the :class:`~redcore.types.User`, whose every session has ended and whose ``email_verified``
        is now true (the link reached the address).

        A used, expired or replaced link, or one whose user is no longer active or has changed address,
        raises ValidationError with code ``invalid_token``; a password too short or too long,
        ValidationError with code ``validation_error``. Needs no API key.
        """
        return self._request(_confirm_password_reset(token, password))

    def verify_email(self, *, token: str) -> User:
        """Verify the address a verification link (``rcv_…``, sent when the address changed) went to:
        answers the :class:`~redcore.types.User` with ``email_verified`` true.

        A used or expired link, or one sent to an address the user no longer has, raises
        ValidationError with code ``invalid_token``. Needs no API key.
        """
        return self._request(_verify_email(token))

    @cached_property
    def with_raw_response(self) -> AuthWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return AuthWithRawResponse(self._client)


class AuthWithRawResponse:
    """``client.auth.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: SyncAPIClient) -> None:
        auth = Auth(client, raw=True)
        self.sign_in = raw_response(auth.sign_in)
        self.refresh = raw_response(auth.refresh)
        self.logout = raw_response(auth.logout)
        self.request_password_reset = raw_response(auth.request_password_reset)
        self.confirm_password_reset = raw_response(auth.confirm_password_reset)
        self.verify_email = raw_response(auth.verify_email)


class AsyncAuth(AsyncResource):
    """Signing in as a user, on :class:`~redcore.AsyncClient`: the methods of :class:`Auth`, awaited."""

    async def sign_in(self, *, organization: str, email: str, password: str) -> TokenResponse:
        """Sign in as a user with their password (see :meth:`Auth.sign_in`)."""
        return await self._request(_sign_in(organization, email, password))

    async def refresh(self, refresh_token: str) -> TokenResponse:
        """Exchange a refresh token for new tokens (see :meth:`Auth.refresh`)."""
        return await self._request(_refresh(refresh_token))

    async def logout(self) -> None:
        """End the session of this client's access token (see :meth:`Auth.logout`)."""
        return await self._request(LOGOUT)

    async def request_password_reset(self, *, organization: str, email: str) -> None:
        """Ask for a password-reset link by email (see :meth:`Auth.request_password_reset`)."""
        return await self._request(_request_password_reset(organization, email))

    async def confirm_password_reset(self, *, token: str, password: str) -> User:
        """Set a new password with a reset link's token (see :meth:`Auth.confirm_password_reset`)."""
        return await self._request(_confirm_password_reset(token, password))

    async def verify_email(self, *, token: str) -> User:
        """Verify an email address with a verification link's token (see :meth:`Auth.verify_email`)."""
        return await self._request(_verify_email(token))

    @cached_property
    def with_raw_response(self) -> AsyncAuthWithRawResponse:
        """The same methods, answering an :class:`~redcore.APIResponse` (status, headers, ``parse()``)."""
        return AsyncAuthWithRawResponse(self._client)


class AsyncAuthWithRawResponse:
    """``async_client.auth.with_raw_response``: each method answers an :class:`~redcore.APIResponse`."""

    def __init__(self, client: AsyncAPIClient) -> None:
        auth = AsyncAuth(client, raw=True)
        self.sign_in = async_raw_response(auth.sign_in)
        self.refresh = async_raw_response(auth.refresh)
        self.logout = async_raw_response(auth.logout)
        self.request_password_reset = async_raw_response(auth.request_password_reset)
        self.confirm_password_reset = async_raw_response(auth.confirm_password_reset)
        self.verify_email = async_raw_response(auth.verify_email)
