"""What the forms of every blueprint share: the input filter that trims text, and how a page
shows a broken rule (`RuleError`) next to its field."""

from __future__ import annotations

from flask import flash

from portal.services.rules import RuleError


def strip(value: str | None) -> str | None:
    """A form filter: text without surrounding spaces (anything else as it came)."""
    return value.strip() if isinstance(value, str) else value


def show_rule_error(form, exc: RuleError) -> None:
    """The rule's message next to the field it is about (`exc.field`, a field of `form`);
    otherwise at the top of the page."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]  # a tuple until the form is validated
    else:
        flash(exc.message, "error")
