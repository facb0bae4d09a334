"""A fresh demo leaves emails to open and knows its teams' holidays; writing mail to the folder
is logged as the normal thing it is (INFO), not as a warning."""

from __future__ import annotations

import email
import email.policy
import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from portal import mail, tokens
from portal.extensions import db
from portal.models import Complaint, Holiday, SurveyResponse, Team, User
from portal.services.cases import joining
from portal.services.demo.content import DEMO_PASSWORD
from portal.services.sla.admin import example_calendar

from ..conftest import csrf_from, submit
from .test_demo import SMALL


def test_the_demo_leaves_survey_complaint_and_follow_up_emails_and_says_where(
    app, runner, run_jobs, outbox
):
    result = runner.invoke(args=["portal", "seed-demo", *SMALL])
    assert result.exit_code == 0, result.output
    listed = dict(re.findall(r"^\s+(.+?)\s+to \S+: (\S+\.eml)$", result.output, re.MULTILINE))
    if "queued: the worker writes it to" in result.output:  # with Redis: the complaint's job
        run_jobs()
        [confirmation] = [m for m in outbox() if m["Subject"] == "Confirm your complaint"]
        listed["Complaint to confirm"] = str(
            next(
                p
                for p in Path(app.config["MAIL_DIR"]).glob("*.eml")
                if confirmation["Message-ID"] in p.read_text()
            )
        )
    subjects = {}
    for what, path in listed.items():
        assert Path(path).parent == Path(app.config["MAIL_DIR"])
        message = email.message_from_bytes(Path(path).read_bytes(), policy=email.policy.default)
        subjects[what] = message["Subject"]
    assert subjects == {
        "Survey (English)": "How was your purchase?",
        "Survey (Swedish), sold by Sara Nilsson": "Hur var ditt köp?",
        '"Did this fix it?" follow-up': "Did this resolve your concern?",
        "Complaint to confirm": "Confirm your complaint",
    }
    assert len(re.findall(r"Survey \(English\)", result.output)) == 2
    # The complaint is a real one, waiting for its customer to confirm it.
    # (The demo's other complaints were sent and confirmed long ago: they opened its cases.)
    [complaint] = db.session.scalars(sa.select(Complaint).where(Complaint.confirmed_at.is_(None)))
    assert complaint.confirmed_at is None and complaint.order_ref_given


def test_the_readme_walk_sara_sees_the_case_her_customer_opens_from_the_demo_email(
    app, runner, client, run_jobs
):
    """README: open the printed Swedish survey email, answer it unhappily, log in as Sara
    (sara.nilsson@...): the case is in her queue and its page opens."""
    result = runner.invoke(args=["portal", "seed-demo", *SMALL])
    assert result.exit_code == 0, result.output
    found = re.search(
        r"Survey \(Swedish\), sold by Sara Nilsson\s+to \S+: (\S+\.eml)", result.output
    )
    assert found, result.output
    message = email.message_from_bytes(
        Path(found.group(1)).read_bytes(), policy=email.policy.default
    )
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://[^/\s]+(/s/[^\s?]+)", body).group(1)
    page = client.get(link).get_data(as_text=True)
    unhappy = "Stolen gick sönder efter en vecka och ingen svarar. Mycket besviken."
    answer = {"csrf_token": csrf_from(page), "satisfaction": "1", "comment": unhappy}
    assert client.post(link, data=answer).status_code == 303
    run_jobs()
    token_id = tokens.subject_of("survey", link.rsplit("/", 1)[1])
    response = db.session.scalar(
        sa.select(SurveyResponse).where(SurveyResponse.invitation_id == int(token_id))
    )
    # The case it opened, or (the order's case still open) the one it was added to.
    case = joining.case_of_response(response)
    sara = db.session.scalar(
        sa.select(User).where(User.email == "sara.nilsson@demo.aftersale.example")
    )
    assert case is not None and case.assigned_rep_id == sara.id
    submit(client, "/login", {"email": sara.email, "password": DEMO_PASSWORD})
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert f'href="/cases/{case.id}"' in client.get("/cases/").get_data(as_text=True)


def test_the_demo_teams_have_their_countrys_holidays_this_year_and_next(app, runner):
    assert runner.invoke(args=["portal", "seed-demo", *SMALL]).exit_code == 0
    year = datetime.now(UTC).year
    by_team = {}
    for team, day, name in db.session.execute(
        sa.select(Team.name, Holiday.day, Holiday.name).join(Team, Team.id == Holiday.team_id)
    ):
        by_team.setdefault(team, {})[day] = name
    for team in ("Nordics", "DACH", "UK & Ireland"):
        assert date(year, 12, 25) in by_team[team] and date(year + 1, 12, 25) in by_team[team]
    assert by_team["Nordics"][date(year, 12, 24)] == "Christmas Eve"  # Swedish: a day off
    assert date(year, 10, 3) in by_team["DACH"]  # German Unity Day
    assert date(year, 10, 3) not in by_team["Nordics"]
    # The SLA examples (Stockholm time) skip the Swedish team's Christmas.
    assert date(year, 12, 25) in example_calendar().holidays
    assert date(year, 10, 3) not in example_calendar().holidays


def test_mail_written_to_the_folder_is_logged_at_info(app, caplog):
    with app.app_context(), caplog.at_level(logging.INFO, logger="portal.mail"):
        message = mail.build_message(
            "ann@example.org",
            "Hello",
            "complaint_confirmation",
            link="http://x.example/c/1",
            days=7,
            locale="en",
        )
        mail.send(message)
    records = [r for r in caplog.records if r.name == "portal.mail"]
    assert [r.levelno for r in records] == [logging.INFO]
    assert "written to" in records[0].getMessage()
