"""Products, declared once (see ``kit/spec.py``)."""

from __future__ import annotations

from redcore_server import errors
from redcore_server.kit import metadata
from redcore_server.kit.spec import ResourceSpec
from redcore_server.products.schemas import ID_PREFIX, Product


class DuplicateSku(errors.Conflict):
    code = "duplicate_sku"
    default_message = "A product with this SKU already exists."


PRODUCTS = ResourceSpec(
    name="products",
    noun="product",
    id_prefix=ID_PREFIX,
    model=Product,
    sortable={"created_at": "timestamp", "name": "text", "price": "int", "sku": "text"},
    searchable=("name", "sku"),
    fts_table="products_fts",
    filterable=("status",),
    counted_by=("status",),  # list_counts (migration 0018)
    writable=("sku_key",),
    decoders={"metadata": metadata.decode},  # JSON text
    metadata=("metadata",),
    conflicts={"uq_products_org_id_sku_key": DuplicateSku},
)
