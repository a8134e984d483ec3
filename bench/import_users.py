"""What ``redcore-server users import`` (and ``products import``) costs: rows per second and peak
memory, on PostgreSQL and SQLite, for a generated file of N users (or products).

    .venv/bin/python bench/import_users.py [--rows 1000000] [--format csv|jsonl] [--db postgresql,sqlite]
    .venv/bin/python bench/import_users.py --resource products [--rows 1000000]
    .venv/bin/python bench/import_users.py --generate users.csv --rows 1000000   # the file only

Each run makes a scratch database (migrated, one organization, dropped afterwards), then times the
CLI as an operator runs it, in a process of its own under ``/usr/bin/time -v`` (its peak resident
memory is the figure), and prints one line per database. The rows look like an export
(``GET /v1/users/export``): every column, metadata on some rows, a custom role on some.
PostgreSQL: ``REDCORE_TEST_POSTGRES_URL`` (default the local one).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import support

from redcore_server.db.migrate import upgrade

CLI = [sys.executable, "-m", "redcore_server"]
COLUMNS = ("id", "email", "name", "role", "status", "avatar", "external_id", "email_verified")
COLUMNS += ("public_metadata", "private_metadata", "last_login", "created_at", "updated_at")
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Linus")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman")
DOMAINS = ("example.com", "initech.net", "globex.test", "umbrella.org")


def row(i: int) -> dict[str, object]:
    first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
    return {
        "id": f"usr_{i:026d}",
        "email": f"{first.lower()}.{last.lower()}.{i}@{DOMAINS[i % len(DOMAINS)]}",
        "name": f"{first} {last} {i}",
        "role": ("viewer", "editor", "admin", "support")[i % 4],
        "status": ("pending_invite", "active", "inactive", "suspended")[i % 4] if i % 3 else "pending_invite",
        "avatar": f"https://img.example.com/{i}.png" if i % 5 == 0 else None,
        "external_id": f"crm-{i}" if i % 2 == 0 else None,
        "email_verified": i % 7 == 0,
        "public_metadata": {"plan": ("free", "pro")[i % 2], "seats": i % 50} if i % 3 == 0 else {},
        "private_metadata": {"crm": {"score": i % 100}} if i % 10 == 0 else {},
        "last_login": None,
        "created_at": "2026-12-01T10:00:00Z",
        "updated_at": "2026-12-01T10:00:00Z",
    }


PRODUCT_COLUMNS = ("name", "sku", "price", "currency", "stock", "status", "metadata")


def product(i: int) -> dict[str, object]:
    return {
        "name": f"{FIRST[i % len(FIRST)]} widget {i}",
        "sku": f"SKU-{i:08d}",
        "price": i % 100_000,
        "currency": ("USD", "EUR", None)[i % 3],
        "stock": i % 500,
        "status": ("available", "out_of_stock", "discontinued")[i % 3],
        "metadata": {"colour": ("red", "blue")[i % 2]} if i % 4 == 0 else {},
    }


def generate(path: Path, rows: int, resource: str = "users") -> None:
    make, columns = (row, COLUMNS) if resource == "users" else (product, PRODUCT_COLUMNS)
    with path.open("w", encoding="utf-8", newline="") as f:
        if path.suffix == ".csv":
            writer = csv.writer(f)
            writer.writerow(columns)
            for i in range(rows):
                values = make(i)
                writer.writerow(_cell(values[c]) for c in columns)
        else:
            for i in range(rows):
                f.write(json.dumps(make(i)) + "\n")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


async def _database(kind: str, tmp: Path) -> str:
    if kind == "postgresql":
        return await support.create_postgres_database()
    return f"sqlite:///{tmp / 'bench.db'}"


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, REDCORE_DATABASE_URL=url)
    return subprocess.run(CLI + list(args), env=env, capture_output=True, text=True, check=True)


def bench(kind: str, file: Path, rows: int, resource: str = "users") -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        url = asyncio.run(_database(kind, Path(tmp)))
        try:
            upgrade(url)
            _cli(url, "bootstrap", "--org-name", "Bench")
            _add_role(url)
            env = dict(os.environ, REDCORE_DATABASE_URL=url)
            started = time.perf_counter()
            done = subprocess.run(
                ["/usr/bin/time", "-v", *CLI, resource, "import", str(file), "--org", "Bench", "--json"],
                env=env,
                capture_output=True,
                text=True,
            )
            elapsed = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"{kind}: import failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
            peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))  # type: ignore[union-attr]
            report = json.loads(done.stdout)
            return {
                "db": kind,
                "resource": resource,
                "rows": rows,
                "created": report["counts"]["created"] if "counts" in report else report["imported"],
                "seconds": round(elapsed, 1),
                "rows_per_s": round(rows / elapsed),
                "peak_rss_mb": round(peak / 1024),
            }
        finally:
            if kind == "postgresql":
                asyncio.run(support.drop_postgres_database(url))


def _add_role(url: str) -> None:
    """A custom role ``support`` (the file gives it to a quarter of the users)."""

    async def add() -> None:
        from redcore_server.db import open_database
        from redcore_server.ids import utcnow
        from redcore_server.orgs import service as orgs_service
        from redcore_server.roles import repository as roles_repository
        from redcore_server.roles.schemas import Role

        async with open_database(url) as db, db.transaction() as tx:
            org = await orgs_service.resolve(tx, "Bench")
            now = utcnow()
            await roles_repository.insert(tx, org.id, Role("support", "Support", ["users:read"], False, now, now))

    asyncio.run(add())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    parser.add_argument("--db", default="postgresql,sqlite")
    parser.add_argument("--resource", choices=("users", "products"), default="users")
    parser.add_argument("--generate", type=Path, help="only write the file")
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.rows, args.resource)
        return
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / f"{args.resource}.{args.format}"
        started = time.perf_counter()
        generate(file, args.rows, args.resource)
        took = time.perf_counter() - started
        print(f"generated {args.rows:,} rows ({file.stat().st_size / 2**20:.0f} MiB) in {took:.1f} s")
        for kind in args.db.split(","):
            print(json.dumps(bench(kind, file, args.rows, args.resource)), flush=True)


if __name__ == "__main__":
    main()
