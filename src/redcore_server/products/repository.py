"""Every query on products, and only here."""

from __future__ import annotations

from redcore_server.db import Executor
from redcore_server.db.listing import ListSpec, SortField
from redcore_server.db.resources import ResourceTable
from redcore_server.products.schemas import Product

UNIQUE_SKU = "uq_products_org_id_sku_key"

PRODUCTS = ResourceTable(
    Product,
    ListSpec(
        table="products",
        columns="id, name, sku, price, currency, stock, status, created_at, updated_at",
        sort_fields={
            "created_at": SortField("created_at", "timestamp"),
            "name": SortField("name", "text"),
            "price": SortField("price", "int"),
            "sku": SortField("sku", "text"),
        },
        search_columns=("name", "sku"),
        fts_table="products_fts",
    ),
    updatable=frozenset({"name", "sku", "sku_key", "price", "currency", "stock", "status"}),
)


async def existing_skus(db: Executor, org_id: str) -> set[str]:
    """Every SKU key of the organization (``text.fold`` of each SKU; for checking an import before it runs)."""
    return {row[0] for row in await db.fetch("SELECT sku_key FROM products WHERE org_id = $1", org_id)}
