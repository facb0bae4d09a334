"""Locust users for bench/load_test.py: customers answering their surveys and reps working
their queues, at people's pace (a few seconds between pages).

Settings from the environment (load_test.py sets them):
- LOAD_TOKENS: a file of survey links (one token a line), each answered once.
- LOAD_REPS: a file of "email password" lines, one rep each; a rep user logs in as one of them.
"""

from __future__ import annotations

import itertools
import os
import random
import re
from pathlib import Path

from locust import FastHttpUser, between, task
from locust.exception import StopUser

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/cases/(\d+)"')
TOKENS = Path(os.environ["LOAD_TOKENS"]).read_text().split()
REPS = [line.split() for line in Path(os.environ["LOAD_REPS"]).read_text().splitlines() if line]
_next_token = itertools.count()
_next_rep = itertools.count()
COMMENTS = [
    "",
    "Quick delivery, thank you.",
    "The chair squeaks a little but the service was great.",
    "Broken on arrival and nobody answers the phone. I want a refund.",
    "Leveransen var försenad och ingen hörde av sig.",
]


def csrf(html: str) -> str:
    match = CSRF_INPUT.search(html)
    return match.group(1) if match else ""


class Customer(FastHttpUser):
    """Opens the link from the email, reads, answers (one in four unhappy), is thanked."""

    weight = 4
    wait_time = between(2, 6)

    @task
    def answer_survey(self) -> None:
        i = next(_next_token)
        if i >= len(TOKENS):
            raise StopUser  # every link answered
        path = f"/s/{TOKENS[i]}"
        with self.client.get(path, name="GET /s/[token]", catch_response=True) as page:
            token = csrf(page.text or "")
            if not token:
                page.failure("no form on the survey page")
                return
        unhappy = random.random() < 0.25
        data = {
            "csrf_token": token,
            "satisfaction": random.choice("12") if unhappy else random.choice("345"),
            "recommend": str(random.randint(0, 10)),
            "comment": COMMENTS[3] if unhappy else random.choice(COMMENTS[:3]),
        }
        with self.client.post(
            path, data=data, name="POST /s/[token]", allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code != 303:
                answer.failure(f"answer got {answer.status_code}")
        self.client.get(f"{path}/thanks", name="GET /s/[token]/thanks")
        self.client.cookiejar.clear()  # the next customer has a browser of their own


class Rep(FastHttpUser):
    """Logs in once, then works the queue: the list, a case, now and then a note."""

    weight = 1
    wait_time = between(2, 6)

    def on_start(self) -> None:
        email, password = REPS[next(_next_rep) % len(REPS)]
        page = self.client.get("/login", name="GET /login")
        with self.client.post(
            "/login",
            data={"csrf_token": csrf(page.text or ""), "email": email, "password": password},
            name="POST /login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login got {response.status_code}")
        self.case_ids: list[str] = []

    @task(3)
    def queue(self) -> None:
        page = self.client.get("/cases/", name="GET /cases/")
        self.case_ids = CASE_LINK.findall(page.text or "")

    @task(3)
    def open_case(self) -> None:
        if not self.case_ids:
            return self.queue()
        self.client.get(f"/cases/{random.choice(self.case_ids)}", name="GET /cases/[id]")

    @task(1)
    def add_note(self) -> None:
        if not self.case_ids:
            return self.queue()
        case_id = random.choice(self.case_ids)
        page = self.client.get(f"/cases/{case_id}", name="GET /cases/[id]")
        with self.client.post(
            f"/cases/{case_id}/note",
            data={"csrf_token": csrf(page.text or ""), "note-text": "Called, left a message."},
            name="POST /cases/[id]/note",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"note got {response.status_code}")

    @task(1)
    def home(self) -> None:
        self.client.get("/home", name="GET /home")
