"""Browser fixtures: the app served on a loopback port, and Debian's Chromium driven by
Playwright, with a screenshot of every step of a journey kept under test-artifacts/.

These tests run once, in the SQLite run of `make test` (marker `browser`): the live server is a
thread of the test process, so it shares the test's database file, its mail settings and its
inline jobs. Chromium is Debian's (`make browser` installs it); Playwright downloads nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from ..conftest import ROOT, TEST_REDIS_URL

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# axe-core impacts that fail a page; "minor" and "moderate" are reported in the artefact only.
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run."""
    if TEST_REDIS_URL:  # the journeys rely on inline jobs; `make test` runs them once
        pytest.skip("browser journeys run in the SQLite run (inline jobs)")
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `make browser` installs Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a skipped journey would hide a broken install step
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"], env=browser_env()
        )
        yield browser
        browser.close()


def browser_env() -> dict[str, str]:
    """The environment without libfaketime: a run at a faked instant (README, "Running the
    tests at a chosen instant") fakes the portal's clock, but Chromium's crash handler spins on
    a faked clock_gettime and never starts. The browser only renders; the portal keeps time."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("FAKETIME")}
    if "faketime" in env.get("LD_PRELOAD", ""):
        del env["LD_PRELOAD"]
    return env


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # the screenshots tell the story, not a log line
        pass


class LiveServer:
    """The test's app on 127.0.0.1 in a thread. Each request gets its own app context and so
    its own database session; the test must commit before the browser looks."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@pytest.fixture
def portal_server(app):
    """Serve the app; emailed links point at it (PORTAL_BASE_URL), as they would in production."""
    server = LiveServer(app)
    app.config["PORTAL_BASE_URL"] = server.url
    server.start()
    yield server
    server.stop()


@dataclass
class Journey:
    """People using the portal in their own browsers, each step photographed.

    `person("customer", phone=True)` opens a page in a browser context of its own (own
    cookies), `step(page, "what happened")` saves a full-page screenshot numbered in order, and
    `accessible(page, "name")` runs axe-core inside the page. Console errors (a script that
    failed, a Content-Security-Policy refusal) are collected and fail the journey at the end.
    """

    browser: object
    base_url: str
    folder: Path
    steps: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    contexts: list = field(default_factory=list)

    def person(self, who: str, phone: bool = False, locale: str = "en-GB"):
        options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=options.pop("viewport", DESKTOP),
            locale=locale,
            timezone_id="Europe/Stockholm",
            device_scale_factor=2 if phone else 1,
            **options,
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: self._console(who, page, msg))
        page.on("pageerror", lambda exc: self.console_errors.append(f"{who}: {exc}"))
        page.who = who
        return page

    def _console(self, who: str, page, msg) -> None:
        if msg.type != "error":
            return
        # A form sent back with its errors (422) or a link that no longer works (404, 410)
        # is the page itself answering as designed; any other failure is a fault.
        own_status = re.search(r"status of 4\d\d", msg.text) and msg.location.get("url") == page.url
        if not own_status:
            self.console_errors.append(f"{who} at {page.url}: {msg.text}")

    def step(self, page, label: str) -> Path:
        number = len(self.steps) + 1
        name = f"{number:02d}-{page.who}-{_slug(label)}.png"
        path = self.folder / name
        page.screenshot(path=str(path), full_page=True)
        self.steps.append(f"{number:02d} {page.who}: {label} ({page.url})")
        return path

    def accessible(self, page, label: str) -> None:
        """No serious or critical axe-core violation on this page (all of them are saved)."""
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(page)
        violations = results.response["violations"]
        path = self.folder / f"axe-{_slug(label)}.json"
        path.write_text(json.dumps(violations, indent=2))
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        assert not blocking, f"axe on {label} ({page.url}):\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in blocking
        )

    def close(self) -> None:
        """Photograph where everyone ended up (the page a failed step left them on)."""
        for context in self.contexts:
            for page in context.pages:
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(self.folder / f"zz-last-{page.who}.png"))
            context.close()
        (self.folder / "steps.txt").write_text("\n".join(self.steps) + "\n")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


@pytest.fixture
def journey(request, chromium, portal_server):
    """A journey through the live server; screenshots in test-artifacts/<test name>/."""
    folder = ARTIFACTS / _slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    trip = Journey(chromium, portal_server.url, folder)
    yield trip
    trip.close()
    assert not trip.console_errors, "errors in the browser console:\n" + "\n".join(
        trip.console_errors
    )
