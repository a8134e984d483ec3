"""Whether a failed sign-in's time tells anything: unknown email, wrong password and right password,
with the server's production Argon2 parameters, in-process on a scratch SQLite database.

    .venv/bin/python bench/signin_timing.py [--rounds 15]

Prints the median, minimum and maximum milliseconds per case. A dummy verification stands in for
users who do not exist, so the first three should be close; wrong passwords for users imported with
a PBKDF2 hash (1,000 iterations: padded to Argon2's time) and a bcrypt cost-10 hash (slower than
Argon2 at the default parameters: it cannot be hidden) show what imported hashes do to the timing.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import bcrypt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import support

from redcore_server.app import create_app
from redcore_server.config import Settings
from redcore_server.db.migrate import upgrade


def _pbkdf2(iterations: int) -> str:
    """Auth0's PHC form: standard base64 without padding."""
    salt = os.urandom(16)
    key = hashlib.pbkdf2_hmac("sha256", b"the real password", salt, iterations)
    salt_b64, key_b64 = (base64.b64encode(raw).decode().rstrip("=") for raw in (salt, key))
    return f"$pbkdf2-sha256$i={iterations},l=32${salt_b64}${key_b64}"


# Imported hashes: one far quicker to check than Argon2 (its time is padded), one slower (it cannot be).
IMPORTED = {
    "imported-pbkdf2-1000@example.com": _pbkdf2(1000),
    "imported-bcrypt-10@example.com": bcrypt.hashpw(b"the real password", bcrypt.gensalt(10)).decode(),
}


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
        for email, stored in IMPORTED.items():  # users imported with another system's hash (never signed in)
            user = await tenant.create_user(email=email, password="the real password")  # noqa: S106
            async with app.state.db.transaction() as tx:
                await tx.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user["id"], stored)
        cases = {
            "unknown email": ("nobody@example.com", "whatever pw"),
            "wrong password": ("real@example.com", "wrong password"),
            "right password": ("real@example.com", "the real password"),
            **{f"wrong, {email.split('@')[0]}": (email, "wrong password") for email in IMPORTED},
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
        print(f"{name:28} median {statistics.median(values):6.1f} ms  (min {min(values):.1f}, max {max(values):.1f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    asyncio.run(main(parser.parse_args().rounds))
