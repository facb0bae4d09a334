"""Check-ins: the "keep in touch" list, a customer's timeline, the check-in rules (admins)."""
