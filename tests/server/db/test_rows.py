"""A row reads the same on both drivers: by position and by column name."""

from __future__ import annotations

from litestar import Litestar

SQL = "SELECT 'a' AS first, 2 AS second"


async def test_rows_read_by_position_and_by_column_name(app: Litestar) -> None:
    db = app.state.db
    async with db.transaction() as tx:
        in_transaction = await tx.fetchrow(SQL)
    for row in (await db.fetchrow(SQL), (await db.fetch(SQL))[0], in_transaction):
        assert (row[0], row[1], row["first"], row["second"]) == ("a", 2, "a", 2)
        assert tuple(row) == ("a", 2) and len(row) == 2 and row[-1] == 2
