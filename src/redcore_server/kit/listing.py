"""The list machinery every collection uses: filters, search, sort, offset/page and keyset cursor.

A resource describes itself once in its :class:`~redcore_server.kit.spec.ResourceSpec` (its table,
columns, sortable, searchable and filterable fields); :func:`fetch_page` builds and runs the two
statements a page needs (the rows, and the total). Column names reach SQL only from the spec.
Every shape it emits is served by an index: ``(org_id, [filter,] sort, id)`` B-trees, trigram GIN
indexes led by ``org_id`` for ``ILIKE`` search on PostgreSQL, an FTS5 trigram table on SQLite.

Totals never grow with the organization. A list filtered only on the spec's ``counted_by`` columns
(or by a membership alone, with ``counted_in``) reads its exact total from the counts the database
keeps in the change's transaction (``list_counts``). Any other list counts its rows up to a limit
(:data:`FILTER_COUNT_LIMIT`, or :data:`SEARCH_COUNT_LIMIT` with ``q``): below it the total is exact;
at it the total is a lower bound (``total_exact`` false). An offset page never answers a total below
what the page itself shows (``offset`` + its rows, + 1 while more follow), so a client that stops at
``offset + limit >= total`` never stops early; a page that ends the list knows the exact total.
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
# How far a list counts when the database keeps no total for its filters: a filtered count scans at
# most this many matching index entries (a search's recheck costs more per row: it stops sooner).
FILTER_COUNT_LIMIT = 10_000
SEARCH_COUNT_LIMIT = 100  # a match costs ~3 µs of ILIKE per row scanned: 100 keep a common q under 5 ms at 1M rows
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
    total_exact: bool = False  # False: ``total`` is a lower bound (or None)


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
        where.add(f"{search_expression(spec.searchable)} ILIKE {{0}} ESCAPE '\\'", f"%{escape_like(text)}%")
        return
    # SQLite's LIKE folds only ASCII letters; fold both sides with text.fold (full Unicode case folding).
    ors = " OR ".join(f"{FOLD_FUNCTION}({col}) LIKE {{0}} ESCAPE '\\'" for col in spec.searchable)
    where.add(f"({ors})", f"%{escape_like(fold(text))}%")


def search_expression(columns: tuple[str, ...]) -> str:
    """What ``q`` is matched against on PostgreSQL: the searchable columns joined by a newline (``q``
    never holds one, so no match spans two columns). Migration 0018's ``ix_<table>_org_trgm`` indexes
    ``(org_id, <this expression>)``: the two must stay the same expression for the planner to use it."""
    return "(" + " || E'\\n' || ".join(f"{column}::text" for column in columns) + ")"


def _kept_total(spec: ResourceSpec[Any], org_id: str, req: PageRequest) -> tuple[str, list[Any]] | None:
    """The statement reading the list's exact total from what the database keeps, if it keeps it."""
    if req.search or req.ranges:
        return None
    if req.member_of:
        if req.filters or len(req.member_of) != 1:
            return None
        ((name, value),) = req.member_of.items()
        kept = spec.memberships[name].counted_in
        if kept is None:
            return None
        table, column = kept
        return f"SELECT {column} FROM {table} WHERE id = $1 AND org_id = $2", [value, org_id]
    if not spec.counted_by or not set(req.filters) <= set(spec.counted_by):
        return None
    sql = "SELECT sum(n) FROM list_counts WHERE org_id = $1 AND resource = $2"
    args: list[Any] = [org_id, spec.table]
    for position, column in enumerate(spec.counted_by, start=1):
        if column in req.filters:
            args.append(req.filters[column])
            sql += f" AND key{position} = ${len(args)}"
    return sql, args


async def _run(
    db: Executor, rows_sql: str, page_args: tuple[Any, ...], count: tuple[str, list[Any]] | None
) -> tuple[list[Row], int | None]:
    """The page's rows, and its total when ``count`` is given."""
    if count is None:
        return list(await db.fetch(rows_sql, *page_args)), None
    if isinstance(db, Database):  # a pool: the page and its total on two connections at once
        rows, total = await asyncio.gather(db.fetch(rows_sql, *page_args), db.fetchval(count[0], *count[1]))
        return list(rows), total
    # one connection inside a transaction: one statement at a time
    rows = await db.fetch(rows_sql, *page_args)
    return list(rows), await db.fetchval(count[0], *count[1])


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
    kept = _kept_total(spec, org_id, req)
    limit = SEARCH_COUNT_LIMIT if req.search else FILTER_COUNT_LIMIT
    direction = "ASC" if order == "asc" else "DESC"
    ordered = ""
    if db.dialect == "postgresql":
        # Counted in the page's order, so the planner weighs the same paths as for the page (walk the
        # sort's index and stop at the cap, or read a filter's index and sort what it finds). Unordered,
        # a capped count of a common search expected to meet its matches at once in a sequential scan of
        # the whole table, and read 937,000 other tenants' rows first (163 ms instead of 1.3).
        ordered = f" ORDER BY {sort.column} {direction}, id {direction}"
    count_sql, count_args = kept or (
        f"SELECT count(*) FROM (SELECT 1 FROM {spec.table} WHERE {where.sql}{ordered} LIMIT {limit + 1}) AS counted",
        list(where.args),
    )

    if req.cursor is not None:
        cursor = decode_cursor(req.cursor)
        if (cursor.sort, cursor.order) != (sort_name, order):
            raise errors.ValidationError.of(
                ("starting_after", f"was issued for sort={cursor.sort}&order={cursor.order}; use the same")
            )
        op = ">" if order == "asc" else "<"
        where.add(f"({sort.column}, id) {op} ({{0}}, {{1}})", _param_value(sort.kind, cursor.value), cursor.id)

    n = len(where.args)
    rows_sql = (
        f"SELECT {spec.select}, {sort.column} FROM {spec.table} WHERE {where.sql}"
        f" ORDER BY {sort.column} {direction}, id {direction} LIMIT ${n + 1} OFFSET ${n + 2}"
    )
    page_args = (*where.args, req.limit + 1, req.offset)
    count = (count_sql, count_args) if req.count else None
    if req.search and db.dialect == "postgresql" and isinstance(db, Database):
        # A search's best plan depends on the text (a rare one reads the trigram index, a common one
        # walks the sort's index and stops early), so it is planned for each text: a prepared
        # statement's generic plan, chosen after five runs, read 155,000 index entries to count 100
        # matches of "son" (81 ms instead of 2) at a million users.
        async with db.transaction() as tx:
            await tx.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            rows, total = await _run(tx, rows_sql, page_args, count)
    else:
        rows, total = await _run(db, rows_sql, page_args, count)
    has_more = len(rows) > req.limit
    rows = rows[: req.limit]
    exact = req.count and (kept is not None or int(total or 0) <= limit)
    total = None if not req.count else int(total or 0)  # a kept total of nothing is NULL
    if total is not None and req.cursor is None and (rows or req.offset == 0):
        seen = req.offset + len(rows)  # what the page itself shows is the floor
        if not has_more:
            total, exact = seen, True  # this page ends the list
        elif total < seen + 1:
            total = seen + 1
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(
            Cursor(sort=sort_name, order=order, value=_cursor_value(sort.kind, last[-1]), id=last[0])
        )
    return PageResult(
        rows=[r[:-1] for r in rows], total=total, has_more=has_more, next_cursor=next_cursor, total_exact=exact
    )
