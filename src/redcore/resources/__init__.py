"""The API's collections, as attributes of a client: ``client.users``, ``client.products``,
``client.events``, ``client.webhook_endpoints``."""

from redcore.resources.events import AsyncEvents, Events
from redcore.resources.products import AsyncProducts, Products
from redcore.resources.users import AsyncUsers, Users
from redcore.resources.webhook_endpoints import AsyncWebhookEndpoints, WebhookEndpoints

__all__ = [
    "AsyncEvents",
    "AsyncProducts",
    "AsyncUsers",
    "AsyncWebhookEndpoints",
    "Events",
    "Products",
    "Users",
    "WebhookEndpoints",
]
