"""Money as the reader reads it: the one formatter for amounts on every page and in every email.

Babel's `format_currency` in the reader's locale (flask_babel's `get_locale()`: a customer's
page or email in the customer's language, a staff page in the viewer's): "SEK 49,000.00" in
English, "49 000,00 kr" in Swedish. Templates use the `money` filter (portal/templating.py);
Python that writes an amount into text calls `format_money`. Files for machines (CSV exports,
form fields) keep plain numbers.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, format_decimal
from flask import has_app_context
from flask_babel import get_locale

# CLDR's currency spacing, which Babel leaves out: a currency code written as letters next to a
# digit gets a no-break space ("SEK49,000.00" -> "SEK 49,000.00"; "49,000.00kr" likewise).
_LETTER_THEN_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
NO_AMOUNT = "\u2014"  # an em dash


def reader_locale() -> str:
    """The locale of whoever reads the text being written (English outside the app)."""
    if has_app_context():
        locale = get_locale()
        if locale is not None:
            return str(locale)
    return "en"


def format_money(
    amount: Decimal | float | int | None,
    currency: str = "",
    *,
    locale: str | None = None,
    whole: bool = False,
) -> str:
    """`amount` of `currency` in `locale` (default: the reader's). `whole`: rounded to whole
    units, for totals and averages ("SEK 1,250,000")."""
    if amount is None:
        return NO_AMOUNT
    locale = locale or reader_locale()
    if not currency:
        # An amount with no known currency: just the number, in the reader's way.
        return format_decimal(Decimal(str(amount)), "#,##0" if whole else "#,##0.00", locale=locale)
    options: dict = {}
    if whole:
        pattern = Locale.parse(locale).currency_formats["standard"].pattern
        options = {"format": re.sub(r"\.0+", "", pattern), "currency_digits": False}
    text = format_currency(Decimal(str(amount)), currency, locale=locale, **options)
    return _LETTER_THEN_DIGIT.sub("\u00a0", text)


def format_amounts(amounts: dict[str, Decimal | float], *, whole: bool = True) -> str:
    """Amounts in several currencies, one after another: "SEK 12,000, EUR 900"."""
    return ", ".join(format_money(v, c, whole=whole) for c, v in amounts.items())
