"""Lists and search at 10k, 100k and 1M users per organization, on PostgreSQL.

    .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--requests 30] [--keep NAME]

Builds one scratch database with one organization per size (plus a 1,000-member team in each),
loads the users (``--load import``, the default: generated rows written to a CSV file and loaded with
``redcore-server users import``, timed; ``--load copy``: the same rows COPYed straight in), starts
``redcore-server serve``
and asks each list shape one request at a time (after a warm-up), then drives two filtered pages
with wrk: with their total, and without (``include_total=false``). Prints the p50 table (ms) and the
throughput figures, and writes ``bench/results/scale.json``.

``--keep NAME`` builds into database NAME once and reuses it on later runs (migrating it first), so
the 1.1M rows are loaded only once; drop it yourself when done.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from population import COLUMNS, user_rows
from redcore_server.ids import new_id
from redcore_server.kit.listing import Cursor, encode_cursor
from users_get import BIN, RESULTS, SERVERS, admin_sql, ensure_wrk, free_port, redcore_cli, run_wrk, start_server
from users_get import stop_server as stop


@dataclass
class Org:
    size: int
    id: str
    key: str
    team: str
    cursor_middle: str = ""
    rare: str = ""


def import_file(url: str, org_id: str, rows: list[tuple[Any, ...]], tmp: Path) -> float:
    """Load ``rows`` with ``redcore-server users import`` from a CSV file; the seconds it took."""
    path = tmp / "users.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "name", "role", "status", "external_id"])
        writer.writerows((r[2], r[4], r[5], r[6], r[7]) for r in rows)
    t0 = time.monotonic()
    redcore_cli(url, "users", "import", str(path), "--org", org_id, "--json")
    return time.monotonic() - t0


async def build(url: str, sizes: list[int], load: str, tmp: Path) -> tuple[list[Org], dict[int, float]]:
    orgs: list[Org] = []
    timings: dict[int, float] = {}
    conn = await asyncpg.connect(url)
    try:
        for n, size in enumerate(sizes):
            org_id = json.loads(redcore_cli(url, "orgs", "create", f"scale-{size}", "--json"))["id"]
            key = json.loads(redcore_cli(url, "keys", "create", "--org", org_id, "--name", "bench", "--json"))
            team = new_id("team")
            t0 = time.monotonic()
            rows = user_rows(org_id, size, seed=n)
            if load == "import":
                timings[size] = await asyncio.to_thread(import_file, url, org_id, rows, tmp)
                print(f"  {size:>9,} users imported in {timings[size]:.1f} s ({size / timings[size]:,.0f}/s)")
                ids = await conn.fetch("SELECT id FROM users WHERE org_id = $1 ORDER BY seq", org_id)
                rows = [(row["id"],) for row in ids]
            else:
                await conn.copy_records_to_table("users", records=rows, columns=COLUMNS)
            now = datetime.now(UTC)
            await conn.execute(
                "INSERT INTO teams (id, org_id, name, name_key, member_count, created_at, updated_at)"
                " VALUES ($1, $2, 'Scale', 'scale', 0, $3, $3)",
                team,
                org_id,
                now,
            )
            await conn.executemany(
                "INSERT INTO team_members (team_id, user_id, created_at) VALUES ($1, $2, $3)",
                [(team, row[0], now) for row in rows[:: max(1, size // 1000)]],
            )
            print(f"  {size:>9,} users loaded in {time.monotonic() - t0:.1f} s", flush=True)
            orgs.append(Org(size, org_id, key["api_key"], team))
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return orgs, timings


async def describe(url: str) -> list[Org]:
    """The organizations a kept database holds (their keys are made anew)."""
    conn = await asyncpg.connect(url)
    try:
        found = await conn.fetch(
            "SELECT o.id, o.name, t.id AS team, (SELECT count(*) FROM users u WHERE u.org_id = o.id) AS size"
            " FROM organizations o JOIN teams t ON t.org_id = o.id AND t.name = 'Scale' ORDER BY 4"
        )
    finally:
        await conn.close()
    orgs = []
    for row in found:
        key = json.loads(redcore_cli(url, "keys", "create", "--org", row["id"], "--name", "bench", "--json"))
        orgs.append(Org(int(row["size"]), row["id"], key["api_key"], row["team"]))
    return orgs


async def landmarks(url: str, orgs: list[Org]) -> None:
    """Per organization: the cursor of the page at the list's middle, and a rare search fragment."""
    conn = await asyncpg.connect(url)
    try:
        for org in orgs:
            row = await conn.fetchrow(
                "SELECT id, created_at, email FROM users WHERE org_id = $1 ORDER BY created_at DESC, id DESC"
                " OFFSET $2 LIMIT 1",
                org.id,
                org.size // 2,
            )
            assert row is not None
            org.cursor_middle = encode_cursor(Cursor("created_at", "desc", row["created_at"].isoformat(), row["id"]))
            org.rare = row["email"].split("@")[0]  # first.last<n>: one user
    finally:
        await conn.close()


def shapes(org: Org) -> dict[str, str]:
    return {
        "first page (with total)": "limit=50",
        "role=editor": "role=editor&limit=50",
        "role + status, sort=name": "role=editor&status=active&sort=name&order=asc&limit=50",
        "status, sort=email": "status=suspended&sort=email&limit=50",
        "team": f"team={org.team}&limit=50",
        "team + role": f"team={org.team}&role=viewer&limit=50",
        "external_id": f"external_id=crm-{org.size // 3}",
        "q=son (common)": "q=son&limit=50",
        "q=initech.net (domain)": "q=initech.net&limit=50",
        "q=rare": f"q={org.rare}&limit=50",
        "cursor page at N/2": f"limit=50&starting_after={org.cursor_middle}",
        "offset N/2": f"limit=50&offset={org.size // 2}",
    }


def p50s(port: int, orgs: list[Org], requests: int) -> dict[str, dict[int, float]]:
    """Each shape's median at each size. The sizes take turns request by request, so a change in the
    machine's speed during the run (this one's varies) moves every size alike, not one size's figure."""
    table: dict[str, dict[int, float]] = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for name in shapes(orgs[0]):
            times: dict[int, list[float]] = {org.size: [] for org in orgs}
            metas: dict[int, dict[str, Any]] = {}
            for i in range(requests + 3):
                for org in orgs:
                    query = shapes(org)[name]
                    t0 = time.perf_counter()
                    response = client.get(f"/v1/users?{query}", headers={"Authorization": f"Bearer {org.key}"})
                    elapsed = time.perf_counter() - t0
                    if response.status_code != 200:
                        raise RuntimeError(f"{query}: {response.status_code} {response.text[:300]}")
                    if i >= 3:
                        times[org.size].append(elapsed * 1000)
                    metas[org.size] = response.json()["meta"]
            for org in orgs:
                table.setdefault(name, {})[org.size] = statistics.median(times[org.size])
                meta = metas[org.size]
                print(
                    f"  {org.size:>9,} {name:28} p50 {table[name][org.size]:8.2f} ms"
                    f"  total {meta.get('total')} exact {meta.get('total_exact', '-')}",
                    flush=True,
                )
    return table


LUA = """
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  wrk.path = args[2]
end
"""


def throughput(port: int, pid: int, org: Org, seconds: int, tmp: Path) -> dict[str, Any]:
    lua = tmp / "list.lua"
    lua.write_text(LUA)
    figures: dict[str, Any] = {}
    base = "/v1/users?role=editor&status=active&limit=50"
    runs: dict[str, list[dict[str, Any]]] = {"with total": [], "without total": []}
    for _ in range(2):  # alternate rounds; the median (of two: the mean) of each
        for name, path in (("with total", base), ("without total", base + "&include_total=false")):
            out = run_wrk_path(port, lua, org.key, path, seconds, pid)
            runs[name].append(out)
            print(f"  wrk -c32 {name:14} {out['rps']:>9,.0f} req/s  p50 {out['p50_ms']:.2f} ms", flush=True)
    for name, outs in runs.items():
        figures[name] = {"rps": statistics.median(o["rps"] for o in outs), "runs": outs}
    figures["ratio"] = figures["with total"]["rps"] / figures["without total"]["rps"]
    return figures


def run_wrk_path(port: int, lua: Path, key: str, path: str, seconds: int, pid: int) -> dict[str, Any]:
    """``run_wrk`` (users_get.py) passes the script two arguments; here: the key and the path."""
    return run_wrk(port, lua, Path(key), path, seconds, 32, pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per shape and size")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--keep", metavar="NAME", help="build into database NAME once, reuse it later")
    parser.add_argument("--load", choices=("import", "copy"), default="import", help="how the users get in")
    args = parser.parse_args()
    ensure_wrk()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    RESULTS.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    db_name = args.keep or f"redcore_bench_{os.urandom(4).hex()}"
    url = args.postgres_url.rsplit("/", 1)[0] + "/" + db_name
    tmp = Path(tempfile.mkdtemp(prefix="redcore-scale-"))
    result: dict[str, Any] = {"sizes": sizes}
    try:
        exists = asyncio.run(_exists(args.postgres_url, db_name))
        if not exists:
            asyncio.run(admin_sql(args.postgres_url, f'CREATE DATABASE "{db_name}"'))
        redcore_cli(url, "migrate")
        if exists:
            orgs = asyncio.run(describe(url))
        else:
            print(f"database {db_name}: loading {sum(sizes):,} users ({args.load})", flush=True)
            orgs, result["import_seconds"] = asyncio.run(build(url, sizes, args.load, tmp))
        asyncio.run(landmarks(url, orgs))
        env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
        port = free_port()
        serve = [str(BIN / "redcore-server"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        env |= {"REDCORE_DATABASE_URL": url, "REDCORE_RATE_LIMIT": "0"}
        proc = start_server("scale", serve, env, port)
        SERVERS["scale"] = (proc, port)
        print("p50, one request at a time:", flush=True)
        result["p50_ms"] = p50s(port, orgs, args.requests)
        biggest = orgs[-1]
        print(f"throughput at {biggest.size:,} users:", flush=True)
        result["throughput"] = throughput(port, proc.pid, biggest, args.duration, tmp)
    except (RuntimeError, OSError, asyncpg.PostgresError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}\n{getattr(exc, 'stderr', None) or ''}", file=sys.stderr)
        return 1
    finally:
        for proc, _ in SERVERS.values():
            stop(proc)
        if not args.keep:
            asyncio.run(admin_sql(args.postgres_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        shutil.rmtree(tmp, ignore_errors=True)
    table = result["p50_ms"]
    print("\n| query | " + " | ".join(f"{s:,}" for s in sizes) + " | 1M / 10k |")
    print("| --- | " + " | ".join("---" for _ in sizes) + " | --- |")
    for name, row in table.items():
        ratio = row[sizes[-1]] / row[sizes[0]]
        print(f"| {name} | " + " | ".join(f"{row[s]:.1f} ms" for s in sizes) + f" | {ratio:.2f}x |")
    t = result["throughput"]
    print(f"\nfiltered list under load (median of 2 alternate runs each): {t['with total']['rps']:,.0f} req/s")
    print(f"with its total, {t['without total']['rps']:,.0f} without: {t['ratio']:.2f}")
    (RESULTS / "scale.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"written: {RESULTS / 'scale.json'}")
    return 0


async def _exists(admin_url: str, name: str) -> bool:
    conn = await asyncpg.connect(admin_url)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


if __name__ == "__main__":
    sys.exit(main())
