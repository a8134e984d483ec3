"""``client.products``: every method against the real server, with Client and AsyncClient alike."""

from __future__ import annotations

from typing import Any

import pytest

from redcore import Product
from redcore.exceptions import DuplicateError, NotFoundError, PreconditionFailedError, ValidationError
from tests.sdk.helpers import collect, done, unique


async def test_create_get_update_delete(api: Any) -> None:
    sku = unique("SKU-")
    created = await done(api.products.create(name="Titanium Widget Pro", sku=sku, price=4999, stock=250))
    assert isinstance(created, Product)
    assert created.id.startswith("prod_")
    assert (created.sku, created.price, created.stock, created.status) == (sku, 4999, 250, "available")
    assert created.currency == "USD"  # the organization's base currency

    fetched = await done(api.products.get(created.id))
    assert fetched == created
    assert fetched["price"] == 4999
    assert f"{fetched.name} — ${fetched.price / 100:.2f}" == "Titanium Widget Pro — $49.99"

    updated = await done(api.products.update(created.id, price=5499, status="out_of_stock", stock=0))
    assert (updated.price, updated.status, updated.stock, updated.sku) == (5499, "out_of_stock", 0, sku)

    await done(api.products.delete(created.id))
    with pytest.raises(NotFoundError):
        await done(api.products.get(created.id))
    with pytest.raises(NotFoundError):
        await done(api.products.delete(created.id))


async def test_list_filter_search_sort_and_walk(api: Any) -> None:
    tag = unique("CAT-")
    for i, (price, status) in enumerate([(300, "available"), (100, "discontinued"), (200, "available")]):
        await done(api.products.create(name=f"Gadget {i}", sku=f"{tag}-{i}", price=price, status=status))

    page = await done(api.products.list(q=tag, sort="price", order="asc"))
    assert [p.price for p in page] == [100, 200, 300]
    assert page["meta"]["total"] == 3
    available = await done(api.products.list(q=tag.lower(), status="available"))
    assert {p.sku for p in available} == {f"{tag}-0", f"{tag}-2"}

    pages = await collect(api.products.list_all(q=tag, sort="sku", order="asc", page_size=2))
    assert [[p.sku for p in pg] for pg in pages] == [[f"{tag}-0", f"{tag}-1"], [f"{tag}-2"]]
    everything = await collect(api.products.iter(q=tag, page_size=1))
    assert len({p.id for p in everything}) == 3


async def test_errors_and_if_match(api: Any) -> None:
    sku = unique("DUP-")
    product = await done(api.products.create(name="Once", sku=sku, price=1))
    with pytest.raises(DuplicateError) as dup:
        await done(api.products.create(name="Twice", sku=sku.lower(), price=1))
    assert dup.value.code == "duplicate_sku"

    with pytest.raises(ValidationError) as invalid:
        await done(api.products.create(name="Free money", sku=unique("NEG-"), price=-1))
    assert invalid.value.details[0]["field"] == "price"
    with pytest.raises(ValidationError):
        await done(api.products.update(product.id, price=True))  # never coerced

    raw = await done(api.products.with_raw_response.update(product.id, stock=5))
    assert raw.parse().stock == 5
    await done(api.products.update(product.id, stock=6))
    with pytest.raises(PreconditionFailedError):
        await done(api.products.update(product.id, stock=7, if_match=raw.etag))
