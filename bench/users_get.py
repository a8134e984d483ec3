"""``GET /v1/users/{id}`` on PostgreSQL: RedCore beside a raw ASGI + asyncpg baseline, driven by wrk.

    .venv/bin/python bench/users_get.py [--users 100000] [--workers 2] [--duration 15] [--rounds 2]

Creates a scratch database, migrates and bootstraps it with ``redcore-server``, loads the users with
COPY, starts ``redcore-server serve`` and bench/raw_app.py (uvicorn, same workers, uvloop, httptools)
and drives them in alternate rounds with wrk. Prints the median req/s, p50 and p99 per target and
RedCore's req/s ratio to the raw app; writes bench/results/users_get.json (server logs beside it).
Exits 1 if any request got a non-2xx answer or a socket error. wrk, PostgreSQL and both servers share
this machine's cores: compare the ratio, not absolute figures, across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from redcore_server.ids import new_id
from redcore_server.users.emails import email_key

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
COLUMNS = ["id", "org_id", "email", "email_key", "name", "role", "status", "avatar", "password_hash", "last_login"]
COLUMNS += ["created_at", "updated_at"]
SERVERS: dict[str, tuple[subprocess.Popen[bytes], int]] = {}  # name -> (process, port), stopped on exit

# --- setup: database, users, servers ------------------------------------------------------------------

LUA = """
local ids, counter = {}, 0
function setup(thread) counter = counter + 1; thread:set("tid", counter) end
function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  math.randomseed(os.time() + 7919 * tid)
end
function request() return wrk.format("GET", "/v1/users/" .. ids[math.random(#ids)]) end
"""


def redcore_cli(url: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")} | {"REDCORE_DATABASE_URL": url}
    return subprocess.run(
        [str(BIN / "redcore-server"), *args], env=env, check=True, capture_output=True, text=True
    ).stdout


async def admin_sql(admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def load_users(url: str, org_id: str, count: int) -> list[str]:
    rnd, start = random.Random(7), datetime(2024, 1, 1, tzinfo=UTC)
    records: list[tuple[Any, ...]] = []
    for i in range(count):
        created = start + timedelta(seconds=rnd.randrange(365 * 86400))
        login = created + timedelta(hours=rnd.randrange(1, 2000)) if rnd.random() < 0.7 else None
        avatar = f"https://avatars.example.com/{i}.png" if rnd.random() < 0.3 else None
        role = rnd.choice(("admin", "editor", "viewer"))
        status = rnd.choice(("active", "inactive", "pending_invite", "suspended"))
        email, name = f"user{i:07d}@bench.example.com", f"Bench User {i}"
        key = email_key(email)
        records.append((new_id("usr"), org_id, email, key, name, role, status, avatar, None, login, created, created))
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("users", records=records, columns=COLUMNS)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return [r[0] for r in records]


def start_server(name: str, cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    log = (RESULTS / f"{name}.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer 200 on /health; see {log.name}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    print("wrk not found; trying `apt-get install -y wrk`…", flush=True)
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
    if not shutil.which("wrk"):
        sys.exit("error: wrk is required and could not be installed; install it (apt-get install wrk) and retry")


# --- measuring ----------------------------------------------------------------------------------------


def cpu_ticks(server_pgid: int) -> dict[str, dict[int, int]]:
    """CPU ticks (user + system) per pid of the server's process group and of PostgreSQL, and the
    machine's busy ticks (``machine``), to see who used the cores during a run."""
    snap: dict[str, dict[int, int]] = {"server": {}, "postgres": {}}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        group = "server" if int(fields[2]) == server_pgid else "postgres" if comm == "postgres" else None
        if group is not None:
            snap[group][int(stat.parent.name)] = int(fields[11]) + int(fields[12])
    cpu = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    snap["machine"] = {0: sum(cpu) - cpu[3] - cpu[4]}  # all but idle and iowait
    return snap


def run_wrk(
    port: int, lua: Path, ids: Path, key: str, seconds: int, connections: int, server_pid: int
) -> dict[str, Any]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(lua)]
    cmd += [f"http://127.0.0.1:{port}", "--", str(ids), key]
    before, t0, wrk0 = cpu_ticks(server_pid), time.monotonic(), os.times()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after, wall, wrk1 = cpu_ticks(server_pid), time.monotonic() - t0, os.times()
    tick = os.sysconf("SC_CLK_TCK")
    cores = {g: sum(n - before[g].get(pid, 0) for pid, n in after[g].items()) / tick / wall for g in after}
    cores["wrk"] = (wrk1.children_user + wrk1.children_system - wrk0.children_user - wrk0.children_system) / wall
    cores["other"] = cores.pop("machine") - cores["server"] - cores["postgres"] - cores["wrk"]

    def grab(pattern: str) -> re.Match[str]:
        found = re.search(pattern, out, re.MULTILINE)
        if found is None:
            raise RuntimeError(f"no {pattern!r} in wrk output:\n{out}")
        return found

    def latency_ms(pct: int) -> float:
        value, unit = grab(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$").groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(grab(r"Requests/sec:\s+([\d.]+)")[1]),
        "p50_ms": latency_ms(50),
        "p99_ms": latency_ms(99),
        "requests": int(grab(r"(\d+) requests in")[1]),
        "non_2xx": int(grab(r"Non-2xx or 3xx responses: (\d+)")[1]) if "Non-2xx" in out else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "cpu_cores": {k: round(v, 2) for k, v in cores.items()},
    }


def check_once(port: int, key: str, user_id: str) -> None:
    response = httpx.get(f"http://127.0.0.1:{port}/v1/users/{user_id}", headers={"Authorization": f"Bearer {key}"})
    if response.status_code != 200 or response.json().get("id") != user_id:
        raise RuntimeError(f"port {port} answered {response.status_code}: {response.text[:300]}")


def run(args: argparse.Namespace, db_name: str, tmp: Path) -> list[dict[str, Any]]:
    """Set everything up, warm up, then measure the targets in alternate rounds; returns every run."""
    asyncio.run(admin_sql(args.postgres_url, f'CREATE DATABASE "{db_name}"'))
    url = args.postgres_url.rsplit("/", 1)[0] + "/" + db_name
    redcore_cli(url, "migrate")
    boot = json.loads(redcore_cli(url, "bootstrap", "--json"))
    key = boot["api_key"]
    print(f"database {db_name}: loading {args.users:,} users…", flush=True)
    t0 = time.monotonic()
    ids = asyncio.run(load_users(url, boot["organization"]["id"], args.users))
    print(f"  loaded and analyzed in {time.monotonic() - t0:.1f} s", flush=True)
    (tmp / "ids.txt").write_text("\n".join(random.Random(1).sample(ids, min(10_000, len(ids)))) + "\n")
    (tmp / "users.lua").write_text(LUA)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDCORE_", "BENCH_"))}
    port = free_port()
    serve = [str(BIN / "redcore-server"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    serve += ["--workers", str(args.workers)]
    redcore_env = env | {
        "REDCORE_DATABASE_URL": url,
        "REDCORE_FAST_READS": str(not args.framework_reads).lower(),
        "REDCORE_RATE_LIMIT": "0",  # the read path alone, unless --redis-limiter
    }
    if args.redis_limiter:  # every request counted on Redis (none refused: the limit is far above the run)
        redcore_env |= {"REDCORE_RATE_LIMIT": "1000000000", "REDCORE_REDIS_URL": args.redis_limiter}
    SERVERS["redcore"] = (start_server("redcore", serve, redcore_env, port), port)
    port = free_port()
    uvicorn = [str(BIN / "uvicorn"), "raw_app:app", "--app-dir", str(ROOT / "bench"), "--host", "127.0.0.1"]
    uvicorn += ["--port", str(port), "--workers", str(args.workers), "--loop", "uvloop", "--http", "httptools"]
    uvicorn += ["--no-access-log", "--log-level", "warning"]
    SERVERS["raw"] = (start_server("raw", uvicorn, env | {"BENCH_DSN": url}, port), port)

    def measure(target: str, seconds: int) -> dict[str, Any]:
        proc, port = SERVERS[target]
        return run_wrk(port, tmp / "users.lua", tmp / "ids.txt", key, seconds, args.connections, proc.pid)

    runs: list[dict[str, Any]] = []
    for target, (_, port) in SERVERS.items():
        check_once(port, key, ids[0])
        runs.append({"target": target, "round": 0, **measure(target, args.warmup)})
        print(f"warm-up {target:8} {runs[-1]['rps']:>9,.0f} req/s", flush=True)
    for r in range(1, args.rounds + 1):
        for target in SERVERS:
            fig = measure(target, args.duration)
            runs.append({"target": target, "round": r, **fig})
            cpu = "  ".join(f"{k} {v:.2f}" for k, v in fig["cpu_cores"].items())
            print(
                f"round {r} {target:8} {fig['rps']:>9,.0f} req/s  p50 {fig['p50_ms']:6.2f} ms  "
                f"p99 {fig['p99_ms']:6.2f} ms  non-2xx {fig['non_2xx']}  CPU cores: {cpu}",
                flush=True,
            )
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per target")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--framework-reads",
        action="store_true",
        help="serve RedCore with REDCORE_FAST_READS=false: the read goes through the Litestar route",
    )
    parser.add_argument(
        "--redis-limiter",
        metavar="REDIS_URL",
        nargs="?",
        const="redis://127.0.0.1:6379/0",
        help="serve RedCore with rate limiting on this Redis (default the local one): the production setup",
    )
    args = parser.parse_args()
    ensure_wrk()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below on `kill` too
    RESULTS.mkdir(parents=True, exist_ok=True)
    db_name, tmp = f"redcore_bench_{os.urandom(4).hex()}", Path(tempfile.mkdtemp(prefix="redcore-bench-"))
    try:
        runs = run(args, db_name, tmp)
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, asyncpg.PostgresError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or ""
        print(f"error: {exc}\n{detail}", file=sys.stderr)
        return 1
    finally:
        for proc, _ in SERVERS.values():
            stop_server(proc)
        try:
            asyncio.run(admin_sql(args.postgres_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"warning: could not drop database {db_name}: {exc}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)

    measured = [run for run in runs if run["round"] > 0]
    median = {
        target: {
            k: statistics.median(r[k] for r in measured if r["target"] == target) for k in ("rps", "p50_ms", "p99_ms")
        }
        for target in ("redcore", "raw")
    }
    ratio = median["redcore"]["rps"] / median["raw"]["rps"]
    print(
        f"\nGET /v1/users/{{id}}: {args.users:,} users, {args.workers} workers each, wrk -t2 -c{args.connections}, "
        f"median of {args.rounds} x {args.duration} s"
    )
    print(f"{'target':10} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for target, fig in median.items():
        print(f"{target:10} {fig['rps']:>10,.0f} {fig['p50_ms']:>8.2f} {fig['p99_ms']:>8.2f}")
    print(f"req/s ratio redcore/raw: {ratio:.2f}")
    config = {k: getattr(args, k) for k in ("users", "workers", "connections", "duration", "warmup", "rounds")}
    config["redis_limiter"] = bool(args.redis_limiter)
    result = {"config": config, "cpus": os.cpu_count(), "median": median, "ratio_rps": ratio, "runs": runs}
    (RESULTS / "users_get.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {RESULTS / 'users_get.json'} (server logs: {RESULTS}/redcore.log, raw.log)")
    failed = [r for r in runs if r["non_2xx"] or r["socket_errors"]]
    for r in failed:
        print(
            f"FAILED: {r['target']} round {r['round']}: {r['non_2xx']} non-2xx, {r['socket_errors']} socket errors",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
