"""The API's objects as typed models, and the parameters each call accepts.

Models are msgspec Structs: fields are typed (timestamps are timezone-aware ``datetime``), fields
the SDK does not know yet are ignored (a newer server never breaks an older SDK), and both
``user.email`` and ``user["email"]`` work. Enumerated values (``role``, ``status``) are read as
plain strings for the same reason; the ``*Params`` dictionaries below spell out what a call sends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Required, TypedDict

import msgspec

__all__ = [
    "Model",
    "Order",
    "Product",
    "ProductCreateParams",
    "ProductFilters",
    "ProductListParams",
    "ProductSort",
    "ProductStatus",
    "ProductUpdateParams",
    "Role",
    "User",
    "UserCreateParams",
    "UserFilters",
    "UserListParams",
    "UserSort",
    "UserStatus",
    "UserUpdateParams",
]

Role = Literal["admin", "editor", "viewer"]
UserStatus = Literal["active", "inactive", "pending_invite", "suspended"]
ProductStatus = Literal["available", "out_of_stock", "discontinued"]
Order = Literal["asc", "desc"]
UserSort = Literal["created_at", "name", "email"]
ProductSort = Literal["created_at", "name", "price", "sku"]


class Model(msgspec.Struct, kw_only=True):
    """Base of every API object: attribute access, item access, ``in`` and ``to_dict()``."""

    def __getitem__(self, key: str) -> Any:
        """``user["email"]``: the field ``key``; KeyError if the model has no such field."""
        if key not in self.__struct_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        """``"email" in user``: whether the model has a field ``key``."""
        return key in self.__struct_fields__

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key``, or ``default`` when the model has no such field (like ``dict.get``)."""
        return getattr(self, key, default) if key in self.__struct_fields__ else default

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-ready builtins (timestamps as RFC 3339 strings), nested models included."""
        result: dict[str, Any] = msgspec.to_builtins(self)
        return result


class User(Model, kw_only=True):
    """A user of the organization. The API never returns a password."""

    id: str
    email: str
    name: str
    role: str  # "admin" | "editor" | "viewer"
    status: str  # "active" | "inactive" | "pending_invite" | "suspended"
    avatar: str | None = None
    last_login: datetime | None = None
    created_at: datetime
    updated_at: datetime


class Product(Model):
    """A product of the catalog. ``price`` is an integer in minor units (cents for USD)."""

    id: str
    name: str
    sku: str
    price: int
    currency: str
    stock: int
    status: str  # "available" | "out_of_stock" | "discontinued"
    created_at: datetime
    updated_at: datetime


class UserFilters(TypedDict, total=False):
    """What narrows and orders a list of users (``list_all`` and ``iter`` take these)."""

    role: Role
    status: UserStatus
    q: str  # partial, case-insensitive match on name or email
    search: str  # alias of q
    sort: UserSort
    order: Order


class UserListParams(UserFilters, total=False):
    """``users.list``: the filters plus one page's position (``offset``, ``page`` or ``starting_after``)."""

    limit: int  # 1-100, default 20
    offset: int
    page: int  # 1-based
    starting_after: str  # a previous page's meta.next_cursor


class UserCreateParams(TypedDict, total=False):
    """``users.create``: ``email`` and ``name`` are required; without ``password`` the user is invited."""

    email: Required[str]
    name: Required[str]
    role: Role  # default "viewer"
    password: str  # 8-128 characters
    avatar: str | None


class UserUpdateParams(TypedDict, total=False):
    """``users.update``: only the fields given change; ``avatar=None`` clears the avatar."""

    name: str
    email: str
    role: Role
    status: Literal["active", "inactive", "suspended"]
    avatar: str | None
    password: str


class ProductFilters(TypedDict, total=False):
    """What narrows and orders a list of products (``list_all`` and ``iter`` take these)."""

    status: ProductStatus
    q: str  # partial, case-insensitive match on name or SKU
    sort: ProductSort
    order: Order


class ProductListParams(ProductFilters, total=False):
    """``products.list``: the filters plus one page's position (``offset``, ``page`` or ``starting_after``)."""

    limit: int
    offset: int
    page: int
    starting_after: str


class ProductCreateParams(TypedDict, total=False):
    """``products.create``: ``name``, ``sku`` and ``price`` (minor units) are required."""

    name: Required[str]
    sku: Required[str]
    price: Required[int]
    currency: str  # ISO 4217; the organization's base currency by default
    stock: int  # default 0
    status: ProductStatus  # default "available"


class ProductUpdateParams(TypedDict, total=False):
    """``products.update``: only the fields given change."""

    name: str
    sku: str
    price: int
    currency: str
    stock: int
    status: ProductStatus
