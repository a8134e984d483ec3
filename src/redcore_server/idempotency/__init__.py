"""``Idempotency-Key``: a POST's outcome stored with its change and replayed to its retries."""
