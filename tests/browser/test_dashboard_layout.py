"""The dashboard and a scorecard fit a 1366 px laptop and a 390 px phone: no page scrolls
sideways, the reps table fits its card, and axe-core finds nothing serious."""

from __future__ import annotations

import pytest

from portal.metrics.rollup import rebuild
from portal.models import utcnow

from ..performance import test_dashboard as base
from .test_journeys import log_in

pytestmark = pytest.mark.browser
org = base.org


@pytest.mark.parametrize("size", [(1366, 800), (390, 844)], ids=["laptop", "phone"])
def test_dashboard_and_scorecard_fit_without_sideways_scrolling(journey, org, size, make_user):
    for n in range(6):  # a full team: long names, every column filled
        rep = make_user(team=org["north"], name=f"Alexandra Longname-{n}")
        for day in range(2, 4):
            base.march_case(rep, day, 1 + n)
    rebuild(utcnow())
    page = journey.person("manager", phone=size[0] < 500)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    log_in(page, org["manager"].email)
    for path in (f"/performance/?{base.MARCH}", f"/performance/reps/{org['ann'].id}?{base.MARCH}"):
        page.goto(path)
        journey.step(page, f"{path} at {size[0]}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size[0], f"{path} is {width} px wide in a {size[0]} px window"
        tables = page.evaluate(
            "[...document.querySelectorAll('table')]"
            ".filter(t => t.offsetParent)"  # shown (the trend table may sit in a closed <details>)
            ".map(t => [t.getBoundingClientRect().width, t.parentElement.clientWidth])"
        )
        assert all(w <= box + 1 for w, box in tables), tables
        journey.accessible(page, f"{path} at {size[0]}")
