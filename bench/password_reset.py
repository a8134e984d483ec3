"""Whether a password-reset request's time tells if the address has an account: N requests for a
known address and N for unknown ones, interleaved, against the app in-process (with its embedded
workers, which resolve the queued requests and "send" the known user's links to the local mailbox
meanwhile), on a scratch SQLite database or the PostgreSQL one given.

    .venv/bin/python bench/password_reset.py [--requests 300] [--database-url postgresql://…/db]

The database given must be empty or already migrated (the script migrates it and adds an
organization). Prints p50, p95 and mean milliseconds of each kind and their differences; the request
only counts limits and queues one row either way, so they should differ by noise. The limits are
raised so that none answers 429.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
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


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main(requests: int, database_url: str | None) -> None:
    url = database_url or f"sqlite:///{tempfile.mkdtemp(prefix='redcore-bench-')}/password-reset.db"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(
        database_url=url,
        password_reset_address_limit=0,
        password_reset_client_limit=0,
        password_reset_account_limit=0,  # every known request makes a link and an email: the most work
        rate_limit=0,
    )
    async with support.running(create_app(settings)) as app:
        tenant = await support.make_tenant(app)
        known = "real.person@example.com"
        await tenant.create_user(email=known, password="the real password")  # noqa: S106 - a bench account
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        async with support.http_client(app) as client:
            for i in range(requests + 20):  # the first 20 rounds warm up and are not counted
                for kind, email in (("known", known), ("unknown", f"nobody{i}@example.com")):
                    body = {"organization": tenant.org.id, "email": email}
                    started = time.perf_counter()
                    response = await client.post("/v1/auth/password_reset", json=body)
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 202, response.text
                    if i >= 20:
                        timings[kind].append(elapsed)
        sent = await app.state.db.fetchval("SELECT count(*) FROM account_tokens WHERE kind = 'password_reset'")
        await tenant.close()
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"{requests} requests of each kind on {backend}; {sent} links issued to the known address meanwhile")
    figures = {kind: (percentile(v, 50), percentile(v, 95), statistics.fmean(v)) for kind, v in timings.items()}
    print(f"{'':10} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for kind, (p50, p95, mean) in figures.items():
        print(f"{kind:10} {p50:8.2f} {p95:8.2f} {mean:8.2f}")
    diff = [k - u for k, u in zip(figures["known"], figures["unknown"], strict=True)]
    print(f"{'difference':10} {diff[0]:+8.2f} {diff[1]:+8.2f} {diff[2]:+8.2f}   (known − unknown)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind (after 20 rounds of warm-up)")
    parser.add_argument(
        "--database-url", default=None, help="postgresql://… (empty or migrated); default scratch SQLite"
    )
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(main(args.requests, args.database_url))
