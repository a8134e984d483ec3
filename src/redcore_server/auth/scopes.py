"""The contract's scopes. ``*:write`` does not imply ``*:read``."""

from __future__ import annotations

USERS_READ = "users:read"
USERS_WRITE = "users:write"
PRODUCTS_READ = "products:read"
PRODUCTS_WRITE = "products:write"
KEYS_MANAGE = "keys:manage"
WEBHOOKS_MANAGE = "webhooks:manage"
EVENTS_READ = "events:read"
ORG_MANAGE = "org:manage"
TEAMS_READ = "teams:read"
TEAMS_WRITE = "teams:write"

ALL_SCOPES: tuple[str, ...] = (
    USERS_READ,
    USERS_WRITE,
    PRODUCTS_READ,
    PRODUCTS_WRITE,
    KEYS_MANAGE,
    WEBHOOKS_MANAGE,
    EVENTS_READ,
    ORG_MANAGE,
    TEAMS_READ,
    TEAMS_WRITE,
)


def parse_scopes(raw: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Validate scopes given as a list or a comma/space separated string; none means all."""
    items = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw or ())
    unknown = sorted(set(items) - set(ALL_SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}")
    if not items:
        return ALL_SCOPES
    return tuple(s for s in ALL_SCOPES if s in items)


VIEWER_SCOPES: tuple[str, ...] = (USERS_READ, PRODUCTS_READ, EVENTS_READ, TEAMS_READ)
EDITOR_SCOPES: tuple[str, ...] = (*VIEWER_SCOPES, USERS_WRITE, PRODUCTS_WRITE, TEAMS_WRITE)
# What a signed-in user's access token may do, by the user's role.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "viewer": frozenset(VIEWER_SCOPES),
    "editor": frozenset(EDITOR_SCOPES),
    "admin": frozenset(ALL_SCOPES),
}
