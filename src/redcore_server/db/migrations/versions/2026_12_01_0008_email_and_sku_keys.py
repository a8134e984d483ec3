"""Emails and SKUs compared by a key computed in Python, the same on SQLite and PostgreSQL.

``users.email_key`` (the normalised email folded: NFC, full case folding, NFC; see
``users/emails.py``) and ``products.sku_key`` (``text.fold`` of the SKU) replace the unique indexes
on ``lower(email)`` and ``lower(sku)``: SQLite's ``lower()`` folds only ASCII, so ``É…`` and
``é…`` were two users there and one on PostgreSQL, and neither database saw ``é`` composed and
decomposed as one.

Existing rows are keyed here, in Python, with the functions the server uses (a stored email the
validator would now refuse is keyed by its plain fold, which is also how a sign-in with it is
looked up). Stored emails and SKUs are not rewritten. If two rows of one organization end up with
one key, nothing is changed and the migration stops, naming them: change or delete all but one,
then migrate again.

On SQLite the key columns are added ``NOT NULL DEFAULT ''`` (SQLite cannot add a NOT NULL column
without a default, and rebuilding ``users`` would drop its full-text triggers); the server always
writes the key.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from redcore_server.text import fold
from redcore_server.users.emails import lookup_key

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, key column, new unique index, old unique index on lower(column), key function)
KEYS: tuple[tuple[str, str, str, str, str, Callable[[str], str]], ...] = (
    ("users", "email", "email_key", "uq_users_org_id_email_key", "uq_users_org_id_email", lookup_key),
    ("products", "sku", "sku_key", "uq_products_org_id_sku_key", "uq_products_org_id_sku", fold),
)
MAX_NAMED = 20  # collisions named in the error; the count says how many more


def _keys(bind: sa.Connection, table: str, column: str, key_of: Callable[[str], str]) -> list[tuple[int, str]]:
    """``(seq, key)`` for every row, or RuntimeError naming the rows whose keys collide."""
    rows = bind.execute(sa.text(f"SELECT seq, org_id, id, {column} FROM {table}")).all()
    keyed = [(seq, org_id, ident, key_of(value)) for seq, org_id, ident, value in rows]
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for _, org_id, ident, key in keyed:
        groups[(org_id, key)].append(ident)
    clashes = [(org_id, ids) for (org_id, _), ids in groups.items() if len(ids) > 1]
    if clashes:
        named = "; ".join(f"organization {org_id}: {', '.join(sorted(ids))}" for org_id, ids in clashes[:MAX_NAMED])
        more = f" (and {len(clashes) - MAX_NAMED} more groups)" if len(clashes) > MAX_NAMED else ""
        raise RuntimeError(
            f"Migration 0008 stopped, nothing changed: these {table} have {column}s that are the same once "
            f"normalised (case, accents composed or not), which the new unique index forbids: {named}{more}. "
            f"Change the {column} of, or delete, all but one in each group, then run `redcore-server migrate` again."
        )
    return [(seq, key) for seq, _, _, key in keyed]


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    computed = {table: _keys(bind, table, column, key_of) for table, column, _, _, _, key_of in KEYS}  # check first
    for table, _, key_column, new_index, old_index, _ in KEYS:
        default = sa.text("''") if sqlite else None
        op.add_column(table, sa.Column(key_column, sa.Text(), nullable=not sqlite, server_default=default))
        if computed[table]:
            bind.execute(
                sa.text(f"UPDATE {table} SET {key_column} = :key WHERE seq = :seq"),
                [{"seq": seq, "key": key} for seq, key in computed[table]],
            )
        if not sqlite:
            op.alter_column(table, key_column, nullable=False)
        op.drop_index(old_index, table_name=table)
        op.create_index(new_index, table, ["org_id", key_column], unique=True)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, key_column, new_index, old_index, _ in KEYS:
        op.drop_index(new_index, table_name=table)
        op.create_index(old_index, table, ["org_id", sa.text(f"lower({column})")], unique=True)
        if sqlite:  # natively (SQLite 3.35+): batch mode would rebuild the table and drop its FTS triggers
            op.execute(f"ALTER TABLE {table} DROP COLUMN {key_column}")
        else:
            op.drop_column(table, key_column)
