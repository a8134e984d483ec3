"""One email address is one user, whatever its spelling, on SQLite and PostgreSQL alike; and an
email is what the ``email-validator`` library accepts, stored in its normalised form."""

from __future__ import annotations

import pytest

from tests.support import Tenant
from tests.support.responses import assert_error
from tests.support.sessions import PASSWORD, sign_in

COMPOSED, DECOMPOSED = "ren\u00e9@x.test", "rene\u0301@x.test"  # é as one code point, then e + U+0301


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (COMPOSED, DECOMPOSED),  # two users on both databases before
        ("\u00c9milie@x.test", "\u00e9milie@x.test"),  # É/é: two users on SQLite (lower() is ASCII-only)
        ("\u00c9MILIE@X.TEST", "e\u0301milie@x.test"),
        ("Stra\u00dfe@example.com", "STRASSE@example.com"),  # full case folding: ß is ss
        ("Bob@B\u00dcCHER.example", "bob@xn--bcher-kva.example"),  # an IDN domain, Unicode or ASCII
    ],
)
async def test_spellings_of_one_address_are_one_user(tenant: Tenant, first: str, second: str) -> None:
    await tenant.create_user(email=first)
    response = await tenant.client.post("/v1/users", json={"email": second, "name": "Twin"})
    assert_error(response, 409, "duplicate_email")


async def test_an_email_change_to_another_spelling_of_a_taken_address_is_409(tenant: Tenant) -> None:
    await tenant.create_user(email=COMPOSED)
    other = await tenant.create_user(email="other@x.test")
    response = await tenant.client.patch(f"/v1/users/{other['id']}", json={"email": DECOMPOSED.upper()})
    assert_error(response, 409, "duplicate_email")
    own = await tenant.client.patch(f"/v1/users/{other['id']}", json={"email": "OTHER@X.TEST"})
    assert own.status_code == 200, own.text  # its own address, respelled, is not a conflict


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (DECOMPOSED, COMPOSED),  # NFC
        ("  Bob.Smith@EXAMPLE.COM ", "Bob.Smith@example.com"),  # domain lower-cased, local part kept
        ("a@B\u00dcCHER.example", "a@b\u00fccher.example"),
        ("a@xn--bcher-kva.example", "a@b\u00fccher.example"),
    ],
)
async def test_the_normalised_form_is_stored(tenant: Tenant, given: str, stored: str) -> None:
    assert (await tenant.create_user(email=given))["email"] == stored


@pytest.mark.parametrize(
    "address",
    [
        "<script>@x.com",  # accepted before
        "a@[127.0.0.1]",  # accepted before: no IP-literal domains
        '"a b"@x.com',  # no quoted local parts
        "Bob <bob@x.com>",  # no display names
        "a@localhost",
        "a@printer.local",
        "a@x",
        "a..b@x.com",
        "not-an-email",
        "a@-x.com",
    ],
)
async def test_addresses_the_validator_refuses_are_400(tenant: Tenant, address: str) -> None:
    for response in (
        await tenant.client.post("/v1/users", json={"email": address, "name": "X"}),
        await tenant.client.patch(f"/v1/users/{(await tenant.create_user())['id']}", json={"email": address}),
    ):
        error = assert_error(response, 400, "validation_error")
        assert error["details"][0]["field"] == "email"
        assert error["details"][0]["issue"].startswith("not a valid email address")


async def test_sign_in_finds_the_user_under_any_spelling(tenant: Tenant) -> None:
    await tenant.create_user(email="\u00c9lodie@x.test", password=PASSWORD)
    for spelling in ("\u00e9lodie@x.test", "E\u0301LODIE@X.TEST", " \u00c9lodie@X.test "):
        response = await sign_in(tenant, spelling)
        assert response.status_code == 200, (spelling, response.text)
    assert_error(await sign_in(tenant, "<\u00e9lodie>@x.test"), 401, "invalid_credentials")


async def test_search_finds_a_decomposed_spelling(tenant: Tenant) -> None:
    await tenant.create_user(email=COMPOSED, name="Ren\u00e9 Dupont")
    listed = (await tenant.client.get("/v1/users", params={"q": "rene\u0301"})).json()
    assert [u["email"] for u in listed["data"]] == [COMPOSED]
