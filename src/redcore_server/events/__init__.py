"""Events: every change to a user or product, recorded in the same transaction as the change."""
