from __future__ import annotations

from datetime import datetime

import msgspec

ID_PREFIX = "org"  # organization ids are ``org_…`` (``ids.new_id``)


class Organization(msgspec.Struct):
    id: str
    name: str
    base_currency: str
    created_at: datetime
    updated_at: datetime
