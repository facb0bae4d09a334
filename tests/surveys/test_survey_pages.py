"""The customer's survey page: opening records nothing, answering records exactly one answer."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import jobs
from portal.extensions import db
from portal.jobs import outbox
from portal.models import Customer, OutboxJob, SurveyInvitation, SurveyResponse, utcnow
from portal.services.surveys import answers as survey_answers
from portal.services.surveys.answers import Answer, LinkState
from portal.tokens import make_token

from ..conftest import csrf_from


@pytest.fixture
def invitation(app, make_sale):
    """A survey sent yesterday to Ann, for a sale four days ago."""

    def make(locale="en", sent_days_ago=1, **fields):
        now = utcnow()
        customer = Customer(email=f"ann.{locale}@example.org", name="Ann Ek", locale=locale)
        sale = make_sale(customer=customer, sold_at=now - timedelta(days=sent_days_ago + 3))
        inv = SurveyInvitation(
            kind="post_sale",
            customer=customer,
            sale=sale,
            scheduled_for=now - timedelta(days=sent_days_ago),
            sent_at=now - timedelta(days=sent_days_ago),
            expires_at=now - timedelta(days=sent_days_ago) + timedelta(days=28),
            **fields,
        )
        db.session.add(inv)
        db.session.commit()
        return inv

    return make


def path_of(inv) -> str:
    return f"/s/{make_token('survey', inv.id)}"


def answer(client, path, **fields):
    page = client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "satisfaction": "2", "comment": "Late delivery."}
    data.update(fields)
    return client.post(path, data=data)


def responses():
    return db.session.scalars(sa.select(SurveyResponse)).all()


def test_opening_the_link_records_nothing(client, invitation):
    inv = invitation()
    for _ in range(3):  # the customer, and two mail scanners
        assert client.get(path_of(inv)).status_code == 200
    db.session.expire_all()
    inv = db.session.get(SurveyInvitation, inv.id)
    assert inv.opened_at is None and inv.answered_at is None
    assert responses() == []


def test_token_pages_are_not_cached_and_leak_no_referrer(client, invitation):
    response = client.get(path_of(invitation()))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_page_script_records_that_a_person_opened_it(client, invitation):
    inv = invitation()
    page = client.get(path_of(inv)).get_data(as_text=True)
    opened_url = re.search(r'data-opened-url="([^"]+)"', page).group(1)
    assert client.post(opened_url, data={"csrf_token": csrf_from_data(page)}).status_code == 204
    assert db.session.get(SurveyInvitation, inv.id).opened_at is not None


def csrf_from_data(page: str) -> str:
    return re.search(r'data-csrf="([^"]+)"', page).group(1)


def test_answering_stores_the_answer_and_thanks_the_customer(client, invitation):
    inv = invitation()
    response = answer(client, path_of(inv), recommend="3", may_contact="y")
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for your answer" in thanks
    [stored] = responses()
    assert (stored.satisfaction, stored.recommend, stored.comment) == (2, 3, "Late delivery.")
    assert stored.may_contact is True
    assert db.session.get(SurveyInvitation, inv.id).answered_at is not None


def test_a_missing_rating_is_explained_and_the_comment_kept(client, invitation):
    path = path_of(invitation())
    page = client.get(path).get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_from(page), "comment": "My words stay."})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a rating from 1 to 5." in body
    assert "My words stay." in body
    assert responses() == []


def test_the_answer_can_be_changed_within_a_day_and_stays_one_answer(client, invitation):
    inv = invitation()
    answer(client, path_of(inv), satisfaction="2")
    page = client.get(path_of(inv)).get_data(as_text=True)
    assert "You can change it until" in page
    answer(client, path_of(inv), satisfaction="4", comment="Sorted out now, thanks.")
    [stored] = responses()
    assert (stored.satisfaction, stored.comment) == (4, "Sorted out now, thanks.")
    assert stored.updated_at is not None


def test_after_a_day_the_link_shows_a_thank_you_and_changes_nothing(client, invitation):
    inv = invitation()
    db.session.add(
        SurveyResponse(
            invitation_id=inv.id, satisfaction=5, submitted_at=utcnow() - timedelta(hours=25)
        )
    )
    db.session.commit()
    page = client.get(path_of(inv))
    assert "Thank you for your answer" in page.get_data(as_text=True)
    assert "<form" not in page.get_data(as_text=True)


def test_two_simultaneous_submits_store_one_answer(app, invitation):
    inv = invitation()
    now = utcnow()
    # Both requests resolved the link before either stored anything.
    first = survey_answers.resolve(make_token("survey", inv.id), now)
    second = survey_answers.resolve(make_token("survey", inv.id), now)
    assert first.state is second.state is LinkState.OPEN
    survey_answers.record_answer(first, Answer(2, None, "first", False), now)
    _, created = survey_answers.record_answer(second, Answer(1, 0, "second", True), now)
    assert created is False
    [stored] = responses()
    assert (stored.satisfaction, stored.comment) == (1, "second")


@pytest.mark.parametrize(
    ("make_path", "status", "text"),
    [
        (lambda inv: path_of(inv)[:-3] + "abc", 404, "This link does not work"),
        (lambda inv: "/s/not-a-token", 404, "This link does not work"),
        (lambda inv: f"/s/{make_token('unsubscribe', inv.id)}", 404, "This link does not work"),
        (lambda inv: f"/s/{make_token('survey', inv.id + 999)}", 404, "This link does not work"),
    ],
    ids=["tampered", "garbage", "other-purpose", "unknown-invitation"],
)
def test_bad_links_get_a_friendly_page_that_reveals_nothing(
    client, invitation, make_path, status, text
):
    inv = invitation()
    response = client.get(make_path(inv))
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert text in body
    assert "Ann" not in body and inv.sale.order_ref not in body


def test_an_expired_link_says_the_survey_closed(client, invitation):
    inv = invitation(sent_days_ago=30)
    response = client.get(path_of(inv))
    assert response.status_code == 410
    assert "This survey has closed" in response.get_data(as_text=True)
    response = client.post(path_of(inv), data={"satisfaction": "5"})
    assert response.status_code == 410
    assert responses() == []


def test_a_page_left_open_until_the_session_is_gone_keeps_the_comment(client, invitation):
    inv = invitation()
    page = client.get(path_of(inv)).get_data(as_text=True)
    token = csrf_from(page)
    client.delete_cookie("session")  # hours later, the browser dropped the session
    response = client.post(
        path_of(inv),
        data={"csrf_token": token, "satisfaction": "1", "comment": "Nobody answered my calls."},
    )
    body = response.get_data(as_text=True)
    assert "Nobody answered my calls." in body
    assert "press the button again" in body
    assert response.headers["Cache-Control"] == "no-store"
    # Sending again from that page works.
    retry = client.post(
        path_of(inv),
        data={
            "csrf_token": csrf_from(body),
            "satisfaction": "1",
            "comment": "Nobody answered my calls.",
        },
    )
    assert retry.status_code == 303
    assert responses()[0].comment == "Nobody answered my calls."


def test_a_post_without_csrf_token_stores_nothing(client, invitation):
    inv = invitation()
    client.post(path_of(inv), data={"satisfaction": "1", "comment": "x"})
    assert responses() == []


def test_the_survey_is_in_the_customers_language(client, invitation):
    page = client.get(path_of(invitation(locale="sv"))).get_data(as_text=True)
    assert '<html lang="sv">' in page
    assert "Hur nöjd är du med ditt köp?" in page


def test_one_click_unsubscribe_needs_no_cookie_or_confirmation(client, invitation):
    inv = invitation()
    path = f"/u/{make_token('unsubscribe', inv.id)}"
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert db.session.get(Customer, inv.customer_id).unsubscribed_at is not None


def test_unsubscribe_page_asks_then_confirms(client, invitation):
    inv = invitation()
    path = f"/u/{make_token('unsubscribe', inv.id)}"
    page = client.get(path)
    assert "Stop receiving surveys?" in page.get_data(as_text=True)
    assert db.session.get(Customer, inv.customer_id).unsubscribed_at is None  # GET: nothing
    done = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert "You are unsubscribed" in done.get_data(as_text=True)
    assert db.session.get(Customer, inv.customer_id).unsubscribed_at is not None


def test_a_forged_unsubscribe_link_does_nothing(client, invitation):
    inv = invitation()
    response = client.post(
        f"/u/{make_token('survey', inv.id)}", data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 404
    assert db.session.get(Customer, inv.customer_id).unsubscribed_at is None


def test_a_blank_recommend_answer_is_no_answer_not_an_error(client, invitation):
    """A whitespace-only "would you recommend" (a client that sends the field empty) stores the
    answer without it; it was a 500 (found by tests/security/test_fuzz.py)."""
    response = answer(client, path_of(invitation()), recommend="   ")
    assert response.status_code == 303
    [stored] = responses()
    assert (stored.satisfaction, stored.recommend) == (2, None)


@pytest.mark.redis_only
def test_the_answer_is_queued_for_analysis_once_right_after_the_post(client, invitation):
    """The POST commits the answer with its analysis marked as queued and queues it after the
    commit (outbox.commit_and_enqueue): the analysis waits on Redis exactly once, and the
    outbox sweep finds nothing to queue a second time."""
    inv = invitation()
    assert answer(client, path_of(inv)).status_code == 303
    [stored] = responses()
    job_id = jobs.job_id_for("triage.analyse_response", (stored.id,))
    row = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.job_id == job_id))
    assert row.enqueued_at is not None and row.enqueue_attempts == 1
    assert jobs.get_queue("analysis").get_job_ids() == [job_id]
    assert outbox.flush() == 0
    assert jobs.get_queue("analysis").get_job_ids() == [job_id]


@pytest.mark.parametrize("kind", ["post_sale", "resolution"])
def test_a_first_answer_writes_the_same_rows_in_one_statement_or_apart(app, invitation, kind):
    """PostgreSQL writes a first answer, its invitation's mark and its outbox rows (a
    follow-up's two jobs) in one statement; SQLite writes them one by one: the same rows, and
    the same work left to queue after the commit."""
    now = utcnow()
    fields = {"satisfaction": 2, "recommend": 7, "comment": "Late.", "may_contact": True,
              "resolved_concern": None if kind == "post_sale" else False}  # fmt: skip
    writers = [survey_answers.write_apart]
    if db.engine.dialect.name == "postgresql":
        writers.append(survey_answers.write_in_one_statement)
    keys = ["triage.analyse_response"] + (
        ["followup.apply_followup_answer"] * (kind != "post_sale")
    )
    queued = not jobs.is_inline()
    for write, locale in zip(writers, ["en", "sv"], strict=False):
        inv = invitation(locale=locale)
        inv.kind = kind
        db.session.commit()
        response_id = write(db.session.connection(), inv, fields, now)
        written = utcnow()
        to_queue = db.session.info.pop(outbox.NEW, [])
        db.session.commit()
        row = (
            db.session.execute(
                sa.select(SurveyResponse.__table__).where(SurveyResponse.id == response_id)
            )
            .mappings()
            .one()
        )
        assert dict(row) == {
            **{c.name: None for c in SurveyResponse.__table__.c},
            **fields, "id": response_id, "invitation_id": inv.id, "submitted_at": now,
            "needs_review": False,
        }  # fmt: skip
        db.session.refresh(inv)
        assert inv.answered_at == now
        outbox_rows = db.session.scalars(sa.select(OutboxJob).order_by(OutboxJob.id)).all()
        mine = [r for r in outbox_rows if r.args == [response_id]]
        job_ids = [jobs.job_id_for(key, (response_id,)) for key in keys]
        assert [
            (r.job_id, r.func, r.args, r.family, r.enqueued_at, r.enqueue_attempts, r.done_at,
             r.claimed_at) for r in mine
        ] == [
            (job_id, key, [response_id], "analysis", r.created_at if queued else None,
             int(queued), None, None) for r, job_id, key in zip(mine, job_ids, keys, strict=True)
        ]  # fmt: skip
        assert all(now <= r.created_at <= written for r in mine)
        assert to_queue == (
            [
                (job_id, key, [response_id], "analysis")
                for job_id, key in zip(job_ids, keys, strict=True)
            ]
            if queued
            else []
        )


# The rating questions' radios as templates/survey/_questions.html wrote them in a Jinja loop
# before portal/templating.py's rating_options kept each option's markup.
JINJA_RADIOS = (
    '{%- set required = " required" if question.flags.required else "" %}\n'
    "    {% for choice in question.iter_choices() %}\n"
    '    {%- set option_id = question.id ~ "-" ~ loop.index0 %}\n'
    '    <div class="rating-option">\n'
    '      <input {% if choice.selected %}checked {% endif %}class="btn-check" '
    'id="{{ option_id }}" name="{{ question.name }}"{{ required }} type="radio" '
    'value="{{ choice.value }}">\n'
    '      <label class="btn btn-outline-primary" for="{{ option_id }}">{{ choice.label }}'
    "</label>\n"
    "    </div>\n"
    "    {% endfor %}"
)


@pytest.mark.parametrize("locale", ["en", "sv"])
def test_the_kept_radio_markup_is_the_jinja_loops_to_the_byte(app, locale):
    from flask import g

    from portal.survey.forms import FollowupForm, SurveyForm
    from portal.templating import rating_options

    loop = app.jinja_env.from_string(JINJA_RADIOS)  # the template writes "\n    " before
    with app.test_request_context(
        method="POST", data={"satisfaction": "4", "resolved_concern": "no"}
    ):
        g.locale = locale
        for form in (SurveyForm(meta={"csrf": False}), FollowupForm(meta={"csrf": False})):
            for question in [f for f in form if f.type == "RadioField"]:
                for _ in range(2):  # written, then kept
                    assert "\n    " + rating_options(question) == loop.render(question=question)
                question.data = None
                assert "\n    " + rating_options(question) == loop.render(question=question)
            if isinstance(form, FollowupForm):
                assert ("Nej" if locale == "sv" else "No") in str(
                    rating_options(form.resolved_concern)
                )
