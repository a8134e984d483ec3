"""Database URL helpers shared by the runtime drivers and Alembic."""

from __future__ import annotations

from urllib.parse import urlsplit


def sqlite_path(url: str) -> str:
    """``sqlite:///redcore.db`` → ``redcore.db``; ``sqlite:////abs/x.db`` → ``/abs/x.db``."""
    parts = urlsplit(url)
    if parts.scheme.split("+", 1)[0] != "sqlite":
        raise ValueError(f"not a SQLite URL: {url!r}")
    path = parts.path[1:] if parts.path.startswith("/") else parts.path
    if not path or path == ":memory:":
        raise ValueError("RedCore needs a SQLite file (sqlite:///redcore.db), not an in-memory database")
    return path


def plain_postgres_url(url: str) -> str:
    """The URL asyncpg takes: ``postgresql+asyncpg://`` and ``postgres://`` become ``postgresql://``."""
    scheme, rest = url.split("://", 1)
    if scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {url!r}")
    return f"postgresql://{rest}"


def sqlalchemy_url(url: str) -> str:
    """The URL SQLAlchemy (and so Alembic) takes, with the async driver named."""
    if url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{sqlite_path(url)}"
    return "postgresql+asyncpg://" + plain_postgres_url(url).split("://", 1)[1]
