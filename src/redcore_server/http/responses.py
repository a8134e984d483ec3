"""A lean JSON response for resource routes.

Litestar's generic ``Response`` merges layered headers, cookies and type encoders for every
response; ours have none of those, so this subclass encodes the msgspec Struct once and hands
Litestar the low-level ``ASGIResponse`` directly. It keeps the handler's return annotation
(``JsonResponse[User]``) so the OpenAPI document still describes the body.

For a request holding an ``Idempotency-Key`` the encoded response is also left in the request's
state, where the request boundary stores it with the change (``http/dependencies.py``): Litestar
builds the response before it closes the handler's dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from litestar import Response
from litestar.response.base import ASGIResponse

from redcore_server.idempotency.service import StoredResponse

if TYPE_CHECKING:
    from litestar.app import Litestar
    from litestar.connection import Request

T = TypeVar("T")
_encoder = msgspec.json.Encoder()
CAPTURE_STATE = "idempotent_response"  # present (None) in the scope state when the response is to be stored


class JsonResponse(Response[T]):
    def __init__(self, content: T, *, status_code: int = 200, headers: dict[str, str] | None = None) -> None:
        # Deliberately not calling Response.__init__: nothing here needs its layered machinery.
        self.content = content
        self.status_code = status_code
        self._extra_headers = headers

    def to_asgi_response(self, app: Litestar | None, request: Request[Any, Any, Any], **_: Any) -> ASGIResponse:
        body = _encoder.encode(self.content)
        state = request.scope["state"]
        if CAPTURE_STATE in state:
            state[CAPTURE_STATE] = StoredResponse(self.status_code or 200, dict(self._extra_headers or {}), body)
        return ASGIResponse(
            body=body,
            status_code=self.status_code,
            headers=self._extra_headers,
            media_type="application/json",
            is_head_response=request.method == "HEAD",
        )
