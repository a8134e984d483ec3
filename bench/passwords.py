"""Password hashing throughput: creates (a hash) and sign-ins (a verification) per second, for
the Argon2id configurations of OWASP's Password Storage Cheat Sheet (RedCore's default, from
config.py, marked *), RedCore's former default with 4, 2 and 1 lanes, bcrypt and PBKDF2-HMAC-SHA256.

    .venv/bin/python bench/passwords.py [--seconds 3] [--threads N] [--rounds 2] [--only owasp-19m-t2 64m-t3-p4 ...]

Each operation is the call RedCore makes (argon2-cffi, the ``bcrypt`` package, hashlib), measured
twice: one at a time (the latency a user waits; CPU time per operation, from which "per core" is
1 / CPU seconds, whatever threads Argon2's lanes use) and from ``--threads`` threads at once (default:
the machine's cores, like ``REDCORE_PASSWORD_HASH_THREADS``; the whole machine's rate when every
sign-in is hashing). Each scheme is measured ``--rounds`` times (default 2), interleaved; the table shows
each one's quietest round, with ``other``: the cores the rest of the machine kept busy meanwhile (from
/proc/stat). Writes bench/results/passwords.json with every round. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import bcrypt
from argon2 import PasswordHasher, Type

from redcore_server.config import Settings

RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "correct horse battery staple"
MiB = 1024


@dataclass(frozen=True)
class Scheme:
    name: str
    label: str
    hash: Callable[[str], str | bytes]
    verify: Callable[[str | bytes, str], object]


def argon2id(name: str, label: str, *, m: int, t: int, p: int) -> Scheme:
    hasher = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p, type=Type.ID)
    defaults = {f: Settings.model_fields[f"argon2_{f}"].default for f in ("memory_cost", "time_cost", "parallelism")}
    if (m, t, p) == (defaults["memory_cost"], defaults["time_cost"], defaults["parallelism"]):
        label += " *"
    return Scheme(name, label, hasher.hash, hasher.verify)


def bcrypt_scheme(cost: int) -> Scheme:
    def make(password: str) -> bytes:
        return bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost))

    def check(stored: str | bytes, password: str) -> bool:
        assert isinstance(stored, bytes)
        return bcrypt.checkpw(password.encode(), stored)

    return Scheme(f"bcrypt-{cost}", f"bcrypt cost {cost}", make, check)


def pbkdf2_scheme(iterations: int) -> Scheme:
    salt = os.urandom(16)

    def make(password: str) -> bytes:
        return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)

    def check(stored: str | bytes, password: str) -> bool:
        return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations) == stored

    return Scheme(f"pbkdf2-{iterations}", f"PBKDF2-HMAC-SHA256 {iterations:,}", make, check)


SCHEMES = [
    argon2id("owasp-19m-t2", "Argon2id m=19 MiB t=2 p=1 (OWASP)", m=19456, t=2, p=1),
    argon2id("owasp-46m-t1", "Argon2id m=46 MiB t=1 p=1 (OWASP)", m=47104, t=1, p=1),
    argon2id("owasp-12m-t3", "Argon2id m=12 MiB t=3 p=1 (OWASP)", m=12288, t=3, p=1),
    argon2id("owasp-9m-t4", "Argon2id m=9 MiB t=4 p=1 (OWASP)", m=9216, t=4, p=1),
    argon2id("owasp-7m-t5", "Argon2id m=7 MiB t=5 p=1 (OWASP)", m=7168, t=5, p=1),
    argon2id("64m-t3-p4", "Argon2id m=64 MiB t=3 p=4 (former default)", m=64 * MiB, t=3, p=4),
    argon2id("64m-t3-p2", "Argon2id m=64 MiB t=3 p=2", m=64 * MiB, t=3, p=2),
    argon2id("64m-t3-p1", "Argon2id m=64 MiB t=3 p=1", m=64 * MiB, t=3, p=1),
    bcrypt_scheme(10),
    bcrypt_scheme(12),
    pbkdf2_scheme(600_000),
]


def one_at_a_time(operation: Callable[[], object], seconds: float) -> dict[str, float]:
    """Latency and CPU per operation, one after another."""
    walls: list[float] = []
    cpu_start, deadline = time.process_time(), time.perf_counter() + seconds
    while len(walls) < 3 or time.perf_counter() < deadline:
        started = time.perf_counter()
        operation()
        walls.append(time.perf_counter() - started)
    cpu = (time.process_time() - cpu_start) / len(walls)
    return {
        "count": len(walls),
        "p50_ms": statistics.median(walls) * 1000,
        "cpu_ms": cpu * 1000,
        "per_core_per_s": 1 / cpu,
        "cores_used": cpu / statistics.mean(walls),
    }


def all_at_once(operation: Callable[[], object], seconds: float, threads: int) -> dict[str, float]:
    """Operations per second of the whole machine with ``threads`` threads at it, and their latency."""
    walls: list[list[float]] = [[] for _ in range(threads)]
    start = threading.Barrier(threads + 1)
    stop = threading.Event()

    def worker(mine: list[float]) -> None:
        start.wait()
        while not stop.is_set():
            began = time.perf_counter()
            operation()
            mine.append(time.perf_counter() - began)

    pool = [threading.Thread(target=worker, args=(w,)) for w in walls]
    for thread in pool:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    every = [w for mine in walls for w in mine]
    return {"count": len(every), "per_s": len(every) / elapsed, "p50_ms": statistics.median(every) * 1000}


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat), or 0 elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def measure(scheme: Scheme, seconds: float, threads: int) -> dict[str, Any]:
    stored = scheme.hash(PASSWORD)
    if scheme.verify(stored, PASSWORD) is False:
        raise SystemExit(f"{scheme.name}: the password does not verify")
    create, sign_in = (lambda: scheme.hash(PASSWORD)), (lambda: scheme.verify(stored, PASSWORD))
    busy, ours, began = busy_seconds(), time.process_time(), time.perf_counter()
    figures = {
        "create": one_at_a_time(create, seconds),
        "sign_in": one_at_a_time(sign_in, seconds),
        "create_all_threads": all_at_once(create, seconds, threads),
        "sign_in_all_threads": all_at_once(sign_in, seconds, threads),
    }
    others = (busy_seconds() - busy) - (time.process_time() - ours)
    return {
        "name": scheme.name,
        "label": scheme.label,
        "other_cores": max(0.0, others) / (time.perf_counter() - began),
        **figures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads for the machine's rate")
    parser.add_argument("--rounds", type=int, default=2, help="the quietest round of each scheme is shown")
    parser.add_argument("--only", nargs="*", choices=[s.name for s in SCHEMES], help="these schemes only")
    args = parser.parse_args()
    schemes = [s for s in SCHEMES if not args.only or s.name in args.only]
    load_before = os.getloadavg()
    cores = os.cpu_count() or 1
    print(f"{cores} cores, {args.threads} threads for the machine's rate, load average {load_before[0]:.2f}")
    header = (
        f"{'scheme':46} {'create ms':>9} {'sign-in ms':>10} {'cores':>5} {'creates/s/core':>14} "
        f"{'sign-ins/s/core':>15} {f'sign-ins/s ({args.threads} thr)':>20} {'p50 ms':>7} {'other':>6}"
    )
    print(header)
    rounds: list[list[dict[str, Any]]] = [[] for _ in schemes]
    for round_number in range(args.rounds):
        for i, scheme in enumerate(schemes):
            rounds[i].append(measure(scheme, args.seconds, args.threads) | {"round": round_number})
    results = []
    for runs in rounds:
        r = min(runs, key=lambda run: run["other_cores"])  # the quietest round
        results.append(r)
        c, s, machine = r["create"], r["sign_in"], r["sign_in_all_threads"]
        print(
            f"{r['label']:46} {c['p50_ms']:>9.1f} {s['p50_ms']:>10.1f} {s['cores_used']:>5.2f} "
            f"{c['per_core_per_s']:>14.1f} {s['per_core_per_s']:>15.1f} {machine['per_s']:>20.1f} "
            f"{machine['p50_ms']:>7.1f} {r['other_cores']:>6.2f}",
            flush=True,
        )
    load_after = os.getloadavg()
    print("* RedCore's default (config.py)")
    print(f"load average after: {load_after[0]:.2f} (other work on the machine skews the figures)")
    RESULTS.mkdir(exist_ok=True)
    machine_info = {
        "cores": cores,
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "argon2-cffi": version("argon2-cffi"),
        "bcrypt": version("bcrypt"),
        "load_average_before": load_before,
        "load_average_after": load_after,
    }
    (RESULTS / "passwords.json").write_text(
        json.dumps({"config": vars(args), "machine": machine_info, "results": results, "rounds": rounds}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
