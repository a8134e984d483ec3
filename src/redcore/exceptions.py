"""Every error the SDK raises.

``RedCoreError`` is the root. An error *response* from the API is an :class:`APIError` (with the
contract's ``code``, ``message``, ``status``, ``request_id``), raised as the subclass its status
names; a request that never got a response is an :class:`APIConnectionError`::

    RedCoreError
    ├── APIError                      .code .message .status .request_id .details .headers
    │   ├── ValidationError           400 (validation_error, invalid_json)
    │   ├── AuthenticationError       401 (invalid_api_key, token_expired, invalid_credentials, ...)
    │   ├── PermissionDeniedError     403 (insufficient_scope)
    │   ├── NotFoundError             404
    │   ├── DuplicateError            409 (duplicate_email, duplicate_sku; endpoint_disabled, ...)
    │   ├── PreconditionFailedError   412 (If-Match no longer matches)
    │   ├── RateLimitError            429, .retry_after
    │   └── ServerError               5xx
    ├── APIConnectionError            no response (refused, reset, DNS, ...)
    │   └── APITimeoutError           no response in time
    ├── APIResponseValidationError    a response the SDK cannot read
    └── WebhookVerificationError      a webhook delivery that fails redcore.webhooks.verify
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APITimeoutError",
    "AuthenticationError",
    "DuplicateError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "RedCoreError",
    "ServerError",
    "ValidationError",
    "WebhookVerificationError",
]


class RedCoreError(Exception):
    """The root of every error the SDK raises (also a call needing an API key on a client without one)."""


class APIError(RedCoreError):
    """The API answered with an error: ``{"error": {"code", "message", "status", "request_id", ...}}``.

    Attributes:
        code: the contract's lowercase code, e.g. ``"not_found"`` or ``"duplicate_email"``.
        message: a human-readable explanation from the server.
        status: the HTTP status code.
        request_id: the ``req_`` id of the request (quote it when asking for support), or None.
        details: ``[{"field": ..., "issue": ...}, ...]`` when the server gave them, else ``[]``.
        headers: the response headers (``Retry-After``, ``X-RateLimit-*``, ...).
        response: the underlying ``httpx.Response``, or None.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int,
        request_id: str | None = None,
        details: list[dict[str, Any]] | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.request_id = request_id
        self.details: list[dict[str, Any]] = details or []
        self.response = response
        self.headers: httpx.Headers = response.headers if response is not None else httpx.Headers()

    def __str__(self) -> str:
        suffix = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.status} {self.code}: {self.message}{suffix}"


class ValidationError(APIError):
    """400: the request was refused as invalid; ``details`` names each field and its issue."""


class AuthenticationError(APIError):
    """401: the API key or access token is missing, unknown, revoked or expired (``invalid_api_key``,
    ``token_expired``); or signing in failed (``invalid_credentials``: the same message whatever was
    wrong), or a refresh token is spent, expired or revoked (``invalid_refresh_token``: sign in again)."""


class PermissionDeniedError(APIError):
    """403: the key is valid but lacks the scope this call needs (the message names it)."""


class NotFoundError(APIError):
    """404: no such resource in this organization."""


class DuplicateError(APIError):
    """409: a unique field (a user's email, a product's SKU) is already taken, or (``code`` says which)
    the resource's state forbids the change, e.g. retrying a delivery of a disabled webhook endpoint."""


class PreconditionFailedError(APIError):
    """412: the resource changed since the ETag sent as ``if_match``."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the server's ``Retry-After`` in seconds (or None)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the server failed (``internal_error``) or is unavailable (``service_unavailable``)."""


class APIConnectionError(RedCoreError):
    """No response: the connection was refused or broke, after every retry was spent."""

    def __init__(self, message: str = "Could not connect to the RedCore API.", *, request: httpx.Request) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APITimeoutError(APIConnectionError):
    """No response within the client's ``timeout``, after every retry was spent."""

    def __init__(self, *, request: httpx.Request) -> None:
        super().__init__("The request to the RedCore API timed out.", request=request)


class APIResponseValidationError(RedCoreError):
    """A successful response whose body does not have the shape the SDK expects."""

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        super().__init__(message)
        self.message = message
        self.response = response


class WebhookVerificationError(RedCoreError):
    """A webhook delivery that :func:`redcore.webhooks.verify` refused; the message says why (a missing
    or malformed header, a signature that matches no secret, a stale timestamp, a malformed secret).

    Answer such a request with 400 and do not act on its body: it may be forged or replayed.
    """
