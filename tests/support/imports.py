"""Running ``redcore-server users import`` from a test, as an operator would."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.support.cli import run_cli


async def import_file(url: str, path: Path, org_id: str, *options: str) -> dict[str, Any]:
    """Import ``path`` into the organization with the CLI (``--json``); its summary."""
    result = await asyncio.to_thread(
        run_cli, "users", "import", str(path), "--org", org_id, "--json", *options, url=url
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]
