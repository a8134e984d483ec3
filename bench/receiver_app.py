"""A webhook receiver for bench/webhooks.py: a bare ASGI app that answers 200 at once and appends
``<unix time> <webhook-id> <sku>`` to the file named by ``RECEIVER_LOG`` for every delivery."""

from __future__ import annotations

import json
import os
import time
from typing import Any

_log = open(os.environ["RECEIVER_LOG"], "a", buffering=1)  # noqa: SIM115 - lives as long as the process


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    headers = dict(scope["headers"])
    sku = json.loads(body)["data"].get("sku", "")
    _log.write(f"{time.time():.6f} {headers[b'webhook-id'].decode()} {sku}\n")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})
