"""Every query on products, and only here."""

from __future__ import annotations

from redcore_server.kit.repository import ResourceRepository
from redcore_server.products import spec

PRODUCTS = ResourceRepository(spec.PRODUCTS)
