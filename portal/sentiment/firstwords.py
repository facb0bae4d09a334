"""The words a cue's regex can begin with, so a comment is scanned word by word.

A lexicon of several hundred cues as one alternation is tried, alternative after alternative,
at every word of a comment: on a long comment that cost as much as TextBlob's whole pass
(issue 11). Most cues begin with one of a few literal words ("still waiting", "(?:sent|send)
me ..."), so `first_words` reads each cue's pattern (with Python's own regex parser) and
lists the words it can begin with; the lexicon then tries, at each word of the comment, only
the cues that can begin with that word, in their table order, so the first match is the one
the single alternation would have found. A cue whose first word is only partly spelt out
("reschedul\\w*") is tried at every word that begins so. A cue whose first word cannot be
listed (it begins with "\\w+", or has too many spellings) is tried at every word.
"""

from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as c  # type: ignore[attr-defined]
    from re import _parser as parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as c  # type: ignore[no-redef]
    import sre_parse as parser  # type: ignore[no-redef]

OPEN = "…"  # suffix of a first word that goes on with any letters ("reschedul…")
DIGIT = "<digit>"  # the key of cues that begin with a number ("3rd time", "2 weeks late")
_MAX_SPELLINGS = 400
_MAX_REPEAT = 4
_WORD = re.compile(r"\w")


_State = tuple[str, object]  # (the first word so far; False, True (ended) or OPEN)


class _Unknown(Exception):
    """The pattern's first word cannot be listed: try the cue at every word."""


def first_words(pattern: str) -> frozenset[str] | None:
    """The lower-case words (maximal runs of \\w) that `pattern` can begin with: DIGIT for
    a number, a beginning followed by OPEN for any word that begins so; None when they cannot
    be listed, or when the pattern can begin with something that is no word (then it is tried
    everywhere)."""
    try:
        states = _sequence(list(parser.parse(pattern)), {("", False)})
    except _Unknown:
        return None
    words = {prefix + OPEN if done == OPEN else prefix for prefix, done in states}
    if "" in words:  # it can begin with a space, a mark or an emoji
        return None
    return frozenset(words)


def _sequence(items: list, states: set[_State]) -> set[_State]:
    """The states (first word so far, whether it has ended) after matching `items`."""
    for op, arg in items:
        if all(done for _prefix, done in states):
            return states
        states = _item(op, arg, states)
        if len(states) > _MAX_SPELLINGS:
            raise _Unknown
    return states


def _item(op, arg, states: set[_State]) -> set[_State]:
    done = {s for s in states if s[1]}
    going = states - done
    if op is c.LITERAL:
        char = chr(arg)
        if _WORD.match(char):
            return done | {(prefix + char.lower(), False) for prefix, _ in going}
        return done | {(prefix, True) for prefix, _ in going}
    if op is c.SUBPATTERN:
        return done | _sequence(list(arg[-1]), going)
    if op is c.BRANCH:
        result = set(done)
        for alternative in arg[1]:
            result |= _sequence(list(alternative), going)
        return result
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        low, high, body = arg
        result: set[_State] = set()
        current = going
        for count in range(high + 1):
            if count >= low:
                result |= current
            if count == high or all(d for _p, d in current):
                break
            if count >= _MAX_REPEAT:
                raise _Unknown
            current = _sequence(list(body), current)
        return done | result
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):  # zero width: checked when the cue is tried
        return states
    if op is c.IN and all(kind is c.LITERAL for kind, _ in arg):  # [ -]
        return done | _item(c.BRANCH, (None, [[item] for item in arg]), going)
    if op is c.IN and all(prefix == "" for prefix, _ in going) and _is_digits(arg):
        return done | {(DIGIT, True)}
    if op in (c.IN, c.ANY) and all(prefix for prefix, _ in going):  # "reschedul\\w*"
        return done | {(prefix, OPEN) for prefix, _ in going}
    raise _Unknown


def _is_digits(arg) -> bool:
    return list(arg) == [(c.CATEGORY, c.CATEGORY_DIGIT)]
