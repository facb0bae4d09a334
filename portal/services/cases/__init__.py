"""Cases: a complaint or negative answer, from its opening to its close.

opening.py (a case from a customer's words), routing.py (who gets it), severity.py (how
serious, and a manager's change), assignment.py (hand it to someone; the triage queue),
labels.py (the analysis and its correction), work.py (contact, resolve, reopen, close: the
TRANSITIONS table), messages.py (rep <-> customer), followup_survey.py ("did this fix it?"
scheduled) and followup.py (what the answer or silence does), escalation.py (missed
deadlines), queue.py (a rep's list), history.py, overview.py, links.py (the customer's status
link), corrections.py (the label corrections export), rules.py (what every change obeys).
"""
