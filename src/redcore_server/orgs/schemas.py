from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from redcore_server.currencies import ISO_4217
from redcore_server.text import NonBlank, SingleLine

ID_PREFIX = "org"  # organization ids are ``org_…`` (``ids.new_id``)

OrganizationName = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=200, description="Unique across organizations; trimmed"),
    NonBlank,
]
BaseCurrency = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=3,
        description="ISO 4217 code: the currency of new products that name none",
        extra_json_schema={"enum": sorted(ISO_4217)},
    ),
    SingleLine,
]


class Organization(msgspec.Struct):
    id: str
    name: str
    base_currency: str
    created_at: datetime
    updated_at: datetime


class OrganizationUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change. A new base currency is the default of products made from then
    on; existing products keep theirs."""

    name: OrganizationName | msgspec.UnsetType = msgspec.UNSET
    base_currency: BaseCurrency | msgspec.UnsetType = msgspec.UNSET
