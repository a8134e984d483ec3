"""The outbox workers a process runs: webhook deliveries and email."""

from __future__ import annotations

from typing import Any

from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.mail.transport import SmtpServer
from redcore_server.mail.worker import MailConfig, Mailer
from redcore_server.outbox.worker import OutboxWorker
from redcore_server.webhooks.dispatcher import DeliveryConfig, Dispatcher


def outbox_workers(db: Database, settings: Settings) -> list[OutboxWorker[Any, Any]]:
    smtp = SmtpServer.from_url(settings.smtp_url) if settings.smtp_url else None
    mail = MailConfig(smtp=smtp, sender=settings.mail_from, poll_interval=settings.webhook_poll_interval)
    return [Dispatcher(db, DeliveryConfig.from_settings(settings)), Mailer(db, mail)]
