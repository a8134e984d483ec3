"""The list machinery every collection uses: filters, search, sort, offset/page and keyset cursor.

A resource describes itself once in its :class:`~redcore_server.kit.spec.ResourceSpec` (its table,
columns, sortable, searchable and filterable fields); :func:`fetch_page` builds and runs the two
statements a page needs (the rows, and the total). Column names reach SQL only from the spec.
Every shape it emits is served by an index: ``(org_id, [filter,] sort, id)`` B-trees, trigram GIN
indexes for ``ILIKE`` search on PostgreSQL, an FTS5 trigram table on SQLite.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from redcore_server import errors
from redcore_server.db import FOLD_FUNCTION, Database, Executor, Row
from redcore_server.kit.spec import Kind, Order, ResourceSpec
from redcore_server.text import control_character, fold

MIN_FTS_QUERY = 3  # the trigram index answers queries of three characters or more
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # what both drivers bind as an integer


class Cursor(msgspec.Struct, array_like=True):
    sort: str
    order: str
    value: Any
    id: str


@dataclass(slots=True)
class PageRequest:
    """Validated list parameters: either an offset (from ``offset`` or ``page``) or a cursor."""

    limit: int
    offset: int = 0
    sort: str | None = None
    order: Order | None = None
    cursor: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    ranges: list[tuple[str, str, Any]] = field(default_factory=list)  # (column, ">=" or "<", value)
    search: str | None = None
    member_of: dict[str, Any] = field(default_factory=dict)  # membership filter name → the value
    count: bool = True  # whether the page needs its total (an export's walk does not)


@dataclass(slots=True)
class PageResult:
    rows: list[Row]
    total: int | None  # None when not counted (``PageRequest.count`` false)
    has_more: bool
    next_cursor: str | None


_cursor_encoder = msgspec.json.Encoder()
_cursor_decoder = msgspec.json.Decoder(Cursor)


def encode_cursor(cursor: Cursor) -> str:
    return base64.urlsafe_b64encode(_cursor_encoder.encode(cursor)).rstrip(b"=").decode()


def _not_a_cursor() -> errors.ValidationError:
    return errors.ValidationError.of(("starting_after", "is not a cursor this API issued"))


def decode_cursor(token: str) -> Cursor:
    """The cursor ``token`` encodes. Anyone can forge one, so whatever it carries into a query is
    checked here: no control characters in its text (PostgreSQL refuses U+0000), and values of
    the sort key's kind and range (see :func:`_param_value`)."""
    try:
        cursor = _cursor_decoder.decode(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise _not_a_cursor() from None
    texts = (cursor.sort, cursor.order, cursor.id, cursor.value if isinstance(cursor.value, str) else "")
    if any(control_character(text) for text in texts):
        raise _not_a_cursor()
    return cursor


def _cursor_value(kind: Kind, value: Any) -> Any:
    return value.isoformat() if kind == "timestamp" else value


def _param_value(kind: Kind, value: Any) -> Any:
    try:
        if kind == "timestamp":
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError
            return moment.astimezone(UTC)  # OverflowError at the ends of the calendar
        if kind == "int":
            if type(value) is not int or not INT64_MIN <= value <= INT64_MAX:
                raise TypeError
            return value
        if not isinstance(value, str):
            raise TypeError
        return value
    except (TypeError, ValueError, OverflowError):
        raise _not_a_cursor() from None


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Where:
    def __init__(self, org_id: str) -> None:
        self.clauses = ["org_id = $1"]
        self.args: list[Any] = [org_id]

    def add(self, template: str, *values: Any) -> None:
        n = len(self.args)
        self.clauses.append(template.format(*(f"${n + i + 1}" for i in range(len(values)))))
        self.args.extend(values)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses)


def _search(where: _Where, spec: ResourceSpec[Any], dialect: str, text: str) -> None:
    if dialect == "sqlite" and spec.fts_table and len(text) >= MIN_FTS_QUERY:
        phrase = '"' + text.replace('"', '""') + '"'
        where.add(f"seq IN (SELECT rowid FROM {spec.fts_table} WHERE {spec.fts_table} MATCH {{0}})", phrase)
        return
    if dialect == "postgresql":
        ors = " OR ".join(f"{col} ILIKE {{0}} ESCAPE '\\'" for col in spec.searchable)
        where.add(f"({ors})", f"%{escape_like(text)}%")
        return
    # SQLite's LIKE folds only ASCII letters; fold both sides with text.fold (full Unicode case folding).
    ors = " OR ".join(f"{FOLD_FUNCTION}({col}) LIKE {{0}} ESCAPE '\\'" for col in spec.searchable)
    where.add(f"({ors})", f"%{escape_like(fold(text))}%")


def resolve_sort(spec: ResourceSpec[Any], sort: str | None, order: Order | None) -> tuple[str, Order]:
    name = sort if sort is not None else spec.default_sort  # an empty sort is not a field: 400
    if name not in spec.sort_fields:
        allowed = ", ".join(spec.sort_fields)
        raise errors.ValidationError.of(("sort", f"must be one of {allowed}"))
    return name, order or spec.default_order


async def fetch_page(db: Executor, spec: ResourceSpec[Any], org_id: str, req: PageRequest) -> PageResult:
    """One page of ``spec``'s rows for ``org_id``, its total, and the cursor to the next page."""
    sort_name, order = resolve_sort(spec, req.sort, req.order)
    sort = spec.sort_fields[sort_name]
    where = _Where(org_id)
    unknown = (set(req.filters) | {column for column, _, _ in req.ranges}) - spec.filterable
    if unknown:
        raise ValueError(f"{spec.name} cannot be filtered on {sorted(unknown)}")
    for column, value in req.filters.items():
        where.add(f"{column} = {{0}}", value)
    for column, op, value in req.ranges:
        if op not in (">=", "<"):
            raise ValueError(f"unsupported range operator {op!r}")
        where.add(f"{column} {op} {{0}}", value)
    for name, value in req.member_of.items():
        link = spec.memberships[name]  # a KeyError for a filter the spec does not declare
        where.add(
            f"EXISTS (SELECT 1 FROM {link.table} WHERE {link.key} = {{0}} AND {link.member} = {spec.table}.id)", value
        )
    if req.search:
        _search(where, spec, db.dialect, req.search)
    count_sql, count_args = f"SELECT count(*) FROM {spec.table} WHERE {where.sql}", list(where.args)

    if req.cursor is not None:
        cursor = decode_cursor(req.cursor)
        if (cursor.sort, cursor.order) != (sort_name, order):
            raise errors.ValidationError.of(
                ("starting_after", f"was issued for sort={cursor.sort}&order={cursor.order}; use the same")
            )
        op = ">" if order == "asc" else "<"
        where.add(f"({sort.column}, id) {op} ({{0}}, {{1}})", _param_value(sort.kind, cursor.value), cursor.id)

    direction = "ASC" if order == "asc" else "DESC"
    n = len(where.args)
    rows_sql = (
        f"SELECT {spec.select}, {sort.column} FROM {spec.table} WHERE {where.sql}"
        f" ORDER BY {sort.column} {direction}, id {direction} LIMIT ${n + 1} OFFSET ${n + 2}"
    )
    page_args = (*where.args, req.limit + 1, req.offset)
    total: int | None = None
    if not req.count:
        rows = await db.fetch(rows_sql, *page_args)
    elif isinstance(db, Database):  # a pool: the page and its total on two connections at once
        rows, total = await asyncio.gather(db.fetch(rows_sql, *page_args), db.fetchval(count_sql, *count_args))
    else:  # one connection inside a transaction: one statement at a time
        rows = await db.fetch(rows_sql, *page_args)
        total = await db.fetchval(count_sql, *count_args)
    total = None if total is None else int(total)

    has_more = len(rows) > req.limit
    rows = rows[: req.limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(
            Cursor(sort=sort_name, order=order, value=_cursor_value(sort.kind, last[-1]), id=last[0])
        )
    return PageResult(rows=[r[:-1] for r in rows], total=total, has_more=has_more, next_cursor=next_cursor)
