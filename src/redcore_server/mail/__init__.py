"""Email: a durable outbox written in the transaction that decides to send, and a worker that sends
through SMTP (``REDCORE_SMTP_URL``) or, on the embedded default, keeps the messages in a local
mailbox the CLI shows (``redcore-server mail list``)."""
