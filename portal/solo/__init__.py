"""A seller on their own: the first-run page, and what the pages ask about a one-person install."""
