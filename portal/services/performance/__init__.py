"""Performance: records.py (the rolled-up records the pages read), goals.py (goals, coaching
notes and progress), digest.py (the weekly digest emailed to managers)."""
