"""The company the customers bought from, as every customer page and email shows it: name,
logo, sender, reply-to, support contact and brand colour (one row, Admin > Organisation).

`organisation()` is the one way to read it; without a saved row it answers the configured
fallbacks (MAIL_FROM, SUPPORT_EMAIL, SUPPORT_PHONE), so nothing depends on an admin having
filled the page in.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from datetime import datetime
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import available_timezones

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import Organisation
from portal.services import audit
from portal.services.rules import RuleError
from portal.settings_cache import cached, clear

CACHE_NAME = "organisation"

DEFAULT_ZONE = "Europe/Stockholm"
LOGO_MAX_BYTES = 512 * 1024
# What a logo may be, told by its first bytes (never by the name it was uploaded with). No SVG:
# it can carry scripts, and the logo is served from the portal's own origin.
LOGO_TYPES = {
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
}
WEBP = ("webp", "image/webp")
AA_CONTRAST = 4.5  # WCAG 2.x AA, normal text
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class OrganisationView:
    """What pages and emails show. Empty strings for what is not set."""

    name: str = ""
    sender_name: str = ""
    sender_address: str = ""
    reply_to: str = ""
    support_email: str = ""
    support_phone: str = ""
    support_url: str = ""
    brand_colour: str = ""
    logo_file: str = ""
    logo_version: int = 0
    time_zone: str = ""

    @property
    def has_support(self) -> bool:
        return bool(self.support_email or self.support_phone or self.support_url)

    @property
    def from_header(self) -> str:
        """The From of a customer email: the company's sender; without an address of its
        own, the company's name on MAIL_FROM's address; with neither, MAIL_FROM."""
        fallback = current_app.config["MAIL_DEFAULT_SENDER"]
        name = self.sender_name or self.name
        if not (name or self.sender_address):
            return fallback
        fallback_name, fallback_address = parseaddr(fallback)
        address = self.sender_address or fallback_address
        # Address quotes a name as needed and keeps its letters ("Nordhem Möbler AB"): the
        # message encodes the header when it is sent.
        return str(Address(display_name=name or fallback_name, addr_spec=address))

    @property
    def zone_name(self) -> str:
        return self.time_zone or DEFAULT_ZONE


def organisation() -> OrganisationView:
    """The company as customers see it: the saved settings, else the configured fallbacks.
    A per-process copy, at most SETTINGS_CACHE_SECONDS old (portal/settings_cache.py)."""
    return cached(CACHE_NAME, _read_organisation)


def _read_organisation() -> OrganisationView:
    # The columns, not the row as an object: read for every customer page and email.
    row = db.session.execute(
        sa.select(*(getattr(Organisation, f.name) for f in fields(OrganisationView)))
        .order_by(Organisation.id)
        .limit(1)
    ).first()
    config = current_app.config
    if row is None:
        return OrganisationView(
            support_email=config.get("SUPPORT_EMAIL") or "",
            support_phone=config.get("SUPPORT_PHONE") or "",
        )
    return OrganisationView(
        **{f.name: getattr(row, f.name) or f.default for f in fields(OrganisationView)}
    )


def customer_reply_to(org: OrganisationView) -> str:
    """Where a customer's reply to our email goes ("" for nowhere: the email then says that
    replies are not read). The one place that chooses it."""
    return org.reply_to


# --- editing -----------------------------------------------------------------------------


def save_settings(values: dict[str, str], now: datetime) -> Organisation:
    """Check and store the settings (not the logo). Raises RuleError naming the field."""
    clean = {key: (value or "").strip() for key, value in values.items()}
    if not clean.get("name"):
        raise RuleError("Enter the company's name, as customers know it.", "name")
    for key in ("sender_address", "reply_to", "support_email"):
        if clean.get(key) and not _is_address(clean[key]):
            raise RuleError("Enter one email address, like service@example.com.", key)
    url = clean.get("support_url", "")
    if url and not url.startswith(("https://", "http://")):
        raise RuleError("Enter a web address starting with https://.", "support_url")
    colour = clean.get("brand_colour", "")
    if colour:
        problem = brand_colour_problem(colour)
        if problem:
            raise RuleError(problem, "brand_colour")
        clean["brand_colour"] = colour.lower()
    if clean.get("time_zone") and clean["time_zone"] not in available_timezones():
        raise RuleError("Choose a time zone from the list.", "time_zone")
    row = _row()
    keys = [
        f.name
        for f in fields(OrganisationView)
        if f.name in clean and f.name not in ("logo_file", "logo_version")
    ]
    before = audit.snapshot(row, keys)
    for key in keys:
        setattr(row, key, clean[key] or None if key != "name" else clean[key])
    row.updated_at = now
    db.session.flush()
    audit.record_changes("organisation.updated", row, before, audit.snapshot(row, keys))
    db.session.commit()
    clear(CACHE_NAME)
    return row


def _row() -> Organisation:
    row = db.session.scalar(sa.select(Organisation).order_by(Organisation.id).limit(1))
    if row is None:
        row = Organisation(name="", logo_version=0)
        db.session.add(row)
    return row


def _is_address(value: str) -> bool:
    name, address = parseaddr(value)
    return not name and address == value and bool(EMAIL.fullmatch(value))


# --- brand colour --------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.x) of "#rrggbb"."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def brand_colour_problem(colour: str) -> str | None:
    """Why this colour cannot be the background of white text, or None when it can."""
    if not HEX_COLOUR.fullmatch(colour):
        return "Enter the colour as # and six hex digits, like #1f5f8b."
    ratio = contrast_ratio(colour, "#ffffff")
    if ratio < AA_CONTRAST:
        return (
            f"White text on {colour.lower()} has a contrast of {ratio:.1f}:1; it needs at least "
            f"{AA_CONTRAST}:1 to be readable (WCAG AA). Choose a darker colour."
        )
    return None


# --- logo ---------------------------------------------------------------------------------


def logo_type(data: bytes) -> tuple[str, str] | None:
    """(extension, media type) of a PNG, JPEG or WebP image, by its first bytes."""
    for magic, kind in LOGO_TYPES.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def check_logo(data: bytes) -> tuple[str, str]:
    """(extension, media type) of an acceptable logo; else RuleError saying what to fix."""
    if not data:
        raise RuleError("The logo file is empty: choose an image file.", "logo")
    if len(data) > LOGO_MAX_BYTES:
        raise RuleError(
            f"The logo is over {LOGO_MAX_BYTES // 1024} KB: make it smaller (a logo 80 px "
            "high is enough).",
            "logo",
        )
    kind = logo_type(data)
    if kind is None:
        raise RuleError("The logo must be a PNG, JPEG or WebP image.", "logo")
    return kind


def store_logo(data: bytes, folder: Path, now: datetime) -> Organisation:
    """Keep a new logo in `folder` (ORGANISATION_DIR, instance/organisation/), written whole
    then renamed into place, so a page never gets half a file. Raises RuleError saying what
    to fix."""
    kind = check_logo(data)
    row = _row()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"logo.{kind[0]}"
    partial = folder / f".{name}.part"
    partial.write_bytes(data)
    os.replace(partial, folder / name)
    for old in folder.glob("logo.*"):
        if old.name != name:
            old.unlink(missing_ok=True)
    row.logo_file = name
    row.logo_version = (row.logo_version or 0) + 1
    row.updated_at = now
    db.session.flush()
    audit.record("organisation.logo", row, after={"logo_file": name, "bytes": len(data)})
    db.session.commit()
    clear(CACHE_NAME)
    return row


def logo_file(org: OrganisationView, folder: Path) -> tuple[Path, str] | None:
    """The logo's file and media type, or None when there is none."""
    if not org.logo_file:
        return None
    path = folder / org.logo_file
    kind = next((k for k in (*LOGO_TYPES.values(), WEBP) if org.logo_file == f"logo.{k[0]}"), None)
    if kind is None or not path.is_file():
        return None
    return path, kind[1]
