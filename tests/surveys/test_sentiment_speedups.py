"""The faster paths of `analyze` (issue 11, speed) read a comment exactly as the slower ones did:
TextBlob's word scores computed without TextBlob's pass, the cues scanned word by word, the
markers found from their first characters. Staff would notice a difference as a changed label
or changed reasons on the same comment. Pure: no database."""

from __future__ import annotations

import csv

import pytest
from textblob.en import sentiment as textblob_sentiment

from portal.sentiment import english, markers, swedish
from portal.sentiment.firstwords import DIGIT, OPEN, first_words
from portal.sentiment.wordscores import assessments

from .test_sentiment import EVAL_SET

TRICKY = [
    "I didn't like it :( !!",
    'Not   "good" ... (!) it\'s ok... really not good',
    "e.g. U.S. Mr. Smith was nice.\n\nBad service!!!",
    "very very bad!!! :-) <3 xD",
    "\u201cGreat\u201d service \u2018as always\u2019, not a good day",
    "The chair is not really that comfortable, truly awful!",
    "no, never again. NOT happy :'( ;-)",
    "Refund? 3rd time I ask, 2 weeks late... not /s",
    "It was rescheduled twice and nobody called back.",
    "",
    "!!!",
]


def _texts() -> list[str]:
    with EVAL_SET.open(encoding="utf-8", newline="") as f:
        return [row["text"] for row in csv.DictReader(f)] + TRICKY


def test_word_scores_are_textblobs():
    for text in _texts():
        expected = [(w, p) for w, p, _s, _x in textblob_sentiment(text).assessments]
        assert assessments(text) == expected, text


def test_the_word_by_word_scan_finds_the_cues_the_single_regex_finds():
    lexicon = english.LEXICON
    for text in _texts():
        normalised = english.normalise(text)
        expected = [(m.span(), m.lastgroup) for m in lexicon.regex.finditer(normalised)]
        assert [(m.span(), m.lastgroup) for m in lexicon._matches(normalised)] == expected, text


def test_every_english_cue_is_scanned_word_by_word():
    """A cue whose first word cannot be listed would make the scan fall back to the slow one."""
    assert english.LEXICON._starts is not None
    assert swedish.LEXICON._starts is None  # word prefixes ("jättebra"): the single regex


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"thanks? (?:you )?for nothing", {"thank", "thanks"}),
        (r"(?:highly )?recommend(?:ed|s)?", {"highly", "recommend", "recommended", "recommends"}),
        (r"no[ -]?one|late(?! shift)", {"no", "noone", "late"}),
        (r"reschedul\w*", {"reschedul", "reschedul" + OPEN}),
        (r"(?:\d+|a|an) weeks", {DIGIT, "a", "an"}),
        (r"^great(?= ?[,.!])", {"great"}),
        (r"\w+ly bad", None),
        (r"/s|:-\(", None),
    ],
)
def test_first_words_of_a_cue(pattern, words):
    assert first_words(pattern) == (None if words is None else frozenset(words))


def test_markers_are_found_as_the_single_regex_finds_them():
    for text in [*_texts(), "a/s b /s", "x/s", "great... not", "\u2026not :d"]:
        for normalised in (english.normalise(text), swedish.normalise(text)):
            expected = [(m.span(), m.lastgroup) for m in markers.MARKERS.finditer(normalised)]
            assert [(m.span(), m.lastgroup) for m in markers.find(normalised)] == expected
