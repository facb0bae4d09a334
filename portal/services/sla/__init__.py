"""Service levels: calendar.py (working time of a team), deadlines.py (when a case is due:
`deadlines_for_case`), admin.py (the policies, holidays and their previews admins edit)."""
