"""Organizations: the tenants every other row belongs to."""
