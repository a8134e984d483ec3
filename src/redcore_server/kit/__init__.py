"""Shared machinery every resource uses, knowing no domain (see docs/architecture.md)."""
