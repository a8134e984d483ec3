from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from redcore_server.currencies import ISO_4217
from redcore_server.kit.metadata import Metadata, MetadataPatch
from redcore_server.text import NonBlank, SingleLine

Status = Literal["available", "out_of_stock", "discontinued"]

MAX_PRICE = 2**53 - 1  # exact in every JSON implementation
MAX_STOCK = 2**31 - 1

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="Human-readable product name"), NonBlank]
Sku = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$",
        description="Stock-keeping unit: letters, digits and . _ - /; unique per organization, case-insensitively",
    ),
]
Price = Annotated[int, msgspec.Meta(ge=0, le=MAX_PRICE, description="Unit price in minor units (e.g. cents)")]
Currency = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=3,
        description="ISO 4217 code; the organization's by default",
        extra_json_schema={"enum": sorted(ISO_4217)},
    ),
    SingleLine,
]
Stock = Annotated[int, msgspec.Meta(ge=0, le=MAX_STOCK, description="Units available")]


ID_PREFIX = "prod"  # product ids are ``prod_…`` (``ids.new_id``)


class Product(msgspec.Struct):
    id: str
    name: str
    sku: str
    price: int
    currency: str
    stock: int
    status: Status
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any]


class ProductCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    sku: Sku
    price: Price
    currency: Currency | None = None
    stock: Stock = 0
    status: Status = "available"
    metadata: Metadata = msgspec.field(default_factory=dict)


class ProductUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change; `metadata` is merged: each key given is set, a `null` value
    removes its key, the others stay."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    sku: Sku | msgspec.UnsetType = msgspec.UNSET
    price: Price | msgspec.UnsetType = msgspec.UNSET
    currency: Currency | msgspec.UnsetType = msgspec.UNSET
    stock: Stock | msgspec.UnsetType = msgspec.UNSET
    status: Status | msgspec.UnsetType = msgspec.UNSET
    metadata: MetadataPatch | msgspec.UnsetType = msgspec.UNSET
