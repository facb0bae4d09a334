"""The learned scorer: a logistic regression over the features of portal.sentiment.features,
served in pure Python from the weights file shipped beside this module.

The file (weights.json) holds the feature names, their weights, the bias and the threshold,
plus which data sets they were learned from; never a training text. It is read once per
process, on first use. `flask portal train-sentiment` rebuilds it (portal.sentiment.training).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from portal.sentiment.features import NEGATED, NEGATORS

WEIGHTS_FILE = Path(__file__).resolve().parent / "weights.json"
FORMAT = 1
LONG = 150  # characters: a comment this long is "long" (as in bench/sentiment.py)
SWEDISH_LONG = 40  # characters: a Swedish comment this long meets `overrule_swedish`
NEGATIVE_VALENCE = -1.0  # a word this negative (VADER, -4..4) meets `overrule_negative_word`
# Negations are no complaint on their own ("No comment.", "Nothing to add."): VADER gives "no"
# -1.2, and the others may get a valence in a later lexicon.
NOT_NEGATIVE_WORDS = NEGATORS | {"cannot", "nope", "nor"}
MIN_REASON = 0.15  # a feature that moved the score less than this is not a reason


@dataclass(frozen=True, slots=True)
class Score:
    probability: float  # that the comment is negative (a complaint someone should see)
    negative: bool  # probability >= the model's threshold
    contributions: list[tuple[str, float, float]]  # (feature, value, weight x value)
    # Why a lower bar than `overrule` applied, when it made the comment negative:
    # 'a negative word ("broken")', 'a stated problem ("took")'; "" otherwise.
    bar: str = ""

    def reasons(self, limit: int) -> list[str]:
        """What weighed most toward the decision, readable by staff: first, when a lower bar
        decided, why it applied ('a negative word ("broken") and the learned scorer: p 0.34')."""
        sign = 1 if self.negative else -1
        ranked = sorted(
            (c for c in self.contributions if c[2] * sign >= MIN_REASON),
            key=lambda c: -c[2] * sign,
        )
        shown = [describe(name, value) for name, value, _ in ranked]
        if self.bar:
            shown.insert(0, f"{self.bar} and the learned scorer: p {self.probability:.2f}")
        return [r for r in dict.fromkeys(shown) if r][:limit]


class Model:
    def __init__(self, data: dict) -> None:
        if data.get("format") != FORMAT:
            raise ValueError(f"sentiment weights: format {data.get('format')!r}, expected {FORMAT}")
        self.bias = float(data["bias"])
        self.threshold = float(data["threshold"])
        # The probability it takes to call negative a comment the rules found no complaint
        # in: higher than `threshold`, since the rules' "no complaint" is evidence too (a
        # question or a plain fact is neutral unless the words say otherwise).
        self.overrule = float(data.get("overrule", data["threshold"]))
        # Lower bars for the comments whose middling probability more often means a complaint
        # (docs/sentiment.md, "Evaluation"): a long comment (LONG characters or more), and one
        # the rules call neutral that states a problem (portal.sentiment.problems).
        self.overrule_long = float(data.get("overrule_long", self.overrule))
        self.overrule_problem = float(data.get("overrule_problem", self.overrule))
        # Issue 11's third round: a comment holding a clearly negative word (VADER valence
        # NEGATIVE_VALENCE or lower, negations excepted: "broken", "slow", "disappointed"), and
        # a Swedish comment of SWEDISH_LONG characters or more (the short Swedish reviews with
        # no cue are where recall was lost).
        self.overrule_negative_word = float(data.get("overrule_negative_word", self.overrule))
        self.overrule_swedish = float(data.get("overrule_swedish", self.overrule))
        self.weights: dict[str, float] = data["weights"]
        self.trained_on: list[dict] = data.get("trained_on", [])
        self.lexicon: dict[str, float] = data.get("lexicon", {})

    def score(
        self,
        features: dict[str, float],
        rules_negative: bool = True,
        *,
        long: bool = False,
        problem: bool | str = False,
        neutral: bool = False,
        swedish: bool = False,
    ) -> Score:
        """The probability that the comment is negative, and the decision: at or above the
        threshold when the rules call it negative too, else at or above `overrule`, or the
        lower bar of a long comment, of a rules-neutral one that states a problem (`problem`:
        the words that do) or holds a negative word (`neutral`: the rules call it neutral),
        or of a Swedish one of SWEDISH_LONG characters or more (`swedish`)."""
        weights = self.weights
        contributions = [
            (name, value, weight * value)
            for name, value in features.items()
            if (weight := weights.get(name))
        ]
        # fsum: the same probability whatever order the features came in
        total = self.bias + math.fsum([c[2] for c in contributions])
        probability = 1 / (1 + math.exp(-max(-30.0, min(30.0, total))))
        if rules_negative:
            return Score(probability, probability >= self.threshold, contributions)
        if probability >= self.overrule:
            return Score(probability, True, contributions)
        # Only for a rules-neutral comment: a rules-positive one with a negative word is as
        # often praise ("low price", "point and shoot", "had a problem but they fixed it").
        word = self.negative_word(features) if neutral else ""
        stated = f' ("{problem}")' if isinstance(problem, str) else ""
        bars = [
            (self.overrule_long, long, "a long comment"),
            (self.overrule_problem, problem, f"a stated problem{stated}"),
            (self.overrule_negative_word, word, f'a negative word ("{word}")'),
            (self.overrule_swedish, swedish, f"a Swedish comment of {SWEDISH_LONG}+ characters"),
        ]
        # The highest of the lower bars the probability reaches is the one named.
        met = [(bar, why) for bar, applies, why in bars if applies and probability >= bar]
        if not met:
            return Score(probability, False, contributions)
        return Score(probability, True, contributions, max(met)[1])

    def negative_word(self, features: dict[str, float]) -> str:
        """The most negative word of the comment (not negated, no negation itself) whose
        valence is NEGATIVE_VALENCE or lower; "" when there is none. Swedish words ("sv:")
        are not in the (English) lexicon."""
        get = self.lexicon.get
        found = [
            (valence, name)
            for name in features
            if " " not in name
            and name not in NOT_NEGATIVE_WORDS
            and (valence := get(name)) is not None
            and valence <= NEGATIVE_VALENCE
        ]
        return min(found)[1] if found else ""


@cache
def load(path: Path = WEIGHTS_FILE) -> Model | None:
    """The shipped model, read once per process; None when no weights file is there (the
    rules then decide alone)."""
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as f:
        return Model(json.load(f))


def describe(name: str, value: float) -> str:
    """A feature as staff read it: 'words "no instructions"', 'TextBlob polarity -0.40'."""
    if name == "TextBlob polarity":
        return f"TextBlob polarity {value:+.2f}"
    if name == "rules: complaint cues":
        return f"complaint cues {value:+.2f}"
    if name == "rules: praise cues":
        return f"praise cues {value:+.2f}"
    if name.startswith("rules: labelled "):
        return f"the cue rules read it {name.removeprefix('rules: labelled ')}"
    if name == "rules: sarcasm":
        return "sarcasm"
    if name == "rules: no cue":
        return "no cue word"
    if name.startswith("lexicon: "):
        return f"word valence ({name.removeprefix('lexicon: ')}) {value * 4:+.1f} of 4"
    if name.startswith(("language: ", "length")):
        return ""
    words = name.removeprefix("sv:")
    if words.startswith(NEGATED):
        return f'negated "{words.removeprefix(NEGATED)}"'
    return f'words "{words}"'
