"""Custom roles: the ``roles`` table, and ``users.role`` free of its CHECK on the three built-ins.

A user's role is now any role key of the organization (up to 32 characters: the column widens from
16); the service checks that it exists (and share-locks a custom role's row until the change
commits, see ``roles/service.py``), so the CHECK goes.

PostgreSQL drops the constraint. SQLite cannot drop a constraint, so ``users`` is rebuilt the way
SQLite documents (https://sqlite.org/lang_altertable.html#otheralter): a new table from the stored
definition without the CHECK, every row copied with its ``seq`` (the rowid the ``users_fts``
full-text index is keyed by, so the index stays valid as it is), the old table dropped, the new one
renamed, and its indexes and triggers (the full-text ones) created again from their stored SQL.
Foreign keys are off on the migration's connection (SQLite's default), so dropping the old table
cascades to nothing; the tables that refer to ``users`` refer to it again once renamed.

The downgrade puts the CHECK back, and stops (nothing changed) while a user holds a custom role.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
BUILT_IN = "role IN ('admin', 'editor', 'viewer')"
# The role CHECK in the stored definition (named ``ck_users_ck_users_role`` by 0001's naming convention).
ROLE_CHECK = re.compile(r",\s*CONSTRAINT (\w+) CHECK \(role IN \('admin', 'editor', 'viewer'\)\)")


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_roles_org_id_organizations", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "key", name="pk_roles"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rebuild_users(_without_check)
    else:
        name = bind.execute(
            sa.text(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'users'::regclass AND contype = 'c'"
                " AND conname LIKE '%users_role'"
            )
        ).scalar_one()
        op.execute(f'ALTER TABLE users DROP CONSTRAINT "{name}"')  # as named: no naming convention again
        op.alter_column("users", "role", type_=sa.String(32), existing_nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    custom = bind.execute(
        sa.text("SELECT count(*) FROM users WHERE role NOT IN ('admin', 'editor', 'viewer')")
    ).scalar_one()
    if custom:
        raise RuntimeError(
            f"Downgrade below 0015 stopped, nothing changed: {custom} user(s) hold a custom role. "
            "Give them a built-in role (admin, editor, viewer) first."
        )
    if bind.dialect.name == "sqlite":
        _rebuild_users(_with_check)
    else:
        op.alter_column("users", "role", type_=sa.String(16), existing_nullable=False)
        op.create_check_constraint("role", "users", BUILT_IN)
    op.drop_table("roles")


def _without_check(sql: str) -> str:
    found = ROLE_CHECK.search(sql)
    if found is None:
        raise RuntimeError(f"Migration 0015: no role CHECK in the users table's definition: {sql}")
    return _role_width(sql[: found.start()] + sql[found.end() :], 16, 32)


def _role_width(sql: str, old: int, new: int) -> str:
    column = f"role VARCHAR({old}) NOT NULL"
    if column not in sql:
        raise RuntimeError(f"Migration 0015: no `{column}` in the users table's definition: {sql}")
    return sql.replace(column, f"role VARCHAR({new}) NOT NULL")


def _with_check(sql: str) -> str:
    end = _role_width(sql, 32, 16).rstrip()
    assert end.endswith(")")
    return f"{end[:-1].rstrip()},\n\tCONSTRAINT ck_users_ck_users_role CHECK ({BUILT_IN})\n)"


def _rebuild_users(change: Callable[[str], str]) -> None:
    """Rebuild ``users`` from its stored definition as ``change`` rewrites it (SQLite only)."""
    bind = op.get_bind()
    table_sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'")
    ).scalar_one()
    others = [
        sql
        for (sql,) in bind.execute(
            sa.text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'users' AND type IN ('index', 'trigger')"
                " AND sql IS NOT NULL ORDER BY type, name"
            )
        )
    ]
    columns = ", ".join(
        f'"{name}"' for (name,) in bind.execute(sa.text("SELECT name FROM pragma_table_info('users') ORDER BY cid"))
    )
    new_sql = change(table_sql)
    head = new_sql.index("(")
    op.execute(f"CREATE TABLE users_rebuilt {new_sql[head:]}")
    op.execute(f"INSERT INTO users_rebuilt ({columns}) SELECT {columns} FROM users")
    op.execute("DROP TABLE users")  # its indexes and triggers go with it
    op.execute("ALTER TABLE users_rebuilt RENAME TO users")
    for sql in others:
        op.execute(sql)
