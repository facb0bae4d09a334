"""Coaching pages: complaint themes per rep and team, the admin's theme list, coaching plans
with their training items."""
