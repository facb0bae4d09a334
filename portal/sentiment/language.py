"""A cheap guess of the language of a comment: English, Swedish or unknown.

Counting the short words every sentence needs (and å, ä, ö) is enough to tell English from
Swedish in a survey comment; no model, no download. Opinion words count too, so a one-word
comment ("Toppen!", "Great!") is placed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

EN = "en"
SV = "sv"
UNKNOWN = "unknown"

_WORDS = re.compile(r"[^\W\d_]+")

_SWEDISH = """och att det som en är på för med har jag vi inte kom till av den ett var men om så
    ni er mig oss kan ska efter när från hej tack nu också än gärna finns mycket väldigt detta
    dem de där här hur vad vilken skulle blev fick får fått igen alla allt inga ingen inget
    aldrig bara redan sedan utan eller min mitt mina vår vårt våra sig hade kunde ännu
    fortfarande bra toppen okej snabb snabbt trevlig trevliga perfekt kanon fel dåligt
    dålig nöjd nöjda stolen stol soffan bordet skrivbordet leveransen leverans levererades
    varken sådär godkänt hälsningar mvh hela tiden helt alltid ofta någon något några varje
    dag idag igår tid också både sitt sin sina vid mot hos under över"""
SWEDISH_WORDS = frozenset(_SWEDISH.split())
_ENGLISH = """the and to is it was of for my we you with on not but have this that are be at from
    they our your all very so just had has would could will were been an as by if no me us
    what when why how there get got can did does do after about a i'm it's don't didn't
    doesn't haven't isn't wasn't still please thanks thank hello hi dear regards order
    delivery never again nobody yes out up one two any some only into than then also too"""
ENGLISH_WORDS = frozenset(_ENGLISH.split())
_SWEDISH_LETTERS = frozenset("åäö")


def detect(text: str, is_english_word: Callable[[str], bool]) -> str:
    """'sv', 'en' or 'unknown' (no letters, or no word either language is known by)."""
    words = _WORDS.findall(text.lower())
    swedish = sum(map(SWEDISH_WORDS.__contains__, words))
    if not _SWEDISH_LETTERS.isdisjoint(text.lower()):
        swedish += sum(
            1 for w in words if w not in SWEDISH_WORDS and not _SWEDISH_LETTERS.isdisjoint(w)
        )
    others = [w for w in words if w not in ENGLISH_WORDS]
    english = len(words) - len(others) + 0.5 * sum(map(is_english_word, others))
    if swedish > english:
        return SV
    if english > swedish:
        return EN
    return UNKNOWN
