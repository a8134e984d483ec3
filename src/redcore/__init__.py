"""RedCore's official Python SDK: a typed client for the RedCore API.

    from redcore import Client
    from redcore.exceptions import NotFoundError

    client = Client(api_key="sk_live_...", base_url="http://127.0.0.1:8000/v1")
    for user in client.users.iter(role="admin"):
        print(user.id, user.email)

:class:`AsyncClient` offers the same methods for ``await``. Errors are in :mod:`redcore.exceptions`,
models and call parameters in :mod:`redcore.types`, pages in :mod:`redcore.pagination`, and
the check a webhook receiver makes on each delivery in :mod:`redcore.webhooks` (``verify``).
"""

from redcore._base import APIResponse
from redcore._client import AsyncClient, Client
from redcore._version import __version__
from redcore.exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    DuplicateError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    RedCoreError,
    ServerError,
    ValidationError,
    WebhookVerificationError,
)
from redcore.pagination import ListMeta, Page
from redcore.types import (
    ApiKey,
    Event,
    Import,
    Invitation,
    Me,
    NewApiKey,
    Organization,
    Product,
    Role,
    Session,
    Team,
    TokenResponse,
    User,
    UserProfile,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APITimeoutError",
    "ApiKey",
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "DuplicateError",
    "Event",
    "Import",
    "Invitation",
    "ListMeta",
    "Me",
    "NewApiKey",
    "NotFoundError",
    "Organization",
    "Page",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "Product",
    "RateLimitError",
    "RedCoreError",
    "Role",
    "ServerError",
    "Session",
    "Team",
    "TokenResponse",
    "User",
    "UserProfile",
    "ValidationError",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookVerificationError",
    "__version__",
]
