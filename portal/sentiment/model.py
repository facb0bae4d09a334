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

from portal.sentiment.features import NEGATED

WEIGHTS_FILE = Path(__file__).resolve().parent / "weights.json"
FORMAT = 1
LONG = 150  # characters: a comment this long is "long" (as in bench/sentiment.py)
MIN_REASON = 0.15  # a feature that moved the score less than this is not a reason


@dataclass(frozen=True, slots=True)
class Score:
    probability: float  # that the comment is negative (a complaint someone should see)
    negative: bool  # probability >= the model's threshold
    contributions: list[tuple[str, float, float]]  # (feature, value, weight x value)

    def reasons(self, limit: int) -> list[str]:
        """What weighed most toward the decision, readable by staff."""
        sign = 1 if self.negative else -1
        ranked = sorted(
            (c for c in self.contributions if c[2] * sign >= MIN_REASON),
            key=lambda c: -c[2] * sign,
        )
        shown = [describe(name, value) for name, value, _ in ranked]
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
        self.weights: dict[str, float] = data["weights"]
        self.trained_on: list[dict] = data.get("trained_on", [])
        self.lexicon: dict[str, float] = data.get("lexicon", {})

    def score(
        self,
        features: dict[str, float],
        rules_negative: bool = True,
        *,
        long: bool = False,
        problem: bool = False,
    ) -> Score:
        """The probability that the comment is negative, and the decision: at or above the
        threshold when the rules call it negative too, else at or above `overrule`, or the
        lower bar of a long comment or of a rules-neutral one that states a problem."""
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
            bar = self.threshold
        else:
            bar = min(
                self.overrule,
                self.overrule_long if long else 1.0,
                self.overrule_problem if problem else 1.0,
            )
        return Score(probability, probability >= bar, contributions)


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
