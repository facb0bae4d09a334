"""The sentiment of a customer's comment and ratings: a label, a polarity and the reasons.

Pure: no database, Redis or Flask; every regex compiled at import, the learned weights read
once per process. `analyze(text, satisfaction, recommend)` is all a caller needs.

How a comment is read
- The language is guessed from its short words (and å ä ö), or else from the cues that match:
  English comments are read with the English cues plus TextBlob, Swedish ones with the Swedish
  cues (TextBlob is English only).
- A cue is a word or phrase of customer service with a weight: complaints ("still waiting",
  "nobody answered", "third time", "refund", "broken"), praise ("on time", "would buy again"),
  problems solved ("sorted", "the refund came through"), neutral words ("ok", "as expected")
  and sarcasm ("thanks for nothing", "yeah right", "/s", 🙄; "oh great", "love it" only next
  to a complaint). A negation in the three words before a cue, in the same clause, turns it
  ("not happy" is a complaint, "no damage" faint praise); an intensifier before it ("very",
  capitals, "!!") makes it heavier, "a bit" lighter. Complaints written before a problem was
  solved, or in the same clause, count a quarter ("a screw was missing but they sent one the
  next day"); a light complaint cue inside a question counts half ("is there a problem with
  my payment?").
- A complaint of weight 0.5 or more makes the comment negative whatever praise surrounds it:
  a polite complaint is still a complaint, and a mixed comment with one is a case to open.
  Otherwise the sum of the cues and the mean of TextBlob's remaining words decides: -0.45 or
  below is negative (one light cue such as "had to" is not a complaint on its own), +0.25 or
  above positive, neutral in between.
- A Swedish comment that matches no cue, or only light ones that leave it neutral, is
  labelled neutral but `needs_review`: it goes to a person rather than being scored neutral
  silently. So does a comment in neither language. ("okej", "som förväntat" decide neutral.)

The learned scorer (portal.sentiment.model, weights in weights.json; docs/sentiment.md)
- The rules above are read first; then a logistic regression over the comment's words, word
  pairs (a word after "not", "no", "inte"... is read negated), VADER's word valences and what
  the rules found (cue weights, TextBlob polarity, the rules' label) gives the probability that
  the comment is a complaint. It decides negative or not, with bars (in weights.json): a
  comment the rules call negative stays so from a low probability (0.15), one they call
  neutral or positive becomes negative only from a high one (0.65; 0.55 for 150 characters or
  more, 0.45 for a rules-neutral one stating a problem: "took", "two weeks", see
  portal.sentiment.problems; 0.25 for a rules-neutral one with a word of VADER valence -1 or
  less but a negation: "dull", "weak"; 0.40 for a Swedish one of 40 characters or more), and
  never a question or request with no complaint cue. So complaints no cue covers are caught
  ("The battery dies after two hours.", "Avoid this company!"), and a cue in the wrong context
  stops being one ("Works exactly like it's supposed to, great phone."). Its reasons are the
  features that weighed most ('words "battery dies"'), and which lower bar applied.
- The rules keep sarcasm (always negative), neutral versus positive for a non-complaint, and
  the Swedish "needs a person"; when rules and model agree, the rules' reasons are shown.

How the ratings count (satisfaction 1-5, likelihood to recommend 0-10)
- Satisfaction 1 or 2 is negative whatever the words.
- Recommend alone (no satisfaction, or a lukewarm 3) is negative at 0-3 only. NPS calls 0-6
  "detractors", but 5-7 is what many content customers give (Swedes especially rate
  cautiously), and a 5 or 6 with a neutral comment is no complaint worth a case; 0-3 is far
  below anything a satisfied customer gives. From 4 to 8 the words decide.
- Satisfaction 4-5 (or, alone, recommend 9-10) makes a wordless or neutral comment positive.
  With a negative comment the label stays negative (the words name a problem; opening a case
  costs less than missing one) and the analysis is flagged "mixed" and needs review; so is a
  low rating with a positive comment (often a reversed scale) and satisfaction 4-5 with
  recommend 0-3.
- No comment and no rating: neutral, needs review (there is nothing to go on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portal.sentiment import english, markers, swedish
from portal.sentiment.features import RuleFacts, features
from portal.sentiment.language import EN, SV, UNKNOWN, detect
from portal.sentiment.lexicon import (
    COMPLAINT,
    NEUTRAL,
    PRAISE,
    RESOLVED,
    SARCASM,
    SARCASM_IF_NEGATIVE,
    Hit,
)
from portal.sentiment.model import LONG, SWEDISH_LONG, Model, Score
from portal.sentiment.model import load as load_model
from portal.sentiment.problems import states_a_problem

__all__ = ["LABELS", "Analysis", "analyze"]

NEGATIVE, NEUTRAL_LABEL, POSITIVE = "negative", "neutral", "positive"
LABELS = (NEGATIVE, NEUTRAL_LABEL, POSITIVE)

DECISIVE_COMPLAINT = -0.5  # a complaint this heavy makes the comment negative
NEGATIVE_BELOW = -0.45  # at or below: negative (two light cues, or one of weight 0.45+)
POSITIVE_ABOVE = 0.25  # at or above: positive
SOLVED_FACTOR = 0.25  # what a complaint written before "it's sorted now" still weighs
SHOUT_FACTOR = 1.3  # "!!!" or "???" next to a complaint
QUESTION_FACTOR = 0.5  # a light complaint cue inside a question
MAX_REASONS = 6

SATISFACTION_POLARITY = {1: -0.8, 2: -0.5, 3: 0.0, 4: 0.4, 5: 0.8}
LOW_RECOMMEND, HIGH_RECOMMEND = 3, 9

NEEDS_PERSON_SV = "Swedish text without a known cue: needs a person"
NEEDS_PERSON_SV_WEAK = "Swedish text without a decisive cue: needs a person"
NEEDS_PERSON_UNKNOWN = "language not recognised: needs a person"
NOTHING_TO_ANALYSE = "no comment and no rating: nothing to analyse"
LEARNED_NEGATIVE = "learned from real feedback: reads as a complaint"
LEARNED_NOT_NEGATIVE = "learned from real feedback: the complaint words here rarely mean one"
_NEEDS_PERSON = (NEEDS_PERSON_SV, NEEDS_PERSON_SV_WEAK, NEEDS_PERSON_UNKNOWN)

_CONTENT = re.compile(r"[^\W_]|[\U0001F300-\U0001FAFF\u2600-\u27BF]|:-?[()]")
_SHOUTED = re.compile(r"\b[A-ZÅÄÖ]{3,}\b")
_QUESTION = re.compile(r"[^.!?\n]*\?")
_ASKING = re.compile(
    r"\?|^\W*(?:please|could you|can you|would you|kindly|snälla|kan ni|skulle ni|vänligen)\b"
)
_CLAUSE_END = re.compile(r"[.!?;\n]|\b(?:but|men|then|sedan)\b")


@dataclass(frozen=True, slots=True)
class Analysis:
    label: str  # "negative", "neutral" or "positive"
    polarity: float  # -1 (negative) to 1 (positive)
    reasons: list[str] = field(default_factory=list)  # what decided, for a person
    language: str = UNKNOWN  # "en", "sv" or "unknown"
    needs_review: bool = False
    flags: list[str] = field(default_factory=list)  # "mixed", "sarcasm"
    probability: float | None = None  # the learned scorer's, that it is a complaint

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "polarity": self.polarity,
            "reasons": list(self.reasons),
            "language": self.language,
            "needs_review": self.needs_review,
            "flags": list(self.flags),
        }


def analyze(
    text: str | None,
    satisfaction: int | None = None,
    recommend: int | None = None,
    *,
    model: Model | None = None,
) -> Analysis:
    """Label a customer's comment and ratings; see the module docstring for the rules.
    `model`: a learned scorer other than the shipped one (a retrained one, in tests)."""
    _check_range("satisfaction", satisfaction, 1, 5)
    _check_range("recommend", recommend, 0, 10)
    comment = _analyze_comment(text or "", model or load_model())
    return _with_ratings(comment, satisfaction, recommend)


def _check_range(name: str, value: int | None, low: int, high: int) -> None:
    if value is not None and not (isinstance(value, int) and low <= value <= high):
        raise ValueError(f"{name} must be an integer from {low} to {high}, not {value!r}")


# --- the comment ------------------------------------------------------------------------


@dataclass(slots=True)
class _Comment:
    label: str
    polarity: float
    reasons: list[str]
    language: str
    needs_review: bool = False
    flags: list[str] = field(default_factory=list)
    empty: bool = False
    facts: RuleFacts | None = None  # what the rules found, for the learned scorer
    probability: float | None = None


def _analyze_comment(text: str, model: Model | None) -> _Comment:
    comment, normalised = read_by_rules(text)
    if comment.empty or comment.facts is None or model is None:
        return comment
    found = features(normalised, comment.facts, model.lexicon)
    neutral = comment.label == NEUTRAL_LABEL
    score = model.score(
        found,
        comment.label == NEGATIVE,
        long=len(normalised) >= LONG,
        problem=neutral and states_a_problem(normalised, comment.facts.language),
        neutral=neutral,
        swedish=comment.facts.language == SV and len(normalised) >= SWEDISH_LONG,
    )
    comment.probability = round(score.probability, 3)
    if score.negative and comment.label != NEGATIVE and _ASKING.search(normalised):
        # A question or a request with no complaint cue asks: the model, which learned from
        # reviews, does not make a complaint of it ("can I return an unopened item?").
        return comment
    return _with_model(comment, score)


def read_by_rules(text: str) -> tuple[_Comment, str]:
    """The comment as the cue rules read it, and its normalised text (for the features)."""
    if not _CONTENT.search(text):
        return _Comment(NEUTRAL_LABEL, 0.0, [], UNKNOWN, empty=True), ""
    language = detect(text, english.lexicon_words().__contains__)
    shouted = frozenset(w.lower() for w in _SHOUTED.findall(text) if len(set(w)) > 1)
    hits: list[Hit] = []
    if language in (SV, UNKNOWN):
        normalised = swedish.normalise(text)
        hits = swedish.LEXICON.scan(normalised, shouted)
        if hits:  # a word no stopword list knows, but a Swedish cue ("Kanonservice!")
            language = SV
    if language != SV:
        normalised = english.normalise(text)
        hits = english.LEXICON.scan(normalised, shouted)
        if hits:  # likewise, an English cue places a comment the short words could not
            language = EN
    shout = False
    for match in markers.find(normalised):
        if match.lastgroup == "shout":
            shout = True
        else:
            weight, kind = markers.CUES[match.lastgroup]  # type: ignore[index]
            hits.append(Hit(match.group(), kind, weight, match.start()))
    if language == SV:
        words: list[tuple[str, float]] = []
    else:
        covered = {w for hit in hits for w in hit.words.split()}
        words = english.textblob_words(text, covered)
    return _decide(hits, words, language, normalised, shout), normalised


def _decide(
    hits: list[Hit], words: list[tuple[str, float]], language: str, text: str, shout: bool
) -> _Comment:
    by_kind: dict[str, list[Hit]] = {k: [] for k in (COMPLAINT, PRAISE, RESOLVED, NEUTRAL)}
    by_kind[SARCASM], by_kind[SARCASM_IF_NEGATIVE] = [], []
    for hit in hits:
        by_kind[hit.kind].append(hit)
    complaints, praise = by_kind[COMPLAINT], by_kind[PRAISE] + by_kind[RESOLVED]
    if by_kind[RESOLVED]:
        complaints = _discount_solved(complaints, by_kind[RESOLVED], text)
    if "?" in text:
        complaints = _soften_questions(complaints, text)
    if shout and complaints:
        complaints = [_scaled(h, SHOUT_FACTOR) for h in complaints]
    complaint_total = sum(h.weight for h in complaints)
    negative_words = sum(p for _, p in words if p < 0)

    sarcasm = list(by_kind[SARCASM])
    if by_kind[SARCASM_IF_NEGATIVE] and complaint_total + negative_words <= DECISIVE_COMPLAINT:
        sarcasm += by_kind[SARCASM_IF_NEGATIVE]
    elif by_kind[SARCASM_IF_NEGATIVE]:  # "love it", "great job" meant as written
        praise += [_literal(h) for h in by_kind[SARCASM_IF_NEGATIVE] if h.weight < -0.3]
    if sarcasm:  # the praise around irony is irony too
        praise = []
        words = [(w, p) for w, p in words if p < 0]
        complaint_total += sum(h.weight for h in sarcasm)

    textblob = sum(p for _, p in words) / len(words) if words else 0.0
    score = complaint_total + sum(h.weight for h in praise) + textblob
    if complaint_total <= DECISIVE_COMPLAINT or score <= NEGATIVE_BELOW:
        label = NEGATIVE
        polarity = min(score, complaint_total / 2, -0.1)
        reasons = [_describe(h, language) for h in sorted(sarcasm + complaints, key=_weight)]
        reasons += [f'word "{w}"' for w, p in sorted(words, key=lambda wp: wp[1]) if p < 0]
    elif score >= POSITIVE_ABOVE:
        label, polarity = POSITIVE, score
        reasons = [_describe(h, language) for h in sorted(praise, key=_weight, reverse=True)]
        reasons += [f'word "{w}"' for w, p in sorted(words, key=lambda wp: -wp[1]) if p > 0]
    else:
        label, polarity = NEUTRAL_LABEL, score
        reasons = [_describe(h, language) for h in by_kind[NEUTRAL] + complaints + praise]
        reasons += [f'word "{w}"' for w, _ in words]
    comment = _Comment(label, _clamp(polarity), _unique(reasons)[:MAX_REASONS], language)
    comment.facts = RuleFacts(
        language=language,
        label=label,
        complaint=complaint_total,
        praise=sum(h.weight for h in praise),
        textblob=textblob,
        sarcasm=bool(sarcasm),
        cues=len(hits),
    )
    if sarcasm:
        comment.flags.append("sarcasm")
    if not hits and not words:
        if language == SV:
            comment.needs_review = True
            comment.reasons = [NEEDS_PERSON_SV]
        elif language == UNKNOWN:
            comment.needs_review = True
            comment.reasons = [NEEDS_PERSON_UNKNOWN]
        else:
            comment.reasons = ["no opinion words"]
    elif language == SV and label == NEUTRAL_LABEL and not by_kind[NEUTRAL]:
        # Light or balanced cues are no decision either ("igen" alone): a person reads it.
        comment.needs_review = True
        comment.reasons = [NEEDS_PERSON_SV_WEAK, *comment.reasons][:MAX_REASONS]
    elif not comment.reasons:
        comment.reasons = [f"balance of cues {score:+.2f}"]
    return comment


def _with_model(comment: _Comment, score: Score) -> _Comment:
    """The learned scorer decides whether the comment is a complaint; the rules keep sarcasm
    (always a complaint) and, when the comment is no complaint, neutral versus positive and
    the Swedish "needs a person"."""
    rules_negative = comment.label == NEGATIVE
    if score.negative and not rules_negative:
        learned = score.reasons(MAX_REASONS)
        comment.label = NEGATIVE
        comment.polarity = _clamp(min(comment.polarity, 0.0) - score.probability / 2)
        comment.reasons = [LEARNED_NEGATIVE, *learned][:MAX_REASONS]
        comment.needs_review = False
    elif rules_negative and not score.negative and "sarcasm" not in comment.flags:
        learned = score.reasons(MAX_REASONS - 1)
        facts = comment.facts
        if facts is not None and facts.praise + facts.textblob >= POSITIVE_ABOVE:
            comment.label, comment.polarity = POSITIVE, _clamp(facts.praise + facts.textblob)
        else:
            comment.label, comment.polarity = NEUTRAL_LABEL, _clamp(comment.polarity / 4)
        comment.reasons = [LEARNED_NOT_NEGATIVE, *learned][:MAX_REASONS]
    return comment


def _discount_solved(complaints: list[Hit], solved: list[Hit], text: str) -> list[Hit]:
    """Complaints written before a problem was solved, or in the same clause, weigh less:
    "one leg was bent but they replaced it the next day" is not a complaint any more."""
    last = max(h.start for h in solved)
    end = _CLAUSE_END.search(text, last)
    until = end.start() if end else len(text)
    return [_scaled(h, SOLVED_FACTOR) if h.start < until else h for h in complaints]


def _soften_questions(complaints: list[Hit], text: str) -> list[Hit]:
    """A light cue in a question asks rather than complains: "is there a problem with my
    payment?" Heavy cues ("why?", "any update?", "still nothing?") keep their weight."""
    questions = [m.span() for m in _QUESTION.finditer(text)]
    return [
        _scaled(h, QUESTION_FACTOR)
        if h.weight > DECISIVE_COMPLAINT and any(a <= h.start < b for a, b in questions)
        else h
        for h in complaints
    ]


def _scaled(hit: Hit, factor: float) -> Hit:
    weight = max(-1.0, min(1.0, hit.weight * factor))
    return Hit(hit.words, hit.kind, weight, hit.start, hit.negated, hit.modifier)


def _literal(hit: Hit) -> Hit:
    return Hit(hit.words, PRAISE, -hit.weight * 0.8, hit.start, hit.negated, hit.modifier)


def _weight(hit: Hit) -> float:
    return hit.weight


def _describe(hit: Hit, language: str) -> str:
    prefix = "Swedish " if language == SV else ""
    if hit.kind in (SARCASM, SARCASM_IF_NEGATIVE):
        return f'{prefix}sarcasm "{hit.words}"'
    if hit.negated:  # "not happy" (a complaint) or "nothing missing" (faint praise)
        return f'{prefix}negated "{hit.words}"'
    if hit.kind == RESOLVED:
        return f'{prefix}resolved "{hit.words}"'
    if hit.kind == NEUTRAL:
        return f'{prefix}neutral "{hit.words}"'
    if hit.modifier == "capitals":
        return f'{prefix}intensified "{hit.words.upper()}" (capitals)'
    if hit.modifier and not hit.modifier.startswith("~"):
        shown = hit.words if hit.words.startswith(hit.modifier) else f"{hit.modifier} {hit.words}"
        return f'{prefix}intensified "{shown}"'
    return f'{prefix}cue "{hit.words}"'


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _clamp(value: float) -> float:
    return round(max(-1.0, min(1.0, value)), 3)


# --- the ratings --------------------------------------------------------------------------


def _with_ratings(comment: _Comment, satisfaction: int | None, recommend: int | None) -> Analysis:
    rated = [f"rating {satisfaction}/5"] if satisfaction is not None else []
    if recommend is not None:
        rated.append(f"recommend {recommend}/10")
    low = (satisfaction is not None and satisfaction <= 2) or (
        satisfaction in (None, 3) and recommend is not None and recommend <= LOW_RECOMMEND
    )
    rating_polarity = _rating_polarity(satisfaction, recommend, low)
    disagree = (
        satisfaction is not None
        and satisfaction >= 4
        and recommend is not None
        and recommend <= LOW_RECOMMEND
    )
    high = not disagree and (
        (satisfaction is not None and satisfaction >= 4)
        or (satisfaction is None and recommend is not None and recommend >= HIGH_RECOMMEND)
    )
    label, polarity = comment.label, comment.polarity
    reasons, flags = list(comment.reasons), list(comment.flags)
    needs_review = comment.needs_review

    if comment.empty:
        if not rated:
            return Analysis(NEUTRAL_LABEL, 0.0, [NOTHING_TO_ANALYSE], UNKNOWN, True, [])
        label = NEGATIVE if low else POSITIVE if high else NEUTRAL_LABEL
        reasons = ["no comment", *rated]
        polarity = rating_polarity if label != NEUTRAL_LABEL else 0.0
        if disagree:
            flags.append("mixed")
            needs_review = True
    elif low:
        if label == POSITIVE:
            flags.append("mixed")
            needs_review = True
            reasons = [*rated, "the comment reads positive: check the ratings", *reasons]
        else:
            reasons = [*rated, *(reasons if label == NEGATIVE else [])]
        label, polarity = NEGATIVE, min(polarity, rating_polarity)
    elif disagree:
        flags.append("mixed")
        needs_review = True
        reasons = [*reasons, f"{rated[0]} but {rated[1]}"]
    elif high and label == NEGATIVE:
        flags.append("mixed")
        needs_review = True
        reasons = [*reasons, f"{', '.join(rated)} but the comment reads negative"]
    elif high:
        if label == NEUTRAL_LABEL:
            reasons = [*rated, *reasons]
        label, polarity = POSITIVE, max(polarity, rating_polarity)
    else:
        reasons = [*reasons, *rated]
    if comment.needs_review:  # why a person should read it, whatever the ratings said
        reasons += [r for r in comment.reasons if r in _NEEDS_PERSON]
    why, language, probability = _unique(reasons), comment.language, comment.probability
    return Analysis(label, _clamp(polarity), why, language, needs_review, flags, probability)


def _rating_polarity(satisfaction: int | None, recommend: int | None, low: bool) -> float:
    if satisfaction is not None and satisfaction <= 2:
        return SATISFACTION_POLARITY[satisfaction]
    if low:  # recommend 0-3 with no satisfaction, or a lukewarm 3
        return -0.6
    if satisfaction is not None:
        return SATISFACTION_POLARITY[satisfaction]
    if recommend is not None and recommend >= HIGH_RECOMMEND:
        return 0.6
    return 0.0
