"""The outbox workers a process runs: webhook deliveries (and, with them, email)."""

from __future__ import annotations

from typing import Any

from redcore_server.config import Settings
from redcore_server.db import Database
from redcore_server.outbox.worker import OutboxWorker
from redcore_server.webhooks.dispatcher import DeliveryConfig, Dispatcher


def outbox_workers(db: Database, settings: Settings) -> list[OutboxWorker[Any, Any]]:
    return [Dispatcher(db, DeliveryConfig.from_settings(settings))]
