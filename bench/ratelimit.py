"""What rate limiting costs ``GET /v1/users/{id}``: the limiter off, on the embedded backend and on
Redis, side by side in one run, on one scratch PostgreSQL database.

    .venv/bin/python bench/ratelimit.py [--users 20000] [--workers 1] [--duration 10] [--rounds 2]

Every request is counted (the key's limit is set far above what the run can send, so nothing is
refused: this measures the counting). The embedded backend counts per process, so the server
refuses more than one worker with it; all three targets therefore run with the same ``--workers``
(default 1). Redis is the one at 127.0.0.1:6379 (``--redis-url``). Prints req/s, p50 and p99 per
target and each one's ratio to the limiter-off run; writes bench/results/ratelimit.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import asyncpg

from users_get import (
    BIN,
    LUA,
    RESULTS,
    admin_sql,
    check_once,
    ensure_wrk,
    free_port,
    load_users,
    redcore_cli,
    run_wrk,
    start_server,
    stop_server,
)

TARGETS = {
    "off": {"REDCORE_RATE_LIMIT": "0"},
    "embedded": {"REDCORE_RATE_LIMIT": "1000000000"},
    "redis": {"REDCORE_RATE_LIMIT": "1000000000"},  # + REDCORE_REDIS_URL
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    ensure_wrk()
    RESULTS.mkdir(parents=True, exist_ok=True)
    db_name, tmp = f"redcore_bench_{os.urandom(4).hex()}", Path(tempfile.mkdtemp(prefix="redcore-bench-"))
    url = args.postgres_url.rsplit("/", 1)[0] + "/" + db_name
    servers: dict[str, tuple[Any, int]] = {}
    runs: list[dict[str, Any]] = []
    try:
        asyncio.run(admin_sql(args.postgres_url, f'CREATE DATABASE "{db_name}"'))
        redcore_cli(url, "migrate")
        boot = json.loads(redcore_cli(url, "bootstrap", "--json"))
        key = boot["api_key"]
        ids = asyncio.run(load_users(url, boot["organization"]["id"], args.users))
        (tmp / "ids.txt").write_text("\n".join(random.Random(1).sample(ids, min(10_000, len(ids)))) + "\n")
        (tmp / "users.lua").write_text(LUA)
        base = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
        base |= {"REDCORE_DATABASE_URL": url, "REDCORE_LOG_LEVEL": "warning"}
        for target, extra in TARGETS.items():
            env = base | extra | ({"REDCORE_REDIS_URL": args.redis_url} if target == "redis" else {})
            port = free_port()
            cmd = [str(BIN / "redcore-server"), "serve", "--port", str(port), "--workers", str(args.workers)]
            servers[target] = (start_server(f"ratelimit-{target}", cmd, env, port), port)
            check_once(port, key, ids[0])
        for round_ in range(args.rounds + 1):
            for target, (proc, port) in servers.items():
                seconds = args.warmup if round_ == 0 else args.duration
                fig = run_wrk(port, tmp / "users.lua", tmp / "ids.txt", key, seconds, args.connections, proc.pid)
                if fig["non_2xx"] or fig["socket_errors"]:
                    raise RuntimeError(f"{target}: {fig['non_2xx']} non-2xx, {fig['socket_errors']} socket errors")
                runs.append({"target": target, "round": round_, **fig})
                if round_:
                    print(
                        f"round {round_} {target:9} {fig['rps']:>8,.0f} req/s  p99 {fig['p99_ms']:.2f} ms", flush=True
                    )
    except (RuntimeError, OSError, asyncpg.PostgresError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        for proc, _ in servers.values():
            stop_server(proc)
        asyncio.run(admin_sql(args.postgres_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        shutil.rmtree(tmp, ignore_errors=True)

    median = {
        t: {
            k: statistics.median(r[k] for r in runs if r["target"] == t and r["round"])
            for k in ("rps", "p50_ms", "p99_ms")
        }
        for t in TARGETS
    }
    print(
        f"\nGET /v1/users/{{id}}, every request counted: {args.users:,} users, {args.workers} worker(s), "
        f"wrk -t2 -c{args.connections}, median of {args.rounds} x {args.duration} s"
    )
    print(f"{'limiter':10} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'vs off':>7}")
    for target, fig in median.items():
        ratio = fig["rps"] / median["off"]["rps"]
        print(f"{target:10} {fig['rps']:>9,.0f} {fig['p50_ms']:>7.2f} {fig['p99_ms']:>7.2f} {ratio:>6.2f}x")
    (RESULTS / "ratelimit.json").write_text(
        json.dumps({"config": vars(args), "median": median, "runs": runs}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
