"""The company of the demo: Nordhem Möbler AB, a Swedish furniture retailer, with its logo
(drawn here as a PNG, so no binary file sits in the repository) and customer service."""

from __future__ import annotations

import struct
import zlib
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Organisation
from portal.services.organisation import save_settings, store_logo

BRAND = "#1f4e5f"  # a deep spruce: white text on it has a contrast of 9.1:1
NORDHEM = {
    "name": "Nordhem Möbler AB",
    "sender_name": "Nordhem Möbler kundservice",
    "sender_address": "kundservice@nordhem.example",
    "reply_to": "kundservice@nordhem.example",
    "support_email": "kundservice@nordhem.example",
    "support_phone": "+46 8 520 277 00",
    "support_url": "https://www.nordhem.example/kundservice",
    "brand_colour": BRAND,
    "time_zone": "Europe/Stockholm",
}


def add_demo_company(folder: Path, now: datetime) -> bool:
    """Set the demo company and its logo, unless an organisation is set already."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)):
        return False
    save_settings(NORDHEM, now)
    store_logo(logo_png(), folder, now)
    return True


def logo_png(size: int = 96) -> bytes:
    """A white house (a roof and a body with a door) on a spruce-green rounded square."""
    brand = bytes(int(BRAND[i : i + 2], 16) for i in (1, 3, 5))
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter type "none"
        for x in range(size):
            row += _pixel(x / size, y / size, brand)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", raw) + _chunk(b"IEND", b"")
    )


def _pixel(u: float, v: float, brand: bytes) -> bytes:
    corner = 0.16  # rounded corners: transparent outside
    cx, cy = min(max(u, corner), 1 - corner), min(max(v, corner), 1 - corner)
    if (u - cx) ** 2 + (v - cy) ** 2 > corner**2:
        return b"\x00\x00\x00\x00"
    white = b"\xff\xff\xff\xff"
    roof = 0.22 <= v <= 0.5 and abs(u - 0.5) <= (v - 0.22) * 1.25
    body = 0.48 <= v <= 0.8 and 0.27 <= u <= 0.73
    door = 0.62 <= v <= 0.8 and 0.44 <= u <= 0.56
    return white if (roof or body) and not door else brand + b"\xff"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
