"""Sales in: csv_format.py (what a valid row is), file_import.py (a CSV file, in batches),
api_intake.py (the JSON API)."""
