"""Turn every exception, from any layer, into the contract's error shape."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from litestar import Response
from litestar.exceptions import (
    HTTPException,
    InternalServerException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from redcore_server import errors
from redcore_server.errors import error_body
from redcore_server.http.request_id import request_id
from redcore_server.idempotency.service import REPLAYED_HEADER, Replay

if TYPE_CHECKING:
    from litestar import Request

logger = logging.getLogger("redcore.errors")
# What Litestar raises when the client goes (or its connection is cut by a deadline) before its body arrived.
_DISCONNECTED = "client disconnected prematurely"


def _from_litestar_validation(exc: ValidationException) -> errors.ValidationError:
    problems: list[tuple[str, str]] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if isinstance(item, dict):
            field = str(item.get("key") or item.get("source") or "")
            issue = str(item.get("message") or "is not valid")
            problems.append((field, _humanize(issue)))
    if not problems:
        problems.append(("", exc.detail or "The request is not valid."))
    return errors.ValidationError.of(*problems)


def _humanize(msg: str) -> str:
    # msgspec says "Expected `int` >= 1"; keep it, minus the path suffix Litestar sometimes leaves.
    return msg.split(" - at `", 1)[0]


def to_api_error(exc: Exception) -> errors.APIError:
    """Map any exception to the domain error a client sees."""
    if isinstance(exc, errors.APIError):
        return exc
    if isinstance(exc, ValidationException):
        return _from_litestar_validation(exc)
    if isinstance(exc, NotFoundException):
        return errors.NotFound("No such resource or route.")
    if isinstance(exc, MethodNotAllowedException):
        return errors.MethodNotAllowed(headers=dict(exc.headers or {}))
    if isinstance(exc, RequestEntityTooLarge):
        return errors.PayloadTooLarge()
    if isinstance(exc, NotAuthorizedException):
        return errors.AuthenticationFailed()
    if isinstance(exc, InternalServerException) and exc.detail == _DISCONNECTED:
        return errors.InvalidRequest("The client disconnected before its request body arrived.")  # nobody reads it
    if isinstance(exc, HTTPException) and 400 <= exc.status_code < 500:
        return errors.ValidationError.of(("", exc.detail or "The request is not valid."))
    if isinstance(exc, HTTPException) and exc.status_code == 503:
        return errors.ServiceUnavailable()
    return errors.InternalError()


def resolve(exc: Exception, method: str, path: str, rid: str) -> errors.APIError:
    """Map ``exc`` to what the client sees, logging server-side failures with the request id."""
    api_error = to_api_error(exc)
    if isinstance(api_error, errors.InternalError) and api_error is not exc:
        logger.error("unhandled error in %s %s (request %s)", method, path, rid, exc_info=exc)
    elif api_error.status >= 500:
        logger.warning("%s %s failed with %s (request %s): %s", method, path, api_error.code, rid, exc)
    return api_error


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """The app's one exception handler (which also sends an idempotent replay's stored response)."""
    if isinstance(exc, Replay):
        stored = exc.response
        return Response(
            content=stored.body,
            status_code=stored.status,
            media_type="application/json" if stored.body else None,
            headers={**stored.headers, REPLAYED_HEADER: "true"},
        )
    rid = request_id(request.scope)
    api_error = resolve(exc, request.method, request.url.path, rid)
    return Response(
        content=error_body(api_error, rid),
        status_code=api_error.status,
        media_type="application/json",
        headers=api_error.headers,
    )
