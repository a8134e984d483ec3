"""Database access: one small interface over asyncpg (PostgreSQL) and aiosqlite (SQLite)."""

from redcore_server.db.database import (
    FOLD_FUNCTION,
    Database,
    DatabaseUnavailable,
    Executor,
    Row,
    Timeouts,
    UniqueViolation,
    open_database,
)

__all__ = [
    "FOLD_FUNCTION",
    "Database",
    "DatabaseUnavailable",
    "Executor",
    "Row",
    "Timeouts",
    "UniqueViolation",
    "open_database",
]
