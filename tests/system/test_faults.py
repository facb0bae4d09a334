"""Faults, each with the figures it produced: nothing lost, nothing done twice.

Here: the SMTP server down while answers come in (then back), and PostgreSQL restarted while
customers are answering. Both run in the PostgreSQL + Redis run, with real worker processes.
Elsewhere: Redis down during submissions (tests/cases/test_triage.py
test_redis_down_the_customer_is_thanked_and_the_work_waits), a worker SIGKILLed mid-job
(test_triage.py test_a_worker_killed_mid_job_leaves_no_half_state_and_the_work_is_done_once),
survey dispatch with SMTP down and back (test_survey_dispatch.py
test_smtp_down_is_recorded_retried_with_backoff_then_sent_once).
"""

from __future__ import annotations

import collections
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import jobs
from portal.extensions import db
from portal.models import Case, Customer, SurveyInvitation, SurveyResponse, utcnow
from portal.services.setup import ensure_sla_policies
from portal.tokens import make_token

from ..conftest import ROOT, TEST_REDIS_URL, csrf_from, sent_invitation

pytestmark = pytest.mark.redis_only

ANGRY = "Broken on arrival and nobody called me back. I want a refund now."


def figures(name: str, **numbers) -> None:
    """Printed with -s, and kept in the test report: the figures a fault produced."""
    line = ", ".join(f"{key}={value}" for key, value in numbers.items())
    print(f"\n[fault figures] {name}: {line}")


def make_invitations(make_team, make_user, make_sale, count: int, reps: int = 3):
    ensure_sla_policies()
    lead = make_user("manager", name="Lena Lead")
    team = make_team("Fault team", lead=lead)
    sellers = [make_user("rep", team=team, name=f"Rep {n}") for n in range(reps)]
    now = utcnow()
    invitations = []
    for n in range(count):
        customer = Customer(email=f"fault{n}@example.org", name=f"Customer {n}")
        sale = make_sale(rep=sellers[n % reps], customer=customer, sold_at=now - timedelta(days=4))
        invitations.append(sent_invitation(sale))
    db.session.add_all(invitations)
    db.session.commit()
    return sellers, invitations


def answer_through_the_page(client, path: str) -> int:
    page = client.get(path)
    if page.status_code != 200:
        return page.status_code
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "satisfaction": "1"}
    return client.post(path, data={**data, "comment": ANGRY}).status_code


def survey_path(invitation_id: int) -> str:
    return f"/s/{make_token('survey', invitation_id)}"


# --- SMTP down, then back ------------------------------------------------------------------------


def test_smtp_down_while_answers_come_in_then_back_every_rep_email_is_sent_once(
    app, client, make_team, make_user, make_sale, smtp_server, run_jobs
):
    count = 12
    sellers, invitations = make_invitations(make_team, make_user, make_sale, count)
    smtp_server.stop()  # the mail server goes down
    for invitation in invitations:  # each customer is thanked all the same
        assert answer_through_the_page(client, survey_path(invitation.id)) == 303
    run_jobs()  # a real worker: analyses, opens the cases, fails to send the rep emails
    cases = db.session.scalars(sa.select(Case)).all()
    assert len(cases) == count and all(c.rep_notified_at is None for c in cases)
    from rq.registry import ScheduledJobRegistry

    waiting = ScheduledJobRegistry(queue=jobs.get_queue(jobs.FAMILIES["mail"].queue))
    retries_scheduled = len(waiting.get_job_ids())
    # Two emails per answer failed: the rep's, and the customer's "we've opened a case".
    assert retries_scheduled == 2 * count, "every failed email waits for its retry"

    down_at = time.monotonic()
    smtp_server.start()  # back up, same port
    time.sleep(jobs.FAMILIES["mail"].retry_intervals[0] + 1)
    run_jobs(scheduler=True)  # the scheduler moves due retries to the queue and runs them
    run_jobs()
    drained_in = time.monotonic() - down_at

    db.session.expire_all()
    rep_addresses = {s.email for s in sellers}
    to_reps = [m for m in smtp_server.messages if m["To"] in rep_addresses]
    per_case = collections.Counter(
        int(re.search(r"case #(\d+)", m.get_body(("plain",)).get_content()).group(1))
        for m in to_reps
    )
    assert set(per_case) == {c.id for c in cases}, "a rep email was lost"
    assert max(per_case.values()) == 1, f"sent twice: {per_case}"
    assert all(c.rep_notified_at is not None for c in db.session.scalars(sa.select(Case)))
    by_rep = collections.Counter(m["To"] for m in to_reps)
    assert by_rep == {s.email: count // len(sellers) for s in sellers}
    customer_addresses = {i.customer.email for i in invitations}
    to_customers = collections.Counter(
        m["To"] for m in smtp_server.messages if m["To"] in customer_addresses
    )
    assert to_customers == {f"fault{n}@example.org": 1 for n in range(count)}
    figures(
        "SMTP down then back",
        answers=count,
        thanked=count,
        cases=len(cases),
        retries_scheduled=retries_scheduled,
        emails_sent=len(smtp_server.messages),
        sent_twice=0,
        seconds_from_back_to_all_sent=round(drained_in, 1),
    )


# --- a connection the server ended ----------------------------------------------------------


def test_a_connection_the_server_ended_is_replaced_before_the_next_request(
    app, client, make_team, make_user, make_sale
):
    """PostgreSQL ends the pool's idle connections (pg_terminate_backend: what an idle timeout,
    an administrator or a restart does): the next customer still gets their page and their
    answer is stored, with no SELECT 1 before every request (portal/db_connections.py)."""
    _, invitations = make_invitations(make_team, make_user, make_sale, 2, reps=1)
    ids = [invitation.id for invitation in invitations]
    assert client.get(survey_path(ids[0])).status_code == 200  # the pool holds connections
    db.session.remove()
    admin = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    others = sa.text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()"
    )
    with admin.connect() as conn:
        ended = list(conn.scalars(others))
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM unnest(:p) AS pid"), {"p": ended}
        )
        deadline = time.monotonic() + 10
        while set(conn.scalars(others)) & set(ended) and time.monotonic() < deadline:
            time.sleep(0.05)
    admin.dispose()
    assert ended, "the pool held no connection to end"

    for invitation_id in ids:  # each a customer after the connections ended
        assert answer_through_the_page(client, survey_path(invitation_id)) == 303
    stored = db.session.scalars(sa.select(SurveyResponse.invitation_id)).all()
    assert sorted(stored) == ids


# --- PostgreSQL restarted while customers answer -------------------------------------------


class PrivatePostgres:
    """A PostgreSQL server of this test's own (initdb in a temporary folder, a free port on
    127.0.0.1), so restarting it disturbs nobody else's database."""

    def __init__(self):
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            pytest.skip("PostgreSQL server binaries are not installed")
        self.bin = found[-1].parent
        self.folder = Path(tempfile.mkdtemp(prefix="aftersale-fault-pg-"))
        self.data = self.folder / "data"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/aftersale_fault"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.folder, "postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        # Not pipes: the server started by pg_ctl would hold them open, and this would wait.
        with open(self.folder / "commands.log", "a") as log:
            subprocess.run(
                command, check=True, stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=120
            )

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w",
                  "-o", options, action, *extra)  # fmt: skip

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self._ctl("start")
        admin = sa.create_engine(
            self.url.replace("/aftersale_fault", "/postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE aftersale_fault"))
        admin.dispose()

    def restart(self) -> float:
        started = time.monotonic()
        self._ctl("restart", "-m", "fast")
        return time.monotonic() - started

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres():
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


def test_postgres_restarted_while_customers_answer_nothing_lost_nothing_twice(
    app, private_postgres, tmp_path
):
    """40 customers answer from 4 browsers at once; PostgreSQL restarts when a third have.
    A customer whose page failed presses the button again, as people do. A worker process
    runs throughout. Every answer is stored once, every case opened once, every rep email
    written once."""
    from flask_migrate import upgrade

    from portal import create_app

    from ..conftest import _test_config

    count, browsers = 40, 4
    config = _test_config(private_postgres.url, tmp_path / "mail")
    config.update(
        SQLALCHEMY_DATABASE_URI=private_postgres.url,
        RQ_QUEUE_PREFIX="aftersale-fault",
        RATELIMIT_ENABLED=False,
    )
    portal = create_app(config)
    with portal.app_context():
        upgrade()
        ensure_sla_policies()
        from portal.models import Sale, Team, User

        team = Team(name="Restart team")
        reps = [User(email=f"rep{n}@example.com", name=f"Rep {n}", role="rep", team=team)
                for n in range(3)]  # fmt: skip
        for rep in reps:
            rep.set_password("a long enough password")
        now = utcnow()
        ids = []
        for n in range(count):
            customer = Customer(email=f"pg{n}@example.org", name=f"Customer {n}")
            sale = Sale(order_ref=f"PG-{n}", customer=customer, rep=reps[n % 3],
                        amount=100, currency="SEK", product="Chair",
                        sold_at=now - timedelta(days=4))  # fmt: skip
            invitation = SurveyInvitation(
                kind="post_sale", customer=customer, sale=sale,
                scheduled_for=now - timedelta(days=1), sent_at=now - timedelta(days=1),
                expires_at=now + timedelta(days=27),
            )  # fmt: skip
            db.session.add(invitation)
            db.session.flush()
            ids.append(invitation.id)
        db.session.commit()
        paths = {invitation_id: survey_path(invitation_id) for invitation_id in ids}
        jobs.connection().delete(*jobs.connection().keys("rq:*aftersale-fault*") or ["none"])

    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "worker.py")],
        env={
            **os.environ,
            "DATABASE_URL": private_postgres.url,
            "REDIS_URL": TEST_REDIS_URL,
            "SECRET_KEY": config["SECRET_KEY"],
            "PORTAL_BASE_URL": config["PORTAL_BASE_URL"],
            "RQ_QUEUE_PREFIX": "aftersale-fault",
            "MAIL_DIR": str(tmp_path / "mail"),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    outcomes = collections.Counter()
    answered = []
    lock = threading.Lock()

    def customer_browser(my_ids):
        client = portal.test_client()
        for invitation_id in my_ids:
            for attempt in range(60):  # a person presses again, for up to half a minute
                try:
                    status = answer_through_the_page(client, paths[invitation_id])
                except Exception as exc:  # the page did not even come back
                    status = f"{type(exc).__name__}: {str(exc)[:120]}"
                with lock:
                    outcomes[status] += 1
                if status == 303:
                    with lock:
                        answered.append((invitation_id, attempt))
                    break
                time.sleep(0.5)

    threads = [
        threading.Thread(target=customer_browser, args=(ids[n::browsers],), daemon=True)
        for n in range(browsers)
    ]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while len(answered) < count // 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(answered) >= count // 3, f"answers stalled before the restart: {outcomes}"
        answered_before_restart = len(answered)
        restart_seconds = private_postgres.restart()
        for thread in threads:
            thread.join(timeout=300)
        with portal.app_context():
            deadline = time.monotonic() + 120  # analysis retries come after 10 s
            while time.monotonic() < deadline:
                db.session.expire_all()
                done = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
                if done >= count:
                    break
                time.sleep(1)
            time.sleep(3)  # the last rep emails
            responses = db.session.scalars(sa.select(SurveyResponse)).all()
            cases = db.session.scalars(sa.select(Case)).all()
            notified = [c for c in cases if c.rep_notified_at is not None]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        with portal.app_context():
            db.engine.dispose()
    mails = list((tmp_path / "mail").glob("*.eml"))
    per_case = collections.Counter(
        int(m)
        for p in mails
        for m in set(re.findall(r"case #(\d+)", p.read_text(errors="replace")))
    )
    retried = sum(1 for _, attempt in answered if attempt)
    figures(
        "PostgreSQL restarted during answers",
        customers=count,
        thanked=len(answered),
        answered_before_restart=answered_before_restart,
        restart_seconds=round(restart_seconds, 2),
        pages_failed=sum(n for status, n in outcomes.items() if status != 303),
        customers_who_pressed_again=retried,
        answers_stored=len(responses),
        cases=len(cases),
        emails_sent=len(mails),  # the rep's and the customer's, per answer
        rep_emails_twice=sum(1 for n in per_case.values() if n > 1),
    )
    assert len(answered) == count, f"customers never thanked: {outcomes}"
    assert sorted(r.invitation_id for r in responses) == sorted(ids)  # one answer each
    assert all(r.satisfaction == 1 and r.comment == ANGRY for r in responses)
    assert len(cases) == count and len({c.response_id for c in cases}) == count
    assert len(notified) == count
    assert sorted(per_case) == sorted(c.id for c in cases) and set(per_case.values()) == {1}
