"""How a customer reaches the company when a page cannot help them (a dead link, a page that
failed): one function, read by the template partial `_support_contact.html`.

The organisation's customer service (Admin > Organisation; before an admin saves it,
SUPPORT_EMAIL and SUPPORT_PHONE from the configuration: portal/services/organisation.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.services.organisation import organisation


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
    org = organisation()
    return SupportContact(org.support_email or None, org.support_phone or None)
