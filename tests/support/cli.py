"""The operator's CLI run in this process against a test database."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from redcore_server.cli import app as cli_app


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, url: str, cwd: Path | None = None, check: bool = True) -> CliResult:
    """Run ``redcore-server ARGS`` in this process (Typer's runner) against the database at ``url``."""
    runner = CliRunner()
    previous = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        outcome = runner.invoke(cli_app, list(args), env={"REDCORE_DATABASE_URL": url}, catch_exceptions=False)
    finally:
        os.chdir(previous)
    result = CliResult(outcome.exit_code, outcome.stdout, outcome.stderr)
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result
