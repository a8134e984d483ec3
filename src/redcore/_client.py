"""The two clients: :class:`Client` (blocking) and :class:`AsyncClient` (``await``).

Both are thin: the configuration, requests, retries and errors live in ``_base.py``, the
operations in ``resources/``. Each client only picks its loop and attaches the resources.
"""

from __future__ import annotations

import httpx

from redcore._base import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, AsyncAPIClient, SyncAPIClient
from redcore.resources.api_keys import ApiKeys, AsyncApiKeys
from redcore.resources.auth import AsyncAuth, Auth
from redcore.resources.events import AsyncEvents, Events
from redcore.resources.imports import AsyncImports, Imports
from redcore.resources.invitations import AsyncInvitations, Invitations
from redcore.resources.me import AsyncMe, MeResource
from redcore.resources.organization import AsyncOrganizationResource, OrganizationResource
from redcore.resources.products import AsyncProducts, Products
from redcore.resources.roles import AsyncRoles, Roles
from redcore.resources.teams import AsyncTeams, Teams
from redcore.resources.users import AsyncUsers, Users
from redcore.resources.webhook_endpoints import AsyncWebhookEndpoints, WebhookEndpoints

__all__ = ["AsyncClient", "Client"]


class Client(SyncAPIClient):
    """The RedCore API, blocking::

        client = Client(api_key="sk_live_...", base_url="http://127.0.0.1:8000/v1")
        user = client.users.get("usr_...")

    To act as a user rather than with an API key, sign in (no key needed) and make a client with the
    access token, whose scopes follow the user's role::

        tokens = Client(base_url=url).auth.sign_in(organization="org_...", email=email, password=password)
        as_user = Client(api_key=tokens.access_token, base_url=url)

    Args:
        api_key: an ``sk_live_`` key, or a signed-in user's access token (``rca_``); default
            ``$REDCORE_API_KEY``. Without either, every call but ``auth.sign_in``,
            ``auth.refresh`` and ``invitations.accept`` raises RedCoreError, before sending anything.
        base_url: the API root including ``/v1``; default ``$REDCORE_BASE_URL``, else
            ``http://127.0.0.1:8000/v1``.
        timeout: seconds (or an ``httpx.Timeout``) for each attempt; default 30 (5 to connect).
        max_retries: retries after a connection error, a 429 or a 5xx, waiting with exponential
            back-off and jitter or as ``Retry-After`` says; default 2, 0 to never retry.
        http_client: an ``httpx.Client`` of your own (proxies, certificates, transports, event
            hooks); the SDK uses it as is and leaves closing it to you.

    Use it as a context manager, or call :meth:`close`, to release its connections.
    """

    auth: Auth
    invitations: Invitations
    users: Users
    products: Products
    events: Events
    webhook_endpoints: WebhookEndpoints
    api_keys: ApiKeys
    organization: OrganizationResource
    me: MeResource
    teams: Teams
    roles: Roles
    imports: Imports

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
            default_http_client=httpx.Client,
        )
        self.auth = Auth(self)
        self.invitations = Invitations(self)
        self.users = Users(self)
        self.products = Products(self)
        self.events = Events(self)
        self.webhook_endpoints = WebhookEndpoints(self)
        self.api_keys = ApiKeys(self)
        self.organization = OrganizationResource(self)
        self.me = MeResource(self)
        self.teams = Teams(self)
        self.roles = Roles(self)
        self.imports = Imports(self)


class AsyncClient(AsyncAPIClient):
    """The RedCore API for ``asyncio`` (or trio): :class:`Client`'s methods, awaited::

        async with AsyncClient(api_key="sk_live_...") as client:
            user = await client.users.get("usr_...")
            async for user in client.users.iter(role="admin"):
                ...

    Takes the same arguments as :class:`Client` (``http_client`` is an ``httpx.AsyncClient``).
    Use it as an async context manager, or call :meth:`aclose`, to release its connections.
    """

    auth: AsyncAuth
    invitations: AsyncInvitations
    users: AsyncUsers
    products: AsyncProducts
    events: AsyncEvents
    webhook_endpoints: AsyncWebhookEndpoints
    api_keys: AsyncApiKeys
    organization: AsyncOrganizationResource
    me: AsyncMe
    teams: AsyncTeams
    roles: AsyncRoles
    imports: AsyncImports

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
            default_http_client=httpx.AsyncClient,
        )
        self.auth = AsyncAuth(self)
        self.invitations = AsyncInvitations(self)
        self.users = AsyncUsers(self)
        self.products = AsyncProducts(self)
        self.events = AsyncEvents(self)
        self.webhook_endpoints = AsyncWebhookEndpoints(self)
        self.api_keys = AsyncApiKeys(self)
        self.organization = AsyncOrganizationResource(self)
        self.me = AsyncMe(self)
        self.teams = AsyncTeams(self)
        self.roles = AsyncRoles(self)
        self.imports = AsyncImports(self)
