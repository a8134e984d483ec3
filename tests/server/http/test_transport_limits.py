"""What the HTTP server refuses before the application sees a request: oversized or overcounted
headers, slow and idle clients, and requests the parser cannot read; and that normal requests pass.

Against a real ``redcore-server serve`` process over raw sockets, the way such clients behave."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.server.http.serving import Response, Server, read_response, serving
from tests.support import Tenant

PASSWORD = "correct horse battery"
HEADER_TIMEOUT = 1.5
BODY_TIMEOUT = 3.0
KEEP_ALIVE_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # The size and count caps keep their defaults (16 KiB, 100); the timeouts are shortened for the test.
    env = {
        "REDCORE_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
        "REDCORE_BODY_TIMEOUT": str(BODY_TIMEOUT),
        "REDCORE_KEEP_ALIVE_TIMEOUT": str(KEEP_ALIVE_TIMEOUT),
    }
    with serving(database_url, tmp_path_factory.mktemp("transport"), env=env) as running:
        yield running


def request(path: str = "/health", *headers: str, method: str = "GET") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def assert_refused(response: Response, status: int, code: str) -> None:
    got_status, headers, body, closed = response
    assert got_status == status, body
    assert headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert (error["code"], error["status"]) == (code, status)
    assert error["request_id"] == headers["x-request-id"]
    assert error["request_id"].startswith("req_")
    assert headers["connection"] == "close"
    assert closed


def test_normal_requests_pass_on_one_connection_pipelined_and_at_the_caps(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(request() * 3)  # three pipelined requests on one keep-alive connection
        for _ in range(3):
            status, _, body, _ = read_response(sock)
            assert status == 200
            assert json.loads(body)["status"] == "ok"
        # 100 headers (Host and 99 more) in a 16 KiB head (request line and blank line included): at both caps.
        filler = [f"X-Filler-{i:02d}: {'v' * 10}" for i in range(98)]
        used = len("GET /health HTTP/1.1\r\n") + sum(len(h) + 2 for h in ["Host: 127.0.0.1", *filler]) + 2
        big = f"X-Big: {'b' * (16_384 - used - len('X-Big: ') - 2)}"
        at_caps = request("/health", *filler, big)
        assert len(at_caps) == 16_384
        sock.sendall(at_caps)
        assert read_response(sock)[0] == 200


def test_headers_over_the_size_cap_get_431_and_the_connection_closed(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(request("/health", f"X-Big: {'b' * 17_000}"))
        assert_refused(read_response(sock), 431, "headers_too_large")
    with server.connect() as sock:
        sock.sendall(request("/health?" + "q" * 17_000))  # the request line counts too
        assert_refused(read_response(sock), 431, "headers_too_large")


def test_an_eight_mib_header_is_cut_off_as_it_grows(server: Server) -> None:
    """Before the cap the server accepted all 8 MiB; now it answers 431 after the first reads and
    closes, so the client cannot send it all."""
    sent = 0
    with server.connect() as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        with pytest.raises((BrokenPipeError, ConnectionResetError)):  # noqa: PT012 - the loop is the action
            while sent < 8 * 1024 * 1024:
                sock.sendall(b"b" * 65_536)
                sent += 65_536
        assert sent < 8 * 1024 * 1024
        try:
            response = read_response(sock)
        except (ConnectionError, OSError):
            return  # the reset overtook the answer on this connection: cut off all the same
        assert_refused(response, 431, "headers_too_large")


def test_too_many_headers_get_431_and_the_connection_closed(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(request("/health", *[f"X-Many-{i}: 1" for i in range(100)]))  # 101 with Host
        assert_refused(read_response(sock), 431, "too_many_headers")


def test_a_slowloris_client_is_cut_off_after_the_header_deadline(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        with pytest.raises((BrokenPipeError, ConnectionResetError)):  # noqa: PT012 - the loop is the action
            while time.monotonic() - started < 20:  # one header every 0.3 s: each byte used to reset the timer
                sock.sendall(b"X-Slow: 1\r\n")
                time.sleep(0.3)
        assert time.monotonic() - started < HEADER_TIMEOUT + 5
        assert_refused(read_response(sock), 408, "request_timeout")


async def test_a_slow_body_is_cut_off_after_the_body_deadline(server: Server, tenant: Tenant) -> None:
    await asyncio.to_thread(_send_a_body_slowly, server, tenant.key)


def _send_a_body_slowly(server: Server, key: str) -> None:
    head = request(
        "/v1/users",
        f"Authorization: Bearer {key}",
        "Content-Type: application/json",
        "Content-Length: 200",
        method="POST",
    )
    with server.connect() as sock:
        sock.sendall(head + b'{"email": "slow@example.com", ')
        started = time.monotonic()
        with pytest.raises((BrokenPipeError, ConnectionResetError)):  # noqa: PT012 - the loop is the action
            while time.monotonic() - started < 20:
                sock.sendall(b" ")
                time.sleep(0.3)
        assert time.monotonic() - started < BODY_TIMEOUT + 5
        assert_refused(read_response(sock), 408, "request_timeout")


def test_idle_connections_are_closed(server: Server) -> None:
    with server.connect() as sock:  # a keep-alive connection after its response
        sock.sendall(request())
        assert read_response(sock)[0] == 200
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - started < KEEP_ALIVE_TIMEOUT + 5
    with server.connect() as sock:  # a connection that never sends a byte
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - started < KEEP_ALIVE_TIMEOUT + 5


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"FOO /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "method"),
        (b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: 1\r\n\r\n", "not valid HTTP"),
        (b"GET /health HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "not valid HTTP"),
    ],
)
def test_requests_the_parser_refuses_get_the_contract_error_shape(server: Server, raw: bytes, message: str) -> None:
    with server.connect() as sock:
        sock.sendall(raw)
        response = read_response(sock)
    assert_refused(response, 400, "invalid_request")
    assert message in json.loads(response[2])["error"]["message"]


def test_a_bad_request_behind_a_good_one_lets_the_good_one_finish(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(request() + b"FOO /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status, _, body, _ = read_response(sock)
        assert status == 200
        assert json.loads(body)["status"] == "ok"
        assert sock.recv(1) == b""  # then closed: no answer may overtake the first, none follows it


async def test_forwarded_headers_are_ignored_by_default(server: Server, tenant: Tenant) -> None:
    """uvicorn used to believe X-Forwarded-* from 127.0.0.1 (its FORWARDED_ALLOW_IPS default); with
    REDCORE_TRUSTED_PROXIES unset nobody is believed: the session records the connection's address,
    and a claimed https brings no HSTS."""
    user = await tenant.create_user(password=PASSWORD)
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        response = await client.post(
            "/v1/auth/token",
            json={"organization": tenant.org.id, "email": user["email"], "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.50", "X-Forwarded-Proto": "https"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["session"]["ip"] == "127.0.0.1"
    assert "strict-transport-security" not in response.headers
