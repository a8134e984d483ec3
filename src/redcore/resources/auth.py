"""``client.auth``: a user signs in with a password (``/v1/auth/token``), refreshes (``/v1/auth/refresh``)
and signs out (``/v1/auth/logout``).

Signing in needs no API key: ``Client(base_url=...)`` is enough. The answer's access token is then
a credential like a key, whose scopes follow the user's role::

    tokens = Client(base_url=url).auth.sign_in(organization="org_...", email=email, password=password)
    me = Client(api_key=tokens.access_token, base_url=url)
    me.users.list()  # as the user: a viewer reads, an editor also writes users and products
    tokens = me.auth.refresh(tokens.refresh_token)  # before tokens.expires_in runs out
    Client(api_key=tokens.access_token, base_url=url).auth.logout()
"""

from __future__ import annotations

from functools import cached_property

from redcore._base import AsyncAPIClient, Call, SyncAPIClient
from redcore.resources._collection import AsyncResource, SyncResource, async_raw_response, raw_response
from redcore.types import TokenResponse

__all__ = ["AsyncAuth", "AsyncAuthWithRawResponse", "Auth", "AuthWithRawResponse"]


def _sign_in(organization: str, email: str, password: str) -> Call[TokenResponse]:
    body = {"organization": organization, "email": email, "password": password}
    return Call("POST", "/auth/token", TokenResponse, body=body, authenticated=False)


def _refresh(refresh_token: str) -> Call[TokenResponse]:
    # Safe to retry: every attempt carries the same Idempotency-Key, so a refresh that reached the
    # server is answered again with the same new tokens instead of looking like a stolen token's reuse.
    body = {"refresh_token": refresh_token}
    return Call("POST", "/auth/refresh", TokenResponse, body=body, authenticated=False)


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
