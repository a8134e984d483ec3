"""``/docs`` in a real browser: the interactive reference renders the server's OpenAPI 3.1 document
(every operation listed), loads nothing from outside the server, and "Try it out" on
``GET /v1/users`` with an API key typed into "Authorize" gets a 200."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect

from tests.browser.browsing import MARKS, screenshot_path
from tests.server.http.serving import Server
from tests.support import Tenant

pytestmark = MARKS

METHODS = {"get", "put", "post", "delete", "patch"}


async def test_the_reference_lists_every_operation_and_tries_one(
    live_server: Server, browser: Any, tenant: Tenant
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        document = (await client.get("/openapi.json")).json()
    operations = sum(1 for item in document["paths"].values() for method in item if method in METHODS)
    await tenant.create_user(email="ada@example.com", name="Ada Lovelace")

    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    elsewhere: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((live_server.url, "data:")) else elsewhere.append(r.url))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        await page.goto(f"{live_server.url}/docs")
        await expect(page.locator(".opblock")).to_have_count(operations, timeout=20_000)
        assert "Unable to render" not in await page.content()

        await page.get_by_role("button", name="Authorize").first.click()
        await page.locator(".modal-ux input").first.fill(tenant.key)
        await page.locator(".modal-ux .auth-btn-wrapper button.authorize").click()  # "Authorize"
        await page.locator(".modal-ux .auth-btn-wrapper button.btn-done").click()  # "Close"

        operation = page.locator("#operations-Users-list_users")
        await operation.locator(".opblock-summary").first.click()
        await operation.get_by_role("button", name="Try it out").click()
        await operation.get_by_role("button", name="Execute").click()
        status = operation.locator(".live-responses-table tr.response td.response-col_status").first
        await expect(status).to_have_text("200", timeout=10_000)
        await expect(operation.locator(".live-responses-table")).to_contain_text("ada@example.com")
        await page.screenshot(path=screenshot_path("docs"), full_page=False)
    finally:
        await page.close()
    assert elsewhere == []
    assert problems == []
