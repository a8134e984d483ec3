"""Housekeeping: periodic jobs (erasure of deleted users' data, purges past the retention) run by
every process that runs the outbox workers. ``background.py`` lists them; ``runner.py`` runs them."""
