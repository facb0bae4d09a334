"""The lower bars of the learned scorer's decision (issue 11, third round): a rules-neutral
comment with a clearly negative word, and a Swedish comment of 40 characters or more, become
complaints from a lower probability, and the reasons say why; and the cues it added. Pure
except the command test."""

from __future__ import annotations

import json
import math

import pytest

from portal.sentiment import analyze
from portal.sentiment.model import WEIGHTS_FILE, Model

LEARNED = "learned from real feedback: reads as a complaint"
BARS = (
    "threshold",
    "overrule",
    "overrule_long",
    "overrule_problem",
    "overrule_negative_word",
    "overrule_swedish",
)


def _model_at(probability: float, lexicon: dict[str, float] | None = None) -> Model:
    """A model that gives every comment `probability`, with the shipped bars."""
    shipped = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    bias = math.log(probability / (1 - probability))
    return Model(
        {
            "format": 1,
            "bias": bias,
            "weights": {},
            "lexicon": lexicon or {},
            **{k: shipped[k] for k in BARS},
        }
    )


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("The colour is dull in real life.", "dull"),  # p = 0.48, under the plain bar 0.65
        ("The sound is weak and tinny.", "weak"),  # p = 0.51
    ],
)
def test_a_neutral_sounding_comment_with_a_negative_word_opens_a_case(text, word):
    result = analyze(text)
    assert result.label == "negative", result
    assert result.reasons[0] == LEARNED
    assert result.reasons[1] == (
        f'a negative word ("{word}") and the learned scorer: p {result.probability:.2f}'
    )


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("The battery runs down quickly.", "runs down quickly"),  # was positive ("quickly")
        ("doesn't last long.", "does not last long"),
        ("I don't like this Nokia either.", "do not like"),
        ("Battery drains fast.", "drains fast"),
    ],
)
def test_complaints_the_cues_used_to_miss_are_negative_by_their_cue(text, cue):
    result = analyze(text)
    assert result.label == "negative", result
    assert result.reasons[0] == f'cue "{cue}"'


def test_a_swedish_complaint_with_no_cue_is_negative_and_says_why():
    text = "Kudden var platt redan efter några veckors användning."  # 54 characters, p = 0.50
    result = analyze(text)
    assert result.label == "negative", result
    assert not result.needs_review  # decided: no longer "needs a person"
    assert (
        f"a Swedish comment of 40+ characters and the learned scorer: p {result.probability:.2f}"
        in (result.reasons)
    )


@pytest.mark.parametrize(
    "text",
    [
        "No comment.",
        "Nothing to add.",
        "No opinion.",
        "Inget att tillägga.",
        "Har inte hunnit montera den än.",  # Swedish, under 40 characters
        "Jag hämtade paketet på posten i tisdags eftermiddag.",  # Swedish fact, p = 0.26
        "Leveransen kom på tisdagen som utlovat, montören ringde innan.",
    ],
)
def test_common_neutral_answers_and_plain_facts_stay_neutral(text):
    assert analyze(text).label == "neutral"


def test_a_negation_is_no_negative_word():
    """VADER gives "no" -1.2: it must not lower the bar ("No comment.")."""
    model = _model_at(0.5, {"no": -1.2, "broken": -2.1})
    assert model.negative_word({"no": 1.0, "comment": 1.0}) == ""
    assert model.negative_word({"not … broken": 1.0}) == ""  # negated: "not broken"
    assert model.negative_word({"no": 1.0, "broken": 1.0}) == "broken"
    assert model.negative_word({"sv:broken": 1.0}) == ""  # Swedish words are not in VADER


def test_the_negative_word_and_swedish_bars():
    lexicon = {"broken": -2.1}
    words = {"broken": 1.0}
    low = _model_at(0.3, lexicon)
    assert low.score(words, rules_negative=False, neutral=True).negative
    # a rules-positive comment with a negative word keeps the plain bar ("low price")
    assert not low.score(words, rules_negative=False).negative
    assert not low.score({"fine": 1.0}, rules_negative=False, neutral=True).negative
    assert not _model_at(0.2, lexicon).score(words, rules_negative=False, neutral=True).negative
    middling = _model_at(0.42)
    assert middling.score({}, rules_negative=False, swedish=True).negative
    assert not middling.score({}, rules_negative=False).negative
    assert not _model_at(0.35).score({}, rules_negative=False, swedish=True).negative


def test_the_highest_lower_bar_met_is_the_reason_given():
    score = _model_at(0.5, {"broken": -2.1}).score(
        {"broken": 1.0}, rules_negative=False, problem="stopped", neutral=True
    )
    assert score.negative
    assert score.reasons(3)[0] == 'a stated problem ("stopped") and the learned scorer: p 0.50'
    plain = _model_at(0.7, {"broken": -2.1}).score({"broken": 1.0}, rules_negative=False)
    assert plain.negative and not plain.bar  # over the plain bar: no lower bar to name


def test_weights_without_the_new_bars_fall_back_to_overrule():
    old = Model({"format": 1, "bias": 0.0, "weights": {}, "threshold": 0.15, "overrule": 0.65})
    assert old.overrule_negative_word == old.overrule_swedish == 0.65
    assert not old.score({}, rules_negative=False, neutral=True, swedish=True).negative


def test_the_training_command_writes_the_bars_it_is_given(app, runner, tmp_path):
    tiny = tmp_path / "tiny.csv"
    tiny.write_text(
        "label,text\nnegative,The chair is broken.\nnegative,Terrible service.\n"
        "neutral,Delivered on Monday.\npositive,Great chair!\n",
        encoding="utf-8",
    )
    out = tmp_path / "w.json"
    result = runner.invoke(
        args=[
            "portal",
            "train-sentiment",
            "--no-shared",
            "--no-own-set",
            "--no-corrections",
            "--overrule-negative-word",
            "0.3",
            "--overrule-swedish",
            "0.5",
            "--output",
            str(out),
            str(tiny),
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["overrule_negative_word"], data["overrule_swedish"]) == (0.3, 0.5)
    assert Model(data).overrule_swedish == 0.5
