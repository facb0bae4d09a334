"""How much a survey answer with a comment is worth a manager's look on the review list of
answers that opened no case (services/cases/review.py). A rule of its own: the analysis job
and the demo set it when they store an analysis; the migration that added it filled it in
for older answers from what they had stored (without the learned probability).

3  needs a person: the analysis said so (Swedish text without a decisive cue, a language it
   does not read, a mixed answer), or it called the comment negative yet no case opened;
2  unsure: the learned scorer gave a complaint DOUBT_FLOOR or more, or the comment reads
   positive while the scores are lukewarm (satisfaction 3 or less, recommend 6 or less);
1  lukewarm: neutral, or positive only faintly (polarity under WEAK_POSITIVE);
0  confidently positive: listed only when a manager asks for every answer.
"""

from __future__ import annotations

from portal.models import SurveyResponse

NEEDS_PERSON, UNSURE, LUKEWARM, CONFIDENT = 3, 2, 1, 0
WORTH_A_LOOK = LUKEWARM  # the review list shows this doubt and more by default
DOUBT_FLOOR = 0.3  # the learned probability of a complaint from which an answer is in doubt
WEAK_POSITIVE = 0.3  # a positive polarity below this is faint
LUKEWARM_SATISFACTION, LUKEWARM_RECOMMEND = 3, 6  # at or below: not a clear "happy"

LABELS = {
    NEEDS_PERSON: "needs a person",
    UNSURE: "unsure",
    LUKEWARM: "lukewarm",
    CONFIDENT: "confidently positive",
}


def review_doubt(response: SurveyResponse) -> int | None:
    """The doubt of an analysed answer (see the module docstring); None without a comment."""
    if response.analysed_at is None or not (response.comment or "").strip():
        return None
    label, flags = response.sentiment_label, response.sentiment_flags or []
    if response.needs_review or label == "negative" or "mixed" in flags or "sarcasm" in flags:
        return NEEDS_PERSON
    if (response.complaint_probability or 0.0) >= DOUBT_FLOOR:
        return UNSURE
    if label == "positive" and lukewarm_scores(response):
        return UNSURE
    if label != "positive" or (response.sentiment_polarity or 0.0) < WEAK_POSITIVE:
        return LUKEWARM
    return CONFIDENT


def lukewarm_scores(response: SurveyResponse) -> bool:
    satisfaction, recommend = response.satisfaction, response.recommend
    return (satisfaction is not None and satisfaction <= LUKEWARM_SATISFACTION) or (
        recommend is not None and recommend <= LUKEWARM_RECOMMEND
    )
