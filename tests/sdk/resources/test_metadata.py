"""Metadata through the SDK against the real server, with Client and AsyncClient alike: users'
``external_id``, ``public_metadata`` and ``private_metadata``, products' ``metadata``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from redcore import Product, User, UserProfile
from redcore.exceptions import DuplicateError, ValidationError
from tests.sdk.helpers import done, unique
from tests.sdk.resources.test_me import PASSWORD, organization

__all__ = ["organization"]


async def test_user_metadata_create_merge_filter(api: Any) -> None:
    external_id = unique("crm")
    user: User = await done(
        api.users.create(
            email=f"{unique('md')}@example.com",
            name="Meta Data",
            external_id=external_id,
            public_metadata={"plan": "pro", "drop": None},
            private_metadata={"score": 1},
        )
    )
    assert (user.external_id, user.public_metadata, user.private_metadata) == (
        external_id,
        {"plan": "pro"},
        {"score": 1},
    )
    updated = await done(
        api.users.update(user.id, public_metadata={"plan": None, "seats": 3}, private_metadata={"x": [1]})
    )
    assert updated.public_metadata == {"seats": 3}
    assert updated.private_metadata == {"score": 1, "x": [1]}
    page = await done(api.users.list(external_id=external_id))
    assert [u.id for u in page.data] == [user.id]
    with pytest.raises(DuplicateError) as taken:
        await done(api.users.create(email=f"{unique('md')}@example.com", name="Twin", external_id=external_id))
    assert taken.value.code == "duplicate_external_id"
    with pytest.raises(ValidationError) as deep:
        await done(api.users.update(user.id, private_metadata={"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}))
    assert deep.value.details[0]["field"] == "private_metadata"
    cleared = await done(api.users.update(user.id, external_id=None))
    assert cleared.external_id is None


async def test_the_user_sees_public_metadata_only(api: Any, make_client: Callable[..., Any], organization: str) -> None:
    email = f"{unique('md')}@example.com"
    await done(
        api.users.create(
            email=email, name="Self", password=PASSWORD, public_metadata={"theme": "dark"}, private_metadata={"risk": 1}
        )
    )
    tokens = await done(
        make_client(api_key=None).auth.sign_in(organization=organization, email=email, password=PASSWORD)
    )
    assert isinstance(tokens.user, UserProfile) and not isinstance(tokens.user, User)
    me = await done(make_client(api_key=tokens.access_token).me.get())
    assert isinstance(me.user, UserProfile) and not hasattr(me.user, "private_metadata")
    assert me.user.public_metadata == {"theme": "dark"}


async def test_product_metadata(api: Any) -> None:
    product: Product = await done(
        api.products.create(name="Meta", sku=unique("MD"), price=1, metadata={"color": "red"})
    )
    assert product.metadata == {"color": "red"}
    updated = await done(api.products.update(product.id, metadata={"color": None, "size": "L"}))
    assert updated.metadata == {"size": "L"}
    with pytest.raises(ValidationError) as big:
        await done(api.products.update(product.id, metadata={"blob": "x" * 9000}))
    assert big.value.details[0]["field"] == "metadata"
