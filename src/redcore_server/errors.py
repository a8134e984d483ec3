"""Domain errors, and the one place that renders every error in the contract's shape.

Services raise :class:`APIError` subclasses; they never see the web framework. The handlers
at the bottom turn those, the framework's own exceptions and anything unexpected into::

    {"error": {"code", "message", "status", "request_id", "details"?}}
"""

from __future__ import annotations

import logging
import re
from typing import ClassVar

import msgspec

from redcore_server.text import pattern_issue

logger = logging.getLogger("redcore.errors")


class ErrorDetail(msgspec.Struct):
    field: str
    issue: str


class ErrorBody(msgspec.Struct, omit_defaults=True):
    code: str
    message: str
    status: int
    request_id: str
    details: list[ErrorDetail] | None = None


class ErrorResponse(msgspec.Struct):
    """The contract's one error shape."""

    error: ErrorBody


_encoder = msgspec.json.Encoder()


def error_body(exc: APIError, rid: str) -> bytes:
    """The contract's error document for ``exc``, encoded."""
    return _encoder.encode(
        ErrorResponse(
            ErrorBody(code=exc.code, message=exc.message, status=exc.status, request_id=rid, details=exc.details)
        )
    )


class APIError(Exception):
    """Base of every error a client may see. ``status`` and ``code`` are fixed per subclass."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "An internal error occurred."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: list[ErrorDetail] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationError(APIError):
    status = 400
    code = "validation_error"
    default_message = "The request is not valid."

    @classmethod
    def of(cls, *problems: tuple[str, str]) -> ValidationError:
        """Build from ``(field, issue)`` pairs; the message names the first."""
        details = [ErrorDetail(field=f, issue=i) for f, i in problems]
        first = details[0]
        message = f"{first.field}: {first.issue}" if first.field else first.issue
        if len(details) > 1:
            message += f" (and {len(details) - 1} more)"
        return cls(message, details=details)


class InvalidJSON(APIError):
    status = 400
    code = "invalid_json"
    default_message = "The request body is not valid JSON."


class AuthenticationFailed(APIError):
    status = 401
    code = "invalid_api_key"
    default_message = "The provided API key is missing, expired or malformed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="redcore"'})


class TokenExpired(AuthenticationFailed):
    code = "token_expired"
    default_message = "The provided credential has expired."


class InsufficientScope(APIError):
    status = 403
    code = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(f"This credential lacks the `{scope}` scope.")
        self.scope = scope


class NotFound(APIError):
    status = 404
    code = "not_found"
    default_message = "The requested resource does not exist."


class MethodNotAllowed(APIError):
    status = 405
    code = "method_not_allowed"
    default_message = "This method is not allowed on this resource."


class Conflict(APIError):
    status = 409
    code = "conflict"
    default_message = "The request conflicts with the current state of the resource."


class DuplicateEmail(Conflict):
    code = "duplicate_email"
    default_message = "A user with this email already exists."


class PreconditionFailed(APIError):
    status = 412
    code = "precondition_failed"
    default_message = "The resource has changed since the given ETag."


class PayloadTooLarge(APIError):
    status = 413
    code = "payload_too_large"
    default_message = "The request body is too large."


class UnsupportedMediaType(APIError):
    status = 415
    code = "unsupported_media_type"
    default_message = "Request bodies must be sent as application/json."


class RateLimited(APIError):
    status = 429
    code = "rate_limit_exceeded"
    default_message = "Too many requests; retry after the number of seconds in Retry-After."


class ServiceUnavailable(APIError):
    """A dependency is down or did not answer in time; always says when to retry (``Retry-After``)."""

    status = 503
    code = "service_unavailable"
    default_message = "The service is temporarily unavailable; retry shortly."
    retry_after: ClassVar[int] = 1

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, headers={"Retry-After": str(self.retry_after)} | (headers or {}))


class InternalError(APIError):
    pass


# Refusals made before a request reaches the application (http/forwarded.py, http/protocol.py).


class InvalidRequest(APIError):
    status = 400
    code = "invalid_request"
    default_message = "The request is not valid HTTP."


class HttpsRequired(APIError):
    status = 403
    code = "https_required"
    default_message = "This API is served over HTTPS only: send the request to its https:// address."


class RequestTimeout(APIError):
    status = 408
    code = "request_timeout"
    default_message = "The request was not received in time."


class HeadersTooLarge(APIError):
    status = 431
    code = "headers_too_large"
    default_message = "The request's headers are too large."


class TooManyHeaders(HeadersTooLarge):
    code = "too_many_headers"
    default_message = "The request has too many headers."


# msgspec's validation messages, turned into the contract's (field, issue) details.
_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_REGEX = "Expected `str` matching regex '"
_NAMED = re.compile(r"^Object (?P<what>missing required|contains unknown) field `(?P<name>[^`]+)`$")


def _field(path: str) -> str:
    return path.lstrip(".")


def validation_error_from(exc: msgspec.ValidationError) -> ValidationError:
    """Turn msgspec's message into the contract's ``(field, issue)`` detail."""
    m = _AT.match(str(exc))
    assert m is not None
    msg, path = m.group("msg"), m.group("path") or ""
    named = _NAMED.match(msg)
    if named:
        prefix = _field(path)
        field = f"{prefix}.{named['name']}" if prefix else named["name"]
        issue = "is required" if named["what"] == "missing required" else "is not a recognised field"
        return ValidationError.of((field, issue))
    return ValidationError.of((_field(path) or "body", _issue(msg)))


def _issue(msg: str) -> str:
    if msg.startswith(_REGEX) and (issue := pattern_issue(msg[len(_REGEX) : -1].replace("\\\\", "\\"))):
        return issue  # one of text.py's control-character rules, said in words
    msg = msg.replace("Expected `object`", "expected a JSON object")
    return msg[0].lower() + msg[1:] if msg else "is not valid"
