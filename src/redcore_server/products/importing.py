"""Reading a catalog file (CSV with a header row, or JSON Lines) into rows for
:func:`redcore_server.products.service.import_catalog`, each tagged with its line number."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import msgspec

from redcore_server import errors
from redcore_server.products.schemas import ProductCreate
from redcore_server.products.service import ImportProblem

Row = tuple[int, ProductCreate | ImportProblem]
FIELDS = ("name", "sku", "price", "currency", "stock", "status")
_INT_FIELDS = ("price", "stock")
_INTEGER = re.compile(r"^\d+$")


def _problem(line: int, exc: msgspec.ValidationError) -> ImportProblem:
    detail = (errors.validation_error_from(exc).details or [errors.ErrorDetail("", str(exc))])[0]
    return ImportProblem(line, detail.field, detail.issue)


def _from_csv(text: str) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    unknown = [f for f in header if f not in FIELDS]
    missing = [f for f in ("name", "sku", "price") if f not in header]
    if unknown or missing:
        issue = "; ".join(
            [f"unknown column(s) {', '.join(unknown)}"] * bool(unknown)
            + [f"missing column(s) {', '.join(missing)}"] * bool(missing)
        )
        return [(1, ImportProblem(1, "header", f"{issue} (columns: {', '.join(FIELDS)})"))]
    rows: list[Row] = []
    for record in reader:
        line = reader.line_num
        values: dict[str, Any] = {k: v.strip() for k, v in record.items() if k is not None and v and v.strip()}
        bad = next((f for f in _INT_FIELDS if f in values and not _INTEGER.match(values[f])), None)
        if bad is not None:
            rows.append((line, ImportProblem(line, bad, "must be a whole number >= 0")))
            continue
        values |= {f: int(values[f]) for f in _INT_FIELDS if f in values}
        try:
            rows.append((line, msgspec.convert(values, ProductCreate, strict=True)))
        except msgspec.ValidationError as exc:
            rows.append((line, _problem(line, exc)))
    return rows


def _from_jsonl(text: str) -> list[Row]:
    decoder = msgspec.json.Decoder(ProductCreate)
    rows: list[Row] = []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            rows.append((line, decoder.decode(raw)))
        except msgspec.ValidationError as exc:
            rows.append((line, _problem(line, exc)))
        except msgspec.DecodeError as exc:
            rows.append((line, ImportProblem(line, "", f"not valid JSON ({exc})")))
    return rows


def read_catalog(path: Path) -> list[Row]:
    """Rows of a ``.csv`` or ``.jsonl``/``.ndjson`` file; raises ValueError for other kinds."""
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _from_csv(text)
    if suffix in (".jsonl", ".ndjson"):
        return _from_jsonl(text)
    raise ValueError(f"{path.name}: use a .csv file (with a header row) or a .jsonl file")
