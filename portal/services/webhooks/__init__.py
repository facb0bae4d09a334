"""Webhooks out (README "Webhooks"): endpoints (endpoints.py), the events that become
deliveries in the same transaction as the change (events.py), and signing and posting them
(delivery.py, run by the job jobs/webhooks.py)."""
