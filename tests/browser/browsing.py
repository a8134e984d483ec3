"""What the browser tests share besides fixtures: where chromium is, when they run, screenshots."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests import support

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"  # git-ignored

# Every browser test module: pytestmark = MARKS
# CI sets REDCORE_REQUIRE_BROWSER=1 (.ci/run): there a missing chromium fails the tests, never skips them.
MARKS = [
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("REDCORE_REQUIRE_BROWSER"),
        reason="Debian's chromium is not installed (scripts/setup --dev installs it)",
    ),
    pytest.mark.skipif(support.BACKEND != "sqlite", reason="browser tests run once, on the embedded default"),
]


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
