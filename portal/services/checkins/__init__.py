"""Personal check-ins: which customers are due one (due.py), the rules (rules.py), recording
one and who may see a customer (customers.py), a customer's timeline (timeline.py)."""
