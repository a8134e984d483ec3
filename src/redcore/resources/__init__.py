"""The API's collections, as attributes of a client: ``client.users``, ``client.products``."""

from redcore.resources.products import AsyncProducts, Products
from redcore.resources.users import AsyncUsers, Users

__all__ = ["AsyncProducts", "AsyncUsers", "Products", "Users"]
