"""How a customer reaches the company when a page cannot help them (a dead link, a page that
failed): one function, read by the template partial `_support_contact.html`.

From configuration for now (SUPPORT_EMAIL, SUPPORT_PHONE); the one place to point at the
organisation's own settings once they exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class SupportContact:
    email: str | None
    phone: str | None

    @property
    def phone_link(self) -> str | None:
        """The number for a tel: link (digits and a leading +)."""
        if not self.phone:
            return None
        return "".join(c for c in self.phone if c.isdigit() or c == "+")

    def __bool__(self) -> bool:
        return bool(self.email or self.phone)


def support_contact() -> SupportContact:
    config = current_app.config
    return SupportContact(config.get("SUPPORT_EMAIL"), config.get("SUPPORT_PHONE"))
