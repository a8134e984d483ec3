"""A real SMTP server for tests (aiosmtpd on a free port) that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from tests.support import free_port


@dataclass
class Inbox:
    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    async def wait_for(self, count: int, within: float = 10.0) -> list[Message]:
        deadline = time.monotonic() + within
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"expected {count} email(s), got {len(self.messages)}"
            await asyncio.sleep(0.02)
        return self.messages

    @property
    def smtp_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=false"


def text_of(message: Message) -> str:
    return message.get_payload(decode=True).decode()  # type: ignore[union-attr]


@contextmanager
def running_inbox() -> Iterator[Inbox]:
    box = Inbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
