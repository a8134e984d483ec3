"""``redcore-server serve`` as a real process, for tests that need the real HTTP server (uvicorn with
RedCore's protocol) rather than the app in-process: raw sockets, TLS, worker processes."""

from __future__ import annotations

import datetime
import ipaddress
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests import support
from tests.support import free_port

CLI = [sys.executable, "-m", "redcore_server"]


@dataclass
class Server:
    port: int
    scheme: str
    ssl_context: ssl.SSLContext | None
    log: Path

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=self.ssl_context or True, timeout=10, **kwargs)  # type: ignore[arg-type]

    def connect(self, timeout: float = 10) -> socket.socket:
        """A raw TCP connection to the server (not wrapped in TLS)."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        sock.settimeout(timeout)
        return sock


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, made now: (certfile, keyfile)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certfile, keyfile


@contextmanager
def serving(
    database_url: str, directory: Path, *args: str, env: dict[str, str] | None = None, cafile: Path | None = None
) -> Iterator[Server]:
    """Run ``redcore-server serve ARGS`` on a free port until the block ends; its log goes to a file."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    environment |= {"REDCORE_DATABASE_URL": database_url, "REDCORE_PORT": str(port), "REDCORE_EMBEDDED_WORKER": "false"}
    environment |= {f"REDCORE_{k.upper()}": str(v) for k, v in support.TEST_ARGON2.items()}
    environment |= env or {}
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    server = Server(port, "https" if cafile else "http", context, directory / f"serve-{port}.log")
    with server.log.open("wb") as log:
        proc = subprocess.Popen([*CLI, "serve", *args], cwd=directory, env=environment, stdout=log, stderr=log)
    try:
        _wait_healthy(server, proc)
        yield server
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_healthy(server: Server, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    with server.client() as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited with {proc.returncode}: {server.log.read_text()}")
            try:
                if client.get("/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise AssertionError(f"serve did not become healthy: {server.log.read_text()}")


class Response(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool  # the server closed the connection after it (looked at only when it said `connection: close`)


def read_response(sock: socket.socket) -> Response:
    """Read the next HTTP/1.1 response (with a Content-Length) from ``sock``."""
    buffer = _buffers.setdefault(sock, bytearray())

    def fill() -> bool:
        chunk = sock.recv(65536)
        buffer.extend(chunk)
        return bool(chunk)

    while b"\r\n\r\n" not in buffer:
        if not fill():
            raise ConnectionError(f"connection closed before a response: {bytes(buffer)!r}")
    end = buffer.index(b"\r\n\r\n")
    status_line, *lines = buffer[:end].decode("latin-1").split("\r\n")
    del buffer[: end + 4]
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(buffer) < length and fill():
        pass
    body = bytes(buffer[:length])
    del buffer[:length]
    closed = False
    if headers.get("connection", "").lower() == "close":
        try:
            closed = not buffer and not fill()
        except ConnectionResetError:
            closed = True
    return Response(int(status_line.split(" ")[1]), headers, body, closed)


# What was read past each socket's last response (pipelined responses arrive together).
_buffers: weakref.WeakKeyDictionary[socket.socket, bytearray] = weakref.WeakKeyDictionary()
