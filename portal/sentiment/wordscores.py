"""TextBlob's word scores ("terrible" -0.6, "not very good" ...) without TextBlob's pass.

The rules only need TextBlob's scored words and phrases (its `assessments`), not its sentence
objects. Calling TextBlob's pattern analyser cost as much as the whole of a bare TextBlob
scoring of the comment (its tokeniser is a Python loop over every chunk, its lexicon a lazy
dict whose every lookup is a Python call), which kept `analyze` far below half TextBlob's
speed (issue 11). This module does the same computation over a plain dict read once from
TextBlob's own lexicon: the same tokens (a chunk of letters and digits, most of them, skips
the punctuation loop), the same negation, modifier, "!" and emoticon rules, the same floats.
tests/test_sentiment_wordscores.py checks that both give the same assessments.
"""

from __future__ import annotations

import re
from functools import cache

from textblob import _text
from textblob.en import sentiment as _textblob_sentiment

_PUNCTUATION = tuple(_text.PUNCTUATION.replace(".", ""))
_TRAILING = (*_PUNCTUATION, ".")
_ABBREVIATIONS = _text.ABBREVIATIONS
_ABBR = (_text.RE_ABBR1, _text.RE_ABBR2, _text.RE_ABBR3)
_REPLACE = tuple(_text.replacements.items())  # "'s" -> " 's" ...: literal, so str.replace
_LINEBREAKS = re.compile(r"\n{2,}")
_NEGATIONS = frozenset(_textblob_sentiment.negations)
_EMOTICON_CHARS = frozenset(
    c for faces in _text.EMOTICONS.values() for face in faces for c in face if not c.isalnum()
)


@cache
def _lexicon() -> dict[str, tuple[float, float, bool]]:
    """word -> (polarity, intensity, is an adverb that modifies the next word), from
    TextBlob's lexicon (read from its file once, on first use)."""
    len(_textblob_sentiment)  # a lazy dict: this loads it
    found = {}
    for word, by_pos in dict.items(_textblob_sentiment):
        polarity, _subjectivity, intensity = by_pos[None]
        found[word] = (polarity, intensity, any(pos in by_pos for pos in ("RB",)))
    return found


@cache
def _emoticons() -> dict[str, float]:
    found: dict[str, float] = {}
    for (_kind, polarity), faces in _text.EMOTICONS.items():
        for face in faces:
            found.setdefault(face.lower(), polarity)
    return found


def lexicon_words() -> frozenset[str]:
    """Every word TextBlob's lexicon scores."""
    return frozenset(_lexicon())


def tokens(text: str) -> list[str]:
    """The lower-cased tokens TextBlob's tokeniser (find_tokens) gives, flattened as its
    analyser reads them."""
    for old, new in _REPLACE:
        if old in text:
            text = text.replace(old, new)
    text = (
        text.replace("\u201c", " \u201c ")  # curly quotes, as TextBlob splits them
        .replace("\u201d", " \u201d ")
        .replace("\u2018", " \u2018 ")
        .replace("\u2019", " \u2019 ")
        .replace("'", " ' ")
        .replace('"', ' " ')
        .replace("\r\n", "\n")
    )
    if "\n\n" in text:  # a paragraph break ends a sentence: no token of its own
        text = _LINEBREAKS.sub(" ", text)
    found: list[str] = []
    append = found.append
    for t in text.split():
        if t.isalnum():
            append(t)
            continue
        tail = []
        while t.startswith(_PUNCTUATION):
            append(t[0])
            t = t[1:]
        while t.endswith(_TRAILING):
            if t.endswith(_PUNCTUATION):
                tail.append(t[-1])
                t = t[:-1]
            if t.endswith("..."):
                tail.append("...")
                t = t[:-3].rstrip(".")
            if t.endswith("."):
                if t in _ABBREVIATIONS or any(r.match(t) is not None for r in _ABBR):
                    break
                tail.append(t[-1])
                t = t[:-1]
        if t != "":
            append(t)
        found.extend(reversed(tail))
    joined = " ".join(found)
    if "(" in joined:
        joined = _text.RE_SARCASM.sub("(!)", joined)
    if not _EMOTICON_CHARS.isdisjoint(joined) or "XD" in joined or "xD" in joined:
        joined = _text.RE_EMOTICONS.sub(lambda m: m.group(1).replace(" ", "") + m.group(2), joined)
    return joined.lower().split()


def assessments(text: str) -> list[tuple[list[str], float]]:
    """TextBlob's (phrase's words, polarity) pairs for `text`, as its analyser's `assessments`."""
    lexicon = _lexicon()
    found: list[list] = []  # [words, polarity, intensity, negated]
    modifier: str | None = None  # the preceding adverb ("really good")
    negation: str | None = None  # the preceding negation ("not good")
    for w in tokens(text):
        entry = lexicon.get(w)
        if entry is not None:
            polarity, intensity, adverb = entry
            if modifier is None:
                found.append([[w], polarity, intensity, False])
            else:
                last = found[-1]
                last[0].append(w)
                last[1] = max(-1.0, min(polarity * last[2], +1.0))
                last[2] = intensity
            if negation is not None:
                last = found[-1]
                last[0].insert(0, negation)
                last[2] = 1.0 / last[2]
                last[3] = True
            modifier = w if adverb else None
            negation = w if w in _NEGATIONS else None
            continue
        if w in _NEGATIONS:
            negation = w
        elif negation and len(w.strip("'")) > 1:  # kept across small words ("not a good")
            negation = None
        if negation is not None and modifier is not None and modifier.endswith("ly"):
            found[-1][0].append(negation)
            found[-1][3] = True
            negation = None
        elif modifier and len(w) > 2:
            modifier = None
        if w == "!" and found:
            found[-1][0].append("!")
            found[-1][1] = max(-1.0, min(found[-1][1] * 1.25, +1.0))
        if w == "(!)":
            found.append([[w], 0.0, 1.0, False])
        if not w.isalpha() and len(w) <= 5 and w not in _text.PUNCTUATION:
            face = _emoticons().get(w)
            if face is not None:
                found.append([[w], face, 1.0, False])
    return [(words, p * -0.5 if negated else p) for words, p, _i, negated in found]
