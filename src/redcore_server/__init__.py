"""RedCore server: the multi-tenant user-management and product-catalog API."""

from importlib.metadata import PackageNotFoundError, version

try:  # pyproject.toml is the one place the version is written (as for redcore._version)
    __version__ = version("redcore")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
