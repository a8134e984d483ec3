"""Whether a failed sign-in's time tells anything: unknown email, wrong password and right password,
with the server's production Argon2 parameters, in-process on a scratch SQLite database.

    .venv/bin/python bench/signin_timing.py [--rounds 15]

Prints the median, minimum and maximum milliseconds per case. A dummy verification stands in for
users who do not exist, so the three should be close.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import support

from redcore_server.app import create_app
from redcore_server.config import Settings
from redcore_server.db.migrate import upgrade


async def main(rounds: int) -> None:
    url = f"sqlite:///{tempfile.mkdtemp(prefix='redcore-bench-')}/signin.db"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(
        database_url=url,
        embedded_worker=False,
        signin_failure_limit=0,
        signin_address_limit=0,
        signin_backoff_threshold=0,
    )
    async with support.running(create_app(settings)) as app:
        tenant = await support.make_tenant(app)
        await tenant.create_user(email="real@example.com", password="the real password")  # noqa: S106 - a bench account
        cases = {
            "unknown email": ("nobody@example.com", "whatever pw"),
            "wrong password": ("real@example.com", "wrong password"),
            "right password": ("real@example.com", "the real password"),
        }
        timings: dict[str, list[float]] = {name: [] for name in cases}
        async with support.http_client(app) as client:
            for _ in range(rounds):
                for name, (email, password) in cases.items():
                    body = {"organization": tenant.org.id, "email": email, "password": password}
                    started = time.perf_counter()
                    await client.post("/v1/auth/token", json=body)
                    timings[name].append((time.perf_counter() - started) * 1000)
        await tenant.close()
    for name, values in timings.items():
        print(f"{name:15} median {statistics.median(values):6.1f} ms  (min {min(values):.1f}, max {max(values):.1f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    asyncio.run(main(parser.parse_args().rounds))
