"""The package's version, read from its installed metadata: ``pyproject.toml`` is the one place
it is written (``redcore_server.__version__`` reads the same)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("redcore")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
