"""Cases: a complaint or negative answer, from its opening to its close.

opening.py (a case from a customer's words), routing.py (who gets it), severity.py (how
serious, and a manager's change), assignment.py (hand it to someone; the triage queue),
labels.py (the analysis and its correction), work.py (contact, resolve, reopen, close: the
TRANSITIONS table), messages.py (rep <-> customer), followup.py (what the answer to "did this
fix it?", or silence, does to the case; the survey itself is services/surveys/followup.py),
escalation.py (missed deadlines), queue.py (a rep's list), history.py, overview.py,
corrections.py (the label corrections export), rules.py (what every change obeys). The
customer's status link is services/status_links.py.
"""
