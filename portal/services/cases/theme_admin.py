"""The admin's list of complaint themes: rename, edit the cue words, switch off, add.

A theme is never deleted (cases keep it, and past figures stay as they were); switched off it
is no longer suggested nor offered, and a case that has it keeps it.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Theme
from portal.models.theme import FALLBACK_THEME
from portal.services.cases.themes import all_themes, parse_cues
from portal.services.rules import RuleError

KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_CUES = 4000


def _check(name_en: str, name_sv: str, cues_en: str, cues_sv: str) -> None:
    if not (name_en or "").strip() or not (name_sv or "").strip():
        raise RuleError("Give the theme an English and a Swedish name.", "name_en")
    if len(cues_en or "") > MAX_CUES or len(cues_sv or "") > MAX_CUES:
        raise RuleError(f"Keep each list of cue words under {MAX_CUES} characters.", "cues_en")


def update_theme(
    theme_id: int, *, name_en: str, name_sv: str, cues_en: str, cues_sv: str, active: bool
) -> Theme:
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        raise RuleError("That theme does not exist (any more).")
    _check(name_en, name_sv, cues_en, cues_sv)
    if theme.key == FALLBACK_THEME and not active:
        raise RuleError("“Other” stays on: it is what a case gets when no cue matches.", "active")
    theme.name_en, theme.name_sv = name_en.strip(), name_sv.strip()
    theme.cues_en = ", ".join(parse_cues(cues_en))
    theme.cues_sv = ", ".join(parse_cues(cues_sv))
    theme.active = active
    db.session.commit()
    return theme


def add_theme(*, key: str, name_en: str, name_sv: str, cues_en: str, cues_sv: str) -> Theme:
    key = (key or "").strip().lower()
    if not KEY.match(key):
        raise RuleError(
            "The key is 2-40 lower-case letters, digits or _, starting with a letter "
            "(e.g. installation).",
            "key",
        )
    if db.session.scalar(sa.select(Theme.id).where(Theme.key == key)):
        raise RuleError(f"There is a theme {key!r} already.", "key")
    _check(name_en, name_sv, cues_en, cues_sv)
    position = max((t.position for t in all_themes()), default=0) + 1
    theme = Theme(
        key=key,
        name_en=name_en.strip(),
        name_sv=name_sv.strip(),
        cues_en=", ".join(parse_cues(cues_en)),
        cues_sv=", ".join(parse_cues(cues_sv)),
        active=True,
        position=position,
    )
    db.session.add(theme)
    db.session.commit()
    return theme
