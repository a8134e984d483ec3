"""Where a user's personal data could remain, and people whose data is found nowhere else."""

from __future__ import annotations

import uuid
from datetime import timedelta

from redcore_server.db import Database
from redcore_server.ids import new_id

# Every table that could hold what a user told us or what a receiver answered about them.
TABLES = ("events", "webhook_deliveries", "webhook_attempts", "emails", "erasures")


async def table_text(db: Database, table: str) -> str:
    """Every row of ``table``, as text: what a grep of the table would see."""
    return "\n".join(" | ".join(map(str, row)) for row in await db.fetch(f"SELECT * FROM {table}"))


async def holding(db: Database, *needles: str) -> list[str]:
    """The tables whose text contains any of ``needles``."""
    texts = {t: (await table_text(db, t)).lower() for t in TABLES}
    return [t for t in TABLES if any(n.lower() in texts[t] for n in needles)]


def person() -> tuple[str, str]:
    """An address and a name found nowhere else in the database."""
    tag = uuid.uuid4().hex[:12]
    return f"erase-{tag}@example.com", f"Zelda {tag} Quux"


async def no_trace(db: Database, *needles: str) -> bool:
    return await holding(db, *needles) == []


async def copy_event(db: Database, event_id: str, copies: int, *, age_days: int = 0) -> None:
    """``copies`` more events like ``event_id`` (as many changes would make), ``age_days`` old."""
    row = await db.fetchrow("SELECT org_id, type, created_at, data, subject_id FROM events WHERE id = $1", event_id)
    org_id, type_, created_at, data, subject_id = row
    async with db.transaction() as tx:
        for _ in range(copies):
            await tx.execute(
                "INSERT INTO events (id, org_id, type, created_at, data, subject_id) VALUES ($1, $2, $3, $4, $5, $6)",
                new_id("evt"),
                org_id,
                type_,
                created_at - timedelta(days=age_days),
                data,
                subject_id,
            )
