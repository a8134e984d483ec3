"""Reading an import file, written once for every resource that imports: CSV with a header row
(cells by column name, each read back through ``kit/csv_cells.py``) or JSON Lines (an object per
line), streamed a row at a time so memory does not grow with the file, every row tagged with its
line number, and the problems found kept in a capped log.

A resource declares its :class:`FileShape` (fields it takes, fields an export carries that it
ignores, the columns a CSV header must have, how a CSV cell becomes a value) and gets
``(line, {field: value})`` pairs of what each row gives; its own service then checks the values.
In CSV an empty cell gives nothing (the field is not set); in JSON Lines a missing key gives
nothing and ``null`` gives ``None``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import msgspec

from redcore_server import errors
from redcore_server.kit.csv_cells import unescape_cell

Format = Literal["csv", "jsonl"]
MAX_LINE = 64 * 1024  # characters in one JSON Lines row
MAX_PROBLEMS = 1000  # problems kept (and reported); the count goes on
HEADER = "header"

_decode_object = msgspec.json.Decoder(dict[str, Any]).decode
_decode_any = msgspec.json.Decoder().decode


class ImportCounts(msgspec.Struct):
    """How far an import is, and what it did (nothing is written unless all of it is)."""

    rows: int = 0  # rows read from the file
    processed: int = 0  # rows checked so far
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0  # rows with a problem


class ImportProblem(msgspec.Struct):
    """What is wrong with one line of a file (line 1 of a CSV file is its header)."""

    line: int
    field: str
    issue: str


@dataclass
class ProblemLog:
    """The problems of one import, the first :data:`MAX_PROBLEMS` kept; ``count`` counts them all."""

    cap: int = MAX_PROBLEMS
    items: list[ImportProblem] = field(default_factory=list)
    count: int = 0

    def add(self, line: int, field_: str, issue: str) -> None:
        self.count += 1
        if len(self.items) < self.cap:
            self.items.append(ImportProblem(line, field_, issue))

    def add_error(self, line: int, exc: errors.ValidationError) -> None:
        for detail in exc.details or [errors.ErrorDetail("", exc.message)]:
            self.add(line, detail.field, detail.issue)

    def sorted(self) -> list[ImportProblem]:
        return sorted(self.items, key=lambda p: (p.line, p.field))


def json_object(cell: str) -> Any:
    """A CSV cell holding a JSON object (metadata)."""
    try:
        return _decode_object(cell)
    except msgspec.DecodeError:
        raise ValueError("must be a JSON object") from None
    except msgspec.ValidationError:
        raise ValueError("must be a JSON object") from None


def boolean(cell: str) -> bool:
    """A CSV cell holding ``true``/``false`` (any case) or ``1``/``0``."""
    value = cell.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValueError("must be true or false")


def whole_number(cell: str) -> int:
    """A CSV cell holding a whole number ≥ 0."""
    value = cell.strip()
    if not value.isascii() or not value.isdigit():
        raise ValueError("must be a whole number >= 0")
    return int(value)


@dataclass(frozen=True)
class FileShape:
    """The fields of a resource's import file."""

    fields: tuple[str, ...]  # what a row may give
    required: tuple[str, ...]  # the columns a CSV header must name (a row may still leave them empty)
    ignored: tuple[str, ...] = ()  # what an export carries that cannot be set: read and dropped
    cells: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)  # CSV cell → value; else text


def format_of(path: Path) -> Format:
    """``csv`` or ``jsonl`` by the file's suffix; ValueError for another."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise ValueError(f"{path.name}: use a .csv file (with a header row) or a .jsonl file")


Rows = Iterator[tuple[int, dict[str, Any] | None]]


def read_rows(lines: Iterable[str], fmt: Format, shape: FileShape, problems: ProblemLog) -> Rows:
    """The rows of a file given as its text lines, each with its (first) line number and what it
    gives, or None for a row with a problem (logged); a header with a problem ends the file."""
    if fmt == "csv":
        return _csv_rows(lines, shape, problems)
    return _jsonl_rows(lines, shape, problems)


def _header_problem(shape: FileShape, header: list[str]) -> str | None:
    known = set(shape.fields) | set(shape.ignored)
    unknown = [name for name in header if name not in known]
    missing = [name for name in shape.required if name not in header]
    repeated = sorted({name for name in header if header.count(name) > 1})
    parts = [f"unknown column(s) {', '.join(unknown)}"] * bool(unknown)
    parts += [f"missing column(s) {', '.join(missing)}"] * bool(missing)
    parts += [f"repeated column(s) {', '.join(repeated)}"] * bool(repeated)
    return f"{'; '.join(parts)} (columns: {', '.join(shape.fields)})" if parts else None


def _csv_rows(lines: Iterable[str], shape: FileShape, problems: ProblemLog) -> Rows:
    reader = csv.reader(_without_bom(lines))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        problems.add(1, HEADER, f"not a CSV header row ({exc})")
        return
    if (issue := _header_problem(shape, header)) is not None:
        problems.add(1, HEADER, issue)
        return
    taken = [(i, name, shape.cells.get(name)) for i, name in enumerate(header) if name not in shape.ignored]
    width = len(header)
    last = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.add(last + 1, "", f"not a valid CSV row ({exc})")
            yield last + 1, None
            last = reader.line_num
            continue
        line, last = last + 1, reader.line_num
        if not cells:
            continue
        if len(cells) != width:
            problems.add(line, "", f"has {len(cells)} cells; the header has {width}")
            yield line, None
            continue
        values: dict[str, Any] = {}
        bad = False
        for i, name, convert in taken:
            cell = cells[i]
            if not cell:
                continue
            text = unescape_cell(cell)
            if convert is None:
                values[name] = text
                continue
            try:
                values[name] = convert(text)
            except ValueError as exc:
                problems.add(line, name, str(exc))
                bad = True
        yield line, None if bad else values


def _jsonl_rows(lines: Iterable[str], shape: FileShape, problems: ProblemLog) -> Rows:
    known = set(shape.fields)
    for line, raw in enumerate(_without_bom(lines), start=1):
        if len(raw) > MAX_LINE:
            problems.add(line, "", f"is longer than {MAX_LINE} characters")
            yield line, None
            continue
        if not raw.strip():
            continue
        try:
            value = _decode_any(raw)
        except msgspec.DecodeError as exc:
            problems.add(line, "", f"not valid JSON ({exc})")
            yield line, None
            continue
        if not isinstance(value, dict):
            problems.add(line, "", "must be a JSON object")
            yield line, None
            continue
        for name in shape.ignored:
            value.pop(name, None)
        unknown = sorted(name for name in value if name not in known)
        if unknown:
            problems.add(line, unknown[0], f"is not a recognised field (fields: {', '.join(shape.fields)})")
            yield line, None
            continue
        yield line, value


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    first = True
    for text in lines:
        if first:
            text, first = text.removeprefix("\ufeff"), False
        yield text


def field_problems(exc: msgspec.ValidationError) -> errors.ValidationError:
    """msgspec's refusal of a row's values, as the API words it (field and issue)."""
    return errors.validation_error_from(exc)
