"""``GET /v1/users/export``: rows per second and memory, as the organization grows.

For each size (``--sizes``, default 10,000 and 100,000 users) it makes a scratch PostgreSQL database,
migrates it, makes an organization and a key, COPYs the users in, and runs the app in this process
(its lifespan, its pool, the whole ASGI stack: the export goes through authentication, routing and
Litestar's streaming response, the body consumed and dropped as it arrives). Per format it prints
the time and rows/s of one export, then a second export under ``tracemalloc`` for the peak of Python
allocations during it, and the growth of the process's resident set (sampled at every chunk) over
what it was before the first export. Flat memory shows as the same peak at every size.
Writes ``bench/results/export.json``. Nothing is asserted.

    .venv/bin/python bench/export.py [--sizes 10000,100000,1000000] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from redcore_server.app import create_app
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.db.migrate import upgrade
from redcore_server.ids import new_id
from redcore_server.keys import service as keys_service
from redcore_server.orgs import service as orgs_service
from redcore_server.users.emails import email_key

RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = ["id", "org_id", "email", "email_key", "name", "role", "status", "avatar", "created_at", "updated_at",
           "public_metadata"]  # fmt: skip
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


async def admin_sql(admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def load_users(url: str, org_id: str, count: int) -> float:
    rnd, start = random.Random(7), datetime(2024, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        for first in range(0, count, 100_000):
            records = []
            for i in range(first, min(first + 100_000, count)):
                created = start + timedelta(seconds=rnd.randrange(365 * 86400))
                email = f"user{i:07d}@bench.example.com"
                records.append((
                    new_id("usr"), org_id, email, email_key(email), f"Bench User {i}",
                    rnd.choice(("admin", "editor", "viewer")), rnd.choice(("active", "inactive", "suspended")),
                    f"https://avatars.example.com/{i}.png" if i % 3 == 0 else None, created, created,
                    json.dumps({"plan": "pro", "seats": i % 50}) if i % 4 == 0 else "{}",
                ))  # fmt: skip
            await conn.copy_records_to_table("users", records=records, columns=COLUMNS)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - began


async def export_once(app: Any, key: str, fmt: str, baseline: int) -> dict[str, Any]:
    """One export through the ASGI app; the body is counted and dropped chunk by chunk."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    inbox.put_nowait({"type": "http.request", "body": b"", "more_body": False})
    seen = {"status": 0, "bytes": 0, "lines": 0, "chunks": 0, "rss_growth": 0}

    async def receive() -> dict[str, Any]:
        return await inbox.get()

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            seen["bytes"] += len(body)
            seen["lines"] += body.count(b"\n")
            seen["chunks"] += 1 if body else 0
            seen["rss_growth"] = max(seen["rss_growth"], rss() - baseline)
            if not message.get("more_body"):
                inbox.put_nowait({"type": "http.disconnect"})

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/v1/users/export", "raw_path": b"/v1/users/export", "root_path": "",
        "query_string": f"format={fmt}".encode(), "client": ("127.0.0.1", 50000), "server": ("bench", 80),
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {key}".encode())], "state": {},
    }  # fmt: skip
    began = time.perf_counter()
    await app(scope, receive, send)
    seen["seconds"] = time.perf_counter() - began
    assert seen["status"] == 200, seen
    return seen


async def measure(admin_url: str, size: int) -> dict[str, Any]:
    name = f"redcore_bench_{uuid.uuid4().hex[:12]}"
    base, _, _ = admin_url.rpartition("/")
    url = f"{base}/{name}"
    await admin_sql(admin_url, f'CREATE DATABASE "{name}"')
    try:
        await asyncio.to_thread(upgrade, url)
        settings = Settings(database_url=url, rate_limit=0, embedded_worker=False)
        app = create_app(settings)
        db: Database = app.state.db
        async with running(app):
            async with db.transaction() as tx:
                org = await orgs_service.create(tx, "Bench")
                key = (await keys_service.create(tx, org.id, name="bench")).secret
            loaded = await load_users(url, org.id, size)
            result: dict[str, Any] = {"users": size, "load_seconds": round(loaded, 2)}
            baseline = rss()
            for fmt in ("ndjson", "csv"):
                timed = await export_once(app, key, fmt, baseline)
                tracemalloc.start()
                traced = await export_once(app, key, fmt, baseline)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                result[fmt] = {
                    "seconds": round(timed["seconds"], 2),
                    "rows_per_s": round(size / timed["seconds"]),
                    "mb": round(timed["bytes"] / 1e6, 1),
                    "chunks": timed["chunks"],
                    "lines": timed["lines"],
                    "tracemalloc_peak_mb": round(peak / 1e6, 1),
                    "rss_growth_mb": round(max(timed["rss_growth"], traced["rss_growth"]) / 1e6, 1),
                }
            return result
    finally:
        await admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class running:
    """The app's ASGI lifespan around a block, in this event loop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def __aenter__(self) -> None:
        self.task = asyncio.create_task(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, self.to_app.get, self.from_app.put)
        )
        await self.to_app.put({"type": "lifespan.startup"})
        started = await self.from_app.get()
        assert started["type"] == "lifespan.startup.complete", started

    async def __aexit__(self, *_: object) -> None:
        await self.to_app.put({"type": "lifespan.shutdown"})
        await self.from_app.get()
        await self.task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results = []
    print(f"{'users':>9} {'format':>6} {'seconds':>8} {'rows/s':>9} {'MB out':>7} {'chunks':>6} "
          f"{'tracemalloc peak':>16} {'RSS growth':>10}")  # fmt: skip
    for size in (int(s) for s in args.sizes.split(",")):
        result = asyncio.run(measure(args.postgres_url, size))
        results.append(result)
        for fmt in ("ndjson", "csv"):
            r = result[fmt]
            assert r["lines"] == size + (fmt == "csv"), r
            print(f"{size:>9,} {fmt:>6} {r['seconds']:>8} {r['rows_per_s']:>9,} {r['mb']:>7} {r['chunks']:>6} "
                  f"{r['tracemalloc_peak_mb']:>13} MB {r['rss_growth_mb']:>7} MB", flush=True)  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "export.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
