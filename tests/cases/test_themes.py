"""Complaint themes (issue 16.1): every case gets one or more themes when it is analysed,
with the words that suggested them; staff correct them on the case page like the label; the
themes per rep and team over time open the cases behind each count; admins edit the list."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, CaseTheme, Customer, Theme, utcnow
from portal.services.cases.themes import all_themes, suggest, themes_of

from ..conftest import csrf_from
from .case_helpers import send_case_form
from .test_case_triage import case_events, reload

LATE_PARCEL = "The parcel never came and nobody answered when I called. Useless."
SWEDISH_BILL = "Paketet kom aldrig fram och fakturan var dessutom fel. Dålig service!"


def keys(text, category=None):
    return [s.theme.key for s in suggest(text, category, all_themes(active_only=True))]


def test_themes_come_from_cue_words_in_english_and_swedish(app):
    assert keys("The parcel arrived two weeks late.") == ["delivery"]
    assert keys("Paketet kom aldrig och fakturan var fel.") == ["delivery", "pricing_billing"]
    assert keys("The salesman was rude and never called back.") == ["rep_conduct"]
    assert keys("I want my money back, send it back for a refund") == ["returns_refunds"]
    assert keys("Skärmen gick sönder efter en vecka") == ["product_quality"]
    # A short cue matches the whole word only: "billig" (cheap) is no bill.
    assert "pricing_billing" not in keys("Den kändes billig")
    # Nothing matched: "other", so that every case has a theme.
    assert keys("Hmm.") == ["other"]
    # The complaint form's category counts as a cue.
    assert keys("Not happy at all.", "billing") == ["pricing_billing"]


def test_the_reasons_name_the_words_found(app):
    delivery = next(
        s for s in suggest(LATE_PARCEL, None, all_themes()) if s.theme.key == "delivery"
    )
    assert "“parcel”" in delivery.reasons and "“never came”" in delivery.reasons


def test_a_negative_answer_opens_a_case_with_its_themes_and_reasons(
    client, login, rita, case_from_answer
):
    customer = Customer(email="ann@example.org", name="Ann Kund")
    case = case_from_answer(rita, customer, satisfaction="1", comment=LATE_PARCEL)
    assert sorted(ct.theme.key for ct in themes_of(case.id)) == ["delivery", "rep_conduct"]
    assert {ct.source for ct in themes_of(case.id)} == {"auto"}
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Complaint themes" in page
    assert "Delivery" in page and "Rep conduct and communication" in page
    assert "“parcel”" in page  # the reason


def test_staff_correct_the_themes_and_the_timeline_says_so(client, login, rita, case_from_answer):
    case = case_from_answer(rita, Customer(email="b@example.org", name="Bo"), comment=LATE_PARCEL)
    login(rita)
    response = send_case_form(
        client, case.id, "themes", "themes", {"themes": ["product_quality", "delivery"]}
    )
    assert response.status_code == 302
    rows = themes_of(reload(case).id)
    assert [ct.theme.key for ct in rows] == ["delivery", "product_quality"]
    assert {ct.source for ct in rows} == {"staff"}
    assert rows[0].reasons  # a kept theme keeps the words that suggested it
    event = case_events(case.id, "themes_corrected")[-1]
    assert event.data == {
        "from": ["delivery", "rep_conduct"],
        "to": ["delivery", "product_quality"],
    }
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "set by Rita Rep" in page


def test_a_correction_without_a_theme_or_with_an_unknown_one_is_refused(
    client, login, rita, case_from_answer
):
    case = case_from_answer(rita, Customer(email="c@example.org", name="Cy"), comment=LATE_PARCEL)
    login(rita)
    response = send_case_form(client, case.id, "themes", "themes", {"themes": []})
    assert response.status_code == 422
    assert "Choose at least one theme" in response.get_data(as_text=True)
    response = send_case_form(client, case.id, "themes", "themes", {"themes": ["weather"]})
    assert response.status_code == 422
    assert "Choose themes from the list" in response.get_data(as_text=True)
    assert {ct.source for ct in themes_of(case.id)} == {"auto"}  # nothing changed


def test_a_correction_from_a_stale_page_is_refused(client, login, rita, case_from_answer):
    case = case_from_answer(rita, Customer(email="d@example.org", name="Di"), comment=LATE_PARCEL)
    login(rita)
    old_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    send_case_form(client, case.id, "themes", "themes", {"themes": ["other"]})
    response = send_case_form(
        client, case.id, "themes", "themes", {"themes": ["delivery"]}, html=old_page
    )
    assert response.status_code == 409
    assert [ct.theme.key for ct in themes_of(case.id)] == ["other"]


def test_a_second_analysis_keeps_the_staff_themes(app, rita, case_from_answer, run_jobs):
    from portal.services.cases.themes import assign_auto

    case = case_from_answer(rita, Customer(email="e@example.org", name="Ed"), comment=LATE_PARCEL)
    other = db.session.scalar(sa.select(Theme).where(Theme.key == "other"))
    db.session.execute(sa.delete(CaseTheme).where(CaseTheme.case_id == case.id))
    db.session.add(CaseTheme(case_id=case.id, theme_id=other.id, source="staff"))
    db.session.commit()
    assert assign_auto(case, LATE_PARCEL, None, utcnow()) == []
    assert [ct.theme.key for ct in themes_of(case.id)] == ["other"]


def test_themes_per_rep_over_time_open_the_cases_behind_each_share(
    client, login, rita, make_user, team, case_from_answer
):
    late = case_from_answer(rita, Customer(email="f@example.org", name="Fi"), comment=LATE_PARCEL)
    broken = case_from_answer(
        rita, Customer(email="g@example.org", name="Gus"), comment="The chair is broken. Awful."
    )
    login(rita)
    page = client.get("/coaching/themes").get_data(as_text=True)
    assert "Complaint themes: Rita Rep" in page
    assert "2 complaints" in page
    assert "50%" in page  # delivery: 1 of 2 cases
    drill = client.get("/coaching/themes/cases?theme=delivery").get_data(as_text=True)
    assert f"#{late.id}" in drill and f"#{broken.id}" not in drill
    quality = client.get("/coaching/themes/cases?theme=product_quality").get_data(as_text=True)
    assert f"#{broken.id}" in quality and f"#{late.id}" not in quality
    assert client.get("/coaching/themes/cases?theme=weather").status_code == 400


def test_a_manager_sees_the_themes_of_their_team_only(
    client, login, rita, team, make_user, make_team, case_from_answer
):
    case_from_answer(rita, Customer(email="h@example.org", name="Hu"), comment=LATE_PARCEL)
    other_lead = make_user("manager", name="Sven South")
    make_team("South", lead=other_lead)
    login(other_lead)
    assert client.get(f"/coaching/themes?rep={rita.id}").status_code == 404
    assert client.get(f"/coaching/themes?team={team.id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").text)})
    login("maja@example.com")
    page = client.get(f"/coaching/themes?team={team.id}").get_data(as_text=True)
    assert "Team North" in page and "1 complaint" in page


def test_admins_edit_the_cue_words_and_the_next_case_uses_them(
    client, login, make_user, rita, case_from_answer
):
    admin = make_user("admin", name="Ada Admin")
    login(admin)
    page = client.get("/coaching/themes/list").get_data(as_text=True)
    delivery = db.session.scalar(sa.select(Theme).where(Theme.key == "delivery"))
    prefix = f"t{delivery.id}"
    response = client.post(
        f"/coaching/themes/{delivery.id}",
        data={
            f"{prefix}-csrf_token": csrf_from(page),
            f"{prefix}-name_en": "Delivery",
            f"{prefix}-name_sv": "Leverans",
            f"{prefix}-cues_en": "parcel, pigeon",
            f"{prefix}-cues_sv": "paket",
            f"{prefix}-active": "y",
        },
    )
    assert response.status_code == 302
    case = case_from_answer(
        rita, Customer(email="i@example.org", name="Ida"), comment="The pigeon lost it. Awful."
    )
    assert [ct.theme.key for ct in themes_of(case.id)] == ["delivery"]
    other = db.session.scalar(sa.select(Theme).where(Theme.key == "other"))
    page = client.get("/coaching/themes/list").get_data(as_text=True)
    response = client.post(
        f"/coaching/themes/{other.id}",
        data={
            f"t{other.id}-csrf_token": csrf_from(page),
            f"t{other.id}-name_en": "Other",
            f"t{other.id}-name_sv": "Övrigt",
        },
    )
    assert response.status_code == 422
    assert "“Other” stays on" in response.get_data(as_text=True)


def test_every_case_counted_has_a_theme(app, rita, case_from_answer):
    for n, comment in enumerate([LATE_PARCEL, SWEDISH_BILL, "Meh. Not good."]):
        case_from_answer(rita, Customer(email=f"j{n}@example.org", name="Jo"), comment=comment)
    cases = db.session.scalars(sa.select(Case.id)).all()
    assert cases and all(themes_of(case_id) for case_id in cases)


def test_theme_corrections_are_listed_beside_the_label_corrections(
    client, login, rita, make_user, make_team, case_from_answer
):
    case = case_from_answer(rita, Customer(email="k@example.org", name="Kim"), comment=LATE_PARCEL)
    login(rita)
    send_case_form(client, case.id, "themes", "themes", {"themes": ["product_quality"]})
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").text)})
    login("maja@example.com")
    page = client.get("/cases/corrections").get_data(as_text=True)
    assert "Theme corrections" in page
    assert f'href="/cases/{case.id}#themes"' in page
    assert "delivery, rep conduct" in page and "product quality" in page
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").text)})
    other_lead = make_user("manager", name="Sven South")
    make_team("South", lead=other_lead)
    login(other_lead)
    assert f"/cases/{case.id}#themes" not in client.get("/cases/corrections").text


def test_cases_from_before_themes_get_them_from_the_command(app, runner, rita, case_from_answer):
    case = case_from_answer(rita, Customer(email="m@example.org", name="Mo"), comment=LATE_PARCEL)
    db.session.execute(sa.delete(CaseTheme))
    db.session.execute(sa.update(Case).values(description=None))  # as demo cases have it
    db.session.commit()
    result = runner.invoke(args=["portal", "assign-themes"])
    assert result.exit_code == 0, result.output
    assert "Complaint themes given to 1 cases." in result.output
    # The survey case's words are its answer's comment.
    assert sorted(ct.theme.key for ct in themes_of(case.id)) == ["delivery", "rep_conduct"]
    assert "given to 0 cases" in runner.invoke(args=["portal", "assign-themes"]).output
