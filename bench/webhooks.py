"""Webhook delivery on PostgreSQL: what the outbox costs a write, how soon a change reaches its
receiver, and how fast separate workers drain a backlog.

    .venv/bin/python bench/webhooks.py [--events 2000] [--duration 10] [--rounds 2]

One scratch database, two organizations (one with an endpoint subscribed to every event, one with
none), and a bare ASGI receiver (bench/receiver_app.py under uvicorn) on loopback.

1. write cost: wrk drives ``POST /v1/products`` for each organization in alternate rounds, with the
   server's embedded worker off, so the difference is the outbox write alone (one endpoint lookup and
   one delivery row in the change's transaction).
2. latency: with the embedded worker on, ``--events`` products are created 16 at a time; for each,
   the time from the API's 201 (the commit is done) to the receiver's arrival. Prints p50/p99.
3. drain: with the embedded worker off, ``--events`` products are queued, then 1 and then 2
   ``redcore-server worker`` processes (default concurrency) are started and timed until every
   delivery has arrived. Prints deliveries per second.

Everything shares this machine's cores; writes bench/results/webhooks.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from users_get import BIN, RESULTS, admin_sql, ensure_wrk, free_port, redcore_cli, run_wrk, start_server, stop_server

LUA = """
local counter = 0
function setup(thread) counter = counter + 1; thread:set("tid", counter) end
function init(args)  -- args: a file holding the API key, and a prefix for this run's SKUs
  wrk.headers["Authorization"] = "Bearer " .. io.lines(args[1])()
  wrk.headers["Content-Type"] = "application/json"
  prefix = args[2] .. "-" .. tid .. "-" .. os.time() .. "-"
  n = 0
end
function request()
  n = n + 1
  return wrk.format("POST", "/v1/products", nil, '{"name":"Bench","price":100,"sku":"' .. prefix .. n .. '"}')
end
"""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def received(log: Path) -> dict[str, float]:
    """sku -> arrival time, from the receiver's log."""
    found: dict[str, float] = {}
    if log.exists():
        for line in log.read_text().splitlines():
            at, _, sku = line.split(" ", 2)
            found.setdefault(sku, float(at))
    return found


async def create_products(port: int, key: str, prefix: str, count: int) -> dict[str, float]:
    """Create ``count`` products, 16 at a time; sku -> the time its 201 arrived."""
    done: dict[str, float] = {}
    queue = list(range(count))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"}) as c:

        async def one_by_one() -> None:
            while queue:
                sku = f"{prefix}-{queue.pop()}"
                response = await c.post("/v1/products", json={"name": "Bench", "price": 1, "sku": sku})
                response.raise_for_status()
                done[sku] = time.time()

        await asyncio.gather(*(one_by_one() for _ in range(16)))
    return done


def wait_for(log: Path, skus: set[str], limit: float = 300) -> dict[str, float]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        got = received(log)
        if skus <= got.keys():
            return got
        time.sleep(0.05)
    raise RuntimeError(f"only {len(skus & received(log).keys())} of {len(skus)} deliveries arrived")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    ensure_wrk()
    RESULTS.mkdir(parents=True, exist_ok=True)
    db_name, tmp = f"redcore_bench_{os.urandom(4).hex()}", Path(tempfile.mkdtemp(prefix="redcore-bench-"))
    url = args.postgres_url.rsplit("/", 1)[0] + "/" + db_name
    log, lua = tmp / "received.log", tmp / "post.lua"
    lua.write_text(LUA)
    procs: list[Any] = []
    results: dict[str, Any] = {"config": vars(args)}
    base = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    base |= {"REDCORE_DATABASE_URL": url, "REDCORE_LOG_LEVEL": "warning", "REDCORE_RATE_LIMIT": "0"}
    base |= {"REDCORE_WEBHOOK_ALLOW_PRIVATE": "true"}
    try:
        asyncio.run(admin_sql(args.postgres_url, f'CREATE DATABASE "{db_name}"'))
        redcore_cli(url, "migrate")
        key = json.loads(redcore_cli(url, "bootstrap", "--json"))["api_key"]
        redcore_cli(url, "orgs", "create", "Quiet")
        quiet_key = json.loads(redcore_cli(url, "keys", "create", "--org", "Quiet", "--json"))["api_key"]
        rport = free_port()
        receiver = [str(BIN / "uvicorn"), "receiver_app:app", "--port", str(rport), "--lifespan", "off"]
        receiver += ["--log-level", "warning", "--loop", "uvloop", "--http", "httptools"]
        procs.append(
            subprocess.Popen(
                receiver, cwd=Path(__file__).parent, env=base | {"RECEIVER_LOG": str(log)}, start_new_session=True
            )
        )
        time.sleep(1.5)

        def serve(name: str, embedded: bool) -> tuple[Any, int]:
            port = free_port()
            env = base | {"REDCORE_EMBEDDED_WORKER": str(embedded).lower()}
            proc = start_server(name, [str(BIN / "redcore-server"), "serve", "--port", str(port)], env, port)
            procs.append(proc)
            return proc, port

        quiet_server, qport = serve("webhooks-outbox-off", embedded=False)
        with httpx.Client(base_url=f"http://127.0.0.1:{qport}", headers={"Authorization": f"Bearer {key}"}) as c:
            c.post("/v1/webhook_endpoints", json={"url": f"http://127.0.0.1:{rport}/hook"}).raise_for_status()

        # 1. write cost
        writes: dict[str, list[float]] = {"no endpoint": [], "one endpoint": []}
        for round_ in range(args.rounds + 1):
            for label, k in (("no endpoint", quiet_key), ("one endpoint", key)):
                seconds = 3 if round_ == 0 else args.duration
                key_file = tmp / "key.txt"
                key_file.write_text(k + "\n")
                prefix = f"r{round_}{label[0]}"
                fig = run_wrk(qport, lua, key_file, prefix, seconds, args.connections, quiet_server.pid)
                if fig["non_2xx"] or fig["socket_errors"]:
                    raise RuntimeError(f"writes ({label}): {fig['non_2xx']} non-2xx, {fig['socket_errors']} errors")
                if round_:
                    writes[label].append(fig["rps"])
                    print(f"round {round_} POST /v1/products, {label:12} {fig['rps']:>7,.0f} req/s", flush=True)
        stop_server(quiet_server)
        asyncio.run(admin_sql(url, "UPDATE webhook_deliveries SET status = 'failed' WHERE status = 'pending'"))
        results["writes_rps"] = {label: statistics.median(v) for label, v in writes.items()}

        # 2. latency, embedded worker
        _, port = serve("webhooks-embedded", embedded=True)
        created = asyncio.run(create_products(port, key, "lat", args.events))
        arrived = wait_for(log, set(created))
        latencies = [(arrived[s] - created[s]) * 1000 for s in created]
        span = max(arrived[s] for s in created) - min(created.values())
        results["latency_ms"] = {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)}
        results["embedded_rate"] = len(created) / span
        print(
            f"commit -> receiver, embedded worker: p50 {results['latency_ms']['p50']:.1f} ms, "
            f"p99 {results['latency_ms']['p99']:.1f} ms ({results['embedded_rate']:,.0f} events/s end to end)",
            flush=True,
        )
        stop_server(procs.pop())

        # 3. drain with separate workers
        results["drain_per_s"] = {}
        _, port = serve("webhooks-queue", embedded=False)
        for count in (1, 2):
            queued = asyncio.run(create_products(port, key, f"drain{count}", args.events))
            workers = [
                subprocess.Popen(
                    [str(BIN / "redcore-server"), "worker", "--json"],
                    env=base,
                    stdout=subprocess.PIPE,
                    text=True,
                    start_new_session=True,
                )
                for _ in range(count)
            ]
            procs.extend(workers)
            for w in workers:
                assert w.stdout is not None
                w.stdout.readline()
            started = time.time()
            arrived = wait_for(log, set(queued))
            rate = len(queued) / (max(arrived[s] for s in queued) - started)
            results["drain_per_s"][count] = rate
            print(
                f"drain {len(queued):,} queued deliveries with {count} worker(s): {rate:,.0f} deliveries/s", flush=True
            )
            for w in workers:
                stop_server(w)
    except (RuntimeError, OSError, subprocess.CalledProcessError, httpx.HTTPError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        for proc in procs:
            stop_server(proc)
        asyncio.run(admin_sql(args.postgres_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        shutil.rmtree(tmp, ignore_errors=True)

    w = results["writes_rps"]
    print(f"\nPOST /v1/products (median of {args.rounds} x {args.duration} s, wrk -c{args.connections}, 1 worker):")
    print(
        f"  no endpoint {w['no endpoint']:,.0f} req/s; one endpoint {w['one endpoint']:,.0f} req/s "
        f"({w['one endpoint'] / w['no endpoint']:.2f}x)"
    )
    (RESULTS / "webhooks.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
