"""The countries whose public holidays the `holidays` package knows, by ISO code, and which
country a team's calendar is in (for importing its days off). No holiday rule is written here."""

from __future__ import annotations

import functools

import holidays as holiday_rules
from holidays import registry

# A team's country from its calendar's time zone, for the zones the portal's teams use; a zone
# not listed has no country (its holidays are added by hand or by choosing the country).
ZONE_COUNTRIES = {
    "Europe/Stockholm": "SE",
    "Europe/Berlin": "DE",
    "Europe/Vienna": "AT",
    "Europe/Zurich": "CH",
    "Europe/London": "GB",
    "Europe/Dublin": "IE",
    "Europe/Oslo": "NO",
    "Europe/Copenhagen": "DK",
    "Europe/Helsinki": "FI",
    "Europe/Amsterdam": "NL",
    "Europe/Paris": "FR",
    "Europe/Madrid": "ES",
    "Europe/Rome": "IT",
    "America/New_York": "US",
    "America/Chicago": "US",
    "America/Los_Angeles": "US",
}


@functools.cache
def supported_countries() -> dict[str, str]:
    """{ISO 3166 alpha-2 code: English name}, sorted by name, of every country the `holidays`
    package has holidays for (its list also holds 3-letter aliases: only the 2-letter codes)."""
    supported = holiday_rules.list_supported_countries()
    names = {
        codes[1]: module.replace("_", " ").title()
        for module, codes in registry.COUNTRIES.items()
        if len(codes) > 1 and codes[1] in supported
    }
    return dict(sorted(names.items(), key=lambda item: item[1]))


def country_of_zone(zone: str) -> str | None:
    return ZONE_COUNTRIES.get(zone)


def language_for(code: str) -> str | None:
    """English names where the package has them (else its default language)."""
    languages = getattr(holiday_rules.country_holidays(code), "supported_languages", ())
    for language in ("en_US", "en_GB"):
        if language in languages:
            return language
    return None
