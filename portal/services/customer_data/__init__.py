"""Everything held about one customer, on their request: find them (lookup.py), export it
all (export.py), erase their words and contact data while the figures stay true (erasure.py),
and the retention rule that removes old words by itself (retention.py). Every export and
erasure is written to the audit trail (services/audit.py), without the customer's name."""
