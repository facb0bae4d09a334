"""Benchmark of `portal.sentiment.analyze` on real, human-labelled feedback, leave-one-file-out.

Run by hand, not a test (a full run takes 10-20 minutes on 2 cores). For every file of the
shared data folder (../shared/data/sentiment, see its SOURCES.md) and for the project's own set
(bench/data/sentiment_eval.csv) it prints the precision, recall and F1 of the label "negative"
and the texts per second, for short and long texts apart, of:

- `analyze(text)` with a learned scorer trained WITHOUT that file (leave-one-file-out), on
  what the shipped weights learn from (`flask portal train-sentiment`'s default sets); for
  sv_reviews, the only Swedish set of its kind, 5-fold cross-validation instead (each fifth
  scored by a model trained on the other four fifths and everything else);
- bare TextBlob: negative iff polarity < 0.1;
- VADER (the vaderSentiment package, if installed): negative iff compound < 0.2.

Then the speed of the three on long texts in the same process, and whether each target of
issue 11 is met. Exits 1 when one is missed (and prints which).

    .venv/bin/python bench/sentiment.py [--data ../shared/data/sentiment] [--markdown]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textblob import TextBlob

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.sentiment import analyze, training  # noqa: E402  (after the path is set)
from portal.sentiment.model import Model  # noqa: E402

OWN_SET = ROOT / "bench" / "data" / "sentiment_eval.csv"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "sentiment"
LONG = 150  # characters: a text this long or longer is "long"
FOLDS = 5
CROSS_VALIDATED = ("sv_reviews",)  # trained on by the shipped model, no other set like it
TEXTBLOB_BELOW = 0.1
VADER_BELOW = 0.2
SPEED_TARGET = 0.5  # of bare TextBlob's texts per second, on long texts

# (files, minimum recall, minimum precision), from issue 11.
TARGETS = [
    (("en_uci_amazon",), 0.90, 0.85),
    (
        (
            "en_mt_trustpilot_sv",
            "en_mt_trustpilot_da",
            "en_mt_trustpilot_no",
            "en_mt_trustpilot_fi",
        ),
        0.90,
        0.85,
    ),
    (("en_semeval14_absa", "en_vader_amazon_snippets"), 0.80, 0.75),
    (("sv_reviews",), 0.90, 0.85),
]
NEEDS_PERSON_TARGET = 0.05  # of Swedish negatives left as "needs a person"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    n: int = 0
    seconds: float = 0.0

    def add(self, expected: bool, predicted: bool) -> None:
        self.n += 1
        self.tp += expected and predicted
        self.fp += predicted and not expected
        self.fn += expected and not predicted

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def cell(self) -> str:
        if not self.n:
            return "-"
        return f"{self.precision:.2f} / {self.recall:.2f} / {self.f1:.2f}"


@dataclass
class FileResult:
    name: str
    rows: int
    negatives: int
    scores: dict[tuple[str, str], Counts]  # (scorer, "all"/"short"/"long") -> counts
    needs_person: int = 0  # negatives left neutral with "needs a person"

    def get(self, scorer: str, part: str = "all") -> Counts:
        return self.scores.setdefault((scorer, part), Counts())


def textblob_negative(text: str) -> bool:
    return TextBlob(text).sentiment.polarity < TEXTBLOB_BELOW


def vader_scorer() -> Callable[[str], bool] | None:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    analyzer = SentimentIntensityAnalyzer()
    return lambda text: analyzer.polarity_scores(text)["compound"] < VADER_BELOW


def training_sources(data: Path) -> list[training.Source]:
    """What `flask portal train-sentiment` learns from by default (no corrections here)."""
    sources = [training.read_own_set(OWN_SET)]
    licenses = training.licenses(data / "SOURCES.md")
    for path in training.shared_files(data, training.NOT_SHIPPED):
        sources.append(training.read_csv(path, licenses.get(path.stem, "")))
    return sources


def split(source: training.Source, fold: int) -> tuple[training.Source, list[int]]:
    """The source less its `fold`-th fifth (for training), and that fifth's row numbers."""
    rest = [i for i in range(len(source.texts)) if i % FOLDS != fold]
    part = training.Source(
        f"{source.name} (less fold {fold})",
        [source.texts[i] for i in rest],
        [source.labels[i] for i in rest],
        source.license,
        encoded=[source.encoded[i] for i in rest],
    )
    return part, [i for i in range(len(source.texts)) if i % FOLDS == fold]


def models_for(
    name: str,
    sources: list[training.Source],
    lexicon: dict[str, float],
    rows: int,
    bars: dict[str, float] | None = None,
) -> list[tuple[Model, list[int]]]:
    """The models that score file `name` (each with the rows it scores): one trained without
    the file, or, for a cross-validated file, one per fold. `bars`: fit's decision bars
    (overrule=..., overrule_swedish=...), its defaults for those not given."""
    bars = bars or {}
    others = [s for s in sources if s.name != name]
    if name not in CROSS_VALIDATED:
        model = Model(training.fit(others, lexicon=lexicon, **bars))
        return [(model, list(range(rows)))]
    [source] = [s for s in sources if s.name == name]
    models = []
    for fold in range(FOLDS):
        part, scored = split(source, fold)
        data = training.fit([*others, part], lexicon=lexicon, **bars)
        models.append((Model(data), scored))
    return models


def evaluate(
    test: training.Source,
    models: list[tuple[Model, list[int]]],
    vader: Callable[[str], bool] | None,
) -> FileResult:
    result = FileResult(test.name, len(test.texts), test.labels.count("negative"), {})
    scorers: list[tuple[str, Callable[[str], bool]]] = [("TextBlob", textblob_negative)]
    if vader:
        scorers.append(("VADER", vader))
    for model, rows in models:
        for i in rows:
            text, expected = test.texts[i], test.labels[i] == "negative"
            part = "long" if len(text) >= LONG else "short"
            started = time.perf_counter()
            analysis = analyze(text, model=model)
            elapsed = time.perf_counter() - started
            predicted = analysis.label == "negative"
            for where in ("all", part):
                counts = result.get("analyze", where)
                counts.add(expected, predicted)
                counts.seconds += elapsed
            if expected and not predicted and analysis.needs_review:
                result.needs_person += 1
            for scorer, negative in scorers:
                started = time.perf_counter()
                predicted = negative(text)
                elapsed = time.perf_counter() - started
                for where in ("all", part):
                    counts = result.get(scorer, where)
                    counts.add(expected, predicted)
                    counts.seconds += elapsed
    return result


def speed(texts: Sequence[str], model: Model, vader, passes: int) -> dict[str, float]:
    """Texts per second on `texts`: the best of `passes` passes, the scorers taking turns so
    that each sees the same machine load."""
    scorers = {
        "TextBlob": textblob_negative,
        "analyze": lambda t: analyze(t, model=model),
    }
    if vader:
        scorers["VADER"] = vader
    for text in texts[:20]:
        for score in scorers.values():
            score(text)
    best = dict.fromkeys(scorers, float("inf"))
    for _ in range(passes):
        for name, score in scorers.items():
            started = time.perf_counter()
            for text in texts:
                score(text)
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: len(texts) / seconds for name, seconds in best.items()}


def print_table(results: list[FileResult], markdown: bool) -> None:
    scorers = ["analyze", "TextBlob", "VADER"]
    print("\nprecision / recall / F1 of 'negative'; analyze is leave-one-file-out\n")
    header = ["file", "rows (neg)", "part"]
    for s in scorers:
        header += [s, f"{s} texts/s"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in results:
        for part in ("all", "short", "long"):
            if not r.get("analyze", part).n:
                continue
            cells = [r.name if part == "all" else "", f"{r.rows} ({r.negatives})", part]
            if part != "all":
                cells[1] = str(r.get("analyze", part).n)
            for s in scorers:
                c = r.get(s, part)
                cells += [c.cell(), f"{c.n / c.seconds:,.0f}" if c.seconds else "-"]
            print("| " + " | ".join(cells) + " |")
    if not markdown:
        return


def check_targets(results: list[FileResult], speeds: dict[str, float]) -> list[str]:
    by_name = {r.name: r for r in results}
    missed = []
    print("\ntargets (issue 11):")
    for names, recall, precision in TARGETS:
        for name in names:
            if name not in by_name:
                missed.append(f"{name}: not scored (not in the data folder, or not --only)")
                print(f"  {name}: NOT SCORED")
                continue
            c = by_name[name].get("analyze")
            ok = c.recall >= recall and c.precision >= precision
            line = (
                f"{name}: recall {c.recall:.3f} (>= {recall}), precision {c.precision:.3f} "
                f"(>= {precision})"
            )
            print(f"  {'met   ' if ok else 'MISSED'} {line}")
            if not ok:
                missed.append(line)
    if "sv_reviews" in by_name:
        r = by_name["sv_reviews"]
        share = r.needs_person / r.negatives if r.negatives else 0.0
        ok = share < NEEDS_PERSON_TARGET
        line = f"sv_reviews: {share:.1%} of negatives left as 'needs a person' (< 5%)"
        print(f"  {'met   ' if ok else 'MISSED'} {line}")
        if not ok:
            missed.append(line)
    ratio = speeds["analyze"] / speeds["TextBlob"]
    ok = ratio >= SPEED_TARGET
    line = f"speed on long texts: {ratio:.2f}x bare TextBlob (>= {SPEED_TARGET}x)"
    print(f"  {'met   ' if ok else 'MISSED'} {line}")
    if not ok:
        missed.append(line)
    return missed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("SENTIMENT_DATA_DIR", DEFAULT_DATA)),
        help="the shared folder of labelled CSV files (SENTIMENT_DATA_DIR)",
    )
    parser.add_argument("--passes", type=int, default=3, help="timed passes for the speed")
    parser.add_argument("--markdown", action="store_true", help="(the table is markdown)")
    parser.add_argument(
        "--overrule",
        type=float,
        default=training.OVERRULE,
        help="the probability from which the model makes a rules-neutral comment negative",
    )
    parser.add_argument(
        "--overrule-negative-word",
        type=float,
        default=training.OVERRULE_NEGATIVE_WORD,
        help="... or from this, when the comment holds a clearly negative word",
    )
    parser.add_argument(
        "--overrule-swedish",
        type=float,
        default=training.OVERRULE_SWEDISH,
        help="... or from this, when it is Swedish and 40 characters or more",
    )
    parser.add_argument("--only", action="append", help="score only this file (repeatable)")
    args = parser.parse_args(argv)
    bars = {
        "overrule": args.overrule,
        "overrule_negative_word": args.overrule_negative_word,
        "overrule_swedish": args.overrule_swedish,
    }
    if not args.data.is_dir():
        print(f"No data folder at {args.data}: give --data.", file=sys.stderr)
        return 2

    started = time.time()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, ", end="")
    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    lexicon = training.english_lexicon()
    vader = vader_scorer()
    if vader is None:
        print("vaderSentiment is not installed: no VADER column (pip install -e '.[bench]')")
    sources = training_sources(args.data)
    for source in sources:
        training.encode_source(source, lexicon)
    # The encoded features are millions of objects the garbage collector would walk again and
    # again while analyze allocates (it made analyze look twice as slow as it is): frozen.
    gc.collect()
    gc.freeze()
    licenses = training.licenses(args.data / "SOURCES.md")
    tests = list(sources)
    for path in training.shared_files(args.data):
        if path.stem in training.NOT_SHIPPED:  # scored, never trained on
            tests.append(training.read_csv(path, licenses.get(path.stem, "")))
    results = []
    print(
        f"overrule {args.overrule} (long {training.OVERRULE_LONG}, stated problem "
        f"{training.OVERRULE_PROBLEM}, negative word {args.overrule_negative_word}, Swedish "
        f"{args.overrule_swedish}), threshold {training.THRESHOLD}"
    )
    for test in sorted(tests, key=lambda s: s.name):
        if args.only and test.name not in args.only:
            continue
        models = models_for(test.name, sources, lexicon, len(test.texts), bars)
        results.append(evaluate(test, models, vader))
        c = results[-1].get("analyze")
        print(f"  {test.name}: {c.cell()} ({time.time() - started:.0f} s)", flush=True)
    print_table(results, args.markdown)

    shipped = Model(training.fit(sources, lexicon=lexicon, **bars))
    gc.unfreeze()
    for source in sources:  # timed without the encoded features in memory, as in a worker
        source.encoded = []
    gc.collect()
    long_texts = [t for s in tests for t in s.texts if len(t) >= LONG and "trustpilot" in s.name]
    long_texts = long_texts[:: max(1, len(long_texts) // 400)][:400]
    speeds = speed(long_texts, shipped, vader, args.passes)
    mean = sum(map(len, long_texts)) / len(long_texts)
    print(f"\nspeed on {len(long_texts)} long texts (mean {mean:.0f} characters), same process:")
    for name, rate in speeds.items():
        print(f"  {name:<9} {rate:,.0f} texts/s ({rate / speeds['TextBlob']:.2f}x TextBlob)")
    missed = check_targets(results, speeds)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end; {time.time() - started:.0f} s")
    if missed:
        print(f"\n{len(missed)} target(s) missed:")
        for line in missed:
            print(f"  {line}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
