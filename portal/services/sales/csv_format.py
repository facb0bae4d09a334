"""Reading a sales CSV: the header, the delimiter, and every row checked field by field.

No database here: the staff users a rep_email may name are passed in, so the checks run
(and are tested) on any text stream.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple, TextIO

from email_validator import EmailNotValidError, validate_email

from portal import text_input
from portal.models import utcnow
from portal.models.customer import LOCALES
from portal.services.addresses import normalise_email

REQUIRED_COLUMNS = (
    "order_ref",
    "sold_at",
    "customer_email",
    "customer_name",
    "rep_email",
    "amount",
    "currency",
    "product",
)
OPTIONAL_COLUMNS = ("customer_locale",)
SALE_ROLES = ("rep", "manager")
MAX_ORDER_REF = 64
MAX_TEXT = 200  # customer_name and product: the width of their columns
MAX_AMOUNT = Decimal("999999999999.99")
# A sale dated a little ahead is a time-zone slip; further ahead, a wrong date format.
FUTURE_TOLERANCE = timedelta(days=1)

# ISO 4217 codes of money a sale can be priced in (no metals, funds or test codes).
_ISO_4217 = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD
    JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK
    MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG
    XOF XPF YER ZAR ZMW ZWG ZWL
"""
CURRENCIES = frozenset(_ISO_4217.split())

# Digits with an optional thousands separator (space, ',', '.', or "'", used consistently)
# and an optional decimal part after '.' or ','. Grouped form first, so "1,234" is grouping.
_AMOUNT = re.compile(
    r"(?P<units>\d{1,3}(?:(?P<sep>[ ,.'])\d{3})(?:(?P=sep)\d{3})*|\d+)"
    r"(?:(?P<point>[.,])(?P<cents>\d+))?"
)
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_DECIMAL_HINT = "use digits with . or , as decimal separator"


class ImportFormatError(Exception):
    """The file as a whole cannot be imported (not CSV, not UTF-8, empty, columns missing)."""


class StaffMember(NamedTuple):
    id: int
    role: str
    active: bool


@dataclass(slots=True)
class SaleRow:
    """A row that passed every check, ready to store."""

    line: int
    order_ref: str
    sold_at: datetime
    customer_email: str
    customer_name: str
    customer_locale: str
    rep_id: int
    amount: Decimal
    currency: str
    product: str


@dataclass(slots=True)
class RejectedRow:
    line: int
    values: list[str]
    problems: list[str]


class SalesCsv:
    """A sales CSV read from a text stream: the header is checked on opening, then `rows()`
    yields every data row as a SaleRow or a RejectedRow, in file order.

    The delimiter is whichever of , ; or tab makes the header name the most known columns
    (Excel in a Swedish locale writes ;). A byte order mark before the header is ignored.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        header_line = stream.readline().removeprefix("\ufeff")
        if not header_line.strip():
            raise ImportFormatError(
                "The file is empty: the first line must be a header naming the columns "
                f"{', '.join(REQUIRED_COLUMNS)}."
            )
        self.delimiter, self.header = max(
            ((d, next(csv.reader([header_line], delimiter=d))) for d in ",;\t"),
            key=lambda candidate: len(_known_columns(candidate[1])),
        )
        self.columns = _column_positions(self.header)

    def rows(
        self, staff: Mapping[str, StaffMember], now: datetime | None = None
    ) -> Iterator[SaleRow | RejectedRow]:
        latest_sold_at = (now or utcnow()) + FUTURE_TOLERANCE
        reader = csv.reader(self.stream, delimiter=self.delimiter)
        while True:
            first_line = reader.line_num + 2  # the header line was read before the reader
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RejectedRow(first_line, [], [f"cannot be read as CSV ({exc})"])
                continue
            if not any(v.strip() for v in values):
                continue  # blank lines, and the ;;;;; rows spreadsheets leave at the end
            last_line = reader.line_num + 1
            sale, problems = self._check(values, first_line, staff, latest_sold_at)
            if sale is not None:
                yield sale
                continue
            if last_line > first_line:
                problems.append(
                    f"(this row runs from line {first_line} to line {last_line}: "
                    "check for a missing closing quote)"
                )
            yield RejectedRow(first_line, values, problems)

    def _check(
        self,
        values: list[str],
        line: int,
        staff: Mapping[str, StaffMember],
        latest_sold_at: datetime,
    ) -> tuple[SaleRow | None, list[str]]:
        problems: list[str] = []
        width = len(self.header)
        if len(values) > width and any(v.strip() for v in values[width:]):
            problems.append(
                f"the row has {len(values)} fields but the header has {width}: "
                f"put a value that contains {self.delimiter!r} in double quotes"
            )

        def get(column: str) -> str:
            index = self.columns.get(column)
            return values[index].strip() if index is not None and index < len(values) else ""

        sale, field_problems = check_sale(get, staff, latest_sold_at, line)
        problems += [message for messages in field_problems.values() for message in messages]
        if problems:
            if len(values) < width:
                problems.append(
                    f"(the row has {len(values)} fields but the header has {width}: "
                    f"check for a missing {self.delimiter!r})"
                )
            return None, problems
        return sale, problems


def check_sale(
    get: Callable[[str], str],
    staff: Mapping[str, StaffMember],
    latest_sold_at: datetime,
    line: int = 0,
) -> tuple[SaleRow | None, dict[str, list[str]]]:
    """Check one sale, whatever it came from (a CSV row, an API item): `get(column)` gives
    the stripped text of each column. Returns the sale, or the problems of each column."""
    problems: dict[str, list[str]] = {}
    raw = get

    def get(column: str) -> str:
        # Every field is one line of text: names and products go into email subjects.
        value = raw(column)
        if problem := text_input.text_problem(column, value):
            problems.setdefault(column, []).append(problem)
            value = text_input.without_surrogates(value)
        if column == "order_ref" and text_input.has_control_characters(value):
            problems.setdefault(column, []).append(
                "order_ref holds a line break, tab or other control character: "
                "send the order number alone"
            )
        return text_input.single_line(value)

    def check(column: str, parse: Callable, *args):
        found: list[str] = []
        value = parse(*args, found)
        if found:
            problems.setdefault(column, []).extend(found)
        return value

    order_ref = check("order_ref", _parse_order_ref, get("order_ref"))
    sold_at = check("sold_at", _parse_sold_at, get("sold_at"), latest_sold_at)
    customer_email = check("customer_email", _parse_customer_email, get("customer_email"))
    customer_name = check("customer_name", _required_text, "customer_name", get("customer_name"))
    customer_locale = check("customer_locale", _parse_locale, get("customer_locale"))
    rep_id = check("rep_email", _parse_rep, get("rep_email"), staff)
    amount = check("amount", _parse_amount, get("amount"))
    currency = check("currency", _parse_currency, get("currency"))
    product = check("product", _required_text, "product", get("product"))
    if problems:
        return None, problems
    sale = SaleRow(
        line,
        order_ref,
        sold_at,
        customer_email,
        customer_name,
        customer_locale,
        rep_id,
        amount,
        currency,
        product,
    )
    return sale, problems


def _parse_order_ref(value: str, problems: list[str]) -> str:
    if not value:
        problems.append("order_ref is missing (the order number from the sales system)")
    elif len(value) > MAX_ORDER_REF:
        problems.append(f"order_ref is {len(value)} characters long (at most {MAX_ORDER_REF})")
    return value


def _known_columns(header: Iterable[str]) -> set[str]:
    return {column_name(h) for h in header} & set(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)


def column_name(text: str) -> str:
    return text.strip().lower()


def _column_positions(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, text in enumerate(header):
        name = column_name(text)
        if name in REQUIRED_COLUMNS or name in OPTIONAL_COLUMNS:
            if name in positions:
                raise ImportFormatError(
                    f"The header (line 1) has the column {name} twice: keep one of them."
                )
            positions[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing and not positions:
        raise ImportFormatError(
            "The first line is not a sales header (is this the right file?): it must name the "
            f"columns {', '.join(REQUIRED_COLUMNS)} in any order (customer_locale optional); "
            f"it has: {_shorten(header)}."
        )
    if missing:
        raise ImportFormatError(
            f"The header (line 1) lacks the required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (it has: {_shorten(header)})."
        )
    return positions


def _shorten(header: list[str], limit: int = 200) -> str:
    text = ", ".join(h.strip() for h in header if h.strip()) or "nothing"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- one field each -----------------------------------------------------------------------


def _required_text(column: str, value: str, problems: list[str]) -> str:
    if not value:
        problems.append(f"{column} is missing")
    elif len(value) > MAX_TEXT:
        problems.append(f"{column} is {len(value)} characters long (at most {MAX_TEXT})")
    return value


def _parse_sold_at(value: str, latest: datetime, problems: list[str]) -> datetime | None:
    if not value:
        problems.append("sold_at is missing (the date of the sale, e.g. 2024-03-01)")
        return None
    try:
        sold_at = datetime.fromisoformat(value)
    except ValueError:
        problems.append(
            f"sold_at {value!r} is not a valid ISO 8601 date or date-time "
            "(use e.g. 2024-03-01 or 2024-03-01T14:30:00+01:00)"
        )
        return None
    # Without an offset the time is UTC; a date alone is midnight UTC.
    sold_at = sold_at.replace(tzinfo=UTC) if sold_at.tzinfo is None else sold_at.astimezone(UTC)
    if sold_at > latest:
        problems.append(
            f"sold_at {value!r} is more than a day in the future (check the date: year-month-day)"
        )
    return sold_at


def _parse_customer_email(value: str, problems: list[str]) -> str:
    if not value:
        problems.append("customer_email is missing")
        return value
    reason = _email_problem(value)
    if reason:
        problems.append(f"customer_email {value!r} is not a valid email address: {reason}")
    return normalise_email(value)


@lru_cache(maxsize=65536)
def _email_problem(address: str) -> str | None:
    """Why an address is invalid, or None. Cached: customers come back row after row."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    return None


def _parse_locale(value: str, problems: list[str]) -> str:
    if not value:
        return "en"
    locale = re.split(r"[-_]", value.lower(), maxsplit=1)[0]  # sv-SE and sv_SE mean sv
    if locale not in LOCALES:
        problems.append(
            f"customer_locale {value!r} is not supported "
            f"(use {' or '.join(LOCALES)}, or leave it empty for en)"
        )
    return locale


def _parse_rep(value: str, staff: Mapping[str, StaffMember], problems: list[str]) -> int | None:
    if not value:
        problems.append("rep_email is missing (the email of the rep who made the sale)")
        return None
    member = staff.get(normalise_email(value))
    if member is None:
        problems.append(
            f"rep_email {value!r} is not a staff user "
            "(check the address, or add them with flask portal create-user first)"
        )
    elif not member.active:
        problems.append(
            f"rep_email {value!r} belongs to a deactivated user "
            "(use the rep or manager who looks after this customer now)"
        )
    elif member.role not in SALE_ROLES:
        problems.append(
            f"rep_email {value!r} is an {member.role}, not a rep or manager "
            "(use the rep who made the sale)"
        )
    else:
        return member.id
    return None


def _parse_amount(value: str, problems: list[str]) -> Decimal | None:
    if not value:
        problems.append("amount is missing")
        return None
    text = value.translate(_SPACES)
    if text[0] in "-\u2212":
        problems.append(f"amount {value!r} is negative (a sale amount is 0 or more)")
        return None
    match = _AMOUNT.fullmatch(text)
    if match is None or (match["sep"] and match["sep"] == match["point"]):
        hint = ""
        if re.search(r"\d", text) and re.search(r"[A-Za-z]{2,}|[$\u20ac\u00a3\u00a5]", text):
            hint = "; put the currency in its own column"
        problems.append(f"amount {value!r} is not a number ({_DECIMAL_HINT}{hint})")
        return None
    units, sep, cents = match.group("units", "sep", "cents")
    if sep in (",", ".") and cents is None and units.count(sep) == 1:
        whole, fraction = units.split(sep)
        if int(whole) != 0:
            # "1,234" is 1234 in English and 1.234 in Swedish: refuse to guess.
            problems.append(
                f"amount {value!r} is ambiguous (thousands separator or 3 decimals?): "
                "write it without the separator, or with 2 decimals like 1,234.00"
            )
            return None
        units, sep, cents = whole, None, fraction  # "0,125": no group of thousands starts at 0
    if cents is not None and len(cents) > 2:
        problems.append(f"amount {value!r} has more than 2 decimals")
        return None
    amount = Decimal(f"{units.replace(sep, '') if sep else units}.{cents or '0'}")
    if amount > MAX_AMOUNT:
        problems.append(f"amount {value!r} is too large (at most {MAX_AMOUNT:,})")
        return None
    return amount


def _parse_currency(value: str, problems: list[str]) -> str:
    code = value.upper()
    if not code:
        problems.append("currency is missing (a 3-letter ISO 4217 code such as SEK or EUR)")
    elif not re.fullmatch(r"[A-Z]{3}", code):
        problems.append(f"currency {value!r} is not a 3-letter ISO 4217 code (e.g. SEK, EUR, USD)")
    elif code not in CURRENCIES:
        problems.append(
            f"currency {value!r} is not a known ISO 4217 currency code (e.g. SEK, EUR, USD)"
        )
    return code
