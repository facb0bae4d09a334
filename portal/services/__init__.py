"""Business rules. Nothing here imports Flask request state."""
