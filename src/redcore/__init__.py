"""RedCore's official Python SDK (the typed client arrives with its own issue)."""

__version__ = "0.1.0"
