"""The documentation's SDK code runs against the real server: every snippet of seed 000, seed 003's
error handling, and the README's quick start, API keys and teams examples.

The seed snippets are copied verbatim (their indentation restored: the seed text lost it) and
exec'd with a ``client`` in scope. Where a snippet needs an object that exists, a second run
substitutes only the id (or, to reach the ``ValidationError`` branch, the email) literal: the
changed line is named in a comment beside each ``.replace``. The README's blocks (the quick start
and the API keys and teams examples) run as pasted, in a fresh Python process with ``REDCORE_API_KEY`` and
``REDCORE_BASE_URL`` exported.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from redcore import Client
from redcore.exceptions import NotFoundError
from tests.sdk.helpers import unique
from tests.sdk.server import ServerProcess

README = Path(__file__).resolve().parents[2] / "README.md"

# --- seed 000 (RedCore), verbatim --------------------------------------------------------------

LIST_ALL = """
for page in client.users.list_all(status="active", page_size=50):
    for user in page:
        print(user.id, user.email)
"""

GET = """
from redcore.exceptions import NotFoundError
try:
    user = client.users.get("usr_98765")
    print(user.name, user.role)
except NotFoundError:
    print("User does not exist.")
"""

CREATE = """
from redcore.exceptions import ValidationError, DuplicateError
try:
    new_user = client.users.create(
        email="bob@example.com",
        name="Bob Smith",
        role="editor",
    )
    print(f"Invited: {new_user.id}")
except ValidationError as exc:
    for detail in exc.details:
        print(detail["field"], detail["issue"])
except DuplicateError:
    print("A user with this email already exists.")
"""

UPDATE = """
updated = client.users.update("usr_98765", role="admin")
print(updated.role) # → "admin"
"""

DELETE = """
client.users.delete("usr_98765") # raises NotFoundError if missing
"""

PRODUCT_GET = """
product = client.products.get("prod_00123")
print(f"{product.name} — ${product.price / 100:.2f}")
"""

ITER_PAGES = '''
def iter_pages(list_fn, **kwargs):
    """Yield individual items from any SDK list method."""
    limit, offset = kwargs.pop("limit", 100), 0
    while True:
        page = list_fn(limit=limit, offset=offset, **kwargs)
        yield from page["data"]
        if offset + limit >= page["meta"]["total"]:
            break
        offset += limit

# Usage
for user in iter_pages(client.users.list, status="active"):
    print(user["email"])
'''

# --- seed 003, verbatim but for `from example import` → `from redcore import` ----------------

ERROR_HANDLING = """
from redcore import Client, APIError

client = Client(api_key="your-api-key")

try:
    user = client.users.get(999)
except APIError as e:
    if e.code == "NOT_FOUND":
        print("User doesn't exist")
    else:
        print(f"Error: {e.message}")
"""


def run(snippet: str, client: Client, capsys: pytest.CaptureFixture[str]) -> str:
    """Exec ``snippet`` with ``client`` in scope; what it printed."""
    capsys.readouterr()
    exec(compile(snippet, "<snippet>", "exec"), {"client": client})  # noqa: S102 - the documentation's own code
    return capsys.readouterr().out


@pytest.fixture
def active_user(sync_client: Client) -> Any:
    return sync_client.users.create(email=f"{unique()}@example.com", name="Active Alice", password="s3cret-pass!")


def test_list_all_loop(sync_client: Client, active_user: Any, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(LIST_ALL, sync_client, capsys)
    assert f"{active_user.id} {active_user.email}\n" in out
    active = sync_client.users.list(status="active", limit=1).meta.total
    assert len(out.splitlines()) == active


def test_get(sync_client: Client, active_user: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(GET, sync_client, capsys) == "User does not exist.\n"
    existing = GET.replace('"usr_98765"', repr(active_user.id))  # only the id literal
    assert run(existing, sync_client, capsys) == "Active Alice viewer\n"


def test_create(sync_client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    for user in sync_client.users.iter(q="bob@example.com"):  # the snippet's fixed email: start clean
        sync_client.users.delete(user.id)
    first = run(CREATE, sync_client, capsys)
    assert re.fullmatch(r"Invited: usr_\w+\n", first)
    assert run(CREATE, sync_client, capsys) == "A user with this email already exists.\n"
    invalid = CREATE.replace('email="bob@example.com"', 'email="b"')  # only the email literal: a 400
    field, issue = run(invalid, sync_client, capsys).rstrip("\n").split(" ", 1)
    assert field == "email"
    assert issue


def test_update(sync_client: Client, active_user: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NotFoundError):  # as written: there is no usr_98765
        run(UPDATE, sync_client, capsys)
    existing = UPDATE.replace('"usr_98765"', repr(active_user.id))  # only the id literal
    assert run(existing, sync_client, capsys) == "admin\n"
    assert sync_client.users.get(active_user.id).role == "admin"


def test_delete(sync_client: Client, active_user: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(NotFoundError):  # "raises NotFoundError if missing"
        run(DELETE, sync_client, capsys)
    existing = DELETE.replace('"usr_98765"', repr(active_user.id))  # only the id literal
    assert run(existing, sync_client, capsys) == ""
    with pytest.raises(NotFoundError):
        sync_client.users.get(active_user.id)


def test_product_price(sync_client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    product = sync_client.products.create(name="Titanium Widget Pro", sku=unique("TWP-"), price=4999, stock=250)
    with pytest.raises(NotFoundError):  # as written: there is no prod_00123
        run(PRODUCT_GET, sync_client, capsys)
    existing = PRODUCT_GET.replace('"prod_00123"', repr(product.id))  # only the id literal
    assert run(existing, sync_client, capsys) == "Titanium Widget Pro — $49.99\n"


def test_iter_pages_helper(sync_client: Client, active_user: Any, capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(3):  # enough active users for more than one page of the helper's limit
        sync_client.users.create(email=f"{unique()}@example.com", name="Active", password="s3cret-pass!")
    out = run(ITER_PAGES, sync_client, capsys)
    emails = out.splitlines()
    assert active_user.email in emails
    assert len(emails) == len(set(emails)) == sync_client.users.list(status="active", limit=1).meta.total
    small_pages = ITER_PAGES.replace(  # the same helper, walking 2 at a time through offsets
        'iter_pages(client.users.list, status="active")', 'iter_pages(client.users.list, status="active", limit=2)'
    )
    assert sorted(run(small_pages, sync_client, capsys).splitlines()) == sorted(emails)


def test_seed_003_error_handling(
    server: ServerProcess, sync_client: Client, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As written, with the base URL from the environment: "your-api-key" is refused (401).
    monkeypatch.setenv("REDCORE_BASE_URL", server.base_url)
    assert run(ERROR_HANDLING, sync_client, capsys).startswith("Error: The provided API key")
    # With the client construction replaced by a real one: the integer id is not found (404). The
    # contract's codes are lowercase, so the snippet's "NOT_FOUND" branch is not taken.
    constructed = ERROR_HANDLING.replace(
        'client = Client(api_key="your-api-key")',
        f"client = Client(api_key={server.api_key!r}, base_url={server.base_url!r})",
    )
    assert run(constructed, sync_client, capsys) == "Error: No user with id '999'.\n"


# --- README ----------------------------------------------------------------------------------


def readme_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("\n## SDK quick start\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_the_readme_quick_start_runs_as_pasted(server: ServerProcess) -> None:
    blocks = readme_blocks()
    assert len(blocks) == 2
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {"REDCORE_API_KEY": server.api_key, "REDCORE_BASE_URL": server.base_url}
    outputs = []
    for _ in range(2):  # pasted twice: the second run meets the user the first one made
        for block in blocks:
            out = subprocess.run(
                [sys.executable, "-"], input=block, env=env, capture_output=True, text=True, timeout=60
            )
            assert out.returncode == 0, out.stderr
            outputs.append(out.stdout)
    assert all("carol@example.com" in out for out in outputs)
    assert "404 not_found" in outputs[0]
    for first_block in (outputs[0], outputs[2]):
        assert re.search(r"^usr_\w+ admin carol@example.com ", first_block, re.MULTILINE)


def test_the_readme_api_keys_example_runs_as_pasted(server: ServerProcess, sync_client: Client) -> None:
    section = README.read_text().split("\n## API keys with the SDK\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {"REDCORE_API_KEY": server.api_key, "REDCORE_BASE_URL": server.base_url}
    out = subprocess.run([sys.executable, "-"], input=block, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    made = re.fullmatch(r"(key_\w+) (sk_live_\w+) \['users:read'\]", lines[0])
    assert made, lines[0]
    assert lines[2] == "insufficient_scope"
    key = sync_client.api_keys.get(made.group(1))
    assert key.revoked_at is not None
    assert key.expires_at is not None  # the grace period's end, replacing the 90 days
    [rolled] = [
        k for k in sync_client.api_keys.iter() if k.name == "reporting (rolled)" and k.created_at >= key.created_at
    ]
    assert rolled.revoked_at is not None
    assert any(line.startswith(f"{rolled.id} reporting (rolled) ") for line in lines[3:])


def test_the_readme_teams_example_runs_as_pasted(server: ServerProcess, sync_client: Client) -> None:
    section = README.read_text().split("\n## Teams with the SDK\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {"REDCORE_API_KEY": server.api_key, "REDCORE_BASE_URL": server.base_url}
    for _ in range(2):  # pasted twice: it cleans up after itself
        out = subprocess.run([sys.executable, "-"], input=block, env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines() == [
            "duplicate_team",
            "2",
            "Erin Park editor",
            "Frank Ode viewer",
            "['erin@example.com']",
            "0",
        ]
    assert not [t for t in sync_client.teams.iter(q="Support") if t.name == "Support"]


def test_the_readme_account_emails_example_runs_as_pasted(server: ServerProcess) -> None:
    section = README.read_text().split("\n## Account emails with the SDK\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    [org] = [o for o in server.cli("orgs", "list") if o["name"] == "Default"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {"REDCORE_BASE_URL": server.base_url, "REDCORE_ORGANIZATION": org["id"]}
    out = subprocess.run([sys.executable, "-"], input=block, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["400 invalid_token", "400 invalid_token"]


def webhook_blocks() -> list[str]:
    section = README.read_text().split("\n## Webhooks with the SDK\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_the_readme_webhook_receiver_accepts_a_signed_delivery_once_and_rejects_a_forgery(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from standardwebhooks.webhooks import Webhook

    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    monkeypatch.setenv("REDCORE_WEBHOOK_SECRET", secret)
    namespace: dict[str, Any] = {}
    exec(webhook_blocks()[1], namespace)  # noqa: S102 - the README's own snippet
    receive = namespace["receive"]
    body = json.dumps(
        {"id": "evt_1", "type": "user.created", "created_at": "2026-01-01T00:00:00Z", "data": {"email": "a@b.co"}}
    )
    now = datetime.now(UTC)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg_1", now, body),
    }
    assert receive(body.encode(), headers) == 200
    assert receive(body.encode(), headers) == 200  # the retry is acknowledged, not handled again
    assert capsys.readouterr().out == "welcome a@b.co\n"
    assert receive(body.replace("a@b.co", "evil@b.co").encode(), headers) == 400
    assert capsys.readouterr().out.startswith("rejected: No signature")


def caller_blocks() -> list[str]:
    section = README.read_text().split("\n## The organization and the caller with the SDK\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_the_readme_organization_and_caller_example_runs_as_pasted(server: ServerProcess) -> None:
    [block] = caller_blocks()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {"REDCORE_API_KEY": server.api_key, "REDCORE_BASE_URL": server.base_url}
    for _ in range(2):  # pasted twice: it cleans up after itself
        out = subprocess.run([sys.executable, "-"], input=block, env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert lines[0].startswith("api_key sk_live_") and "org:manage" in lines[0]
        assert re.fullmatch(r"org_\w+ \S.* USD", lines[1])
        assert re.fullmatch(r"dana@example.com ses_\w+", lines[2])
        assert lines[3] == "Dana Reyes"


def test_the_readme_roles_example_runs_as_pasted(server: ServerProcess, sync_client: Client) -> None:
    section = README.read_text().split("\n## Roles with the SDK\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {"REDCORE_API_KEY": server.api_key, "REDCORE_BASE_URL": server.base_url}
    out = subprocess.run([sys.executable, "-"], input=block, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "role"
    assert lines[1] == "moderator ['users:read', 'users:write']"
    assert "moderator False ['users:read', 'users:write']" in lines
    assert "admin True" in "\n".join(lines)
    assert lines[-1] == "role_in_use"
    assert "moderator" not in [r.key for r in sync_client.roles.iter()]


def test_the_readme_exports_example_runs_as_pasted(server: ServerProcess, sync_client: Client) -> None:
    section = README.read_text().split("\n## Exports with the SDK\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCORE_")}
    env |= {"REDCORE_API_KEY": server.api_key, "REDCORE_BASE_URL": server.base_url}
    for _ in range(2):  # pasted twice: it cleans up after itself
        out = subprocess.run([sys.executable, "-"], input=block, env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        [exported, written] = out.stdout.splitlines()
        assert re.fullmatch(r"usr_\w+ export\.demo@example\.com editor", exported)
        assert written == "True export.demo@example.com '=Export Demo"
    assert list(sync_client.users.export(q="export.demo")) == []


def test_the_readme_import_example_runs_as_pasted(sync_client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    section = README.read_text().split("\n### Through the API: an import job\n", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    [shown] = re.findall(r"```text\n(.*?)```", section, re.DOTALL)
    code = code.replace("lin@example.com", "lin.readme@example.com")  # the documentation's address, once per run
    assert run(code, sync_client, capsys) == shown
