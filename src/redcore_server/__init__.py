"""RedCore server: the multi-tenant user-management and product-catalog API."""

__version__ = "0.1.0"
