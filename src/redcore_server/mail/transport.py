"""Handing a message over: to an SMTP server (aiosmtplib), or to the local mailbox.

``REDCORE_SMTP_URL`` is ``smtp://[user:password@]host[:port]`` (STARTTLS when the server offers
it; ``?starttls=false`` for a plain local relay) or ``smtps://…`` (TLS from the start, port 465).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None  # None: if the server offers it

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"REDCORE_SMTP_URL must look like smtp://user:password@host:587, not {url!r}")
        query = parse_qs(parts.query)
        start_tls = {"true": True, "false": False}.get((query.get("starttls") or [""])[0].lower())
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=tls,
            start_tls=False if tls else start_tls,
        )


def message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = make_msgid(domain="redcore")
    msg.set_content(body)
    return msg


async def send_smtp(server: SmtpServer, msg: EmailMessage, *, time_limit: float) -> None:
    """Raises ``aiosmtplib.SMTPException`` or ``OSError`` when the server does not take the message."""
    await aiosmtplib.send(
        msg,
        hostname=server.host,
        port=server.port,
        username=server.username,
        password=server.password,
        use_tls=server.use_tls,
        start_tls=server.start_tls,
        timeout=time_limit,
    )
