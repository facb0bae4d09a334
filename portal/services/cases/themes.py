"""Complaint themes of a case: assigned when the case is analysed, corrected by staff.

A theme is suggested by its cue words in the customer's text (English and Swedish, both
always tried: customers mix them), and by the category a customer chose on the complaint
form. A case gets every theme with a cue in its text, with the words as reasons, and "other"
when none matched, so every case has at least one. Staff may replace the themes of a case
(as they correct the sentiment label); their choice is kept as source "staff", and an
analysis that runs again never overwrites it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Case, CaseEvent, CaseTheme, SurveyResponse, Theme, User
from portal.models.theme import DEFAULT_THEMES, FALLBACK_THEME
from portal.services.cases.rules import check_version, saving
from portal.services.rules import RuleError
from portal.services.scope import visible_cases_query

# A cue shorter than this matches only the whole word: "bill" must not match Swedish
# "billig" (cheap), "late" not "lately"; longer cues match the start of a word, which
# catches inflections ("leverans" -> "leveransen", "refund" -> "refunded").
PREFIX_MIN = 5
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# The complaint form's categories (models/complaint.py) and the theme each one means.
CATEGORY_THEMES = {
    "delivery": "delivery",
    "product_quality": "product_quality",
    "wrong_item": "product_quality",
    "billing": "pricing_billing",
    "service": "rep_conduct",
    "returns": "returns_refunds",
}
MAX_REASONS = 4


def parse_cues(text: str | None) -> list[str]:
    """'parcel, still waiting' -> ['parcel', 'still waiting'] (lower case, blanks dropped)."""
    return [" ".join(c.split()).lower() for c in (text or "").split(",") if c.strip()]


def cue_hits(text: str, cues: list[str]) -> list[str]:
    """The cues found in `text`, as written there, in order of the cue list."""
    words = [w.lower() for w in WORD.findall(text or "")]
    joined = " " + " ".join(words) + " "
    hits = []
    for cue in cues:
        if " " in cue or "'" in cue:
            if f" {cue}" in joined:
                hits.append(cue)
            continue
        for word in words:
            if word == cue or (len(cue) >= PREFIX_MIN and word.startswith(cue)):
                hits.append(word)
                break
    return list(dict.fromkeys(hits))


@dataclass(frozen=True)
class Suggestion:
    theme: Theme
    reasons: list[str]


def suggest(text: str | None, category: str | None, themes: list[Theme]) -> list[Suggestion]:
    """The themes of a text (and complaint category): at least one, "other" when nothing
    matched. Pure: the themes are passed in."""
    by_key = {t.key: t for t in themes}
    found: dict[str, list[str]] = {}
    category_theme = CATEGORY_THEMES.get(category or "")
    if category_theme in by_key:
        found[category_theme] = [f"complaint form: {category.replace('_', ' ')}"]
    for theme in themes:
        if theme.key == FALLBACK_THEME:
            continue
        hits = cue_hits(text or "", parse_cues(theme.cues_en) + parse_cues(theme.cues_sv))
        if hits:
            found.setdefault(theme.key, [])
            found[theme.key] += [f"“{h}”" for h in hits]
    if not found and FALLBACK_THEME in by_key:
        found[FALLBACK_THEME] = ["no cue of another theme"]
    order = {t.key: i for i, t in enumerate(themes)}
    return [
        Suggestion(by_key[key], reasons[:MAX_REASONS])
        for key, reasons in sorted(found.items(), key=lambda kv: order[kv[0]])
    ]


def ensure_themes(*, commit: bool = False) -> int:
    """Add each default theme whose key is missing (a new installation, an emptied table).
    Admins' edits and deactivations are kept. Returns how many were added: flushed into the
    caller's transaction (the analysis job's), or committed with `commit`."""
    have = set(db.session.scalars(sa.select(Theme.key)))
    added = 0
    for position, (key, en, sv, cues_en, cues_sv) in enumerate(DEFAULT_THEMES):
        if key not in have:
            db.session.add(
                Theme(
                    key=key,
                    name_en=en,
                    name_sv=sv,
                    cues_en=cues_en,
                    cues_sv=cues_sv,
                    active=True,
                    position=position,
                )
            )
            added += 1
    if added:
        db.session.commit() if commit else db.session.flush()
    return added


def all_themes(*, active_only: bool = False) -> list[Theme]:
    ensure_themes()
    query = sa.select(Theme).order_by(Theme.position, Theme.id)
    if active_only:
        query = query.where(Theme.active.is_(True))
    return list(db.session.scalars(query))


def themes_of(case_id: int) -> list[CaseTheme]:
    return list(
        db.session.scalars(
            sa.select(CaseTheme)
            .join(Theme)
            .where(CaseTheme.case_id == case_id)
            .options(joinedload(CaseTheme.theme), joinedload(CaseTheme.created_by))
            .order_by(Theme.position, Theme.id)
        )
    )


def recent_corrections(user: User, limit: int = 20) -> list[CaseEvent]:
    """The latest theme corrections on the cases `user` may see, newest first."""
    visible = visible_cases_query(user).with_only_columns(Case.id).order_by(None)
    return list(
        db.session.scalars(
            sa.select(CaseEvent)
            .where(CaseEvent.kind == "themes_corrected", CaseEvent.case_id.in_(visible))
            .options(joinedload(CaseEvent.actor))
            .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc())
            .limit(limit)
        )
    )


def assign_auto(case: Case, text: str | None, category: str | None, now: datetime) -> list:
    """Give a case its themes from its text (inside the caller's transaction). A case that
    has themes already (a second run of the analysis, or staff's choice) keeps them."""
    if case.id is not None and db.session.scalar(
        sa.select(CaseTheme.id).where(CaseTheme.case_id == case.id).limit(1)
    ):
        return []
    db.session.flush()  # the case's id
    rows = [
        CaseTheme(
            case_id=case.id, theme_id=s.theme.id, source="auto", reasons=s.reasons, created_at=now
        )
        for s in suggest(text, category, all_themes(active_only=True))
    ]
    db.session.add_all(rows)
    return rows


def backfill(batch: int = 500) -> int:
    """Themes for the cases that have none (those opened before themes existed), from the
    customer's words: the case's description, else its survey answer's comment. Commits per
    batch, so an interrupted run is simply run again. Returns how many cases got themes."""
    done = 0
    while True:
        cases = list(
            db.session.scalars(
                sa.select(Case)
                .where(~sa.exists().where(CaseTheme.case_id == Case.id))
                .order_by(Case.id)
                .limit(batch)
            )
        )
        if not cases:
            return done
        comments = dict(
            db.session.execute(
                sa.select(SurveyResponse.id, SurveyResponse.comment).where(
                    SurveyResponse.id.in_([c.response_id for c in cases if c.response_id])
                )
            ).all()
        )
        for case in cases:
            text = case.description or comments.get(case.response_id)
            assign_auto(case, text, case.category, case.created_at)
        db.session.commit()
        done += len(cases)


def correct_themes(
    case: Case, actor: User, keys: list[str], version: int | None, now: datetime
) -> list[CaseTheme]:
    """Replace the themes of a case with the ones a person chose. Committed. The themes they
    kept keep their reasons; all become source "staff", so no analysis overwrites them."""
    keys = set(keys or [])
    chosen = [t for t in all_themes(active_only=True) if t.key in keys]
    if len(chosen) != len(keys):
        raise RuleError("Choose themes from the list.", "themes")
    if not chosen:
        raise RuleError("Choose at least one theme (“Other” when none fits).", "themes")
    check_version(case, version)
    current = themes_of(case.id)
    before = [ct.theme.key for ct in current]
    after = [t.key for t in chosen]
    if sorted(before) == sorted(after) and all(ct.source == "staff" for ct in current):
        raise RuleError("These are the themes already. Change the choice to correct it.", "themes")
    kept = {ct.theme.key: ct for ct in current}
    names = ", ".join(t.name_en for t in chosen)
    with saving():
        for ct in current:
            if ct.theme.key not in after:
                db.session.delete(ct)
        for theme in chosen:
            row = kept.get(theme.key)
            if row is None:
                row = CaseTheme(case_id=case.id, theme_id=theme.id, reasons=[], created_at=now)
                db.session.add(row)
            row.source, row.created_by_id = "staff", actor.id
        # A version bump: someone else's form from before this is stale.
        case.updated_at = now
        db.session.add(
            CaseEvent(
                case_id=case.id,
                actor_kind="staff",
                actor_id=actor.id,
                kind="themes_corrected",
                message=f"Themes set to {names} by {actor.name}.",
                data={"from": before, "to": after},
                created_at=now,
            )
        )
    return themes_of(case.id)
