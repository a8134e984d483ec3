"""``client.organization`` against the real server, with Client and AsyncClient alike. The tests change
an organization of their own (made with the CLI), never the shared ``Default`` one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from redcore import Organization
from redcore.exceptions import DuplicateError, PermissionDeniedError, PreconditionFailedError, ValidationError
from tests.sdk.helpers import done, unique
from tests.sdk.server import ServerProcess


@pytest.fixture
def own(server: ServerProcess, make_client: Callable[..., Any]) -> tuple[dict[str, Any], Any]:
    """A new organization, and a client of this test's kind with an admin key of it."""
    org = server.cli("orgs", "create", unique("SDK Org "))
    key = server.cli("keys", "create", "--org", org["id"], "--name", "sdk-org-admin")["api_key"]
    return org, make_client(api_key=key)


async def test_get_and_update(own: tuple[dict[str, Any], Any]) -> None:
    org, client = own
    got = await done(client.organization.get())
    assert isinstance(got, Organization)
    assert (got.id, got.name, got.base_currency) == (org["id"], org["name"], "USD")

    name = unique("Renamed ")
    updated = await done(client.organization.update(name=name, base_currency="EUR"))
    assert (updated.name, updated.base_currency) == (name, "EUR")
    assert updated.updated_at > got.updated_at
    product = await done(client.products.create(name="Cup", sku=unique("CUP-"), price=500))
    assert product.currency == "EUR"


async def test_if_match_and_errors(own: tuple[dict[str, Any], Any], api: Any) -> None:
    _, client = own
    raw = await done(client.organization.with_raw_response.get())
    assert raw.status_code == 200 and raw.etag
    changed = await done(client.organization.with_raw_response.update(base_currency="GBP", if_match=raw.etag))
    assert changed.parse().base_currency == "GBP" and changed.etag != raw.etag
    with pytest.raises(PreconditionFailedError):
        await done(client.organization.update(base_currency="JPY", if_match=raw.etag))

    default = await done(api.organization.get())  # the shared organization's name is taken
    with pytest.raises(DuplicateError) as duplicate:
        await done(client.organization.update(name=default.name))
    assert duplicate.value.code == "duplicate_organization_name"
    with pytest.raises(ValidationError) as invalid:
        await done(client.organization.update(base_currency="XXX"))
    assert invalid.value.details[0]["field"] == "base_currency"


async def test_a_key_without_org_manage_reads_but_cannot_change(
    make_client: Callable[..., Any], readonly_key: str
) -> None:
    readonly = make_client(api_key=readonly_key)
    org = await done(readonly.organization.get())
    with pytest.raises(PermissionDeniedError) as refused:
        await done(readonly.organization.update(name=org.name))
    assert refused.value.code == "insufficient_scope"
