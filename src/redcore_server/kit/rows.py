"""Rows to structs, by name.

A :class:`Columns` is made once from a struct: its select list names the struct's fields (or the
SQL expression given for one, ``AS`` that field), so position *i* of every row it selects is the
field *i* of the struct by construction, and building the struct costs what a positional call
costs. No repository keeps a column string whose order must match a struct's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

import msgspec

from redcore_server.db import Row

T = TypeVar("T", bound=msgspec.Struct)


class Columns(Generic[T]):
    def __init__(
        self,
        model: type[T],
        *,
        derived: tuple[str, ...] = (),
        decoders: Mapping[str, Callable[[Any], Any]] | None = None,
        sources: Mapping[str, str] | None = None,
    ) -> None:
        """``derived``: trailing fields with defaults that are not selected; ``decoders``: how a
        stored value becomes its field where the two differ (JSON text, 0/1 on SQLite); ``sources``:
        the SQL expression a field is read from, where it is not the column of that name."""
        self.model = model
        self.names: tuple[str, ...] = tuple(f for f in model.__struct_fields__ if f not in derived)
        unknown = (set(derived) | set(decoders or {}) | set(sources or {})) - set(model.__struct_fields__)
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
        given = dict(sources or {})
        self.select = ", ".join(f"{given[n]} AS {n}" if n in given else n for n in self.names)
        self._decoders = tuple((self.names.index(name), fn) for name, fn in (decoders or {}).items())

    def from_row(self, row: Row) -> T:
        if not self._decoders:
            return self.model(*row)
        values = list(row)
        for index, decode in self._decoders:
            if values[index] is not None:
                values[index] = decode(values[index])
        return self.model(*values)

    def from_rows(self, rows: Iterable[Row]) -> list[T]:
        return [self.from_row(row) for row in rows]
