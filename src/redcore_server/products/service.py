"""Business rules for products: validation beyond types, the organization's default currency,
SKU uniqueness (by the unique index on ``sku_key``, the SKU folded by ``text.fold``), and importing a
whole catalog at once."""

from __future__ import annotations

from typing import Any

import msgspec

from redcore_server import errors
from redcore_server.currencies import is_currency
from redcore_server.db import Executor
from redcore_server.db.uow import UnitOfWork
from redcore_server.events.recorder import record
from redcore_server.ids import new_id, utcnow
from redcore_server.orgs import repository as orgs_repository
from redcore_server.products import repository
from redcore_server.products.schemas import Product, ProductCreate, ProductUpdate
from redcore_server.resources import ResourceKind
from redcore_server.text import fold


class DuplicateSku(errors.Conflict):
    code = "duplicate_sku"
    default_message = "A product with this SKU already exists."


def _check_name(name: str, problems: list[tuple[str, str]]) -> str:
    name = name.strip()
    if not name:
        problems.append(("name", "must not be blank"))
    elif any(ord(c) < 32 or ord(c) == 127 for c in name):
        problems.append(("name", "must not contain control characters"))
    return name


def _check_currency(currency: str, problems: list[tuple[str, str]]) -> str:
    if not is_currency(currency):
        problems.append(("currency", "must be an ISO 4217 code in upper case, such as USD"))
    return currency


def validate_create(data: ProductCreate, base_currency: str) -> Product:
    """The product ``data`` describes, or a :class:`errors.ValidationError` listing every problem."""
    problems: list[tuple[str, str]] = []
    name = _check_name(data.name, problems)
    currency = _check_currency(data.currency or base_currency, problems)
    if problems:
        raise errors.ValidationError.of(*problems)
    now = utcnow()
    return Product(
        id=new_id("prod"),
        name=name,
        sku=data.sku,
        price=data.price,
        currency=currency,
        stock=data.stock,
        status=data.status,
        created_at=now,
        updated_at=now,
    )


async def _base_currency(db: Executor, org_id: str) -> str:
    return await orgs_repository.base_currency(db, org_id) or "USD"


def _row(product: Product, org_id: str) -> dict[str, Any]:
    return msgspec.structs.asdict(product) | {"org_id": org_id, "sku_key": fold(product.sku)}


class ImportProblem(msgspec.Struct):
    line: int
    field: str
    issue: str


class ImportRejected(Exception):
    """Nothing was imported; ``problems`` says which lines are wrong and why."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing imported")
        self.problems = problems


async def import_catalog(tx: Executor, org_id: str, rows: list[tuple[int, ProductCreate | ImportProblem]]) -> int:
    """Insert every row or none: all rows are validated (types, rules, SKUs unique in the file and
    against the catalog) before the first insert, and the caller's transaction makes it atomic.
    Each product gets its ``product.created`` event, as through the API."""
    problems = [row for _, row in rows if isinstance(row, ImportProblem)]
    base = await _base_currency(tx, org_id)
    taken = await repository.existing_skus(tx, org_id)
    seen: dict[str, int] = {}
    products: list[Product] = []
    for line, row in rows:
        if isinstance(row, ImportProblem):
            continue
        try:
            product = validate_create(row, base)
        except errors.ValidationError as exc:
            problems += [ImportProblem(line, d.field, d.issue) for d in exc.details or []]
            continue
        key = fold(product.sku)
        if key in taken:
            problems.append(ImportProblem(line, "sku", f"{product.sku!r} is already in the catalog"))
        elif key in seen:
            problems.append(ImportProblem(line, "sku", f"{product.sku!r} repeats line {seen[key]}"))
        seen.setdefault(key, line)
        products.append(product)
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.line))
    for product in products:
        await repository.PRODUCTS.insert(tx, _row(product, org_id))
        await record(tx, None, org_id, "product.created", product)
    return len(products)


class ProductService(ResourceKind[Product]):
    """Products: ``get``, ``list`` and ``delete`` come from :class:`ResourceKind`."""

    def __init__(self) -> None:
        super().__init__("product", "prod_", repository.PRODUCTS, {repository.UNIQUE_SKU: DuplicateSku})

    async def create(self, uow: UnitOfWork, org_id: str, data: ProductCreate) -> Product:
        """``currency`` defaults to the organization's base currency."""
        base = data.currency or await _base_currency(uow.db, org_id)
        product = validate_create(data, base)
        await self.insert(uow, org_id, product, {"sku_key": fold(product.sku)})
        return product

    async def update(
        self,
        uow: UnitOfWork,
        org_id: str,
        ident: str,
        data: ProductUpdate,
        if_match: frozenset[str] | None = None,
    ) -> Product:
        problems: list[tuple[str, str]] = []
        changes: dict[str, Any] = {
            field: value
            for field in ("sku", "price", "stock", "status")
            if (value := getattr(data, field)) is not msgspec.UNSET
        }
        if "sku" in changes:
            changes["sku_key"] = fold(changes["sku"])
        if data.name is not msgspec.UNSET:
            changes["name"] = _check_name(data.name, problems)
        if data.currency is not msgspec.UNSET:
            changes["currency"] = _check_currency(data.currency, problems)
        if problems:
            raise errors.ValidationError.of(*problems)
        return await self.update_fields(uow, org_id, ident, changes, if_match)
