"""Business rules for products: validation beyond types, the organization's default currency,
SKU uniqueness (by the unique index on ``sku_key``, the SKU folded by ``text.fold``); importing a
whole catalog is ``products/importing.py``."""

from __future__ import annotations

from typing import Any

from redcore_server.currencies import is_currency
from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.kit import metadata
from redcore_server.kit.checks import Problems, display_name, raise_if
from redcore_server.kit.service import Recorder, ResourceService, changes_of, new_item
from redcore_server.orgs import repository as orgs_repository
from redcore_server.products import repository, spec
from redcore_server.products.schemas import Product, ProductCreate, ProductUpdate
from redcore_server.text import fold


def _check_currency(currency: str, problems: Problems) -> str:
    if not is_currency(currency):
        problems.append(("currency", "must be an ISO 4217 code in upper case, such as USD"))
    return currency


def validate_create(data: ProductCreate, base_currency: str) -> Product:
    """The product ``data`` describes, or a :class:`errors.ValidationError` listing every problem."""
    problems: Problems = []
    name = display_name(data.name, problems)
    currency = _check_currency(data.currency or base_currency, problems)
    metadata.stored({"metadata": data.metadata}, problems)
    raise_if(problems)
    return new_item(spec.PRODUCTS, data, name=name, currency=currency, metadata=metadata.given(data.metadata))


async def _base_currency(db: Executor, org_id: str) -> str:
    return await orgs_repository.base_currency(db, org_id) or "USD"


def _extra(product: Product) -> dict[str, Any]:
    """The columns a product's struct does not show (what its SKU is compared by), and its metadata
    as stored (JSON text)."""
    return {"sku_key": fold(product.sku), "metadata": metadata.encode(product.metadata)}


class ProductService(ResourceService[Product]):
    """Products: ``get``, ``list`` and ``delete`` come from :class:`ResourceService`."""

    def __init__(self, recorder: Recorder | None = None) -> None:
        super().__init__(repository.PRODUCTS, recorder)

    async def create(self, uow: UnitOfWork, org_id: str, data: ProductCreate) -> Product:
        """``currency`` defaults to the organization's base currency."""
        base = data.currency or await _base_currency(uow.db, org_id)
        product = validate_create(data, base)
        await self.insert(await uow.tx(), uow, org_id, product, _extra(product))
        return product

    async def update(
        self,
        uow: UnitOfWork,
        org_id: str,
        ident: str,
        data: ProductUpdate,
        if_match: frozenset[str] | None = None,
    ) -> Product:
        problems: Problems = []
        changes = changes_of(data)
        if "sku" in changes:
            changes["sku_key"] = fold(changes["sku"])
        if "name" in changes:
            changes["name"] = display_name(changes["name"], problems)
        if "currency" in changes:
            changes["currency"] = _check_currency(changes["currency"], problems)
        raise_if(problems)
        await metadata.merge_changes(self.repository, await uow.tx(), org_id, ident, changes)
        return await self.update_fields(uow, org_id, ident, changes, if_match)
