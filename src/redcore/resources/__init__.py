"""The API's collections, as attributes of a client: ``client.users``, ``client.products``,
``client.events``, ``client.webhook_endpoints``, ``client.api_keys``; signing in as a user:
``client.auth``; and accepting an invitation: ``client.invitations``."""

from redcore.resources.api_keys import ApiKeys, AsyncApiKeys
from redcore.resources.auth import AsyncAuth, Auth
from redcore.resources.events import AsyncEvents, Events
from redcore.resources.invitations import AsyncInvitations, Invitations
from redcore.resources.products import AsyncProducts, Products
from redcore.resources.users import AsyncUsers, Users
from redcore.resources.webhook_endpoints import AsyncWebhookEndpoints, WebhookEndpoints

__all__ = [
    "ApiKeys",
    "AsyncApiKeys",
    "AsyncAuth",
    "AsyncEvents",
    "AsyncInvitations",
    "AsyncProducts",
    "AsyncUsers",
    "AsyncWebhookEndpoints",
    "Auth",
    "Events",
    "Invitations",
    "Products",
    "Users",
    "WebhookEndpoints",
]
