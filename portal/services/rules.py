"""The one error a service raises when a change someone asked for would break a rule.

Every domain (cases, staff, SLA, surveys, goals, messages) raises `RuleError` with a message
that says what to fix and, when it is about one form field, that field's name: the blueprints
show it next to the field (`show_rule_error`, portal/form_helpers.py).
"""

from __future__ import annotations


class RuleError(ValueError):
    """A change someone asked for would break a rule; `message` says what to fix."""

    def __init__(self, message: str, field: str | None = None, row: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row  # in a form of several rows (the SLA of each severity): which one
