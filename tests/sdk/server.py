"""A real RedCore server process for the SDK tests, started the way an operator starts one.

SQLite (default): ``redcore-server serve --json --port P`` in an empty directory migrates,
bootstraps an organization and prints its admin key. PostgreSQL (``REDCORE_TEST_DATABASE=
postgresql``): a fresh database, then ``migrate``, ``bootstrap --json`` and ``serve``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests import support
from tests.support import free_port

CLI = [sys.executable, "-m", "redcore_server"]
T = TypeVar("T")


def _run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on its own thread, away from the test session's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass
class ServerProcess:
    """A running server: where it answers, its organization's admin key, and its CLI."""

    workdir: Path
    env: dict[str, str]
    port: int
    api_key: str = ""
    database_url: str | None = None  # PostgreSQL only
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def cli(self, *args: str) -> Any:
        """``redcore-server ARGS --json`` against this server's database; its JSON output."""
        out = subprocess.run(
            [*CLI, *args, "--json"], cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr + out.stdout
        return json.loads(out.stdout)

    def start(self) -> None:
        if support.BACKEND == "postgresql":
            self.database_url = _run_async(support.create_postgres_database())
            self.env["REDCORE_DATABASE_URL"] = self.database_url
            self.cli("migrate")
            self.api_key = self.cli("bootstrap", "--org-name", "Default")["api_key"]
        stdout = (self.workdir / "serve.out").open("wb")
        stderr = (self.workdir / "serve.err").open("wb")
        self.proc = subprocess.Popen(
            [*CLI, "serve", "--json", "--port", str(self.port)],
            cwd=self.workdir,
            env=self.env,
            stdout=stdout,
            stderr=stderr,
        )
        stdout.close()
        stderr.close()
        self._wait_healthy()
        banner = json.loads((self.workdir / "serve.out").read_text().splitlines()[0])
        if not self.api_key:  # a fresh SQLite directory: serve bootstrapped it and printed the key
            self.api_key = banner["api_key"]

    def _wait_healthy(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("the server exited:\n" + (self.workdir / "serve.err").read_text())
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("the server did not become healthy:\n" + (self.workdir / "serve.err").read_text())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.database_url is not None:
            _run_async(support.drop_postgres_database(self.database_url))


def start_server(workdir: Path) -> ServerProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {
        "REDCORE_LOG_LEVEL": "warning",
        # OWASP's minimum Argon2id parameters, as the in-process tests use: real hashing, cheap enough.
        **{f"REDCORE_{name.upper()}": str(value) for name, value in support.TEST_ARGON2.items()},
        # The SDK tests send many requests with one key; the limiter has tests of its own.
        **{f"REDCORE_{name.upper()}": str(value) for name, value in support.TEST_LIMITS.items()},
        # Webhooks go to receivers the tests run on 127.0.0.1, and are retried and polled quickly.
        **{f"REDCORE_{name.upper()}": str(value) for name, value in support.TEST_WEBHOOKS.items()},
    }
    server = ServerProcess(workdir=workdir, env=env, port=free_port())
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server
