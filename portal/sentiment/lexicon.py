"""Cue lexicons: weighted words and phrases found in one regex pass, with negation and
intensifiers read from the few words before each match.

A lexicon is compiled once at import into a single alternation (one named group per cue).
Longer phrases are listed before the words they contain: at a given position the first
alternative wins. Scanning goes word by word: at each word only the cues that can begin with
it are tried (portal.sentiment.firstwords), in table order, so the hits are those of the
single alternation at a fraction of the cost; a lexicon with word prefixes (Swedish "jätte-")
is scanned with the single alternation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from portal.sentiment.firstwords import DIGIT, OPEN, first_words

# What a cue says about the comment.
COMPLAINT = "complaint"  # a problem, unresolved or not (negative weight)
PRAISE = "praise"  # positive weight
RESOLVED = "resolved"  # a problem solved: the complaints written before it weigh less
NEUTRAL = "neutral"  # "ok", "as expected": a decision for neutral, no weight
SARCASM = "sarcasm"  # irony whatever else is written ("thanks for nothing")
SARCASM_IF_NEGATIVE = "sarcasm?"  # irony only next to a complaint ("oh great", "love it")

INTENSIFY = 1.5
_WORDS = re.compile(r"[\w']+")
_TOKEN = re.compile(r"\w+")
_CACHED_WORDS = 20_000  # words whose cues are remembered (then the memory starts again)
DIMINISH = 0.5


@dataclass(frozen=True, slots=True)
class Cue:
    weight: float
    kind: str
    # The weight when negated ("not happy"); None: the default for the kind.
    negated_weight: float | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One cue found in a comment, with its weight after negation and intensifiers."""

    words: str  # as matched in the normalised text
    kind: str
    weight: float
    start: int
    negated: bool = False
    modifier: str | None = None  # the intensifier or diminisher applied, if any


Entry = tuple[str, float, str] | tuple[str, float, str, float]


def words(text: str) -> list[str]:
    """A list of words written as one string, one space apart."""
    return text.split()


class Lexicon:
    """Weighted cues of one language, matched case-insensitively on word boundaries.

    `entries` are (regex, weight, kind[, negated weight]) with no capturing groups.
    `prefixes` are intensifying word prefixes (Swedish "jättebra", "supernöjd").
    """

    def __init__(
        self,
        entries: Iterable[Entry],
        *,
        negators: Iterable[str],
        intensifiers: Iterable[str],
        diminishers: Iterable[str] = (),
        clause_breaks: Iterable[str] = ("but",),
        prefixes: Iterable[str] = (),
        window: int = 3,
    ) -> None:
        self.cues: dict[str, Cue] = {}
        alternatives: list[str] = []
        for i, (pattern, weight, kind, *negated) in enumerate(entries):
            if re.compile(pattern).groups:
                raise ValueError(f"cue {pattern!r} has a capturing group: use (?:...)")
            name = f"c{i}"
            self.cues[name] = Cue(weight, kind, negated[0] if negated else None)
            # An empty group after the cue names it: the engine marks it only when the cue
            # has matched, where a group around the cue would cost a mark at every try.
            alternatives.append(f"(?:{pattern})(?P<{name}>)")
        prefix = "|".join(prefixes)
        self.has_prefix = bool(prefix)
        prefix_group = f"(?P<prefix>{prefix})?" if prefix else ""
        self.regex = re.compile(rf"(?<!\w){prefix_group}(?:{'|'.join(alternatives)})(?!\w)")
        self._alternatives = alternatives
        self._starts = None if prefix else _index(alternatives)
        self._by_word: dict[str, re.Pattern[str] | None] = {}
        self.negators = frozenset(negators)
        self.intensifiers = frozenset(intensifiers)
        self.diminishers = frozenset(diminishers)
        breaks = "|".join(re.escape(b) for b in clause_breaks)
        self.clause = re.compile(rf"[.!?;,:()\n]|\b(?:{breaks})\b")
        self.window = window

    def scan(self, text: str, shouted: frozenset[str] = frozenset()) -> list[Hit]:
        """Every cue in `text` (lower-cased, see `normalise`), in order. Words in `shouted`
        were written in capitals and count as intensified."""
        hits = []
        previous_end = 0
        for match in self._matches(text):
            cue = self.cues[match.lastgroup]  # type: ignore[index]
            start, end = match.span()
            before = self._clause_before(text, max(0, start - 48), start)
            if cue.kind == COMPLAINT and previous_end > start - 48:
                # "have not received a refund": the "not" belongs to the earlier cue, not
                # to "refund". It still negates praise: "still not fixed".
                negation_scope = self._clause_before(text, previous_end, start)
            else:
                negation_scope = before
            previous_end = end
            negated = any(word in self.negators for word in negation_scope)
            modifier = None
            if self.has_prefix and match.group("prefix"):
                modifier = match.group("prefix")
            elif before and before[-1] in self.intensifiers:
                modifier = before[-1]
            elif shouted and any(w in shouted for w in match.group().split()):
                modifier = "capitals"
            elif before and before[-1] in self.diminishers:
                modifier = "~" + before[-1]
            hits.append(self._hit(match.group(), cue, start, negated, modifier))
        return hits

    def _matches(self, text: str):
        """The cues' matches, left to right, as `self.regex.finditer` finds them."""
        if self._starts is None:
            yield from self.regex.finditer(text)
            return
        by_word, end = self._by_word, 0
        for token in _TOKEN.finditer(text):
            start = token.start()
            if start < end:
                continue
            word = token.group()
            try:
                regex = by_word[word]
            except KeyError:
                regex = self._regex_for(word)
            if regex is not None:
                match = regex.match(text, start)
                if match is not None:
                    end = match.end()
                    yield match

    def _regex_for(self, word: str) -> re.Pattern[str] | None:
        """The alternation of the cues that can begin with `word`, in table order."""
        exact, opened, digit = self._starts  # type: ignore[misc]
        found = set(exact.get(word, ()))
        for length, prefixes in opened.items():
            found.update(prefixes.get(word[:length], ()))
        if word[0].isdigit():
            found.update(digit)
        if not found:
            regex = None
        else:
            chosen = "|".join(self._alternatives[i] for i in sorted(found))
            regex = re.compile(rf"(?<!\w)(?:{chosen})(?!\w)")
        if len(self._by_word) >= _CACHED_WORDS:
            self._by_word.clear()
        self._by_word[word] = regex
        return regex

    def _clause_before(self, text: str, start: int, end: int) -> list[str]:
        """The last few words before a cue, not reaching back past a clause break."""
        segment = text[start:end]
        cut = max((m.end() for m in self.clause.finditer(segment)), default=0)
        return _WORDS.findall(segment[cut:])[-self.window :]

    @staticmethod
    def _hit(words: str, cue: Cue, start: int, negated: bool, modifier: str | None) -> Hit:
        kind, weight = cue.kind, cue.weight
        if negated and kind == SARCASM_IF_NEGATIVE:
            # Praise that is ironic only next to a complaint, negated, is negated praise:
            # "the staff were not very helpful", "I wasn't really impressed".
            return Hit(words, COMPLAINT, -0.6, start, negated, modifier)
        if negated and kind != SARCASM:
            if cue.negated_weight is not None:
                weight = cue.negated_weight
            elif kind == COMPLAINT:  # "no damage", "not late": faint praise
                weight = 0.3 * -weight
            elif kind == PRAISE:  # "not happy": a complaint in a survey
                weight = -max(0.6, weight)
            elif kind == RESOLVED:  # "not fixed"
                weight = -0.8
            elif kind == NEUTRAL:  # "not ok"
                weight = -0.6
            kind = COMPLAINT if weight < 0 else PRAISE if weight > 0 else NEUTRAL
        if modifier and kind in (COMPLAINT, PRAISE):
            factor = DIMINISH if modifier.startswith("~") else INTENSIFY
            weight = max(-1.0, min(1.0, weight * factor))
        return Hit(words, kind, weight, start, negated, modifier)


def _index(alternatives: list[str]):
    """Which cues (by position) can begin with which word: exact words, beginnings of words
    by length, and numbers; None when a cue's first word cannot be listed."""
    exact: dict[str, list[int]] = {}
    opened: dict[int, dict[str, list[int]]] = {}
    digit: list[int] = []
    for i, alternative in enumerate(alternatives):
        pattern = alternative.removesuffix(f"(?P<c{i}>)")
        starts = first_words(pattern)
        if starts is None:
            return None
        for word in starts:
            if word == DIGIT:
                digit.append(i)
            elif word.endswith(OPEN):
                stem = word.removesuffix(OPEN)
                opened.setdefault(len(stem), {}).setdefault(stem, []).append(i)
            else:
                exact.setdefault(word, []).append(i)
    return exact, opened, digit
