"""A lean JSON response for resource routes.

Litestar's generic ``Response`` merges layered headers, cookies and type encoders for every
response; ours have none of those, so this subclass encodes the msgspec Struct once and hands
Litestar the low-level ``ASGIResponse`` directly. It keeps the handler's return annotation
(``JsonResponse[User]``) so the OpenAPI document still describes the body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from litestar import Response
from litestar.response.base import ASGIResponse

if TYPE_CHECKING:
    from litestar.app import Litestar
    from litestar.connection import Request

T = TypeVar("T")
_encoder = msgspec.json.Encoder()


class JsonResponse(Response[T]):
    def __init__(self, content: T, *, status_code: int = 200, headers: dict[str, str] | None = None) -> None:
        # Deliberately not calling Response.__init__: nothing here needs its layered machinery.
        self.content = content
        self.status_code = status_code
        self._extra_headers = headers

    def to_asgi_response(self, app: Litestar | None, request: Request[Any, Any, Any], **_: Any) -> ASGIResponse:
        return ASGIResponse(
            body=_encoder.encode(self.content),
            status_code=self.status_code,
            headers=self._extra_headers,
            media_type="application/json",
            is_head_response=request.method == "HEAD",
        )
