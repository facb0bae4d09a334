"""The features the learned scorer reads: words, word pairs and what the rules found.

Pure and cheap (one regex pass over text that is already normalised): the same function builds
the features when training (portal.sentiment.training) and when serving (portal.sentiment.model),
so the two can never drift apart.

- Words: lower-cased, "n't" already spelt out. A word within three words after a negation in the
  same clause is read negated ("not helpful" is the feature "not … helpful", whatever stands
  between), so "the staff were not very helpful" does not count as praise.
- Word pairs ("no instructions", "still waiting"), taken as written, within a clause.
- What the rules know, as numbers: the weight of the complaint and praise cues, the mean TextBlob
  polarity of the remaining words, the label the rules gave, sarcasm, the language.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

# A word (letters and apostrophes), a number, or a mark that carries mood on its own.
_TOKENS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+|[!?]")
_CLAUSE = re.compile(r"[.;:!?,()\n]|\b(?:but|however|although|though|men|dock)\b")
_NEGATORS = """not no never without nothing none nobody neither nor hardly barely
    inte ej icke aldrig ingen inget inga utan knappast"""
NEGATORS = frozenset(_NEGATORS.split())
# Clause breaks (group 1, or 2: "!" or "?", which count as a token too) and tokens (3), in one
# pass: the tokens between the breaks _CLAUSE finds.
_TOKEN_OR_BREAK = re.compile(
    r"(?:\b(?:but|however|although|though|men|dock)\b|([.;:,()\n])|([!?]))"
    r"|([^\W\d_]+(?:'[^\W\d_]+)*|\d+)"
)
NEGATION_SCOPE = 3
NEGATED = "not … "  # the prefix of a negated word's feature, as staff read it
NEGATED_VALENCE = -0.74  # what negation does to a word's valence (VADER's factor)
PAIR = " "  # a word pair's feature is the two words, one space apart


@dataclass(frozen=True, slots=True)
class RuleFacts:
    """What the rule-based reading found in a comment, as the model sees it."""

    language: str  # "en", "sv" or "unknown"
    label: str  # the rules' label
    complaint: float  # the sum of the complaint cues' weights (0 or less)
    praise: float  # the sum of the praise and resolved cues' weights (0 or more)
    textblob: float  # the mean TextBlob polarity of the words no cue covered (English)
    sarcasm: bool
    cues: int  # how many cues matched


def clause_tokens(text: str) -> list[list[str]]:
    """The tokens of `text` (normalised: lower case, "n't" spelt out), clause by clause."""
    clauses: list[list[str]] = []
    part: list[str] = []
    for _break, mark, token in _TOKEN_OR_BREAK.findall(text):
        if token:
            part.append(token)
            continue
        if mark:
            part.append(mark)
        if part:
            clauses.append(part)
            part = []
    if part:
        clauses.append(part)
    return clauses


def word_features(text: str) -> set[str]:
    """Words (negated where a negation reaches them) and word pairs of `text`."""
    found: set[str] = set()
    for tokens in clause_tokens(text):
        left = 0
        previous = None
        for token in tokens:
            if token in NEGATORS:
                found.add(token)
                left = NEGATION_SCOPE
            elif left:
                found.add(NEGATED + token)
                left -= 1
            else:
                found.add(token)
            if previous is not None:
                found.add(previous + PAIR + token)
            previous = token
    return found


def rule_features(facts: RuleFacts, word_count: int) -> dict[str, float]:
    """The rules' findings as named numbers, each roughly within -1..1."""
    features = {
        "rules: complaint cues": max(-2.0, facts.complaint),
        "rules: praise cues": min(2.0, facts.praise),
        "TextBlob polarity": facts.textblob,
        f"rules: labelled {facts.label}": 1.0,
        f"language: {facts.language}": 1.0,
        "length": min(1.0, math.log1p(word_count) / 5),
    }
    if facts.sarcasm:
        features["rules: sarcasm"] = 1.0
    if not facts.cues:
        features["rules: no cue"] = 1.0
    return features


def lexicon_features(words: set[str], lexicon: Mapping[str, float]) -> dict[str, float]:
    """The valence (-4..4, VADER's lexicon) of the words found, negated ones turned: its mean,
    lowest and highest, each divided by 4. A word no training text held still counts here."""
    get, skip = lexicon.get, len(NEGATED)
    valences = [v for word in words if PAIR not in word and (v := get(word)) is not None]
    valences += [
        v * NEGATED_VALENCE
        for word in words
        if word.startswith(NEGATED) and (v := get(word[skip:])) is not None
    ]
    if not valences:
        return {}
    return {
        # fsum: exact whatever the order of the set, so a retrain gives the same bytes
        "lexicon: mean valence": math.fsum(valences) / len(valences) / 4,
        "lexicon: lowest valence": min(0.0, min(valences)) / 4,
        "lexicon: highest valence": max(0.0, max(valences)) / 4,
    }


def features(
    text: str, facts: RuleFacts, lexicon: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Every feature of a normalised comment: word features count 1, rule and lexicon
    features their value. Word features are prefixed with the language ("sv:") for Swedish, so
    a Swedish word spelt like an English one ("fin", "bra") learns its own weight."""
    words = word_features(text)
    prefix = "sv:" if facts.language == "sv" else ""
    result = {prefix + w: 1.0 for w in words}
    result.update(rule_features(facts, len(words)))
    if lexicon and facts.language != "sv":
        result.update(lexicon_features(words, lexicon))
    return result
