"""Delivering the outbox: what to say (messages), and getting it said (delivery, worker)."""
