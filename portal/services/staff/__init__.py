"""Staff: accounts.py (users, roles, absence, stand-ins), passwords.py (signing in,
set-password links), teams.py (teams and their working calendars), api_keys.py."""
