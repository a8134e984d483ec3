from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

ID_PREFIX = "evt"  # event ids are ``evt_…`` (``ids.new_id``)


class Event(msgspec.Struct):
    """Something that changed: ``type`` is ``user.created``, ``product.deleted``…; ``data`` is the
    object after the change (before it, for deletions), or ``{"id": "usr_…", "erased": true}`` once
    a deleted user's data has been erased (``erasure/``)."""

    id: str
    type: str
    created_at: datetime
    data: dict[str, Any]
    request_id: str | None
    credential_id: str | None
