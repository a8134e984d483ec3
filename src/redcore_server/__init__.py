"""RedCore server: the multi-tenant user-management and product-catalog API."""

from importlib.metadata import PackageNotFoundError, version

# pyproject.toml is the one place the version is written; read here as redcore._version reads it,
# not imported from there: importing the SDK package (httpx and its models) would cost every
# server and CLI start about 0.2 s.
try:
    __version__ = version("redcore")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
