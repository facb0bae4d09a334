"""Surveys: schedule.py (the policy, time zones, daytime), planning.py (which invitations exist
and are due), budget.py (one survey per customer per budget period), followup.py (the "did
this fix it?" survey after a case is resolved), messages.py (the emails), sending.py (claim and
send in batches), answers.py (the customer's answer, stored first), admin.py (the invitations
list, resend, the policy)."""
