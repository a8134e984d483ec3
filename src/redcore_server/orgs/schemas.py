from __future__ import annotations

from datetime import datetime

import msgspec


class Organization(msgspec.Struct):
    id: str
    name: str
    base_currency: str
    created_at: datetime
    updated_at: datetime
