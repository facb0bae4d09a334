"""The learned scorer inside `analyze`: what it fixes, what it ships, and how staff corrections
retrain it (`flask portal train-sentiment`). Pure except the command tests (database)."""

from __future__ import annotations

import csv
import json

import pytest

from portal.extensions import db
from portal.models import SentimentCorrection
from portal.sentiment import analyze
from portal.sentiment.features import word_features
from portal.sentiment.model import WEIGHTS_FILE, Model, load

from .test_sentiment import EVAL_SET


@pytest.mark.parametrize(
    "text",
    [
        "The staff were not very helpful.",
        "I wasn't really impressed",
        "I was not really impressed with the delivery.",
    ],
)
def test_negated_praise_is_a_complaint(text):
    result = analyze(text)
    assert result.label == "negative", result
    assert result.polarity < 0


@pytest.mark.parametrize(
    "text",
    [
        "The battery dies after two hours.",
        "Avoid this company!",
    ],
)
def test_a_problem_report_without_a_cue_is_a_complaint_with_readable_reasons(text):
    """Complaints no cue list covers: the learned words catch them, and say which words."""
    result = analyze(text)
    assert result.label == "negative", result
    assert any(r.startswith("words ") for r in result.reasons), result
    assert "learned from real feedback: reads as a complaint" in result.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Lasted one day and then blew up.",  # p = 0.64: under the plain bar (0.65)
        "Avoid this one if you can.",  # p = 0.63
        "It lasts less than 30 minutes if I actually try to use the phone.",  # p = 0.50
    ],
)
def test_a_fact_that_states_a_problem_is_a_complaint_from_a_lower_bar(text):
    """A rules-neutral comment with a problem word (lasted, avoid, less than, a time span)
    is a complaint from overrule_problem (0.45), a plain statement only from 0.65."""
    result = analyze(text)
    assert result.label == "negative", result
    assert "learned from real feedback: reads as a complaint" in result.reasons


def _model_at(probability: float) -> Model:
    """A model that gives every comment `probability`, with the shipped bars."""
    import math

    shipped = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    bias = math.log(probability / (1 - probability))
    keys = ("threshold", "overrule", "overrule_long", "overrule_problem")
    return Model({"format": 1, "bias": bias, "weights": {}, **{k: shipped[k] for k in keys}})


def test_the_bar_depends_on_length_and_on_a_stated_problem():
    middling = _model_at(0.5)
    assert not middling.score({}, rules_negative=False).negative  # a plain statement
    assert not middling.score({}, rules_negative=False, long=True).negative
    assert middling.score({}, rules_negative=False, problem=True).negative
    assert _model_at(0.6).score({}, rules_negative=False, long=True).negative
    assert not _model_at(0.6).score({}, rules_negative=False).negative
    assert not _model_at(0.4).score({}, rules_negative=False, long=True, problem=True).negative


@pytest.mark.parametrize(
    "text",
    ["No comment.", "Nothing to add.", "No opinion.", "Inget att tillägga."],
)
def test_the_commonest_neutral_answers_state_no_problem(text):
    from portal.sentiment import read_by_rules
    from portal.sentiment.problems import states_a_problem

    comment, normalised = read_by_rules(text)
    assert not states_a_problem(normalised, comment.language)
    assert analyze(text).label != "negative"


def test_a_complaint_cue_in_the_wrong_context_is_overruled():
    """ "supposed to" is a complaint cue; here the learned scorer reads praise."""
    result = analyze("Works exactly like it's supposed to, great phone.")
    assert result.label != "negative", result


@pytest.mark.parametrize(
    "text",
    ["Fast delivery and friendly staff, thank you!", "Stolen kom i tid och allt var bra."],
)
def test_praise_stays_positive(text):
    assert analyze(text).label == "positive"


def test_a_low_rating_is_negative_whatever_the_model_reads():
    result = analyze("Fast delivery and friendly staff, thank you!", satisfaction=1)
    assert result.label == "negative"
    assert "mixed" in result.flags


def test_the_shipped_weights_are_loaded_once_and_name_their_sources():
    model = load()
    assert model is not None
    assert load() is model
    names = {source["name"] for source in model.trained_on}
    assert "sentiment_eval" in names
    assert all(source["license"] for source in model.trained_on)


def test_the_shipped_weights_hold_no_training_text():
    """Feature names are single words and word pairs: no sentence of a training set is in
    the file."""
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    for name in data["weights"]:
        if name.startswith(("rules: ", "lexicon: ", "language: ")):
            continue
        words = name.removeprefix("sv:").removeprefix("not … ").split(" ")
        assert len(words) <= 2, name
    with EVAL_SET.open(encoding="utf-8", newline="") as f:
        texts = [r["text"] for r in csv.DictReader(f) if len(r["text"].split()) >= 4]
    content = WEIGHTS_FILE.read_text(encoding="utf-8").lower()
    assert not [t for t in texts if t.lower() in content]


def test_words_after_a_negation_are_read_negated_within_the_clause():
    found = word_features("the staff were not very helpful, but kind")
    assert {"not … very", "not … helpful", "kind"} <= found
    assert "helpful" not in found
    assert "not … kind" not in found


# --- training from corrections -------------------------------------------------------------

TINY_SET = [
    ("negative", "The chair is broken."),
    ("negative", "Terrible service, never again."),
    ("negative", "I want a refund for the broken desk."),
    ("negative", "The desk arrived damaged."),
    ("negative", "Nobody answered my emails."),
    ("negative", "Still waiting for my order, terrible."),
    ("positive", "Great chair, thanks!"),
    ("positive", "Fast delivery, very happy."),
    ("neutral", "The desk was delivered on Monday."),
    ("positive", "Lovely staff, great service."),
    ("neutral", "Could you send the invoice?"),
    ("positive", "Everything fine, thanks."),
    ("neutral", "The parcel was left at reception."),
    ("neutral", "Order delivered on Friday."),
    ("neutral", "We received the chairs today."),
    ("neutral", "The invoice was sent by email."),
    ("neutral", "Delivered to the office as planned."),
    ("neutral", "Two boxes arrived this morning."),
]
CORRECTED = "Courier dumped everything beside the bins."


def _tiny_csv(tmp_path):
    path = tmp_path / "tiny.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["label", "text"])
        writer.writerows(TINY_SET)
    return path


def _train(runner, *args):
    result = runner.invoke(
        args=["portal", "train-sentiment", "--no-shared", "--no-own-set", *map(str, args)]
    )
    assert result.exit_code == 0, result.output
    return result


def test_a_retrain_with_a_staff_correction_changes_that_texts_label(app, runner, tmp_path):
    tiny = _tiny_csv(tmp_path)
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    _train(runner, tiny, "--output", before)
    old = Model(json.loads(before.read_text(encoding="utf-8")))
    assert analyze(CORRECTED, model=old).label != "negative"

    db.session.add(
        SentimentCorrection(
            text=CORRECTED,
            original_label="neutral",
            original_reasons=["no opinion words"],
            corrected_label="negative",
        )
    )
    db.session.commit()
    result = _train(runner, tiny, "--output", after)
    assert "staff corrections: 1 texts, 1 negative" in result.output
    new = Model(json.loads(after.read_text(encoding="utf-8")))
    corrected = analyze(CORRECTED, model=new)
    assert corrected.label == "negative"
    assert any("dumped" in r or "bins" in r or "courier" in r for r in corrected.reasons), corrected
    assert {"name": "staff corrections", "texts": 1, "negative": 1}.items() <= {
        **new.trained_on[-1]
    }.items()


def test_training_is_reproducible_and_can_leave_the_corrections_out(app, runner, tmp_path):
    tiny = _tiny_csv(tmp_path)
    db.session.add(SentimentCorrection(text=CORRECTED, corrected_label="negative"))
    db.session.commit()
    first, second, without = (tmp_path / f"{n}.json" for n in ("first", "second", "without"))
    _train(runner, tiny, "--output", first)
    _train(runner, tiny, "--output", second)
    assert first.read_bytes() == second.read_bytes()
    _train(runner, tiny, "--no-corrections", "--output", without)
    assert "staff corrections" not in without.read_text(encoding="utf-8")


def test_training_leaves_out_a_named_file_of_the_data_folder(app, runner, tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "one.csv").write_text(
        "label,text\n" + "\n".join(f"{label},{text}" for label, text in TINY_SET) + "\n",
        encoding="utf-8",
    )
    (folder / "two.csv").write_text("label,text\nnegative,Awful.\n", encoding="utf-8")
    out = tmp_path / "w.json"
    result = runner.invoke(
        args=[
            "portal",
            "train-sentiment",
            "--no-own-set",
            "--no-corrections",
            "--data",
            str(folder),
            "--exclude",
            "two",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    names = [s["name"] for s in json.loads(out.read_text(encoding="utf-8"))["trained_on"]]
    assert names == ["one"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("label,comment\nnegative,Awful.\n", "must name a 'text' and a 'label' column"),
        ("label,text\nangry,Awful.\n", "line 2: label 'angry' is not one of negative"),
        ("label,text\n", "no rows under the header"),
    ],
)
def test_a_training_file_that_cannot_be_used_is_refused_with_what_to_fix(
    app, runner, tmp_path, content, message
):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    result = runner.invoke(
        args=["portal", "train-sentiment", "--no-shared", "--no-own-set", str(bad)]
    )
    assert result.exit_code == 1
    assert message in result.output
