"""Strict JSON request bodies: 415 for other media types, ``invalid_json`` for malformed bytes,
``validation_error`` with a ``details`` entry for anything msgspec rejects.

Bodies are decoded straight from bytes into msgspec Structs in strict mode (no ``"1"`` for ``1``,
no ``true`` for ``1``), which is why routes read them here rather than through the framework's
lax conversion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from litestar.di import Provide

from redcore_server import errors

if TYPE_CHECKING:
    from litestar import Request

T = TypeVar("T")

_decoders: dict[Any, Any] = {}


def _decoder(model: type[T]) -> msgspec.json.Decoder[T]:
    decoder: msgspec.json.Decoder[T] | None = _decoders.get(model)
    if decoder is None:
        decoder = _decoders[model] = msgspec.json.Decoder(model)
    return decoder


def is_json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def read_json(request: Request[Any, Any, Any], model: type[T]) -> T:
    """Decode the request body into ``model`` or raise the contract's error."""
    if not is_json_media_type(request.headers.get("content-type", "")):
        raise errors.UnsupportedMediaType()
    raw = await request.body()
    if not raw.strip():
        raise errors.InvalidJSON("The request body is empty; send a JSON object.")
    try:
        return _decoder(model).decode(raw)
    except msgspec.ValidationError as exc:
        raise errors.validation_error_from(exc) from None
    except msgspec.DecodeError as exc:
        raise errors.InvalidJSON(f"The request body is not valid JSON ({exc}).") from None


def documents_body(model: type[Any]) -> dict[str, Provide]:
    """A never-called dependency whose ``data`` parameter makes the OpenAPI document show ``model``
    as the request body, while the handler itself decodes strictly through :func:`read_json`."""

    def _body_schema(data: Any) -> None:  # pragma: no cover - only inspected
        return None

    _body_schema.__annotations__["data"] = model
    return {"_openapi_body": Provide(_body_schema, sync_to_thread=False)}
