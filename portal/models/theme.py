"""Complaint themes (delivery, product quality, ...) and which themes each case is about.

The list is editable by admins; each theme carries the words that suggest it, in English and
Swedish (services/cases/themes.py matches them). A case gets its themes when it is analysed
(source "auto", with the words that matched as reasons) and staff may correct them (source
"staff"), as they correct the sentiment label.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.user import User

THEME_SOURCES = ("auto", "staff")
# The theme a case gets when no cue matched: every case has at least one theme.
FALLBACK_THEME = "other"

# (key, English name, Swedish name, English cues, Swedish cues). A cue of one word matches
# any word that starts with it ("deliver" matches "delivered"; Swedish "leverans" matches
# "leveransen"); a cue of several words matches that phrase.
DEFAULT_THEMES = (
    (
        "delivery",
        "Delivery",
        "Leverans",
        "deliver, shipping, shipped, shipment, parcel, package, courier, arrive, arrival, "
        "still waiting, never came, never received, not received, haven't received, "
        "have not received, where is my order, tracking, dispatch, late, delay, postnord, dhl, "
        "ups",
        "leverer, leverans, levererad, frakt, paket, försändelse, bud, kurir, kom aldrig, "
        "väntat, väntar fortfarande, försen, spårning, skickad, skickades, postnord, "
        "utlämning, sen leverans, inte fått, har inte kommit, fick aldrig",
    ),
    (
        "product_quality",
        "Product quality",
        "Produktkvalitet",
        "broken, broke, defect, faulty, damaged, crack, scratch, stopped working, doesn't work, "
        "does not work, not working, poor quality, cheap, flimsy, wobbl, quality, malfunction, "
        "leak, failed, failure, came off, fell apart, wrong item, wrong size, wrong colour, "
        "wrong color, missing part, battery, screen, dead",
        "trasig, lossna, gått sönder, gick sönder, sönder, defekt, skadad, spricka, repa, "
        "fungerar inte, funkar inte, dålig kvalitet, kvalitet, billig, vinglig, läcker, "
        "fel vara, fel storlek, fel färg, saknas del, saknade, batteri, skärm",
    ),
    (
        "pricing_billing",
        "Pricing and billing",
        "Pris och fakturering",
        "price, pricing, invoice, bill, billing, charge, charged, overcharg, payment, paid, "
        "expensive, fee, cost, costs, discount, vat, receipt, debit, debt, interest",
        "pris, faktura, fakturer, debiter, betalning, betalat, betalade, dyr, avgift, kostnad, "
        "kostade, rabatt, moms, kvitto, överdebiter, kravbrev, inkasso, ränta, dyrt, dyra",
    ),
    (
        "rep_conduct",
        "Rep conduct and communication",
        "Säljarens bemötande och kommunikation",
        "rude, unfriendly, impolite, unprofessional, attitude, ignored, no reply, no response, "
        "never replied, never called, didn't call, did not call, call back, called back, "
        "promised, lied, misled, pushy, salesman, salesperson, sales rep, communication, "
        "nobody answered, no one answered, no one responds, not answering, customer service, "
        "staff",
        "otrevlig, oförskämd, ohövlig, oprofessionell, bemötande, attityd, ignorer, inget svar, "
        "svarar inte, svarade aldrig, ringde aldrig, ring tillbaka, ringa tillbaka, lovade, "
        "ljög, vilseledd, påträngande, säljare, säljaren, kommunikation, kundtjänst, personal, "
        "bemött, dåligt bemötande",
    ),
    (
        "returns_refunds",
        "Returns and refunds",
        "Returer och återbetalning",
        "return, refund, money back, exchange, replacement, warranty, guarantee, credit note, "
        "send it back, sent it back, cancel",
        "retur, returnera, återbetal, pengarna tillbaka, byte, byta, ersättning, garanti, "
        "reklamation, reklamer, kreditera, skicka tillbaka, skickade tillbaka, avbeställ",
    ),
    (FALLBACK_THEME, "Other", "Övrigt", "", ""),
)


class Theme(Base):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(80))
    name_sv: Mapped[str] = mapped_column(sa.String(80))
    # Comma-separated words and phrases (see DEFAULT_THEMES).
    cues_en: Mapped[str] = mapped_column(sa.Text, default="")
    cues_sv: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    def name(self, locale: str = "en") -> str:
        return self.name_sv if locale == "sv" else self.name_en


class CaseTheme(Base):
    __tablename__ = "case_themes"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "theme_id", name="uq_case_themes_case_theme"),
        sa.CheckConstraint(f"source IN {THEME_SOURCES!r}", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("themes.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(sa.String(10), default="auto")
    # The words that suggested the theme ("parcel", "still waiting"), for the case page.
    reasons: Mapped[list | None] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    theme: Mapped[Theme] = relationship()
    created_by: Mapped[User | None] = relationship()
