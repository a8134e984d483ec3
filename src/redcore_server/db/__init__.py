"""Database access: one small interface over asyncpg (PostgreSQL) and aiosqlite (SQLite)."""

from redcore_server.db.database import Database, Executor, Row, UniqueViolation, open_database

__all__ = ["Database", "Executor", "Row", "UniqueViolation", "open_database"]
