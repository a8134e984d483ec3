"""Strict JSON request bodies: 415 for other media types, ``invalid_json`` for malformed bytes,
``validation_error`` with a ``details`` entry for anything msgspec rejects.

Bodies are decoded straight from bytes into msgspec Structs in strict mode (no ``"1"`` for ``1``,
no ``true`` for ``1``, no ``1.5`` for an integer; a whole number written ``950.0`` or ``9.5e2`` is
the integer it equals, as in JSON), which is why routes read them here rather than through the
framework's lax conversion. Two rules msgspec does not check are added here, for every body:

- **No duplicate keys**, at any depth: ``{"role": "viewer", "role": "admin"}`` is a 400
  ``validation_error`` naming the key, never "last one wins". msgspec keeps the last value
  silently, so a second pass by the standard library's C scanner looks at each object's keys
  (about 10 µs per KiB; only bodies that decoded cleanly pay it).
- **No control characters** in body strings (see ``text.py``): a string field is single-line
  unless its type says otherwise (``MultiLine``: tab and line breaks allowed; ``Secret``: only
  U+0000 refused), and text inside untyped JSON may not hold U+0000, which PostgreSQL cannot
  store. msgspec checks the declared patterns, but Python's ``$`` lets a final line feed through
  and a field may declare none, so every string is looked at here. Control characters can only
  arrive escaped (``\\u0000``) or as a raw DEL byte, so a body with neither a backslash nor a DEL
  is not even looked at.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
import msgspec.inspect as mi
from litestar.di import Provide

from redcore_server import errors
from redcore_server.text import NO_NUL_PATTERN, RULE_PATTERNS, SINGLE_LINE_PATTERN, control_character

if TYPE_CHECKING:
    from litestar import Request

T = TypeVar("T")

_decoders: dict[Any, Any] = {}
_type_infos: dict[Any, mi.Type] = {}


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
    return decode_body(raw, model)


def decode_body(raw: bytes, model: type[T]) -> T:
    """``raw`` decoded into ``model``, with the rules above, or the contract's 400."""
    try:
        return _decode(raw, model)
    except RecursionError:  # only an untyped (Any) part could nest this deep
        raise errors.InvalidJSON("The request body nests too deeply.") from None


def _decode(raw: bytes, model: type[T]) -> T:
    try:
        value = _decoder(model).decode(raw)
    except msgspec.ValidationError as exc:
        value = _with_whole_numbers(raw, model, exc)
    except msgspec.DecodeError as exc:
        raise errors.InvalidJSON(f"The request body is not valid JSON ({exc}).") from None
    if (key := duplicate_key(raw)) is not None:
        raise errors.ValidationError.of((key, "appears more than once in its JSON object"))
    if b"\\" in raw or b"\x7f" in raw:
        info = _type_infos.get(model)
        if info is None:
            info = _type_infos[model] = mi.type_info(model)
        problems: list[tuple[str, str]] = []
        _check_text(value, info, "", SINGLE_LINE_PATTERN, problems)
        if problems:
            raise errors.ValidationError.of(*problems)
    return value


# -- whole numbers written with a fraction or an exponent ----------------------------------------

_MAX_EXPONENT = 30  # 1e30 is far past every integer field's bound; a larger one stays a float (refused)


def _whole(text: str) -> int | float:
    """A JSON number with a fraction part or an exponent: an int when it is a whole number (``950.0``,
    ``9.5e2``: JSON has one number type, and JSON Schema counts them as integers), else a float."""
    number = Decimal(text)
    if number.is_finite() and number == number.to_integral_value() and number.adjusted() <= _MAX_EXPONENT:
        return int(number)
    return float(text)


def _with_whole_numbers(raw: bytes, model: type[T], exc: msgspec.ValidationError) -> T:
    """msgspec refuses ``950.0`` where an integer belongs; read the body again, taking whole numbers
    for integers (a float with a fraction, a boolean or a string is still refused). Only bodies
    msgspec refused for a float pay this second pass."""
    if "got `float`" not in str(exc):
        raise errors.validation_error_from(exc) from None
    try:
        return msgspec.convert(json.loads(raw, parse_float=_whole), model, strict=True)
    except msgspec.ValidationError as again:
        raise errors.validation_error_from(again) from None
    except ValueError:  # not reachable: msgspec parsed these bytes already
        raise errors.validation_error_from(exc) from None


# -- duplicate keys ------------------------------------------------------------------------------


class _Duplicate(Exception):
    pass


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its list of members, duplicates kept (to find where one repeats)."""


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> None:
    if len(pairs) > 1 and len({key for key, _ in pairs}) != len(pairs):
        raise _Duplicate


def duplicate_key(raw: bytes) -> str | None:
    """Where the first key that repeats within one JSON object is (``role``, ``meta.k``,
    ``items[2].sku``), or None. ``raw`` must be JSON that msgspec already decoded."""
    try:  # numbers stay text: nothing is built but the check itself
        json.loads(raw, object_pairs_hook=_refuse_duplicates, parse_int=str, parse_float=str)
    except _Duplicate:
        return _locate(json.loads(raw, object_pairs_hook=_Pairs, parse_int=str, parse_float=str), "")
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _locate(node: Any, path: str) -> str | None:
    if isinstance(node, _Pairs):
        seen: set[str] = set()
        for key, value in node:
            if key in seen:
                return _join(path, key)
            seen.add(key)
            if (found := _locate(value, _join(path, key))) is not None:
                return found
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if (found := _locate(item, f"{path}[{i}]")) is not None:
                return found
    return None


# -- control characters --------------------------------------------------------------------------


def _check_text(value: Any, info: mi.Type, path: str, pattern: str, problems: list[tuple[str, str]]) -> None:
    """Append ``(field, issue)`` for every string under ``value`` that breaks its rule."""
    while isinstance(info, (mi.Metadata, mi.UnionType)):
        if isinstance(info, mi.Metadata):
            info = info.type
        else:
            info = next((t for t in info.types if _accepts(t, value)), mi.AnyType())
    if isinstance(value, str):
        if isinstance(info, mi.AnyType):
            pattern = NO_NUL_PATTERN
        elif isinstance(info, mi.StrType) and info.pattern in RULE_PATTERNS:
            pattern = info.pattern
        if (issue := control_character(value, pattern)) is not None:
            problems.append((path or "body", issue))
    elif isinstance(info, mi.StructType):
        for f in info.fields:
            _check_text(getattr(value, f.name), f.type, _join(path, f.encode_name), SINGLE_LINE_PATTERN, problems)
    elif isinstance(value, (list, tuple, set, frozenset)):
        item = info.item_type if isinstance(info, (mi.ListType, mi.VarTupleType, mi.SetType)) else mi.AnyType()
        for i, element in enumerate(value):
            _check_text(element, item, f"{path}[{i}]", pattern, problems)
    elif isinstance(value, dict):
        keys, values = (info.key_type, info.value_type) if isinstance(info, mi.DictType) else (mi.AnyType(),) * 2
        for key, element in value.items():
            _check_text(key, keys, path, pattern, problems)
            _check_text(element, values, _join(path, str(key)), pattern, problems)


def _accepts(info: mi.Type, value: Any) -> bool:
    while isinstance(info, mi.Metadata):
        info = info.type
    if isinstance(value, str):
        return isinstance(info, (mi.StrType, mi.AnyType))
    if isinstance(value, msgspec.Struct):
        return isinstance(info, mi.StructType) and isinstance(value, info.cls)
    if isinstance(value, (list, tuple, set, frozenset)):
        return isinstance(info, (mi.ListType, mi.VarTupleType, mi.SetType, mi.TupleType, mi.AnyType))
    if isinstance(value, dict):
        return isinstance(info, (mi.DictType, mi.AnyType))
    return False


def documents_body(model: type[Any]) -> dict[str, Provide]:
    """A never-called dependency whose ``data`` parameter makes the OpenAPI document show ``model``
    as the request body, while the handler itself decodes strictly through :func:`read_json`."""

    def _body_schema(data: Any) -> None:  # pragma: no cover - only inspected
        return None

    _body_schema.__annotations__["data"] = model
    return {"_openapi_body": Provide(_body_schema, sync_to_thread=False)}
