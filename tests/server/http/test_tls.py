"""``redcore-server serve --ssl-certfile --ssl-keyfile`` serves HTTPS itself, with a certificate made
for the test: every response carries Strict-Transport-Security, plain HTTP gets nowhere, and behind a
trusted proxy (here 127.0.0.1) the forwarded address and scheme are believed. Run with two worker
processes, which receive the same protocol and settings as one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from redcore_server.cli import app as cli_app
from tests.server.http.serving import Server, make_certificate, read_response, serving
from tests.support import Tenant

PASSWORD = "correct horse battery"
HSTS = "max-age=600"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def server(
    database_url: str, certificate: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    certfile, keyfile = certificate
    env = {
        "REDCORE_REQUIRE_HTTPS": "true",
        "REDCORE_HSTS_MAX_AGE": "600",
        "REDCORE_TRUSTED_PROXIES": "127.0.0.1",
        "REDCORE_RATE_LIMIT": "0",  # two workers without Redis
    }
    args = ["--workers", "2", "--ssl-certfile", str(certfile), "--ssl-keyfile", str(keyfile)]
    with serving(database_url, tmp_path_factory.mktemp("serve"), *args, env=env, cafile=certfile) as running:
        yield running


async def test_serve_answers_over_tls_with_hsts(server: Server, tenant: Tenant) -> None:
    async with httpx.AsyncClient(base_url=server.url, verify=server.ssl_context, timeout=10) as client:
        responses = [
            await client.get("/health"),
            await client.get("/v1/users", headers={"Authorization": f"Bearer {tenant.key}"}),
            await client.get("/v1/users/usr_0000000000", headers={"Authorization": f"Bearer {tenant.key}"}),
        ]
    assert [r.status_code for r in responses] == [200, 200, 404]
    for response in responses:
        assert response.headers["strict-transport-security"] == HSTS


def test_plain_http_gets_nowhere_on_the_tls_port(server: Server) -> None:
    with pytest.raises(httpx.HTTPError), httpx.Client(timeout=5) as client:
        client.get(f"http://127.0.0.1:{server.port}/health")


async def test_a_trusted_proxy_names_the_client_and_the_scheme(server: Server, tenant: Tenant) -> None:
    user = await tenant.create_user(password=PASSWORD)
    credentials = {"organization": tenant.org.id, "email": user["email"], "password": PASSWORD}
    async with httpx.AsyncClient(base_url=server.url, verify=server.ssl_context, timeout=10) as client:
        signed_in = await client.post(
            "/v1/auth/token", json=credentials, headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.77"}
        )
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["session"]["ip"] == "203.0.113.77"
        # The proxy says its client came over plain HTTP: refused, though this hop is TLS.
        plain = await client.get(
            "/v1/users", headers={"Authorization": f"Bearer {tenant.key}", "X-Forwarded-Proto": "http"}
        )
        assert plain.status_code == 403
        assert plain.json()["error"]["code"] == "https_required"


def test_transport_limits_hold_over_tls_in_every_worker(server: Server) -> None:
    assert server.ssl_context is not None
    for _ in range(4):  # new connections, spread over both workers
        with server.connect() as raw, server.ssl_context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            headers = "".join(f"X-Many-{i}: 1\r\n" for i in range(100))
            tls.sendall(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
            status, response_headers, body, _ = read_response(tls)
            assert status == 431
            assert json.loads(body)["error"]["code"] == "too_many_headers"
            assert response_headers["strict-transport-security"] == HSTS
        with server.connect() as raw, server.ssl_context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(b"FOO /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            status, _, body, _ = read_response(tls)
            assert status == 400
            assert json.loads(body)["error"]["code"] == "invalid_request"


def test_serve_refuses_an_unusable_certificate(certificate: tuple[Path, Path], tmp_path: Path) -> None:
    certfile, keyfile = certificate
    runner = CliRunner()

    def serve(cert: Path, key: Path | None) -> tuple[int, str]:
        env = {"REDCORE_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}", "REDCORE_SSL_CERTFILE": str(cert)}
        env["REDCORE_SSL_KEYFILE"] = str(key) if key else None  # type: ignore[assignment]  # None: unset
        result = runner.invoke(cli_app, ["serve"], env=env)
        return result.exit_code, result.stderr

    for cert, key in [(tmp_path / "none.pem", keyfile), (keyfile, certfile)]:
        code, stderr = serve(cert, key)
        assert code != 0
        assert "cannot use the TLS certificate" in stderr
    code, stderr = serve(certfile, None)
    assert code != 0
    assert "go together" in stderr
    assert not (tmp_path / "unused.db").exists()  # refused before anything was created
