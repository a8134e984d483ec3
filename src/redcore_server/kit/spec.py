"""A resource, declared once: what the repository, the service and the routes of the kit need to
know about it, and nothing they could each get wrong on their own.

A domain's ``spec.py`` builds one :class:`ResourceSpec`; the select list is the struct's own field
names, so a row maps to the struct by name (``kit/rows.py``: there is no hand-kept column string
whose order must match the struct's), and adding a field to a resource means adding it to its struct (and its table,
its migration and its create/update schemas), nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

import msgspec

from redcore_server import errors
from redcore_server.db import Row
from redcore_server.kit.rows import Columns
from redcore_server.versioning import etag_for

T = TypeVar("T", bound=msgspec.Struct)
Kind = Literal["text", "int", "timestamp"]  # how a sort key is compared, and carried in a cursor
Order = Literal["asc", "desc"]


@dataclass(frozen=True, slots=True)
class Membership:
    """A list filter by belonging: the rows whose id is a ``member`` in a row of ``table`` whose
    ``key`` is the value asked for (``users?team=…``: ``team_members``, ``team_id``, ``user_id``).
    ``(key, member)`` must be an index of ``table`` (its primary key, say) for the lists to stay fast.
    ``counted_in``: where the number of members is kept, as ``(table, column)`` of a row whose ``id``
    is the value asked for (``teams.member_count``), so a list filtered by belonging alone has an
    exact total without counting."""

    table: str
    key: str
    member: str
    counted_in: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class SortField:
    column: str
    kind: Kind


class ResourceSpec(Generic[T]):
    """One organization-scoped resource: its names, its struct and table, and what may be done to it.

    - ``name``: the table and the URL segment (``users``); ``noun`` for messages (``user``);
      ``id_prefix`` without its underscore (``usr``: ids are ``usr_…``).
    - ``sortable``: the fields a list may be sorted by, and how each compares; ``searchable`` the
      columns ``q`` matches (with ``fts_table``, SQLite's trigram index over them);
      ``filterable`` the columns a list may be filtered on (equality or range); ``memberships``
      the filters by belonging to something else (:class:`Membership`), by filter name;
      ``counted_by``: at most two text columns whose per-organization counts the database keeps in
      ``list_counts`` (``kit/tables.py``; the triggers are the migration's), so a list filtered on
      nothing else has an exact total without counting.
    - ``writable``: columns a create or an update may set beyond the struct's own fields (those
      the struct does not show: ``password_hash``, ``email_key``); ``fixed``: struct fields an
      update never sets (besides ``id``, ``created_at``, ``updated_at``).
    - ``derived``: struct fields that are not columns (shown only when made, e.g. a secret).
    - ``decoders``: how a stored column becomes its field when the two differ (JSON text → list).
    - ``metadata``: the fields that are metadata objects (``kit/metadata.py``): stored as JSON text
      (give them a decoder), merged by an update.
    - ``conflicts``: unique index name → the 409 it answers; ``version_field``: what the ETag
      follows (``created_at`` for what never changes); ``records_events``: whether changes record
      ``<noun>.created|updated|deleted`` events.
    """

    def __init__(
        self,
        *,
        name: str,
        noun: str,
        id_prefix: str,
        model: type[T],
        sortable: Mapping[str, Kind],
        searchable: tuple[str, ...] = (),
        fts_table: str | None = None,
        filterable: tuple[str, ...] = (),
        memberships: Mapping[str, Membership] | None = None,
        counted_by: tuple[str, ...] = (),
        writable: tuple[str, ...] = (),
        fixed: tuple[str, ...] = (),
        derived: tuple[str, ...] = (),
        decoders: Mapping[str, Callable[[Any], Any]] | None = None,
        metadata: tuple[str, ...] = (),
        conflicts: Mapping[str, type[errors.APIError]] | None = None,
        version_field: str = "updated_at",
        records_events: bool = True,
        default_sort: str = "created_at",
        default_order: Order = "desc",
    ) -> None:
        self.name = self.table = name
        self.noun = noun
        self.id_prefix = id_prefix
        self.id_start = f"{id_prefix}_"
        self.model = model
        self.fields: tuple[str, ...] = model.__struct_fields__
        self.rows = Columns(model, derived=derived, decoders=decoders)
        # The struct a row of ``select`` holds (``kit/rows.py``), bound once: this is on every read.
        self.from_row: Callable[[Row], T] = self.rows.from_row
        self.columns = self.rows.names
        if self.columns[0] != "id":
            raise ValueError(f"{name}: the struct's first field must be `id`")
        self.select = self.rows.select
        self.sort_fields = {field: SortField(field, kind) for field, kind in sortable.items()}
        self.searchable = searchable
        self.fts_table = fts_table
        self.filterable = frozenset(filterable)
        self.memberships = dict(memberships or {})
        if len(counted_by) > 2:
            raise ValueError(f"{name}: list_counts keeps at most two columns")
        self.counted_by = counted_by
        immutable = {"id", "created_at", "updated_at", *fixed}
        self.updatable = frozenset(c for c in self.columns if c not in immutable) | frozenset(writable)
        self.conflicts = dict(conflicts or {})
        self.metadata = metadata
        self.version_field = version_field
        self.records_events = records_events
        self.default_sort = default_sort
        self.default_order: Order = default_order
        unknown = set(self.sort_fields) | set(searchable) | self.filterable | set(metadata) | set(counted_by)
        if not unknown <= set(self.columns):
            raise ValueError(f"{name}: not columns of its struct: {sorted(unknown - set(self.columns))}")

    def etag(self, item: T) -> str:
        return etag_for(getattr(item, self.version_field))

    @staticmethod
    def etag_of(version: datetime) -> str:
        return etag_for(version)

    def headers(self, item: T) -> dict[str, str]:
        return {"ETag": self.etag(item)}

    def not_found(self, ident: str) -> errors.NotFound:
        return errors.NotFound(f"No {self.noun} with id {ident!r}.")

    def conflict_codes(self) -> tuple[str, ...]:
        """The codes of the 409s a write may answer (for the OpenAPI document)."""
        return tuple(error.code for error in self.conflicts.values())

    def values(self, item: T, org_id: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The columns to insert for ``item`` (plus ``extra``, the columns it does not show)."""
        values = {column: getattr(item, column) for column in self.columns}
        return values | {"org_id": org_id} | dict(extra or {})
