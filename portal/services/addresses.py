"""How an email address is stored and compared: staff logins, customers, complaints, and
imported sales all use `normalise_email`, so one person is one address."""

from __future__ import annotations


def normalise_email(address: str | None) -> str:
    return (address or "").strip().lower()
