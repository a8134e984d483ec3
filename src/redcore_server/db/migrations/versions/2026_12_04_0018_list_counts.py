"""Totals a list can trust without counting, and search indexes per organization.

``list_counts`` holds, per organization, how many rows a table has for each value of the columns its
lists filter on most (users: role and status; products: status), kept by triggers in the transaction
of every insert, update and delete, so a list's total is a sum of a few rows (``kit/listing.py``)
instead of a ``count(*)`` that grows with the organization. On PostgreSQL the insert and delete
triggers are statement-level over transition tables (a COPY or a bulk insert of a million rows adds
one row per group, once) and the update trigger runs only when a counted column changed. Every
change takes the counter rows in one sorted statement, so concurrent changes never deadlock on them;
decrements only update (a row the cascade from a deleted organization already removed stays gone).

On PostgreSQL the trigram indexes behind ``q`` become one per table, led by ``org_id`` (the
``btree_gin`` extension) over the searchable columns joined by a newline (``q`` never holds a control
character), so a search reads only its organization's entries: a 10,000-user organization no longer
pays for a million-user one's rows.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = {"users": ("role", "status"), "products": ("status", None)}
SEARCHED = {"users": ("name", "email"), "products": ("name", "sku"), "teams": ("name",)}
OLD_TRIGRAM = {"users": ("name", "email"), "products": ("name", "sku"), "teams": ("name",)}


def _keys(alias: str, key1: str, key2: str | None) -> str:
    """The counted columns of a row as ``k1, k2`` (a table counted by one column has ``''`` as ``k2``)."""
    second = f"{alias}.{key2}" if key2 else "''"
    return f"{alias}.{key1} AS k1, {second} AS k2"


def _postgresql_counts(table: str, key1: str, key2: str | None) -> list[str]:
    def add(changes: str) -> str:  # ``changes``: rows of (org_id, k1, k2, d)
        return (
            f"INSERT INTO list_counts (org_id, resource, key1, key2, n) SELECT org_id, '{table}', k1, k2, sum(d)"
            f" FROM ({changes}) c GROUP BY org_id, k1, k2 HAVING sum(d) <> 0 ORDER BY org_id, k1, k2"
            " ON CONFLICT (org_id, resource, key1, key2) DO UPDATE SET n = list_counts.n + excluded.n;"
        )

    removed = f"SELECT r.org_id, {_keys('r', key1, key2)} FROM old_rows r"
    changed = key1 if key2 is None else f"{key1}, {key2}"
    distinct = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in (key1, key2) if c)

    def function(name: str, body: str) -> str:
        head = f"CREATE FUNCTION {table}_counts_{name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        return f"{head} BEGIN {body} RETURN NULL; END $$"

    return [
        function("insert", add(f"SELECT r.org_id, {_keys('r', key1, key2)}, 1 AS d FROM new_rows r")),
        # Decrements only update (the cascade from a deleted organization may have removed the rows),
        # locking them in key order first: the UPDATE's own order is the planner's.
        function(
            "delete",
            f"PERFORM 1 FROM list_counts c WHERE c.resource = '{table}' AND (c.org_id, c.key1, c.key2) IN"
            f" (SELECT org_id, k1, k2 FROM ({removed}) x) ORDER BY c.org_id, c.key1, c.key2 FOR UPDATE;"
            f" UPDATE list_counts c SET n = c.n - g.d FROM (SELECT org_id, k1, k2, count(*) AS d FROM ({removed}) x"
            f" GROUP BY org_id, k1, k2) g WHERE c.resource = '{table}' AND c.org_id = g.org_id AND c.key1 = g.k1"
            " AND c.key2 = g.k2;",
        ),
        function(
            "update",
            add(
                f"SELECT OLD.org_id AS org_id, {_keys('OLD', key1, key2)}, -1 AS d"
                f" UNION ALL SELECT NEW.org_id, {_keys('NEW', key1, key2)}, 1"
            ),
        ),
        f"CREATE TRIGGER {table}_counts_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {table}_counts_insert()",
        f"CREATE TRIGGER {table}_counts_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {table}_counts_delete()",
        f"CREATE TRIGGER {table}_counts_update AFTER UPDATE OF {changed} ON {table} FOR EACH ROW"
        f" WHEN ({distinct}) EXECUTE FUNCTION {table}_counts_update()",
    ]


def _sqlite_counts(table: str, key1: str, key2: str | None) -> list[str]:
    def add(alias: str) -> str:
        second = f"{alias}.{key2}" if key2 else "''"
        return (
            f"INSERT INTO list_counts (org_id, resource, key1, key2, n) "
            f"VALUES ({alias}.org_id, '{table}', {alias}.{key1}, {second}, 1) "
            "ON CONFLICT (org_id, resource, key1, key2) DO UPDATE SET n = n + 1;"
        )

    def take(alias: str) -> str:
        second = f"{alias}.{key2}" if key2 else "''"
        return (
            f"UPDATE list_counts SET n = n - 1 WHERE org_id = {alias}.org_id AND resource = '{table}' "
            f"AND key1 = {alias}.{key1} AND key2 = {second};"
        )

    changed = key1 if key2 is None else f"{key1}, {key2}"
    distinct = " OR ".join(f"old.{c} IS NOT new.{c}" for c in (key1, key2) if c)
    return [
        f"CREATE TRIGGER {table}_counts_ai AFTER INSERT ON {table} BEGIN {add('new')} END",
        f"CREATE TRIGGER {table}_counts_ad AFTER DELETE ON {table} BEGIN {take('old')} END",
        f"CREATE TRIGGER {table}_counts_au AFTER UPDATE OF {changed} ON {table} WHEN {distinct} "
        f"BEGIN {take('old')} {add('new')} END",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "list_counts",
        sa.Column("org_id", sa.String(40), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("resource", sa.String(32), nullable=False),
        sa.Column("key1", sa.String(64), nullable=False),
        sa.Column("key2", sa.String(64), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "resource", "key1", "key2", name="pk_list_counts"),
    )
    for table, (key1, key2) in COUNTED.items():
        second = key2 or "''"
        op.execute(
            f"INSERT INTO list_counts (org_id, resource, key1, key2, n) SELECT org_id, '{table}', {key1}, {second},"
            f" count(*) FROM {table} GROUP BY org_id, {key1}{', ' + key2 if key2 else ''}"
        )
        for statement in (_postgresql_counts if dialect == "postgresql" else _sqlite_counts)(table, key1, key2):
            op.execute(statement)
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        for table, columns in SEARCHED.items():
            op.execute(
                f"CREATE INDEX ix_{table}_org_trgm ON {table} USING gin (org_id, ({_text(columns)}) gin_trgm_ops)"
            )
        for table, columns in OLD_TRIGRAM.items():
            for column in columns:
                op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_trgm")
            # Statistics of the new index's expression: without them the planner guesses how many
            # rows a search matches (autovacuum analyzes only after enough rows change).
            op.execute(f"ANALYZE {table}")


def _text(columns: tuple[str, ...]) -> str:
    """What ``q`` is matched against (``kit/listing.py`` builds the same expression)."""
    return " || E'\\n' || ".join(f"{column}::text" for column in columns)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table, columns in OLD_TRIGRAM.items():
            for column in columns:
                op.execute(
                    f"CREATE INDEX IF NOT EXISTS ix_{table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)"
                )
        for table in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_org_trgm")
        for table in COUNTED:
            for change in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_counts_{change} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS {table}_counts_{change}()")
    else:
        for table in COUNTED:
            for change in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_counts_{change}")
    op.drop_table("list_counts")
