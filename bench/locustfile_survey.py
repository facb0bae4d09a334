"""Locust users for bench/survey_submit.py: customers answering their survey.

Each iteration is one customer with a fresh browser (no cookies) and a link of their own: GET
/s/<token>, read the CSRF token from the form, POST an answer, expect 303 to the thanks page, and
follow nothing else. The same flow runs against the portal and against bench/bare_app.py.

Settings come from the environment (survey_submit.py sets them):
- SURVEY_TOKENS: a file of "invitation_id token" lines, each used once; when they run out the
  users stop (and a line on stderr says so).
  With SURVEY_REUSE_TOKENS=1 the list is used round and round instead (for an app that stores
  nothing; bench/bare_app.py now stores its answers, so survey_submit.py no longer sets it).
- SURVEY_OK_FILE: where the invitation ids of the POSTs answered 303 are written at the end, so
  the benchmark can compare them with the answers stored in the database.
- SURVEY_STATS_FILE: where the final figures are written as JSON, once every user has finished
  its last customer (Locust's --csv files are written before that, at the end of --run-time).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
from pathlib import Path

from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
COMMENTS = [
    "",
    "",
    "Quick delivery, thank you.",
    "The chair squeaks a little but the service was great.",
    "Leveransen var försenad och ingen hörde av sig.",
]
TOKENS = [
    line.split()
    for line in Path(os.environ["SURVEY_TOKENS"]).read_text().splitlines()
    if line.strip()
]
REUSE_TOKENS = os.environ.get("SURVEY_REUSE_TOKENS") == "1"
_next_token = itertools.count()
answered: list[str] = []
ran_out = False


class Customer(FastHttpUser):
    wait_time = constant(0)  # a closed loop: the next customer arrives as soon as one is done

    @task
    def answer_survey(self) -> None:
        global ran_out
        i = next(_next_token)
        if REUSE_TOKENS:
            i %= len(TOKENS)
        elif i >= len(TOKENS):
            ran_out = True
            raise StopUser()
        invitation_id, token = TOKENS[i]
        self.client.cookiejar.clear()  # a new customer, a new browser
        url = f"/s/{token}"
        with self.client.get(url, name="GET /s/[token]", catch_response=True) as page:
            match = CSRF_INPUT.search(page.text or "") if page.status_code == 200 else None
            if match is None:
                page.failure(f"status {page.status_code}, no CSRF token in the form")
                return
        form = {
            "csrf_token": match.group(1),
            "satisfaction": str(random.randint(1, 5)),
            "recommend": str(random.randint(0, 10)),
            "comment": random.choice(COMMENTS),
        }
        if random.random() < 0.5:
            form["may_contact"] = "y"
        with self.client.post(
            url, data=form, name="POST /s/[token]", allow_redirects=False, catch_response=True
        ) as sent:
            location = sent.headers.get("Location", "") if sent.headers else ""
            if sent.status_code == 303 and location.endswith(f"{url}/thanks"):
                answered.append(invitation_id)
            else:
                sent.failure(f"status {sent.status_code}, Location {location!r}")


@events.test_stop.add_listener
def write_results(environment, **kwargs) -> None:
    Path(os.environ["SURVEY_OK_FILE"]).write_text("\n".join(answered) + "\n")
    stats = {}
    for entry in [*environment.stats.entries.values(), environment.stats.total]:
        stats[entry.name] = {
            "count": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.total_rps,
            "seconds": entry.last_request_timestamp - entry.start_time
            if entry.last_request_timestamp
            else 0,
            **{f"p{p}": entry.get_response_time_percentile(p / 100) for p in (50, 95, 99)},
        }
    Path(os.environ["SURVEY_STATS_FILE"]).write_text(json.dumps(stats, indent=1))
    if ran_out:
        sys.stderr.write(f"TOKENS RAN OUT after {len(TOKENS)} customers: raise --invitations\n")
