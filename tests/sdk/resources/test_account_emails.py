"""``client.auth``'s account emails against the real server, with Client and AsyncClient alike: a
password reset requested on a client without a key (the same None for an unknown address), its link
read from the server's local mailbox, confirmed once; an email change verified with its link."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest

from redcore import User
from redcore.exceptions import ValidationError
from tests.sdk.helpers import done, unique
from tests.sdk.server import ServerProcess

RESET = re.compile(r"token=(rcp_[\w-]+)")
VERIFY = re.compile(r"token=(rcv_[\w-]+)")
PASSWORD = "the first password"


@pytest.fixture(scope="module")
def organization(server: ServerProcess) -> str:
    [org] = [o for o in server.cli("orgs", "list") if o["name"] == "Default"]
    ident: str = org["id"]
    return ident


@pytest.fixture(autouse=True)
def _no_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDCORE_API_KEY", raising=False)


@pytest.fixture
def keyless(make_client: Callable[..., Any]) -> Any:
    return make_client(api_key=None)


async def emailed(server: ServerProcess, email: str, pattern: re.Pattern[str]) -> list[str]:
    """The link tokens ``pattern`` finds in the emails sent to ``email`` (the local mailbox), oldest first."""
    for _ in range(100):
        emails = [e for e in server.cli("mail", "list", "--to", email) if e["to_address"] == email]
        found = [m.group(1) for e in reversed(emails) if (m := pattern.search(e["body"] or ""))]
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"no email to {email}")


async def refused(call: Callable[[], Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        await done(call())
    assert (caught.value.status, caught.value.code) == (400, "invalid_token")


async def test_reset_a_forgotten_password(api: Any, keyless: Any, server: ServerProcess, organization: str) -> None:
    email = f"{unique('reset')}@example.com"
    user = await done(api.users.create(email=email, name="Rita Reset", password=PASSWORD))
    raw = await done(keyless.auth.with_raw_response.request_password_reset(organization=organization, email=email))
    assert raw.status_code == 202 and raw.parse() is None
    assert "authorization" not in raw.http_response.request.headers
    unknown = await done(
        keyless.auth.with_raw_response.request_password_reset(organization=organization, email="no@example.com")
    )
    assert (unknown.status_code, unknown.http_response.content) == (202, raw.http_response.content)

    [token] = await emailed(server, email, RESET)
    new_password = "the second password"
    changed = await done(keyless.auth.confirm_password_reset(token=token, password=new_password))
    assert isinstance(changed, User)
    assert (changed.id, changed.email_verified) == (user.id, True)
    await refused(lambda: keyless.auth.confirm_password_reset(token=token, password="a third password"))
    signed_in = await done(keyless.auth.sign_in(organization=organization, email=email, password=new_password))
    assert signed_in.user.id == user.id


async def test_verify_a_changed_address(api: Any, keyless: Any, server: ServerProcess) -> None:
    user = await done(api.users.create(email=f"{unique('old')}@example.com", name="Vic Verify", password=PASSWORD))
    new = f"{unique('new')}@example.com"
    changed = await done(api.users.update(user.id, email=new))
    assert changed.email_verified is False
    [token] = await emailed(server, new, VERIFY)
    verified = await done(keyless.auth.verify_email(token=token))
    assert isinstance(verified, User)
    assert (verified.id, verified.email, verified.email_verified) == (user.id, new, True)
    await refused(lambda: keyless.auth.verify_email(token=token))
