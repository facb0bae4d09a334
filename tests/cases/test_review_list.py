"""Staff corrections close the loop (issue 11, part 3): a relabelled case closes as "not a
complaint" in one step, and managers review the answers that opened no case, where one click
marks one negative and opens its case through the normal routing, once. Answers are posted on
the survey page and analysed by the real job."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Case,
    Customer,
    SentimentCorrection,
    SurveyInvitation,
    SurveyResponse,
    utcnow,
)
from portal.models.case import NOT_A_COMPLAINT
from portal.services.cases import labels, review
from portal.services.cases import work as case_work

from ..conftest import csrf_from
from .test_case_triage import case_events, post_form, reload

HAPPY = "Lovely chair, delivered on time and the assembly took ten minutes."
QUIET = "The chair arrived on Tuesday."


@pytest.fixture
def answer(answer_survey, run_jobs):
    """A customer's answer about a sale by `rep`, analysed by the job: (response, case)."""

    def make(rep, comment, satisfaction="3", locale="en"):
        email = f"c-{utcnow().timestamp()}@example.org"
        customer = Customer(email=email, name="Carl Kund", locale=locale)
        invitation = answer_survey(rep, customer, satisfaction, comment)
        run_jobs()
        db.session.expire_all()
        response = db.session.get(SurveyInvitation, invitation.id).response
        case = db.session.scalar(sa.select(Case).where(Case.response_id == response.id))
        return response, case

    return make


# --- (a) relabel and close as not a complaint -------------------------------------------------


def test_relabelling_closes_the_case_as_not_a_complaint_in_one_step(
    client, login, answer, rita, outbox
):
    _, case = answer(rita, "Still waiting for my refund. Never again.", satisfaction="1")
    assert case is not None and case.status == "open"
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Close the case as not a complaint" in page
    sent = post_form(
        client,
        f"/cases/{case.id}/label",
        "label",
        {"label": "neutral", "note": "They asked about stock", "close_case": "y"},
        page=f"/cases/{case.id}",
    )
    assert sent.status_code == 302
    case = reload(case)
    assert case.status == "closed" and case.outcome == NOT_A_COMPLAINT
    assert case.closed_at is not None
    [closed] = case_events(case.id, "closed")
    assert "not a complaint" in closed.message and closed.actor_id == rita.id
    # No "did this fix it?" survey for something that was never a complaint.
    followups = db.session.scalars(
        sa.select(SurveyInvitation).where(SurveyInvitation.kind != "post_sale")
    ).all()
    assert followups == []
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "the case is closed as not a complaint" in html
    assert "Not a complaint" in html  # the outcome in the details
    assert "Close the case as not a complaint" not in html  # nothing left to close


def test_a_relabel_without_the_tick_leaves_the_case_open(client, login, answer, rita):
    _, case = answer(rita, "Still waiting for my refund. Never again.", satisfaction="1")
    login(rita)
    post_form(client, f"/cases/{case.id}/label", "label", {"label": "neutral"}, f"/cases/{case.id}")
    assert reload(case).status == "open" and reload(case).outcome is None


def test_closing_a_negative_label_as_not_a_complaint_is_refused(client, login, answer, rita):
    _, case = answer(rita, "Still waiting for my refund. Never again.", satisfaction="1")
    db.session.get(SurveyResponse, case.response_id).sentiment_label = "neutral"
    db.session.commit()
    login(rita)
    sent = post_form(
        client,
        f"/cases/{case.id}/label",
        "label",
        {"label": "negative", "close_case": "y"},
        page=f"/cases/{case.id}",
    )
    assert sent.status_code == 422
    assert "A negative answer is a complaint" in sent.get_data(as_text=True)
    assert reload(case).status == "open"
    assert db.session.scalars(sa.select(SentimentCorrection)).all() == []


# --- (b) the review list of answers that opened no case ------------------------------------


def test_the_review_list_shows_unrouted_comments_of_the_managers_teams_only(
    client, login, answer, rita, team, make_team, make_user
):
    quiet, _ = answer(rita, QUIET)
    answer(rita, HAPPY, satisfaction="5")
    _, routed = answer(rita, "Broken on arrival, nobody answers the phone.", satisfaction="1")
    answer(rita, "", satisfaction="5")  # no comment: nothing to read, not listed
    boss = make_user("manager", name="Sven South")
    south = make_team("South", lead=boss)
    boss.team = south
    db.session.commit()
    sam = make_user("rep", team=south, name="Sam South")
    answer(sam, "The delivery came on Friday as promised.")
    assert routed is not None

    login(team.lead)
    html = client.get("/cases/review?show=all").get_data(as_text=True)
    assert "2 answers with a comment and no case" in html
    assert QUIET in html and HAPPY in html
    assert "Broken on arrival" not in html  # it has a case
    assert "delivery came on Friday" not in html  # South's
    assert html.index(QUIET) < html.index(HAPPY)  # the least certain first

    client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").text)})
    login(boss)
    html = client.get("/cases/review?show=all").get_data(as_text=True)
    assert "1 answer with a comment and no case" in html and "delivery came on Friday" in html
    assert QUIET not in client.get("/cases/review").get_data(as_text=True)
    # North's answer does not exist for South's manager
    page = client.get("/cases/review").get_data(as_text=True)
    sent = client.post(f"/cases/review/{quiet.id}/negative", data={"csrf_token": csrf_from(page)})
    assert sent.status_code == 404
    assert db.session.scalar(sa.select(Case).where(Case.response_id == quiet.id)) is None


def test_a_rep_gets_no_review_list(client, login, rita):
    login(rita)
    assert client.get("/cases/review").status_code == 403


def test_one_click_marks_it_negative_and_opens_its_case_once(
    client, login, answer, rita, team, outbox, run_jobs
):
    quiet, none = answer(rita, QUIET)
    assert none is None and quiet.sentiment_label != "negative"
    original = quiet.sentiment_label
    login(team.lead)
    page = client.get("/cases/review").get_data(as_text=True)
    token = csrf_from(page)
    assert client.post(f"/cases/review/{quiet.id}/negative").status_code == 400  # no CSRF
    first = client.post(f"/cases/review/{quiet.id}/negative", data={"csrf_token": token})
    second = client.post(f"/cases/review/{quiet.id}/negative", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302

    [case] = db.session.scalars(sa.select(Case).where(Case.response_id == quiet.id)).all()
    assert first.headers["Location"].endswith(f"/cases/{case.id}")
    assert case.assigned_rep_id == rita.id  # the normal routing: the rep who sold
    assert case.first_contact_due is not None and case.resolve_due is not None
    assert case.description == QUIET
    [correction] = db.session.scalars(sa.select(SentimentCorrection)).all()
    assert correction.case_id == case.id and correction.from_review
    assert correction.text == QUIET  # what the training command learns from
    assert (correction.original_label, correction.corrected_label) == (original, "negative")
    assert correction.corrected_by_id == team.lead_id
    db.session.expire_all()
    assert db.session.get(SurveyResponse, quiet.id).sentiment_label == "negative"
    assert len(case_events(case.id, "opened")) == 1

    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "already has case" in html  # the second click said so
    assert "0 answers worth a look" in client.get("/cases/review").get_data(as_text=True)
    run_jobs()
    rep_mail = [m for m in outbox() if m["To"] == "rita@example.com"]
    assert len(rep_mail) == 1  # told once


def test_two_managers_at_once_open_one_case_and_one_correction(answer, rita, team, monkeypatch):
    """The second click raced past the "has a case" check: the unique answer of a case
    refuses its insert, and the first case stands with its one correction."""
    quiet, _ = answer(rita, QUIET)
    first, opened = review.mark_negative(quiet, team.lead, utcnow())
    assert opened
    real_case_of = review.case_of
    seen = []

    def racing_case_of(row):  # the racing click's first look saw no case yet
        seen.append(row.id)
        return None if len(seen) == 1 else real_case_of(row)

    monkeypatch.setattr(review, "case_of", racing_case_of)
    second, opened_again = review.mark_negative(quiet, rita, utcnow())
    assert not opened_again and second.id == first.id
    assert len(seen) == 2  # it looked again after its insert was refused
    assert len(db.session.scalars(sa.select(SentimentCorrection)).all()) == 1
    assert len(db.session.scalars(sa.select(Case).where(Case.response_id == quiet.id)).all()) == 1


def test_reopening_a_case_closed_as_not_a_complaint_makes_it_a_complaint_again(answer, rita):
    _, case = answer(rita, "Still waiting for my refund. Never again.", satisfaction="1")
    labels.correct_label(
        case, rita, "neutral", None, case.version, utcnow(), close_as_not_complaint=True
    )
    assert case.outcome == NOT_A_COMPLAINT
    case_work.reopen(
        case, rita, "The customer called: it was a complaint", utcnow(), version=case.version
    )
    case = reload(case)
    assert case.status == "reopened" and case.outcome is None  # back in the complaint figures
    [event] = case_events(case.id, "reopened")
    assert event.data["previous_outcome"] == NOT_A_COMPLAINT


def test_dismissing_takes_it_off_the_list_as_a_correction_the_training_learns(
    client, login, answer, rita, team, make_team, make_user
):
    quiet, none = answer(rita, QUIET)
    happy, _ = answer(rita, HAPPY, satisfaction="5")
    assert none is None and quiet.sentiment_label != "negative"
    original = quiet.sentiment_label
    login(team.lead)
    page = client.get("/cases/review?show=all").get_data(as_text=True)
    assert "2 answers with a comment and no case" in page and "Dismiss: not a complaint" in page
    token = csrf_from(page)
    assert client.post(f"/cases/review/{quiet.id}/dismiss").status_code == 400  # no CSRF
    first = client.post(f"/cases/review/{quiet.id}/dismiss?show=all", data={"csrf_token": token})
    assert first.status_code == 302 and first.headers["Location"].endswith("/cases/review?show=all")
    html = client.get("/cases/review?show=all").get_data(as_text=True)
    assert "Dismissed as not a complaint" in html
    assert "1 answer with a comment and no case" in html and QUIET not in html and HAPPY in html
    assert db.session.scalar(sa.select(Case).where(Case.response_id == quiet.id)) is None

    [correction] = db.session.scalars(sa.select(SentimentCorrection)).all()
    assert correction.response_id == quiet.id and correction.case_id is None
    assert correction.from_review and correction.corrected_by_id == team.lead_id
    assert correction.text == QUIET
    assert (correction.original_label, correction.corrected_label) == (original, original)
    # The manager finds it among the corrections, without a case.
    corrections = client.get("/cases/corrections").get_data(as_text=True)
    assert QUIET in corrections and "None (dismissed)" in corrections

    again = client.post(f"/cases/review/{quiet.id}/dismiss", data={"csrf_token": token})
    assert again.status_code == 302
    assert "no longer on the list" in client.get("/cases/review").get_data(as_text=True)
    assert len(db.session.scalars(sa.select(SentimentCorrection)).all()) == 1

    # The training command learns it as "not a complaint".
    from portal.cli import _training_sources

    sources = _training_sources((), None, (), (), True, True, False)
    [fixes] = [s for s in sources if s.name == "staff corrections"]
    assert fixes.texts == [QUIET] and fixes.labels == [original]

    # Another team's manager can neither dismiss it nor see the correction.
    boss = make_user("manager", name="Sven South")
    boss.team = make_team("South", lead=boss)
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").text)})
    login(boss)
    page = client.get("/cases/review").get_data(as_text=True)
    sent = client.post(f"/cases/review/{happy.id}/dismiss", data={"csrf_token": csrf_from(page)})
    assert sent.status_code == 404
    assert QUIET not in client.get("/cases/corrections").get_data(as_text=True)


# --- (c) what is worth a look, and the reasons in the staff's words ---------------------------

SWEDISH_BARE = "Stolen kom i tisdags."  # no cue the analysis knows: it asks for a person
PRAISE_LUKEWARM = "Great desk, very sturdy."  # positive words, yet rated 3 of 5


def test_the_default_view_lists_the_answers_in_doubt_and_not_the_plainly_positive(
    client, login, answer, rita, team
):
    happy, _ = answer(rita, HAPPY, satisfaction="5")
    quiet, _ = answer(rita, QUIET)  # neutral
    lukewarm, _ = answer(rita, PRAISE_LUKEWARM)
    bare, _ = answer(rita, SWEDISH_BARE, satisfaction="4", locale="sv")
    assert happy.sentiment_label == "positive" and lukewarm.sentiment_label == "positive"
    assert quiet.sentiment_label == "neutral"
    assert bare.needs_review
    login(team.lead)

    html = client.get("/cases/review").get_data(as_text=True)
    assert "3 answers worth a look" in html
    assert HAPPY not in html  # plainly positive: no manager's time
    assert "1 confidently positive answer is left out" in html
    # needs a person, then unsure (praise with a lukewarm rating), then neutral
    assert html.index(SWEDISH_BARE) < html.index(PRAISE_LUKEWARM) < html.index(QUIET)
    assert "Needs a person" in html and "Unsure" in html and "Lukewarm" in html
    assert 'href="/cases/review?show=all"' in html  # the way to every answer

    everything = client.get("/cases/review?show=all").get_data(as_text=True)
    assert "4 answers with a comment and no case" in everything
    assert HAPPY in everything and QUIET in everything
    assert everything.index(QUIET) < everything.index(HAPPY)  # the confident one last
    assert "Confidently positive" in everything


def test_reasons_are_in_the_staffs_words_with_the_customers_own_quoted(
    client, login, answer, rita, team
):
    """A Swedish answer: the tags say what the analysis saw in English; the Swedish words
    inside them are the customer's, quoted and marked as Swedish. The case page shows the
    same tags once the answer is marked negative."""
    words = "Snabb leverans och stolen är jättebekväm. Rekommenderar!"
    swedish, _ = answer(rita, words, locale="sv")
    assert any(r.startswith("Swedish cue") for r in swedish.sentiment_reasons)
    login(team.lead)
    html = client.get("/cases/review").get_data(as_text=True)
    assert words in html  # the customer's words as written
    assert '<li>Swedish cue <q class="customer-words" lang="sv">rekommenderar</q></li>' in html
    assert "<li>rating 3/5</li>" in html

    page = client.post(f"/cases/review/{swedish.id}/negative", data={"csrf_token": csrf_from(html)})
    case_page = client.get(page.headers["Location"]).get_data(as_text=True)
    assert '<li>Swedish cue <q class="customer-words" lang="sv">rekommenderar</q></li>' in case_page


def test_the_demo_writes_its_analysis_reasons_in_english_whatever_the_customers_language():
    """Staff read the reasons: the demo's Swedish answers carry them in English, worded as
    its English ones are ("praise: delivery"), not "beröm: leverans"."""
    from portal.services.demo import content

    pools = (content.POSITIVE, content.NEUTRAL, content.NEGATIVE)
    english = {w for pool in pools for entry in pool["en"] for tag in entry[1] for w in tag.split()}
    english |= {"the", "whole", "purchase", "assembly", "response"}
    for pool in pools:
        for entry in pool["sv"]:
            for tag in entry[1]:
                assert set(tag.split()) <= english, tag  # not "beröm: leverans"


def test_one_click_dismisses_the_confidently_positive_answers_shown_and_no_other(
    client, login, answer, rita, team, make_team, make_user
):
    happy, _ = answer(rita, HAPPY, satisfaction="5")
    quiet, _ = answer(rita, QUIET)
    boss = make_user("manager", name="Sven South")
    boss.team = make_team("South", lead=boss)
    db.session.commit()
    sam = make_user("rep", team=boss.team, name="Sam South")
    theirs, _ = answer(sam, HAPPY, satisfaction="5")
    login(team.lead)
    page = client.get("/cases/review?show=all").get_data(as_text=True)
    assert "Dismiss the 1 confidently positive answer on this page" in page
    assert "confidently positive answer on this page" not in client.get("/cases/review").text

    ids = [happy.id, quiet.id, theirs.id]  # a forged form: one in doubt, one of South's
    assert (
        client.post("/cases/review/dismiss-confident", data={"response_id": ids}).status_code == 400
    )
    sent = client.post(
        "/cases/review/dismiss-confident?show=all",
        data={"csrf_token": csrf_from(page), "response_id": ids},
    )
    assert sent.headers["Location"].endswith("/cases/review?show=all")
    html = client.get("/cases/review?show=all").get_data(as_text=True)
    assert "Dismissed 1 confidently positive answer as not a complaint" in html
    assert HAPPY not in html and QUIET in html
    [correction] = db.session.scalars(sa.select(SentimentCorrection)).all()
    assert correction.response_id == happy.id and correction.from_review
    assert correction.corrected_label == "positive" and correction.corrected_by_id == team.lead_id


def test_a_long_list_is_counted_up_to_a_cap(client, login, answer, rita, team, monkeypatch):
    """Counting a million answers exactly takes seconds: past the cap the page says "N+"."""
    answer(rita, QUIET)
    answer(rita, PRAISE_LUKEWARM)
    monkeypatch.setattr(review, "COUNT_CAP", 1)
    login(team.lead)
    html = client.get("/cases/review").get_data(as_text=True)
    assert "1+ answers worth a look" in html
    assert "confidently positive answers are left out" not in html  # not known past the cap
    monkeypatch.setattr(review, "COUNT_CAP", 2)
    html = client.get("/cases/review").get_data(as_text=True)
    assert "2 answers worth a look" in html and "0 confidently positive answers" in html
