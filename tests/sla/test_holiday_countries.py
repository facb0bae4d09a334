"""Holidays of any country the `holidays` package knows: an admin adds Germany for a DACH
team from a list; the demo imports each team's country for this year and the next."""

from __future__ import annotations

from datetime import date

from portal.services.sla.countries import supported_countries

from ..conftest import submit
from . import test_admin_sla as base
from .test_admin_sla import error_of, holidays_now

admin = base.admin  # the fixture: an admin, logged in


def test_the_country_list_is_the_packages_two_letter_codes_by_name(client, admin):
    countries = supported_countries()
    assert countries["DE"] == "Germany" and countries["GB"] == "United Kingdom"
    assert "DEU" not in countries  # the package's 3-letter aliases are not listed twice
    html = client.get("/admin/holidays").get_data(as_text=True)
    assert '<option value="DE">Germany</option>' in html


def test_an_admin_adds_germanys_holidays_for_one_team(client, admin, make_team):
    dach = make_team("DACH")
    html = submit(
        client,
        "/admin/holidays",
        {"import_year": "2027", "import_team": dach.id, "import_country": "DE", "add_country": "y"},
        follow_redirects=True,
    ).get_data(as_text=True)
    added = {day: (name, team_id) for day, name, team_id in holidays_now()}
    assert added[date(2027, 10, 3)] == ("German Unity Day", dach.id)
    assert added[date(2027, 12, 25)] == ("Christmas Day", dach.id)
    assert f"Added {len(added)} public holidays (Germany) of 2027 for DACH." in html


def test_adding_a_country_without_choosing_one_says_so(client, admin):
    html = submit(
        client,
        "/admin/holidays",
        {"import_year": "2027", "import_country": "", "add_country": "y"},
    ).get_data(as_text=True)
    assert "Choose a country from the list." in (error_of(html, "import_country") or "")
    assert holidays_now() == []
