"""Benchmark of `portal.sentiment.analyze` against bare TextBlob on the labelled evaluation set.

Run by hand, not a test. It reads bench/data/sentiment_eval.csv (see bench/data/README.md) and
prints, for the dev and the holdout split separately and for English and Swedish, the precision,
recall and F1 of the "negative" label and the accuracy over the three labels, for:

- bare TextBlob: negative iff polarity < 0, neutral iff == 0, positive iff > 0;
- `analyze(text)`: the text alone, no ratings (the set has none).

Then the speed of both in texts per second (the best of several timed passes over the whole set),
and the holdout texts `analyze` gets wrong, with its reasons, for a person to judge.

    .venv/bin/python bench/sentiment.py                  # everything
    .venv/bin/python bench/sentiment.py --split dev --errors dev   # while writing rules

Rules are tuned on dev only: the holdout figures are reported, never tuned against.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textblob import TextBlob

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.sentiment import analyze  # noqa: E402  (after the path is set)

DATA = ROOT / "bench" / "data" / "sentiment_eval.csv"
TARGET_RECALL = 0.90
TARGET_PRECISION = 0.80
TARGET_SPEED = 0.5  # of bare TextBlob's texts per second


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    text: str
    label: str
    language: str
    split: str


@dataclass(frozen=True, slots=True)
class Scores:
    n: int
    precision: float
    recall: float
    f1: float
    accuracy: float

    def line(self) -> str:
        return (
            f"n={self.n:<4} precision {self.precision:.3f}  recall {self.recall:.3f}  "
            f"F1 {self.f1:.3f}  accuracy {self.accuracy:.3f}"
        )


def load(path: Path = DATA) -> list[Row]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [
            Row(r["id"], r["text"], r["label"], r["language"], r["split"])
            for r in csv.DictReader(f)
        ]


def textblob_label(text: str) -> str:
    polarity = TextBlob(text).sentiment.polarity
    return "negative" if polarity < 0 else "positive" if polarity > 0 else "neutral"


def analyze_label(text: str) -> str:
    return analyze(text).label


def score(expected: Sequence[str], got: Sequence[str]) -> Scores:
    pairs = list(zip(expected, got, strict=True))
    tp = sum(e == g == "negative" for e, g in pairs)
    predicted = sum(g == "negative" for _, g in pairs)
    actual = sum(e == "negative" for e, _ in pairs)
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = sum(e == g for e, g in pairs) / len(pairs) if pairs else 0.0
    return Scores(len(pairs), precision, recall, f1, accuracy)


def report(rows: list[Row], splits: Sequence[str]) -> dict[tuple[str, str, str], Scores]:
    labellers: dict[str, Callable[[str], str]] = {
        "bare TextBlob": textblob_label,
        "analyze": analyze_label,
    }
    got = {name: [label(r.text) for r in rows] for name, label in labellers.items()}
    results = {}
    for split in splits:
        for language in ("all", "en", "sv"):
            picked = [
                i
                for i, r in enumerate(rows)
                if r.split == split and language in ("all", r.language)
            ]
            if not picked:
                continue
            print(f"\n{split} / {language}")
            for name in labellers:
                s = score([rows[i].label for i in picked], [got[name][i] for i in picked])
                results[split, language, name] = s
                print(f"  {name:<14} {s.line()}")
    return results


def speed(rows: list[Row], passes: int) -> tuple[float, float]:
    """Texts per second of bare TextBlob and of analyze: the best of `passes` timed passes
    over the whole set, the two taking turns so that both see the same machine load."""
    texts = [r.text for r in rows]
    for text in texts[:20]:  # warm up: TextBlob loads its lexicon on first use
        textblob_label(text)
        analyze_label(text)
    best = {"textblob": float("inf"), "analyze": float("inf")}
    for _ in range(passes):
        for name, label in (("textblob", textblob_label), ("analyze", analyze_label)):
            started = time.perf_counter()
            for text in texts:
                label(text)
            best[name] = min(best[name], time.perf_counter() - started)
    return len(texts) / best["textblob"], len(texts) / best["analyze"]


def misclassified(rows: list[Row], split: str) -> None:
    wrong = []
    for r in rows:
        if r.split != split:
            continue
        result = analyze(r.text)
        if result.label != r.label:
            wrong.append((r, result))
    print(f"\n{split}: {len(wrong)} texts analyze labels differently from the set")
    for r, result in wrong:
        reasons = "; ".join(result.reasons) or "-"
        print(
            f"  [{r.id} {r.language}] expected {r.label}, got {result.label} ({result.polarity:+.2f})"
        )
        print(f"      {r.text}")
        print(f"      reasons: {reasons}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "holdout", "both"), default="both")
    parser.add_argument(
        "--errors",
        choices=("dev", "holdout", "none"),
        default="holdout",
        help="list the texts analyze gets wrong in this split",
    )
    parser.add_argument("--passes", type=int, default=5, help="timed passes over the set")
    args = parser.parse_args(argv)

    rows = load()
    splits = ("dev", "holdout") if args.split == "both" else (args.split,)
    counts = {s: sum(r.split == s for r in rows) for s in ("dev", "holdout")}
    print(
        f"{DATA.relative_to(ROOT)}: {len(rows)} texts ({counts['dev']} dev, {counts['holdout']} holdout)"
    )
    print('precision, recall and F1 are of the label "negative"; accuracy is over 3 labels')
    results = report(rows, splits)

    textblob_rate, analyze_rate = speed(rows, args.passes)
    ratio = analyze_rate / textblob_rate
    print(f"\nspeed over {len(rows)} texts, best of {args.passes} passes:")
    print(f"  bare TextBlob  {textblob_rate:,.0f} texts/s")
    print(f"  analyze        {analyze_rate:,.0f} texts/s  ({ratio:.2f}x bare TextBlob)")

    if args.errors != "none" and args.errors in splits:
        misclassified(rows, args.errors)

    if "holdout" in splits:
        s = results["holdout", "all", "analyze"]
        met = (
            s.recall >= TARGET_RECALL and s.precision >= TARGET_PRECISION and ratio >= TARGET_SPEED
        )
        print(
            f"\ntarget on holdout (recall >= {TARGET_RECALL}, precision >= {TARGET_PRECISION}, "
            f"speed >= {TARGET_SPEED}x): {'met' if met else 'NOT met'} "
            f"(recall {s.recall:.3f}, precision {s.precision:.3f}, speed {ratio:.2f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
