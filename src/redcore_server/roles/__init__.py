"""Roles of an organization: the built-in ``admin``, ``editor`` and ``viewer`` and its custom ones."""
