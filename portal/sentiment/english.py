"""English: the cues of customer service on top of TextBlob's word lexicon.

TextBlob (its pattern-based analyser, no corpus needed) knows adjectives of opinion
("terrible", "great") but not the language of an unresolved problem ("still waiting",
"this is the third time I ask", "nobody answered"), which is most of a real complaint. The
cues (english_cues.py) carry that; TextBlob scores the words they do not cover.
"""

from __future__ import annotations

import re
from functools import cache

from portal.sentiment import wordscores
from portal.sentiment.english_cues import ENTRIES
from portal.sentiment.lexicon import Lexicon, words

LEXICON = Lexicon(
    ENTRIES,
    negators=words("not no never without nothing none neither nor hardly barely zero lack"),
    intensifiers=words(
        """very really so extremely absolutely totally completely utterly incredibly truly
        deeply highly super seriously honestly most thoroughly terribly awfully insanely
        ridiculously beyond"""
    ),
    diminishers=words(
        "bit little slightly somewhat rather fairly kinda abit small minor tiny slight"
    ),
    clause_breaks=("but", "however", "although", "though"),
)

_CONTRACTION = re.compile(
    r"\b(can|won|don|doesn|didn|isn|wasn|weren|aren|haven|hasn|hadn|couldn|wouldn|shouldn"
    r"|mustn|ain)'?t\b"
)
_CONTRACTED = {"can": "can", "won": "will", "ain": "is"}


def normalise(text: str) -> str:
    """Lower case, straight quotes, and "n't" spelt out: "doesn't" and "doesnt" are
    "does not", so one cue covers every spelling."""
    text = text.lower().replace("cannot", "can not")
    return _CONTRACTION.sub(
        lambda m: f"{_CONTRACTED.get(m[1], m[1][:-1])} not", text.translate(QUOTES)
    )


QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "`": "'"})

# Words TextBlob scores that say nothing about a customer's mood here ("a full refund",
# "the same desk", "more chairs") or that the cues above judge ("ok", "fine").
_IGNORED = """more new full first right sure free second last real big long high low old extra same
    other next only whole open own ready much most least less little small deep dark simple
    possible certain clear light general entire final main several various different such
    many few public single total large short wide tall heavy black white grey gray green red
    blue brown yellow ok okay fine alright decent reasonable average normal standard regular
    special acceptable satisfactory adequate expected late higher lower bigger smaller taller
    shorter darker lighter wider available top"""
TEXTBLOB_IGNORES = frozenset(_IGNORED.split())


def textblob_words(text: str, covered: set[str]) -> list[tuple[str, float]]:
    """TextBlob's scored words and phrases ("not happy", "very good") that no cue covered."""
    found = []
    for phrase, polarity in wordscores.assessments(text):
        if polarity == 0 or any(w in covered or w in TEXTBLOB_IGNORES for w in phrase):
            continue
        found.append((" ".join(phrase), polarity))
    return found


def is_english_word(word: str) -> bool:
    """A word TextBlob's lexicon knows: evidence of English for the language guess."""
    return word in lexicon_words()


@cache
def lexicon_words() -> frozenset[str]:
    """TextBlob's words as a plain set, built on first use (the lexicon file is read then,
    not at import). `lexicon_words().__contains__` is the cheapest test for `detect`."""
    return wordscores.lexicon_words()
