"""The API's collections, as attributes of a client: ``client.users``, ``client.products``,
``client.events``, ``client.webhook_endpoints``, ``client.api_keys``, ``client.teams``,
``client.roles``; signing in as a user and account emails: ``client.auth``; accepting an
invitation: ``client.invitations``; the credential's organization and the caller:
``client.organization``, ``client.me``."""

from redcore.resources.api_keys import ApiKeys, AsyncApiKeys
from redcore.resources.auth import AsyncAuth, Auth
from redcore.resources.events import AsyncEvents, Events
from redcore.resources.invitations import AsyncInvitations, Invitations
from redcore.resources.me import AsyncMe, MeResource
from redcore.resources.organization import AsyncOrganizationResource, OrganizationResource
from redcore.resources.products import AsyncProducts, Products
from redcore.resources.roles import AsyncRoles, Roles
from redcore.resources.teams import AsyncTeams, Teams
from redcore.resources.users import AsyncUsers, Users
from redcore.resources.webhook_endpoints import AsyncWebhookEndpoints, WebhookEndpoints

__all__ = [
    "ApiKeys",
    "AsyncApiKeys",
    "AsyncAuth",
    "AsyncEvents",
    "AsyncInvitations",
    "AsyncMe",
    "AsyncOrganizationResource",
    "AsyncProducts",
    "AsyncRoles",
    "AsyncTeams",
    "AsyncUsers",
    "AsyncWebhookEndpoints",
    "Auth",
    "Events",
    "Invitations",
    "MeResource",
    "OrganizationResource",
    "Products",
    "Roles",
    "Teams",
    "Users",
    "WebhookEndpoints",
]
