"""Browser tests: Debian's ``chromium`` driven by Playwright (the Python package; no browser is
downloaded: ``scripts/setup --dev`` installs the ``chromium`` package when it is missing), against
``redcore-server serve`` running as a real process on the session's database.

They run on the embedded default (SQLite); ``.ci/run`` checks that chromium is there, so they cannot
be skipped in CI. Screenshots go to ``tests/browser/screenshots/`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.browser.browsing import CHROMIUM
from tests.server.http.serving import Server, serving


@pytest.fixture(scope="session")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``redcore-server serve`` on the session's database, for the whole session."""
    with serving(database_url, tmp_path_factory.mktemp("browser")) as server:
        yield server


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        # --no-sandbox: CI runs as root, where chromium's sandbox cannot start.
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()
