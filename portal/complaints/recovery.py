"""How a public page comes back after the customer's session was lost or a limit was hit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, request


@dataclass(frozen=True)
class Recovery:
    """How a page of this blueprint comes back when the customer's session was lost (the
    CSRF token no longer matches) or a limit was hit: the customer's language for the token in
    its URL, the page again with what they typed (None: the link no longer works), and the
    field whose words the "too many" page hands back. Registered per view (`recovers_with`),
    so the error handlers need no list of endpoint names."""

    page: Callable[[str | None], object]
    locale: Callable[[str], str | None] = lambda token: None
    words_field: str = "description"


_RECOVERIES: dict[Callable, Recovery] = {}


def recovers_with(recovery: Recovery) -> Callable:
    def register(view: Callable) -> Callable:
        _RECOVERIES[view] = recovery
        return view

    return register


def recovery_for_request() -> Recovery | None:
    """The recovery of the view this request was routed to, if it registered one."""
    return _RECOVERIES.get(current_app.view_functions.get(request.endpoint))


def revalidated(form):
    """The posted form, checked again so its own errors show, minus the CSRF complaint."""
    form.validate()
    form.csrf_token.errors = []
    return form
