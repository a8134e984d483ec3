"""Database access: one small interface over asyncpg (PostgreSQL) and aiosqlite (SQLite)."""

from redcore_server.db.database import (
    Database,
    DatabaseUnavailable,
    Executor,
    Row,
    Timeouts,
    UniqueViolation,
    from_row,
    open_database,
)

__all__ = [
    "Database",
    "DatabaseUnavailable",
    "Executor",
    "Row",
    "Timeouts",
    "UniqueViolation",
    "from_row",
    "open_database",
]
