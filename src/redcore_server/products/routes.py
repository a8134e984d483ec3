"""HTTP for products: the shared collection routes (http/crud.py), described for products."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

from redcore_server.auth.scopes import PRODUCTS_READ, PRODUCTS_WRITE
from redcore_server.http.crud import Collection, ListFilters, collection_controller
from redcore_server.http.listing import search_text, text_parameter
from redcore_server.products.schemas import Product, ProductCreate, ProductUpdate, Status


def product_filters(
    status: Annotated[Status | None, Parameter(description="Only products with this status.")] = None,
    q: Annotated[str | None, text_parameter("Partial, case-insensitive match on name or SKU.", max_length=200)] = None,
) -> ListFilters:
    return ListFilters({"status": status} if status is not None else {}, search_text(q))


PRODUCTS = Collection(
    name="products",
    noun="product",
    id_prefix="prod_",
    tag="Products",
    model=Product,
    create_model=ProductCreate,
    update_model=ProductUpdate,
    read_scope=PRODUCTS_READ,
    write_scope=PRODUCTS_WRITE,
    filters=product_filters,
    sortable=("created_at", "name", "price", "sku"),
    create_doc="Add a product: `name`, `sku` and `price` (minor units) are required; `currency` defaults "
    "to the organization's base currency, `stock` to 0 and `status` to `available`.",
    conflict_codes="`duplicate_sku`",
)
ProductController = collection_controller(PRODUCTS)
