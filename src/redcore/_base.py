"""The one implementation behind :class:`~redcore.Client` and :class:`~redcore.AsyncClient`.

:class:`BaseClient` does everything that does not wait on I/O: it reads the configuration, builds
each request (authentication, ``Idempotency-Key`` on POST, timeout), decides after each attempt
whether to retry and how long to wait (exponential back-off with jitter, or the server's
``Retry-After``; every POST with one ``Idempotency-Key`` across its attempts, so the server answers a
retry of what it already did with the stored response), and turns error responses into exceptions.
:class:`SyncAPIClient` and :class:`AsyncAPIClient` add only the loop that sends and sleeps, with
httpx's sync or async client.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import anyio
import httpx
import msgspec

from redcore import exceptions as exc
from redcore._version import __version__

__all__ = ["APIResponse", "AsyncAPIClient", "BaseClient", "Call", "SyncAPIClient"]

T = TypeVar("T")
HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)

logger = logging.getLogger("redcore")

VERSION = __version__
DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5  # seconds before the first retry, doubled for each next one
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is not waited out: the RateLimitError carries it instead
NO_API_KEY = (
    "No API key: pass Client(api_key='sk_live_...') (or a signed-in user's access token) or set the "
    "REDCORE_API_KEY environment variable. Without one, only client.auth.sign_in, client.auth.refresh, "
    "client.auth's password reset and email verification, and client.invitations.accept work."
)
# Failures that prove a request never reached the server: safe to retry even when sending it twice is not.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

_ERRORS: dict[int, type[exc.APIError]] = {
    400: exc.ValidationError,
    401: exc.AuthenticationError,
    403: exc.PermissionDeniedError,
    404: exc.NotFoundError,
    409: exc.DuplicateError,
    412: exc.PreconditionFailedError,
    429: exc.RateLimitError,
}


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One API operation, as the resources describe it: what to send and what the answer decodes to."""

    method: str
    path: str  # below the base URL, e.g. "/users/usr_123"
    cast: type[T]  # the model of a successful answer; ``type(None)`` for an empty one (204)
    params: Mapping[str, Any] | None = None
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] | None = None
    content: bytes | None = None  # a body sent as it is (a file to import), its Content-Type in ``headers``
    # False: the call sends no Authorization header, its body carrying the credential (signing in).
    authenticated: bool = True
    # False: the call must not reach the server twice and its retry could not be answered from the first
    # (signing out: the session it ends is its credential), so it is retried only after a 429, an
    # Idempotency-Key still in use, or a failure to connect, never after a 5xx or a timeout. Every other
    # POST is safe to retry: its attempts share one Idempotency-Key, and the server answers a retry of
    # a request it already ran with the stored response.
    replayable: bool = True


class APIResponse(Generic[T]):
    """A successful HTTP response, before (or beside) its decoding into a model.

    Returned by ``client.<resource>.with_raw_response.<method>(...)``: read the status and headers
    (``X-Request-Id``, ``ETag``, ``Location``, ``X-RateLimit-*``), then call :meth:`parse` for the model.
    """

    def __init__(self, response: httpx.Response, cast: type[T], retries_taken: int) -> None:
        self.http_response = response
        self.retries_taken = retries_taken
        self._cast = cast

    @property
    def status_code(self) -> int:
        """The HTTP status code (200, 201, 204)."""
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The response headers (case-insensitive)."""
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """The server's ``X-Request-Id`` for this request."""
        value: str | None = self.http_response.headers.get("x-request-id")
        return value

    @property
    def etag(self) -> str | None:
        """The resource's ``ETag``, to pass as ``if_match`` to a later update or delete."""
        value: str | None = self.http_response.headers.get("etag")
        return value

    def parse(self) -> T:
        """The body decoded into the model the call returns (None for an empty 204 answer)."""
        if self._cast is type(None):
            return None
        try:
            return msgspec.json.decode(self.http_response.content, type=self._cast)
        except (msgspec.DecodeError, msgspec.ValidationError) as e:
            raise exc.APIResponseValidationError(
                f"Unexpected response body from {self.http_response.request.url}: {e}", response=self.http_response
            ) from e

    def __repr__(self) -> str:
        return f"<APIResponse {self.status_code} {self.request_id or ''}>"


class BaseClient(Generic[HttpT]):
    """Configuration, request building, retry decisions and error mapping, shared by both clients."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int,
        http_client: HttpT | None,
        default_http_client: type[HttpT],
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        # None is allowed for signing in; every other call then raises RedCoreError before sending anything.
        self.api_key: str | None = api_key or os.environ.get("REDCORE_API_KEY") or None
        self.base_url = (base_url or os.environ.get("REDCORE_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.max_retries = max_retries
        self._owns_http = http_client is None
        self._http: HttpT = http_client if http_client is not None else default_http_client()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base_url}>"  # never the key

    # -- building a request ------------------------------------------------------------------

    def _build_request(self, call: Call[Any], idempotency_key: str | None) -> httpx.Request:
        headers = {"Accept": "application/json", "User-Agent": f"redcore-python/{VERSION}"}
        if call.authenticated:
            if self.api_key is None:
                raise exc.RedCoreError(NO_API_KEY)
            headers["Authorization"] = f"Bearer {self.api_key}"
        content = None
        if call.body is not None:
            headers["Content-Type"] = "application/json"
            content = msgspec.json.encode(call.body)
        elif call.content is not None:
            content = call.content
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        headers.update(call.headers or {})
        params = {k: _query_value(v) for k, v in (call.params or {}).items() if v is not None}
        return self._http.build_request(
            call.method,
            self.base_url + call.path,
            params=params,
            content=content,
            headers=headers,
            timeout=self.timeout,
        )

    @staticmethod
    def _idempotency_key(call: Call[Any]) -> str | None:
        """A fresh key for each POST, sent with every attempt of that call so a retry cannot create twice."""
        return str(uuid.uuid4()) if call.method == "POST" else None

    # -- after each attempt ------------------------------------------------------------------

    def _decide(
        self, call: Call[T], request: httpx.Request, retries: int, outcome: httpx.Response | httpx.RequestError
    ) -> APIResponse[T] | float:
        """What attempt number ``retries`` (0 for the first) leads to: the final response, a number of
        seconds to wait before the next attempt, or (raised) the error for the caller."""
        if isinstance(outcome, httpx.RequestError):
            if retries < self.max_retries and (call.replayable or isinstance(outcome, _NOT_SENT)):
                return self._wait(retries, None, request, type(outcome).__name__)
            if isinstance(outcome, httpx.TimeoutException):
                raise exc.APITimeoutError(request=request) from outcome
            raise exc.APIConnectionError(
                f"Could not connect to the RedCore API at {request.url}: {outcome}", request=request
            ) from outcome
        if outcome.is_success:
            return APIResponse(outcome, call.cast, retries)
        if retries < self.max_retries and self._retryable(outcome, call.replayable):
            return self._wait(retries, outcome, request, str(outcome.status_code))
        raise self._status_error(outcome)

    @staticmethod
    def _retryable(response: httpx.Response, replayable: bool) -> bool:
        """Whether to send the request again after ``response``: a 429 (refused before any work), a 409
        ``idempotency_key_in_use`` (the first attempt still runs: its retry gets its answer) or, for a
        call that may be sent twice, a 5xx; never when ``Retry-After`` asks for over a minute."""
        waiting = response.status_code == 429 or _key_in_use(response)
        if not waiting and (response.status_code < 500 or not replayable):
            return False
        retry_after = _retry_after(response)
        return retry_after is None or retry_after <= MAX_RETRY_AFTER

    @staticmethod
    def _wait(retries: int, response: httpx.Response | None, request: httpx.Request, why: str) -> float:
        delay = _retry_after(response) if response is not None else None
        if delay is None:  # exponential back-off, with jitter so clients do not retry in lockstep
            delay = min(INITIAL_RETRY_DELAY * 2**retries, MAX_RETRY_DELAY) * (1 - 0.25 * random.random())
        logger.info("Retrying %s %s in %.2fs (%s)", request.method, request.url, delay, why)
        return delay

    @staticmethod
    def _status_error(response: httpx.Response) -> exc.APIError:
        """The exception for an error response, from the contract's ``{"error": {...}}`` body."""
        try:
            body = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {}
        status = response.status_code
        details = error.get("details")
        kwargs: dict[str, Any] = {
            "code": str(error.get("code") or f"http_{status}"),  # not the API's body (a proxy's, say)
            "status": status,
            "request_id": error.get("request_id") or response.headers.get("x-request-id"),
            "details": details if isinstance(details, list) else None,
            "response": response,
        }
        message = str(error.get("message") or response.reason_phrase or f"HTTP {status}")
        cls = _ERRORS.get(status) or (exc.ServerError if status >= 500 else exc.APIError)
        if cls is exc.RateLimitError:
            return exc.RateLimitError(message, retry_after=_retry_after(response), **kwargs)
        return cls(message, **kwargs)


def _key_in_use(response: httpx.Response) -> bool:
    """A 409 saying an attempt with the same Idempotency-Key is still running (only POSTs carry one)."""
    if response.status_code != 409 or response.request.method != "POST":
        return False
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("code") == "idempotency_key_in_use"


def _query_value(value: Any) -> Any:
    """A query parameter as the API reads it: a ``datetime`` as RFC 3339 in UTC (``...Z``; a naive one
    is taken as UTC, as the server does), anything else as httpx writes it (``True`` → ``true``)."""
    if isinstance(value, datetime):
        utc = value.astimezone(UTC) if value.tzinfo is not None else value
        return utc.replace(tzinfo=None).isoformat() + "Z"
    return value


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds, given as a number of seconds or an HTTP date; None if absent or unreadable."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0)


class SyncAPIClient(BaseClient[httpx.Client]):
    """The blocking send-and-sleep loop over :class:`BaseClient`."""

    def request(self, call: Call[T]) -> T:
        """Perform ``call`` (with retries) and return its decoded answer."""
        return self.request_raw(call).parse()

    def request_raw(self, call: Call[T]) -> APIResponse[T]:
        """Perform ``call`` (with retries) and return the response undecoded."""
        key = self._idempotency_key(call)
        retries = 0
        while True:
            request = self._build_request(call, key)
            try:
                outcome: httpx.Response | httpx.RequestError = self._http.send(request)
            except httpx.RequestError as e:
                outcome = e
            step = self._decide(call, request, retries, outcome)
            if isinstance(step, APIResponse):
                return step
            time.sleep(step)
            retries += 1

    def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in: that one stays yours)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncAPIClient(BaseClient[httpx.AsyncClient]):
    """The asynchronous send-and-sleep loop over :class:`BaseClient`."""

    async def request(self, call: Call[T]) -> T:
        """Perform ``call`` (with retries) and return its decoded answer."""
        return (await self.request_raw(call)).parse()

    async def request_raw(self, call: Call[T]) -> APIResponse[T]:
        """Perform ``call`` (with retries) and return the response undecoded."""
        key = self._idempotency_key(call)
        retries = 0
        while True:
            request = self._build_request(call, key)
            try:
                outcome: httpx.Response | httpx.RequestError = await self._http.send(request)
            except httpx.RequestError as e:
                outcome = e
            step = self._decide(call, request, retries, outcome)
            if isinstance(step, APIResponse):
                return step
            await anyio.sleep(step)
            retries += 1

    async def aclose(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in: that one stays yours)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
