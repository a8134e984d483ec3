"""A private ``redis-server`` on a free port, that a test may stop and start again."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from tests.support import free_port


class OwnRedis:
    """``start()`` (again after ``stop()``: same port, empty data), ``stop()``; ``url`` points at it."""

    def __init__(self, binary: str, directory: Path) -> None:
        self._binary, self._dir = binary, directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self._proc is None, "already running"
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self._proc = subprocess.Popen(
            [self._binary, *args, "--dir", str(self._dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None
