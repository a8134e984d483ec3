"""Every query on products, and only here."""

from __future__ import annotations

from redcore_server.db import Executor
from redcore_server.kit.repository import ResourceRepository
from redcore_server.products import spec

PRODUCTS = ResourceRepository(spec.PRODUCTS)


async def existing_skus(db: Executor, org_id: str) -> set[str]:
    """Every SKU key of the organization (``text.fold`` of each SKU; for checking an import before it runs)."""
    return {row[0] for row in await db.fetch("SELECT sku_key FROM products WHERE org_id = $1", org_id)}
