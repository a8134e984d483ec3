"""One settings class, read from ``REDCORE_*`` environment variables and passed to ``create_app``."""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from redcore_server.kit.retry import MAX_STRETCH
from redcore_server.networks import parse_networks

DEFAULT_DATABASE_URL = "sqlite:///redcore.db"


def retry_delays(schedule: str) -> tuple[float, ...]:
    """``"5,300,1800"`` → (5.0, 300.0, 1800.0); empty means no retries."""
    try:
        delays = tuple(float(part) for part in schedule.replace(" ", "").split(",") if part)
    except ValueError:
        raise ValueError(f"not a comma-separated list of seconds: {schedule!r}") from None
    if any(d < 0 for d in delays) or len(delays) > 50:
        raise ValueError("retry delays must be ≥ 0 seconds, at most 50 of them")
    return delays


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")


def seconds(value: object) -> object:
    """``"2592000"``, ``"30d"``, ``"12h"``, ``"15m"``, ``"90s"`` → seconds; other input is left to the field."""
    if isinstance(value, str):
        m = _DURATION.match(value.strip().lower())
        if m is None:
            raise ValueError(f"not a duration: {value!r} (seconds, or a number and s, m, h or d: 30d, 12h)")
        return float(m.group(1)) * _UNITS[m.group(2) or "s"]
    return value


class Settings(BaseSettings):
    """Everything the server reads from its environment.

    Each field is read from ``REDCORE_<NAME>`` (for example ``REDCORE_DATABASE_URL``).
    """

    model_config = SettingsConfigDict(env_prefix="REDCORE_", extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="sqlite:///path.db (embedded default) or postgresql://user@host:port/dbname",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    access_log: bool = False

    db_pool_min_size: int = Field(default=2, ge=0)
    db_pool_max_size: int = Field(default=10, ge=1)
    sqlite_readers: int = Field(default=4, ge=1, le=64)
    db_acquire_timeout: float = Field(
        default=5.0, gt=0, le=300, description="seconds to wait for a database connection (connecting included)"
    )
    db_lock_timeout: float = Field(
        default=5.0, gt=0, le=300, description="seconds a statement waits for a lock another transaction holds"
    )
    db_statement_timeout: float = Field(default=10.0, gt=0, le=3600, description="seconds one statement may run")

    max_body_size: int = Field(default=1_048_576, ge=1024, description="largest accepted request body, bytes")
    import_statement_timeout: float = Field(
        default=600.0, gt=0, le=86_400, description="seconds each statement of a bulk import may run (its checks)"
    )
    import_max_bytes: int = Field(
        default=50 * 1_048_576, ge=1024, description="largest file POST /v1/users/import accepts, bytes (the CLI: any)"
    )

    # The connection: proxies, TLS, and limits enforced before a request reaches the app (http/forwarded.py,
    # http/protocol.py).
    trusted_proxies: str = Field(
        default="",
        description="comma-separated addresses and CIDR networks of the reverse proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto are believed; empty: nobody's",
    )
    require_https: bool = Field(
        default=False, description="answer 403 https_required to a request that did not arrive over TLS (not /health)"
    )
    hsts_max_age: int = Field(
        default=31_536_000, ge=0, description="max-age of the Strict-Transport-Security header sent over TLS, seconds"
    )
    ssl_certfile: str | None = Field(default=None, description="PEM certificate (chain): serve speaks TLS itself")
    ssl_keyfile: str | None = Field(default=None, description="PEM private key of ssl_certfile")
    max_header_size: int = Field(
        default=16_384, ge=1024, le=1_048_576, description="largest request line and headers, bytes (431 beyond)"
    )
    max_header_count: int = Field(default=100, ge=10, le=10_000, description="most headers a request may carry")
    header_timeout: float = Field(
        default=10.0, gt=0, le=600, description="seconds from a request's first byte to the end of its headers"
    )
    body_timeout: float = Field(
        default=60.0, gt=0, le=3600, description="seconds from a request's first byte to the end of its body"
    )
    keep_alive_timeout: float = Field(
        default=5.0, gt=0, le=3600, description="seconds an idle connection is kept open, before and between requests"
    )
    credential_cache_ttl: float = Field(
        default=1.0, ge=0, le=1.0, description="seconds a verified API key is trusted without a lookup"
    )
    key_last_used_interval: float = Field(
        default=60.0, ge=0, description="at most one last_used_at write per key per this many seconds"
    )
    password_hash_threads: int = Field(default=2, ge=1, le=64)
    # The Argon2id configuration OWASP's Password Storage Cheat Sheet recommends (the README's
    # Passwords section says why; bench/passwords.py measures it).
    # A change re-hashes each password at its user's next sign-in.
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_cost: int = Field(default=19456, ge=8, description="KiB")
    argon2_parallelism: int = Field(default=1, ge=1)

    rate_limit: int = Field(
        default=1000, ge=0, description="requests per window per API key (a key's own limit wins); 0 turns limiting off"
    )
    rate_limit_window: float = Field(default=60.0, gt=0, description="seconds")
    auth_failure_limit: int = Field(
        default=100, ge=0, description="refused credentials per window per client address before 429; 0: no limit"
    )
    redis_url: str | None = Field(
        default=None, description="redis://host:6379/0: one rate-limit budget shared by every worker and server"
    )
    redis_timeout: float = Field(
        default=0.5, gt=0, le=30, description="seconds to wait for Redis (to connect, and for each command)"
    )
    rate_limit_fail_closed: bool = Field(
        default=False, description="when Redis is unreachable: refuse (503) instead of limiting per process"
    )
    fast_reads: bool = Field(
        default=True, description="serve GET /v1/{collection}/{id} on the lean path (http/fast_reads.py)"
    )
    public_url: str | None = Field(default=None, description="base URL printed in hints and Location headers")

    access_token_ttl: int = Field(default=900, ge=60, le=86_400, description="seconds a user's access token works")
    refresh_token_ttl: int = Field(
        default=2_592_000, ge=3600, description="seconds a sign-in session lasts without signing in again"
    )
    signin_window: float = Field(default=900.0, gt=0, description="seconds over which failed sign-ins are counted")
    signin_failure_limit: int = Field(
        default=10, ge=0, description="failed sign-ins per account from one client address per window; 0: no limit"
    )
    signin_address_limit: int = Field(
        default=100, ge=0, description="failed sign-ins per client address (all accounts) per window; 0: no limit"
    )
    signin_backoff_threshold: int = Field(
        default=10,
        ge=0,
        description="failed sign-ins per account (all addresses) per window before attempts from addresses the "
        "user never signed in from are spaced out; 0: never",
    )
    signin_backoff_max: float = Field(
        default=60.0, ge=1, le=3600, description="the longest wait (seconds) between those spaced-out attempts"
    )

    idempotency_ttl: int = Field(
        default=86_400, ge=60, le=7 * 86_400, description="seconds a POST's Idempotency-Key and stored response live"
    )

    smtp_url: str | None = Field(
        default=None, description="smtp://user:password@host:587 (or smtps://…:465); unset: the local mailbox"
    )
    mail_from: str = Field(default="RedCore <no-reply@redcore.localhost>", description="the From of every email")
    invitation_url: str | None = Field(
        default=None, description="the page invitation links open (?token=… is added); default: this server's"
    )
    invitation_ttl: int = Field(default=604_800, ge=300, description="seconds an invitation link works")
    invitation_org_limit: int = Field(default=1000, ge=0, description="invitations per organization per hour")
    invitation_address_limit: int = Field(
        default=5, ge=0, description="invitations per organization to one email address per hour"
    )
    invitation_global_address_limit: int = Field(
        default=20,
        ge=0,
        description="invitation emails to one address per hour from all organizations; past it they wait",
    )

    password_reset_url: str | None = Field(
        default=None, description="the page password-reset links open (?token=… is added); default: this server's"
    )
    password_reset_ttl: int = Field(default=3600, ge=1, le=86_400, description="seconds a password-reset link works")
    password_reset_address_limit: int = Field(
        default=5, ge=0, description="password-reset requests per organization and email address per hour; 0: no limit"
    )
    password_reset_client_limit: int = Field(
        default=30, ge=0, description="password-reset requests per client address per hour; 0: no limit"
    )
    password_reset_account_limit: int = Field(
        default=3,
        ge=0,
        description="password-reset emails per account per hour; further requests are dropped silently; 0: no limit",
    )
    email_verification_url: str | None = Field(
        default=None, description="the page email-verification links open (?token=… is added); default: this server's"
    )
    email_verification_ttl: int = Field(default=86_400, ge=300, description="seconds an email-verification link works")

    embedded_worker: bool = Field(
        default=True,
        description="deliver webhooks, send email and run the housekeeping from the server processes; false when "
        "`redcore-server worker` runs apart",
    )
    webhook_allow_private: bool = Field(
        default=False, description="allow webhook URLs on loopback, private and link-local addresses"
    )
    webhook_timeout: float = Field(default=10.0, gt=0, le=300, description="seconds one delivery attempt may take")
    webhook_retry_schedule: str = Field(
        default="5,300,1800,7200,18000,36000,36000",
        description="seconds to wait before each retry after a failed attempt (Standard Webhooks' example)",
    )
    webhook_poll_interval: float = Field(default=1.0, gt=0, le=60, description="seconds between outbox polls")
    webhook_concurrency: int = Field(default=16, ge=1, le=1000, description="attempts in flight per worker")

    event_retention: float = Field(
        default=30 * 86400.0,
        ge=0,
        description="how long events, their deliveries and sent emails are kept (seconds, or 30d, 12h…); 0: forever",
    )
    housekeeping_interval: float = Field(
        default=60.0, gt=0, le=86400, description="seconds between runs of each housekeeping job (erasure, purges)"
    )

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _check_schedule(cls, value: str) -> str:
        retry_delays(value)
        return value

    @field_validator("event_retention", mode="before")
    @classmethod
    def _parse_duration(cls, value: object) -> object:
        return seconds(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        parse_networks(value)
        return value

    @model_validator(mode="after")
    def _check_transport(self) -> Self:
        if self.body_timeout < self.header_timeout:
            raise ValueError("body_timeout must be at least header_timeout (both count from the first byte)")
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("ssl_certfile and ssl_keyfile go together")
        return self

    @model_validator(mode="after")
    def _retention_outlasts_retries(self) -> Self:
        schedule = sum(self.webhook_retry_delays) * MAX_STRETCH  # the most a delivery's retries take, jitter included
        if 0 < self.event_retention < schedule:
            raise ValueError(
                f"REDCORE_EVENT_RETENTION ({self.event_retention:g} s) must be longer than the webhook retry "
                f"schedule ({schedule:g} s), or deliveries would be purged before they are done"
            )
        return self

    @property
    def webhook_retry_delays(self) -> tuple[float, ...]:
        return retry_delays(self.webhook_retry_schedule)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        scheme = "https" if self.ssl_certfile else "http"
        return f"{scheme}://{host}:{self.port}"
