"""Exports: every item of a filtered list, walked on the keyset cursor in batches and written as
NDJSON or CSV. The one place export lines are made: the ``/export`` routes (``kit/export_routes.py``)
and the ``redcore-server … export`` commands both use :func:`walk` and :func:`writer_for`.

**Walk.** :func:`walk` asks the list machinery (``kit/listing.py: fetch_page`` behind a service's or
repository's ``list``) for one batch of :data:`BATCH_SIZE` items at a time, uncounted, each batch
starting after the previous one's last item (``next_cursor``). Each batch is its own short query on
a pooled connection, under the statement timeout like any other; no transaction is held across
batches, so memory stays one batch whatever the size and a long export blocks nobody. Consistency:
each item is written at most once when the sort field does not change while the export runs (it
never does for the default ``created_at``); items created or deleted meanwhile may or may not appear.

**Formats.** NDJSON: one JSON object per line, exactly the item as the API shows it. CSV (RFC 4180,
``\\r\\n`` line ends, a header row): every field of the struct in struct order; timestamps RFC 3339
as the API shows them; booleans ``true``/``false``; null an empty cell; objects (metadata) compact
JSON text; every text cell through :func:`~redcore_server.kit.csv_cells.escape_cell` (the
CSV-injection rule the import reverses).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import msgspec

from redcore_server.db import Database
from redcore_server.kit.csv_cells import escape_cell
from redcore_server.kit.listing import PageRequest, PageResult

T = TypeVar("T")
ExportFormat = Literal["ndjson", "csv"]
FORMATS: tuple[ExportFormat, ...] = ("ndjson", "csv")
BATCH_SIZE = 1000  # items per query: big enough that a query's round trip is noise, small enough to stay flat
# (db, org_id, request) -> (items, page): a domain service's or repository's ``list``
ListPage = Callable[[Database, str, PageRequest], Awaitable[tuple[Sequence[T], PageResult]]]

_json = msgspec.json.Encoder()


async def walk(
    list_page: ListPage[T], db: Database, org_id: str, req: PageRequest, batch_size: int = BATCH_SIZE
) -> AsyncGenerator[Sequence[T], None]:
    """Every item ``req``'s filters, search and sort select, ``batch_size`` at a time (empty batches
    are not yielded). Its position fields (limit, offset, cursor, count) are the walk's own."""
    if batch_size < 1:
        raise ValueError("batch_size must be 1 or more")
    req = replace(req, limit=batch_size, offset=0, cursor=None, count=False)
    while True:
        items, page = await list_page(db, org_id, req)
        if items:
            yield items
        if page.next_cursor is None:
            return
        req.cursor = page.next_cursor


@dataclass(frozen=True, slots=True)
class Writer:
    """How one format writes a batch of items of one struct type."""

    format: ExportFormat
    media_type: str  # text/csv is sent as text/csv; charset=utf-8
    extension: str
    head: bytes  # what comes before the first item (the CSV header row)
    lines: Callable[[Sequence[Any]], bytes]  # a batch of items, as complete lines


def writer_for(fmt: ExportFormat, model: type[msgspec.Struct]) -> Writer:
    """The writer of ``fmt`` for items of ``model``."""
    if fmt == "ndjson":
        return Writer("ndjson", "application/x-ndjson", "ndjson", b"", _ndjson_lines)
    if fmt == "csv":
        columns = model.__struct_fields__
        return Writer("csv", "text/csv", "csv", _csv_rows([columns]), _csv_lines)
    raise ValueError(f"unknown export format {fmt!r}")


def _ndjson_lines(items: Sequence[Any]) -> bytes:
    return _json.encode_lines(items)


def _csv_lines(items: Sequence[Any]) -> bytes:
    rows: list[dict[str, Any]] = msgspec.to_builtins(items)  # timestamps as the API shows them
    return _csv_rows([_cell(value) for value in row.values()] for row in rows)


def _csv_rows(rows: Iterable[Iterable[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)  # the default dialect: RFC 4180 quoting, \r\n line ends
    return buffer.getvalue().encode()


def _cell(value: Any) -> str:
    """One value as the API shows it (after ``msgspec.to_builtins``), as a CSV cell."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return escape_cell(value)
    if isinstance(value, int | float):
        return str(value)
    return escape_cell(_json.encode(value).decode())  # an object or a list: compact JSON text


def filename(noun: str, org_id: str, writer: Writer, now: datetime | None = None) -> str:
    """``users-org_…-20261201T204500Z.csv``: what the export is, whose, and when (UTC)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{noun}-{org_id}-{moment:%Y%m%dT%H%M%SZ}.{writer.extension}"
