"""Performance pages: dashboard, scorecards, goals, coaching notes, drill-down, exports."""
