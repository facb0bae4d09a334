"""Training the learned scorer: labelled texts in, the weights file out (reproducibly).

Used by `flask portal train-sentiment` and by bench/sentiment.py (which trains one model per
left-out file). scikit-learn fits the logistic regression; it is imported here only, so the
serving path (portal.sentiment.model) never needs it.

Labels: "negative" is a complaint (1); "neutral" and "positive" are not (0). Every file weighs
at most `FILE_CAP` texts' worth, so the large sets do not drown the small ones (each of its
texts then counts FILE_CAP / rows); staff corrections weigh CORRECTION_WEIGHT each: they are
few, recent and about this portal's own customers. The same inputs give the same file: the
rows are read in order, the solver is deterministic, the seed fixed, the weights rounded.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from portal.sentiment import read_by_rules
from portal.sentiment.features import features
from portal.sentiment.model import FORMAT

LABELS = ("negative", "neutral", "positive")
FILE_CAP = 2500
CORRECTION_WEIGHT = 5.0
MIN_TEXTS = 3  # a word or pair seen in fewer texts gets no weight (corrections excepted)
C = 0.5  # inverse regularisation strength
THRESHOLD = 0.15  # a comment the rules call negative stays negative from this probability
OVERRULE = 0.65  # a comment the rules call neutral or positive becomes negative from this
OVERRULE_LONG = 0.55  # ... or from this, when it is long (LONG characters or more)
OVERRULE_PROBLEM = 0.45  # ... or this, when the rules call it neutral and it states a problem
OVERRULE_NEGATIVE_WORD = 0.25  # ... or this, when it holds a clearly negative word ("broken")
OVERRULE_SWEDISH = 0.40  # ... or this, when it is Swedish and 40 characters or more
OWN_SET_WEIGHT = 8.0  # the project's own set: the portal's labelling rule, its kind of text
SEED = 11
DECIMALS = 3
MIN_WEIGHT = 0.02  # lighter weights are dropped: they move no decision, and keep the file small
STAFF_CORRECTIONS = "staff corrections"
# Left out of the shipped weights unless asked for: its license is research use only.
NOT_SHIPPED = ("en_semeval14_absa",)


class TrainingDataError(Exception):
    """A training file cannot be used (missing, not CSV, no text/label column, bad label)."""


@dataclass
class Source:
    """One set of labelled texts: a file, or the staff corrections."""

    name: str
    texts: list[str]
    labels: list[str]
    license: str = ""
    weight: float | None = None  # per text; None: FILE_CAP / rows, at most 1
    encoded: list[dict[str, float]] = field(default_factory=list, repr=False)

    def row_weight(self) -> float:
        if self.weight is not None:
            return self.weight
        return min(1.0, FILE_CAP / max(1, len(self.texts)))


def read_csv(path: Path, license: str = "") -> Source:
    """A CSV file with a header naming (at least) a `text` and a `label` column."""
    if not path.is_file():
        raise TrainingDataError(f"{path}: no such file.")
    texts, labels = [], []
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            columns = [c.strip().lower() for c in reader.fieldnames or []]
            if "text" not in columns or "label" not in columns:
                raise TrainingDataError(
                    f"{path}: the header must name a 'text' and a 'label' column "
                    f"(it names: {', '.join(columns) or 'nothing'})."
                )
            names = dict(zip(columns, reader.fieldnames or [], strict=True))
            for line, row in enumerate(reader, start=2):
                label = (row[names["label"]] or "").strip().lower()
                if label not in LABELS:
                    raise TrainingDataError(
                        f"{path}, line {line}: label {label!r} is not one of {', '.join(LABELS)}."
                    )
                texts.append(row[names["text"]] or "")
                labels.append(label)
    except UnicodeDecodeError:
        raise TrainingDataError(f"{path}: not UTF-8 text; save it as CSV UTF-8.") from None
    except csv.Error as exc:
        raise TrainingDataError(f"{path}: cannot be read as CSV ({exc}).") from None
    if not texts:
        raise TrainingDataError(f"{path}: no rows under the header.")
    return Source(path.stem, texts, labels, license)


def english_lexicon() -> dict[str, float]:
    """VADER's English word valences (MIT), from the vaderSentiment package when it is
    installed (the train extra); {} without it. Single words only; the training command copies
    them into the weights file, so serving needs no package."""
    try:
        from vaderSentiment import vaderSentiment
    except ImportError:
        return {}
    path = Path(vaderSentiment.__file__).with_name("vader_lexicon.txt")
    lexicon = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, rest = line.partition("\t")
        if word.isalpha() and word.islower() and rest:
            lexicon[word] = float(rest.split("\t")[0])
    return lexicon


def read_own_set(path: Path) -> Source:
    """The project's own labelled set (bench/data/sentiment_eval.csv), weighted up: the only
    set labelled by the portal's own rule ("would a rep act on it"), with the questions,
    requests and plain facts that real review sets lack."""
    source = read_csv(path, "written for this project (bench/data/README.md)")
    source.weight = OWN_SET_WEIGHT
    return source


def encode(text: str, lexicon: dict[str, float] | None = None) -> dict[str, float]:
    """The features of one text, as the serving path builds them."""
    comment, normalised = read_by_rules(text)
    if comment.facts is None:
        return {}
    return features(normalised, comment.facts, lexicon)


def encode_source(source: Source, lexicon: dict[str, float] | None = None) -> Source:
    if len(source.encoded) != len(source.texts):
        source.encoded = [encode(text, lexicon) for text in source.texts]
    return source


def fit(
    sources: Sequence[Source],
    *,
    lexicon: dict[str, float] | None = None,
    c: float = C,
    threshold: float = THRESHOLD,
    overrule: float = OVERRULE,
    overrule_long: float = OVERRULE_LONG,
    overrule_problem: float = OVERRULE_PROBLEM,
    overrule_negative_word: float = OVERRULE_NEGATIVE_WORD,
    overrule_swedish: float = OVERRULE_SWEDISH,
) -> dict:
    """Train on `sources` (encoded on demand, with `lexicon`) and return the weights file's
    content."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows: list[dict[str, float]] = []
    y: list[int] = []
    weights: list[float] = []
    keep: set[str] = set()
    seen: Counter[str] = Counter()
    for source in sources:
        encode_source(source, lexicon)
        row_weight = source.row_weight()
        for feats, label in zip(source.encoded, source.labels, strict=True):
            if not feats:
                continue
            rows.append(feats)
            y.append(int(label == "negative"))
            weights.append(row_weight)
            seen.update(feats)
            if source.name == STAFF_CORRECTIONS:
                keep.update(feats)
    if len(set(y)) < 2:
        raise TrainingDataError(
            "The training texts need both complaints (negative) and other labels."
        )
    keep_always = set(keep)  # the corrections' features, however light
    keep.update(name for name, count in seen.items() if count >= MIN_TEXTS)
    names = sorted(keep)
    column = {name: i for i, name in enumerate(names)}
    indptr, indices, values = [0], [], []
    for feats in rows:
        for name, value in sorted(feats.items()):
            if name in column:
                indices.append(column[name])
                values.append(value)
        indptr.append(len(indices))
    x = csr_matrix(
        (
            np.array(values, dtype=np.float64),
            np.array(indices, dtype=np.int32),
            np.array(indptr, dtype=np.int32),
        ),
        shape=(len(rows), len(names)),
    )
    model = LogisticRegression(C=c, solver="liblinear", random_state=SEED, max_iter=1000)
    model.fit(x, np.array(y), sample_weight=np.array(weights))
    learned = {
        str(name): round(float(w), DECIMALS)
        for name, w in zip(names, model.coef_[0], strict=True)
        if abs(w) >= MIN_WEIGHT or name in keep_always
    }
    return {
        "format": FORMAT,
        "about": "Logistic regression of 'negative' over portal.sentiment.features; "
        "rebuilt by `flask portal train-sentiment` (see docs/sentiment.md).",
        "trained_on": [
            {
                "name": s.name,
                "texts": len(s.texts),
                "negative": s.labels.count("negative"),
                "license": s.license,
            }
            for s in sources
        ],
        "threshold": threshold,
        "overrule": overrule,
        "overrule_long": overrule_long,
        "overrule_problem": overrule_problem,
        "overrule_negative_word": overrule_negative_word,
        "overrule_swedish": overrule_swedish,
        "bias": round(float(model.intercept_[0]), DECIMALS),
        "weights": dict(sorted(learned.items())),
        "lexicon_source": "VADER lexicon (vaderSentiment, MIT), single words" if lexicon else "",
        "lexicon": dict(sorted((lexicon or {}).items())),
    }


def write(data: dict, path: Path) -> None:
    """The weights as JSON, one feature a line, sorted: the same model, the same bytes."""
    text = json.dumps(data, ensure_ascii=False, indent=0, sort_keys=False)
    path.write_text(text + "\n", encoding="utf-8")


def licenses(sources_md: Path) -> dict[str, str]:
    """The license column of SOURCES.md, by file name (without .csv)."""
    found: dict[str, str] = {}
    if not sources_md.is_file():
        return found
    for line in sources_md.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name = cells[0].strip("`")
        if len(cells) >= 6 and name.endswith(".csv"):
            stem = name.removesuffix(".csv")
            if "{" in stem:  # en_mt_trustpilot_{sv,da}.csv: one row for several files
                head, _, tail = stem.partition("{")
                options, _, rest = tail.partition("}")
                for option in options.split(","):
                    found[f"{head}{option.strip()}{rest}"] = cells[-1]
            else:
                found[stem] = cells[-1]
    return found


def shared_files(folder: Path, exclude: Iterable[str] = ()) -> list[Path]:
    """The CSV files of the shared folder, by name, less those excluded (by name or stem)."""
    left_out = {name.removesuffix(".csv") for name in exclude}
    return [p for p in sorted(folder.glob("*.csv")) if p.stem not in left_out]
