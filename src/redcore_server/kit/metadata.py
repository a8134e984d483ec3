"""Metadata: free-form JSON objects a resource carries for its callers (users' ``public_metadata``
and ``private_metadata``, products' ``metadata``), with one set of rules written once.

- A metadata value is a JSON object of at most :data:`MAX_KEYS` top-level keys, each key 1–
  :data:`MAX_KEY_LENGTH` characters on one line; its values are any JSON (the body reader already
  refuses U+0000 inside them).
- Encoded (compact JSON, UTF-8) it is at most :data:`MAX_BYTES` bytes, and it nests at most
  :data:`MAX_DEPTH` levels: the object itself is level 1, an object or array inside it level 2 …
- On create the object is stored as given, top-level ``null`` values dropped. An update **merges**:
  the top-level keys given are set, a ``null`` value removes its key, keys not given stay. The
  merge is made on the stored value, read under the row's lock in the update's transaction (so two
  concurrent updates of different keys both survive), and the limits apply to the merged result.
- Stored as JSON text (the same on SQLite and PostgreSQL); :data:`decode` turns a column back into
  its object (``ResourceSpec.decoders``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from redcore_server.db import Executor
from redcore_server.kit.checks import Problems, raise_if
from redcore_server.kit.repository import ResourceRepository
from redcore_server.text import NO_NUL_PATTERN, SingleLine

MAX_BYTES = 8 * 1024
MAX_DEPTH = 5
MAX_KEYS = 100
MAX_KEY_LENGTH = 100

MetadataKey = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_KEY_LENGTH), SingleLine]


def _value_schemas() -> dict[str, Any]:
    """The JSON Schema of a value at each level inside a metadata object (``MetadataValue2`` for a
    top-level key's value …): text and keys without U+0000, objects and arrays only down to
    :data:`MAX_DEPTH`. One schema per level, each naming the next, so the depth limit is in the
    document without a recursive reference (which generators of test data cannot follow)."""
    no_nul = {"pattern": NO_NUL_PATTERN}
    scalars = ["string", "number", "boolean", "null"]
    schemas: dict[str, Any] = {f"MetadataValue{MAX_DEPTH + 1}": {"type": scalars, **no_nul}}
    for level in range(MAX_DEPTH, 1, -1):
        inner = {"$ref": f"#/components/schemas/MetadataValue{level + 1}"}
        schemas[f"MetadataValue{level}"] = {
            "type": [*scalars, "array", "object"],
            **no_nul,
            "items": inner,
            "propertyNames": no_nul,
            "additionalProperties": inner,
        }
    return schemas


# Hoisted into the document's components by http/openapi_document.py.
_VALUES = {"additionalProperties": {"$ref": "#/components/schemas/MetadataValue2"}, "$defs": _value_schemas()}
Metadata = Annotated[
    dict[MetadataKey, Any],
    msgspec.Meta(
        max_length=MAX_KEYS,
        description=f"A JSON object of up to {MAX_KEYS} keys (1–{MAX_KEY_LENGTH} characters each), at most "
        f"{MAX_BYTES} bytes encoded and {MAX_DEPTH} levels deep.",
        extra_json_schema=_VALUES,
    ),
]
MetadataPatch = Annotated[
    dict[MetadataKey, Any],
    msgspec.Meta(
        max_length=MAX_KEYS,
        description="Merged into the stored object: each key given is set, a `null` value removes its key, "
        f"keys not given stay. The result is at most {MAX_BYTES} bytes encoded and {MAX_DEPTH} levels deep.",
        extra_json_schema=_VALUES,
    ),
]

_encode = msgspec.json.Encoder().encode
decode = msgspec.json.Decoder(dict[str, Any]).decode


def encode(value: Mapping[str, Any]) -> str:
    """The stored form: compact JSON text."""
    return _encode(value).decode()


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit`` levels (looks no deeper than it must)."""
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return False
    if limit <= 0:
        return True
    return any(_depth_exceeds(child, limit - 1) for child in children)


def check(field: str, value: Mapping[str, Any], problems: Problems) -> str:
    """``value`` encoded for storage; a problem for ``field`` when it breaks a limit."""
    text = encode(value)
    if len(value) > MAX_KEYS:
        problems.append((field, f"must have at most {MAX_KEYS} keys (it has {len(value)})"))
    elif len(text.encode()) > MAX_BYTES:
        problems.append((field, f"must be at most {MAX_BYTES} bytes encoded as JSON (it is {len(text.encode())})"))
    elif _depth_exceeds(dict(value), MAX_DEPTH):
        problems.append((field, f"must nest at most {MAX_DEPTH} levels deep"))
    return text


def given(value: Mapping[str, Any]) -> dict[str, Any]:
    """What a create stores: the object without its top-level ``null`` values."""
    return {key: item for key, item in value.items() if item is not None}


def merge(stored: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``stored`` with ``patch`` merged in: keys set, ``null`` values removing theirs."""
    merged = dict(stored)
    for key, item in patch.items():
        if item is None:
            merged.pop(key, None)
        else:
            merged[key] = item
    return merged


async def merge_changes(
    repository: ResourceRepository[Any], tx: Executor, org_id: str, ident: str, changes: dict[str, Any]
) -> None:
    """Replace each metadata patch in ``changes`` (the fields of ``repository``'s spec listed in its
    ``metadata``) by the merged object's stored text, in place: the stored objects are read under the
    row's lock in ``tx``. 404 when there is no such row; 400 naming each field whose result breaks a
    limit."""
    fields = tuple(field for field in repository.spec.metadata if field in changes)
    if not fields:
        return
    spec = repository.spec
    row = await repository.lock_columns(tx, org_id, ident, fields) if ident.startswith(spec.id_start) else None
    if row is None:
        raise spec.not_found(ident)
    problems: Problems = []
    for field, current in zip(fields, row, strict=True):
        changes[field] = check(field, merge(decode(current), changes[field]), problems)
    raise_if(problems)


def stored(values: Mapping[str, Mapping[str, Any]], problems: Problems) -> dict[str, str]:
    """What a create stores for each metadata field (``{field: object}``): the objects without their
    ``null`` values, encoded; a problem for each one that breaks a limit."""
    return {field: check(field, given(value), problems) for field, value in values.items()}
