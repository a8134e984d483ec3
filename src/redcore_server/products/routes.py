"""HTTP for products: the shared collection routes (kit/routes.py), described for products."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

from redcore_server.auth.scopes import PRODUCTS_READ, PRODUCTS_WRITE
from redcore_server.kit.params import search_text, text_parameter
from redcore_server.kit.routes import Collection, ListFilters, collection_controller
from redcore_server.products import spec
from redcore_server.products.schemas import ProductCreate, ProductUpdate, Status
from redcore_server.products.service import ProductService


def product_filters(
    status: Annotated[Status | None, Parameter(description="Only products with this status.")] = None,
    q: Annotated[str | None, text_parameter("Partial, case-insensitive match on name or SKU.", max_length=200)] = None,
) -> ListFilters:
    return ListFilters({"status": status} if status is not None else {}, search_text(q))


PRODUCTS = Collection(
    spec=spec.PRODUCTS,
    service=ProductService,
    tag="Products",
    read_scope=PRODUCTS_READ,
    filters=product_filters,
    create_model=ProductCreate,
    update_model=ProductUpdate,
    export=True,
    write_scope=PRODUCTS_WRITE,
    create_doc="Add a product: `name`, `sku` and `price` (minor units) are required; `currency` defaults "
    "to the organization's base currency, `stock` to 0 and `status` to `available`.",
)
ProductController = collection_controller(PRODUCTS)
