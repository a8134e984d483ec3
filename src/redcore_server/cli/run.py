"""``redcore-server serve`` and ``worker``: the API server and the background worker."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import signal
import ssl
import sys
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from redcore_server.background import Background
from redcore_server.cli.support import JsonOpt
from redcore_server.cli.support import emit as _emit
from redcore_server.cli.support import fail as _fail
from redcore_server.cli.support import run as _run
from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.db.migrate import upgrade
from redcore_server.db.urls import sqlite_path
from redcore_server.orgs import repository as orgs_repository
from redcore_server.orgs import service as orgs_service
from redcore_server.services import build_services, redis_link
from redcore_server.webhooks.dispatcher import DeliveryConfig

# TLS 1.2 suites with forward secrecy and AEAD only (TLS 1.3's are always on; Python's minimum is TLS 1.2).
TLS_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL"


def _curl(base_url: str, key: str) -> str:
    return f'curl -H "Authorization: Bearer {key}" {base_url}/v1/users'


def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Attempts in flight at once (REDCORE_WEBHOOK_CONCURRENCY).", min=1)
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Deliver webhooks, send email and do the housekeeping (erasure, purges) until stopped (Ctrl-C
    or SIGTERM). Run any number, on any machines: each claims different work. Set
    REDCORE_EMBEDDED_WORKER=false on the servers to leave delivery to workers alone."""
    if concurrency is not None:
        os.environ["REDCORE_WEBHOOK_CONCURRENCY"] = str(concurrency)
    settings = Settings()
    config = DeliveryConfig.from_settings(settings)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    async def run(db: Database) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        redis = redis_link(settings)  # the invitation limits imports count
        background = Background(db, settings, build_services(settings, redis).imports)
        background.start()
        where = "SQLite" if settings.is_sqlite else "PostgreSQL"
        _emit(
            as_json,
            {"worker": "started", "database": where, "concurrency": config.concurrency},
            f"RedCore worker (webhooks, email, housekeeping) on {where}: up to {config.concurrency} webhook "
            "attempts at once. Ctrl-C stops it.",
        )
        sys.stdout.flush()
        try:
            await stop.wait()
        finally:
            await background.stop()
            if redis is not None:
                await redis.close()

    _run(settings, run, as_json, pool_max=settings.db_pool_max_size)


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (REDCORE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (REDCORE_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (REDCORE_WORKERS).")] = None,
    migrate_first: Annotated[bool, typer.Option("--migrate", help="Apply pending migrations before starting.")] = False,
    ssl_certfile: Annotated[
        str | None, typer.Option("--ssl-certfile", help="PEM certificate (chain): serve HTTPS (REDCORE_SSL_CERTFILE).")
    ] = None,
    ssl_keyfile: Annotated[
        str | None, typer.Option("--ssl-keyfile", help="PEM private key of the certificate (REDCORE_SSL_KEYFILE).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Start the API server. On a fresh directory with the SQLite default it migrates, bootstraps an
    organization and prints an admin key with a curl command to try."""
    options = (
        ("REDCORE_HOST", host),
        ("REDCORE_PORT", port),
        ("REDCORE_WORKERS", workers),
        ("REDCORE_SSL_CERTFILE", ssl_certfile),
        ("REDCORE_SSL_KEYFILE", ssl_keyfile),
    )
    for env, value in options:
        if value is not None:
            os.environ[env] = str(value)
    settings = _serve_settings(as_json)
    fresh = settings.is_sqlite and not Path(sqlite_path(settings.database_url)).exists()
    if fresh or migrate_first:
        try:
            upgrade(settings.database_url)
        except Exception as exc:
            raise _fail(f"migration failed: {exc}", as_json) from None

    async def prepare(db: Database) -> tuple[Any, Any, int]:
        if fresh:
            async with db.transaction() as tx:
                org, key = await orgs_service.bootstrap(tx, "Default")
            return org, key, 1
        return None, None, await orgs_repository.count(db)

    org, key, org_count = _run(settings, prepare, as_json)
    _announce(settings, org, key, org_count, as_json)
    _uvicorn(settings)


def _serve_settings(as_json: bool) -> Settings:
    """The settings, refused early (with a clear message) where they cannot serve."""
    try:
        settings = Settings()
    except ValueError as exc:
        raise _fail(str(exc), as_json) from None
    if settings.ssl_certfile and settings.ssl_keyfile:
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                settings.ssl_certfile, settings.ssl_keyfile
            )
        except (OSError, ssl.SSLError) as exc:
            raise _fail(f"cannot use the TLS certificate and key: {exc}", as_json) from None
    if settings.workers > 1 and settings.rate_limit > 0 and not settings.redis_url:
        raise _fail(
            f"--workers {settings.workers} would give each worker its own rate-limit budget. Set REDCORE_REDIS_URL "
            "(one budget shared by every worker and server), run one worker, or set REDCORE_RATE_LIMIT=0.",
            as_json,
        )
    return settings


def _announce(settings: Settings, org: Any, key: Any, org_count: int, as_json: bool) -> None:
    """Where the server is, and on a first run the organization and key made for it, with a curl."""
    base = settings.base_url()
    where = f"SQLite file {sqlite_path(settings.database_url)}" if settings.is_sqlite else "PostgreSQL"
    if as_json:
        payload: dict[str, Any] = {"url": base, "docs": f"{base}/docs", "database": where}
        if key is not None:
            payload |= {
                "organization": {"id": org.id, "name": org.name},
                "api_key": key.secret,
                "curl": _curl(base, key.secret),
            }
        typer.echo(json.dumps(payload))
    else:
        lines = [f"RedCore {base}  ({where}, {settings.workers} worker(s))", f"API docs: {base}/docs"]
        if key is not None:
            lines += [
                f"Created organization {org.name} ({org.id}) and an admin API key (shown once):",
                f"  {key.secret}",
                "Try it:",
                f"  {_curl(base, key.secret)}",
            ]
        elif org_count == 0:
            lines.append("No organization yet: run `redcore-server bootstrap` to create one and a key.")
        else:
            lines.append("Use an existing API key, or make one: redcore-server keys create --org NAME")
        typer.echo("\n".join(lines))
    sys.stdout.flush()


def _uvicorn(settings: Settings) -> None:
    import uvicorn

    from redcore_server.http.protocol import LimitedHttpToolsProtocol, TransportLimits

    # httptools with our limits (http/protocol.py); X-Forwarded-* are read by http/forwarded.py alone,
    # under REDCORE_TRUSTED_PROXIES, so uvicorn's own handling (and FORWARDED_ALLOW_IPS) is off.
    protocol = functools.partial(LimitedHttpToolsProtocol, limits=TransportLimits.from_settings(settings))
    uvicorn.run(
        "redcore_server.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=settings.access_log,
        loop="uvloop",
        http=cast("type[asyncio.Protocol]", protocol),
        ws="none",
        proxy_headers=False,
        server_header=False,
        ssl_certfile=settings.ssl_certfile,
        ssl_keyfile=settings.ssl_keyfile,
        ssl_ciphers=TLS_CIPHERS,
    )
