"""Benchmark of triage latency: from a customer's negative survey answer to the rep's email.

Run by hand, not a test. It creates a fresh PostgreSQL database (default aftersale_bench_triage),
runs the migrations, creates the default SLA policies (what `flask portal init` does), a team
with a lead and R reps, and N customers, each with a sale by one of those reps and a survey
invitation sent an hour ago and not answered. Then it starts, all on 127.0.0.1:

- an SMTP server (aiosmtpd, in its own process, on a free port) that writes, per message, the
  time it accepted the message and the case number from its subject
  ("New <severity> case #<id>: ...") to bench/out/triage_smtp.tsv;
- the portal under gunicorn (sync workers, PORTAL_ENV=production, a 32+ character SECRET_KEY,
  RATELIMIT_ENABLED=false: its limit of 30 POSTs a minute per address would stop a load test
  from one address), with REDIS_URL on a scratch Redis database (flushed) and SMTP_HOST on the
  server above;
- ONE real worker, `python worker.py` (not burst, with its scheduler), on the same settings.

Then N customers answer through HTTP, like a browser would (GET the link, read the CSRF token,
POST satisfaction=1 and a clearly negative English comment naming the order), at a steady rate
(--rate, default 10/s) or all at once (--burst), from a small thread pool (requests). The clock
starts when the POST is sent; it stops when the SMTP server accepts the rep's email for that
answer's case (answer -> case through the database after the run). Also printed: the POST, the
time to the case (Case.created_at, stamped when the analysis job starts its work), the time to
the commit of the analysis, and where the worker's time goes, from its log (when it took each
job, when the job finished) and the outbox rows' timestamps.

    .venv/bin/python bench/triage_latency.py                           # 500 answers at 10/s
    .venv/bin/python bench/triage_latency.py --burst                   # 500 at once
    .venv/bin/python bench/triage_latency.py --submissions 40 --rate 0.5 --profile py-spy

--worker-variant fork runs `python worker.py --fork` instead, for comparison: each job in a forked
work horse (what worker.py did by default until 2026-11-27, and what --fork lanes do).

The database in --database-url is dropped and created again, and the Redis database in
--redis-url is flushed (refused if it holds keys this script did not put there): use scratch
ones. Every process started here is stopped at the end; the database is left for inspection.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from survey_submit import (
    CpuMeter,
    _database_name,
    _free_port,
    _fresh_database,
    _load,
    _machine_busy,
    _postgres_backends,
    _tree,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1/aftersale_bench_triage"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
SECRET_KEY = "bench-triage-secret-key-0123456789-0123456789-0123"  # noqa: S105  (scratch)
QUEUE_PREFIX = "aftersale-bench-triage"
REDIS_MARKER = "aftersale-bench-triage:owner"  # set after the flush: "this database is ours"
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUBJECT = re.compile(rb"^Subject: New (\w+) case #(\d+):", re.MULTILINE)
PRODUCTS = ["Office chair", "Standing desk", "Desk lamp", "Monitor arm", "Sofa", "Bookshelf"]
COMMENTS = [
    "Order {ref}: the {product} arrived broken and nobody answered my emails. I want a refund.",
    "Order {ref}: still waiting for my {product} after three weeks. Very disappointed.",
    "Order {ref}: terrible service, the {product} was damaged and support hung up on me.",
    "Order {ref}: the third time I complain about missing parts of the {product}. Awful.",
]
TARGET_P95_MS = 500
TARGET_LABEL = "POST sent -> rep's email accepted by SMTP"
# What is printed: (label, later timestamp, earlier timestamp) per answer. From the client
# (post_*), the SMTP server (mail), the database (submitted, case_created: stamped when the
# analysis job's body starts, analysis_done: just before its commit, *_enqueued: the outbox)
# and the worker's log (*_taken: dequeued, *_ok: "Job OK" logged by the work horse).
SERIES = (
    ("POST (client: sent -> 303 received)", "post_end", "post_start"),
    ("POST sent -> analysis job queued (by the web app)", "analysis_enqueued", "post_start"),
    ("POST sent -> case created (Case.created_at)", "case_created", "post_start"),
    ("POST sent -> case committed (outbox row done)", "analysis_done", "post_start"),
    (TARGET_LABEL, "mail", "post_start"),
    ("case created -> email accepted", "mail", "case_created"),
    ("  analysis job: queued -> taken by the worker", "analysis_taken", "analysis_enqueued"),
    ("  analysis job: taken -> body starts (fork, imports, ...)", "case_created", "analysis_taken"),
    ("  analysis job: body (analyse, route, SLA, commit)", "analysis_done", "case_created"),
    ("  analysis job: commit -> email job queued", "notify_enqueued", "analysis_done"),
    ("  analysis job: taken -> Job OK", "analysis_ok", "analysis_taken"),
    ("  email job: queued -> taken by the worker", "notify_taken", "notify_enqueued"),
    ("  email job: taken -> email accepted by SMTP", "mail", "notify_taken"),
    ("  email job: taken -> Job OK", "notify_ok", "notify_taken"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=500, help="negative answers (N)")
    parser.add_argument("--rate", type=float, default=10.0, help="answers started per second")
    parser.add_argument(
        "--burst", action="store_true", help="start every answer at once (--threads at a time)"
    )
    parser.add_argument("--threads", type=int, default=8, help="client threads (customers)")
    parser.add_argument("--reps", type=int, default=10, help="reps in the team (plus its lead)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE, help="dropped and recreated")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="a scratch database: flushed")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds to wait for the emails at most"
    )
    parser.add_argument(
        "--stall", type=float, default=180, help="give up when no email arrives for this long"
    )
    parser.add_argument(
        "--profile",
        choices=["none", "py-spy"],
        default="none",
        help="run the worker under py-spy (follows the work horses); slows it a little",
    )
    parser.add_argument(
        "--worker-variant",
        choices=["real", "fork"],
        default="real",
        help="real: `python worker.py` as shipped (the figure that counts); "
        "fork: `python worker.py --fork`",
    )
    parser.add_argument(
        "--smtp-child", nargs=3, metavar=("PORT", "LOG", "READY"), help=argparse.SUPPRESS
    )
    parser.add_argument("--summarise-profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.summarise_profile:
        summarise_profile(args.summarise_profile)
        return
    if args.smtp_child:
        port, log, ready = args.smtp_child
        run_smtp_server(int(port), Path(log), Path(ready))
        return
    if (
        not 1 <= args.submissions <= 20_000
        or not 0 < args.rate <= 200
        or not 1 <= args.threads <= 64
    ):
        sys.exit("--submissions must be 1-20,000, --rate 0-200 /s, --threads 1-64")
    if not 1 <= args.reps <= 1000 or not 1 <= args.web_workers <= 8:
        sys.exit("--reps must be 1-1,000 and --web-workers 1-8")
    if not 10 <= args.timeout <= 7200 or not 5 <= args.stall <= 1800:
        sys.exit("--timeout must be 10-7,200 s and --stall 5-1,800 s")

    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    claim_redis(args.redis_url)
    url = _fresh_database(args.database_url)
    env = _portal_env(url, args.redis_url)
    for name in set(os.environ) - set(env):
        del os.environ[name]  # create_app() below must see what gunicorn and the worker see
    os.environ.update(env)

    started = time.perf_counter()
    customers = prepare_database(args.submissions, args.reps)
    pattern = "a burst (all at once)" if args.burst else f"{args.rate:g}/s"
    print(
        f"setup: {args.submissions:,} customers with a sale by one of {args.reps} reps (team "
        f"with a lead) and a survey sent, unanswered; default SLA policies; in "
        f"{time.perf_counter() - started:.1f} s; database {_database_name(url)}, Redis "
        f"{args.redis_url} (flushed), queues {QUEUE_PREFIX}-*; {os.cpu_count()} CPU cores "
        f"shared with other work; load {_load()}; {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        flush=True,
    )
    print(
        f"settings: gunicorn {args.web_workers} sync workers, PORTAL_ENV=production, "
        "RATELIMIT_ENABLED=false (30 POSTs/min per address would stop one client), rate-limit "
        f"storage in memory; ONE worker: {_worker_label(args)}, with its scheduler; SMTP: "
        f"aiosmtpd on 127.0.0.1, no TLS; load: {args.submissions:,} answers, {pattern}, "
        f"{args.threads} client threads (requests); code {_code_version()}",
        flush=True,
    )

    with Services(env, args) as services:
        run = run_load(services, customers, args)
    rows = collect_rows(url)
    queues = redis_leftovers(args.redis_url)
    jobs = parse_worker_log(services.worker_log)
    report(args, run, rows, queues, jobs, services)


# --- setup --------------------------------------------------------------------------------------


def claim_redis(url: str) -> None:
    """Flush the scratch Redis database, unless it holds keys this script did not put there."""
    import redis

    client = redis.Redis.from_url(url)
    host = client.connection_pool.connection_kwargs.get("host")
    if host not in ("127.0.0.1", "localhost"):
        sys.exit("--redis-url must point at 127.0.0.1 (it is flushed)")
    if client.dbsize() and not client.exists(REDIS_MARKER):
        sys.exit(
            f"{url} holds {client.dbsize()} keys that this script did not write: "
            "choose an empty database number"
        )
    client.flushdb()
    client.set(REDIS_MARKER, "bench/triage_latency.py")
    client.close()


def _portal_env(url: str, redis_url: str) -> dict:
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE_PREFIX": QUEUE_PREFIX,
        "RATELIMIT_ENABLED": "false",
        "RATELIMIT_STORAGE_URI": "memory://",
        "PORTAL_BASE_URL": "http://127.0.0.1:5000",  # set to gunicorn's port once known
        "MAIL_DIR": str(OUT / "triage_mail"),  # unused: SMTP is set below
        "SMTP_HOST": "127.0.0.1",
        "SMTP_STARTTLS": "false",
        "SMTP_SSL": "false",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("SMTP_USER", "SMTP_PASSWORD", "SMTP_TIMEOUT", "PROXY_HOPS", "SECURE_COOKIES"):
        env.pop(name, None)
    return env


@dataclass
class Customer:
    invitation_id: int
    token: str
    order_ref: str
    product: str


def prepare_database(count: int, reps: int) -> list[Customer]:
    """Migrations, SLA policies, the survey policy, a team (lead + reps), N customers each with
    a sale and an invitation sent an hour ago; returns their links."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.models import Customer as CustomerRow
    from portal.models import Sale, SurveyInvitation, Team, User, utcnow
    from portal.models.survey_policy import SurveyPolicy
    from portal.services.setup import ensure_sla_policies
    from portal.tokens import make_token

    app = create_app()
    with app.app_context():
        upgrade()
        ensure_sla_policies()
        now = utcnow()
        sold_at = now - timedelta(days=4)
        sent_at = now - timedelta(hours=1)
        lead = User(email="lead@bench.example.com", name="Lena Lead", role="manager")
        team = Team(name="Bench team", lead=lead)
        members = [
            User(email=f"rep{i}@bench.example.com", name=f"Rep {i}", role="rep", team=team)
            for i in range(reps)
        ]
        lead.team = team
        db.session.add_all([team, lead, *members])
        db.session.commit()
        rep_ids = [m.id for m in members]
        with db.engine.begin() as conn:
            conn.execute(sa.insert(SurveyPolicy), [{"id": 1, "updated_at": now}])
            for start in range(0, count, 5000):
                block = range(start, min(start + 5000, count))
                ids = conn.scalars(
                    sa.insert(CustomerRow).returning(CustomerRow.id, sort_by_parameter_order=True),
                    [
                        {
                            "email": f"customer{n}@bench.example.org",
                            "name": f"Customer {n}",
                            "locale": "en",
                            "last_surveyed_at": sent_at,
                            "created_at": sold_at,
                        }
                        for n in block
                    ],
                ).all()
                sale_ids = conn.scalars(
                    sa.insert(Sale).returning(Sale.id, sort_by_parameter_order=True),
                    [
                        {
                            "order_ref": f"SO-{n + 1:06d}",
                            "customer_id": customer_id,
                            "rep_id": rep_ids[n % reps],
                            "amount": Decimal("1250.00") + n % 900,
                            "currency": "SEK",
                            "product": PRODUCTS[n % len(PRODUCTS)],
                            "sold_at": sold_at,
                            "created_at": sold_at,
                        }
                        for n, customer_id in zip(block, ids, strict=True)
                    ],
                ).all()
                conn.execute(
                    sa.insert(SurveyInvitation),
                    [
                        {
                            "kind": "post_sale",
                            "sale_id": sale_id,
                            "customer_id": customer_id,
                            "scheduled_for": sent_at,
                            "sent_at": sent_at,
                            "expires_at": now + timedelta(days=28),
                            "send_attempts": 1,
                            "created_at": sent_at,
                        }
                        for sale_id, customer_id in zip(sale_ids, ids, strict=True)
                    ],
                )
            conn.execute(sa.text("ANALYZE"))
        rows = db.session.execute(
            sa.select(SurveyInvitation.id, Sale.order_ref, Sale.product)
            .join(Sale, Sale.id == SurveyInvitation.sale_id)
            .order_by(SurveyInvitation.id)
        ).all()
        assert len(rows) == count, (len(rows), count)
        customers = [Customer(i, make_token("survey", i), ref, product) for i, ref, product in rows]
        db.session.remove()
        db.engine.dispose()
    return customers


# --- the processes ------------------------------------------------------------------------------


def _code_version() -> str:
    """The commit measured, and whether the files the run depends on differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "worker.py", "wsgi.py", "portal", "templates"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "unknown (no git)"
    note = f" + uncommitted changes in {len(changed)} files of worker.py, portal/, templates/"
    return head + (note if changed else "")


def _worker_label(args) -> str:
    if args.worker_variant == "real":
        label = "`python worker.py` (jobs in the worker process: RQ SimpleWorker)"
    else:
        label = "`python worker.py --fork` (RQ Worker: one forked work horse per job)"
    return label + (" under py-spy" if args.profile == "py-spy" else "")


class Services:
    """The SMTP server, gunicorn and the worker: started in that order, stopped in reverse (and
    every process of their trees that is still alive is ended by its pid)."""

    def __init__(self, env: dict, args):
        self.env = dict(env)
        self.args = args
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.logs: list = []
        self.smtp_log = OUT / "triage_smtp.tsv"
        self.worker_log = OUT / "triage_worker.log"
        self.gunicorn_log = OUT / "triage_gunicorn.log"
        self.profile = OUT / "triage_profile.txt" if args.profile == "py-spy" else None
        self.base = ""
        self.worker_pid = 0
        self.gunicorn_pid = 0
        self.stamper: threading.Thread | None = None

    def __enter__(self) -> Services:
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        smtp_port = _free_port()
        ready = OUT / "triage_smtp.ready"
        for path in (self.smtp_log, ready, self.worker_log):
            path.unlink(missing_ok=True)
        smtp = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--smtp-child",
                str(smtp_port),
                str(self.smtp_log),
                str(ready),
            ],
            cwd=ROOT,
        )
        self.processes.append(("smtp", smtp))
        _wait_for(ready.exists, 20, "the SMTP server did not start")

        port = _free_port()
        self.env.update(SMTP_PORT=str(smtp_port), PORTAL_BASE_URL=f"http://127.0.0.1:{port}")
        self.base = f"http://127.0.0.1:{port}"
        log = self.gunicorn_log.open("w")
        self.logs.append(log)
        command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(self.args.web_workers),
                   "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--timeout", "30",
                   "--log-level", "warning", "--chdir", str(ROOT), "wsgi:app"]  # fmt: skip
        gunicorn = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(("gunicorn", gunicorn))
        self.gunicorn_pid = gunicorn.pid
        _wait_ready(f"{self.base}/healthz", gunicorn, 30, self.gunicorn_log)

        command = [sys.executable, str(ROOT / "worker.py")]
        if self.args.worker_variant == "fork":
            command.append("--fork")
        if self.profile:
            py_spy = Path(sys.executable).parent / "py-spy"
            command = [str(py_spy), "record", "--subprocesses", "--rate", "200", "--format", "raw",
                       "--output", str(self.profile), "--", *command]  # fmt: skip
        # Each worker log line is stamped here as it arrives through a pipe, with the same
        # clock as the client's and the SMTP server's stamps.
        worker = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.processes.append(("worker", worker))
        self.stamper = threading.Thread(
            target=_stamp_lines, args=(worker.stdout, self.worker_log), daemon=True
        )
        self.stamper.start()
        self.worker_pid = _find_worker_pid(worker.pid, 20)
        # Ready: listening, and the sweep it queues at start has run.
        _wait_for(
            lambda: "Job OK (maintenance-sweep_outbox)" in _strip(self.worker_log.read_text()),
            90,
            f"the worker did not finish its start-up sweep; see {self.worker_log}",
            process=worker,
        )

    def __exit__(self, *exc) -> None:
        for name, process in reversed(self.processes):
            _stop_tree(name, process, under_py_spy=name == "worker" and self.profile is not None)
        if self.stamper is not None:
            self.stamper.join(10)
        for log in self.logs:
            log.close()
        self.processes.clear()


def _stamp_lines(stream, path: Path) -> None:
    """Copy the worker's output to `path`, each line prefixed with the time it was read."""
    with path.open("w") as out:
        for raw in iter(stream.readline, b""):
            out.write(f"{time.time():.6f}\t{raw.decode(errors='replace').rstrip()}\n")
            out.flush()
    stream.close()


def _stop_tree(name: str, process: subprocess.Popen, under_py_spy: bool) -> None:
    """SIGTERM to the process (under py-spy, to py-spy's child, so py-spy writes its profile),
    wait for it, then end whatever of its tree is left (by pid)."""
    import psutil

    try:
        top = psutil.Process(process.pid)
        tree = [top, *top.children(recursive=True)]
        children = top.children()
    except psutil.Error:
        tree, children = [], []
    target = process.pid
    if under_py_spy and children:
        target = children[0].pid
    with contextlib.suppress(ProcessLookupError):
        os.kill(target, signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop within 60 s: killed", flush=True)
        process.kill()
        process.wait()
    for p in tree:
        with contextlib.suppress(psutil.Error):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                p.terminate()
                p.wait(5)


def _find_worker_pid(top: int, seconds: float) -> int:
    """The worker's own process: `top`, or under py-spy its first python child."""
    import psutil

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(psutil.Error):
            p = psutil.Process(top)
            if "py-spy" not in p.name():
                return top
            children = p.children()
            if children:
                return children[0].pid
        time.sleep(0.1)
    sys.exit("the worker did not start")


def _wait_ready(address: str, process, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(address, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{address} did not answer within {seconds} s")


def _wait_for(check, seconds: float, message: str, process=None) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline or (process is not None and process.poll() is not None):
            sys.exit(message)
        time.sleep(0.1)


# --- the load -----------------------------------------------------------------------------------


@dataclass
class Submission:
    customer: Customer
    comment: str
    get_start: float = 0.0
    post_start: float = 0.0
    post_end: float = 0.0
    status: int | None = None
    error: str | None = None


def answer(base: str, sub: Submission) -> None:
    """One customer with a fresh browser: open the link, read the CSRF token, send the answer."""
    import requests

    url = f"{base}/s/{sub.customer.token}"
    try:
        with requests.Session() as browser:
            sub.get_start = time.time()
            page = browser.get(url, timeout=30)
            match = CSRF_INPUT.search(page.text) if page.status_code == 200 else None
            if match is None:
                sub.error = f"GET {page.status_code}: no CSRF token"
                return
            form = {"csrf_token": match.group(1), "satisfaction": "1", "comment": sub.comment}
            sub.post_start = time.time()
            sent = browser.post(url, data=form, allow_redirects=False, timeout=30)
            sub.post_end = time.time()
            sub.status = sent.status_code
            if sent.status_code != 303:
                sub.error = f"POST {sent.status_code}"
    except requests.RequestException as exc:
        sub.error = f"{type(exc).__name__}: {exc}"


class Sampler(threading.Thread):
    """CPU of gunicorn and the database's long-lived backends (CpuMeter), sampled every
    second; the worker's (with its reaped work horses) and the machine's from start and end."""

    def __init__(self, services: Services, database: str, limit: float):
        super().__init__(daemon=True)
        self.services = services
        self.database = database
        self.limit = limit
        self.stop = threading.Event()
        self.meter = CpuMeter()

    def run(self) -> None:
        deadline = time.monotonic() + self.limit
        while not self.stop.is_set() and time.monotonic() < deadline:
            self.meter.sample(
                gunicorn=_tree(self.services.gunicorn_pid),
                postgres=_postgres_backends(self.database),
            )
            self.stop.wait(1.0)


def _worker_cpu(pid: int) -> float:
    import psutil

    try:
        t = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return t.user + t.system + t.children_user + t.children_system


def run_load(services: Services, customers: list[Customer], args) -> dict:
    import psutil

    subs = [
        Submission(
            c, COMMENTS[i % len(COMMENTS)].format(ref=c.order_ref, product=c.product.lower())
        )
        for i, c in enumerate(customers)
    ]
    # Each gunicorn worker renders a survey page once (a GET records nothing) before the clock.
    for c in customers[: 2 * args.web_workers]:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"{services.base}/s/{c.token}", timeout=10).read()  # noqa: S310
    n = len(subs)
    limit = (0 if args.burst else n / args.rate) + 120 + args.timeout
    sampler = Sampler(services, _database_name(os.environ["DATABASE_URL"]), limit)
    me = psutil.Process()
    client_cpu0 = sum(me.cpu_times()[:2])
    worker_cpu0 = _worker_cpu(services.worker_pid)
    machine0 = _machine_busy()
    load_before = _load()
    sampler.start()
    wall0 = time.time()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        for i, sub in enumerate(subs):
            if not args.burst:
                delay = wall0 + i / args.rate - time.time()
                if delay > 0:
                    time.sleep(delay)
            pool.submit(answer, services.base, sub)
    # (leaving the pool waits for every answer: each request times out after 30 s)
    posted_at = time.time()
    load_after_posts = _load()
    ok = [s for s in subs if s.status == 303]
    print(
        f"load: {len(ok):,} of {n:,} answers accepted (303) in {posted_at - wall0:.1f} s; "
        f"waiting for {len(ok):,} emails; load {load_after_posts}",
        flush=True,
    )

    deadline = time.monotonic() + args.timeout
    last_count, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(read_arrivals(services.smtp_log))
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        if count >= len(ok) or time.monotonic() - last_change > args.stall:
            break
        time.sleep(0.25)
    done_at = time.time()
    time.sleep(3)  # anything sent twice arrives now, or not at all
    sampler.stop.set()
    sampler.join(5)
    wall = time.time() - wall0
    worker_cpu = _worker_cpu(services.worker_pid) - worker_cpu0
    machine = _machine_busy() - machine0
    client_cpu = sum(me.cpu_times()[:2]) - client_cpu0
    cores = sampler.meter.cores(wall)
    known = cores.get("gunicorn", 0) + cores.get("postgres", 0) + (worker_cpu + client_cpu) / wall
    return {
        "subs": subs,
        "wall0": wall0,
        "posted_at": posted_at,
        "done_at": done_at,
        "load_before": load_before,
        "load_after_posts": load_after_posts,
        "load_end": _load(),
        "ended": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cores": {
            "client": client_cpu / wall,
            "gunicorn": cores.get("gunicorn", 0),
            "worker": worker_cpu / wall,
            "postgres": cores.get("postgres", 0),
            "others": max(machine / wall - known, 0.0),
            "machine": machine / wall,
        },
        "worker_cpu_seconds": worker_cpu,
        "wall": wall,
        "arrivals": read_arrivals(services.smtp_log),
    }


# --- the SMTP server (a child process) ----------------------------------------------------------


def read_arrivals(path: Path) -> list[tuple[float, int | None, str, str]]:
    """(accepted at, case id or None, severity, recipients) per message, in arrival order."""
    found = []
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 4:
                case = int(parts[1]) if parts[1] else None
                found.append((float(parts[0]), case, parts[2], parts[3]))
    return found


class RecordingHandler:
    """Accepts every message; appends its arrival time, case number, severity and recipients."""

    def __init__(self, log: Path):
        self.log = log.open("a", buffering=1)

    async def handle_DATA(self, server, session, envelope):
        accepted = time.time()  # the whole message is in; "250" goes out next
        match = SUBJECT.search(envelope.content.split(b"\r\n\r\n", 1)[0])
        severity, case = (match.group(1).decode(), match.group(2).decode()) if match else ("", "")
        self.log.write(f"{accepted:.6f}\t{case}\t{severity}\t{','.join(envelope.rcpt_tos)}\n")
        return "250 Message accepted"


def run_smtp_server(port: int, log: Path, ready: Path) -> None:
    from aiosmtpd.controller import Controller

    handler = RecordingHandler(log)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ready.write_text(str(port))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait(3 * 3600)  # never outlive a forgotten parent by long
    controller.stop()
    handler.log.close()


# --- after the run ------------------------------------------------------------------------------


def collect_rows(url: str) -> dict:
    """Per answer: its timestamps, its case's, and its outbox rows' (epoch seconds)."""
    import sqlalchemy as sa

    def epoch(column: str) -> str:
        return f"extract(epoch from {column})"

    engine = sa.create_engine(url)
    query = f"""
        SELECT r.invitation_id, r.id, {epoch("r.submitted_at")}, {epoch("r.analysed_at")},
               {epoch("oa.enqueued_at")}, {epoch("oa.done_at")}, oa.enqueue_attempts,
               c.id, {epoch("c.created_at")}, c.severity, c.assigned_rep_id, s.rep_id,
               {epoch("c.rep_notified_at")}, u.email,
               {epoch("onj.created_at")}, {epoch("onj.enqueued_at")}, {epoch("onj.done_at")},
               onj.enqueue_attempts
        FROM survey_responses r
        JOIN survey_invitations i ON i.id = r.invitation_id
        LEFT JOIN sales s ON s.id = i.sale_id
        LEFT JOIN outbox_jobs oa ON oa.job_id = 'triage-analyse_response-' || r.id
        LEFT JOIN cases c ON c.response_id = r.id
        LEFT JOIN users u ON u.id = c.assigned_rep_id
        LEFT JOIN outbox_jobs onj ON onj.job_id = 'triage-notify_case_assigned-' || c.id
    """  # noqa: S608  (no input in it)
    keys = (
        "invitation_id", "response_id", "submitted", "analysed", "analysis_enqueued",
        "analysis_done", "analysis_enqueues", "case_id", "case_created", "severity",
        "assigned_rep_id", "sale_rep_id", "rep_notified", "rep_email", "notify_created",
        "notify_enqueued", "notify_done", "notify_enqueues",
    )  # fmt: skip
    with engine.connect() as conn:
        rows = [
            {k: float(v) if isinstance(v, Decimal) else v for k, v in zip(keys, row, strict=True)}
            for row in conn.execute(sa.text(query))
        ]  # fmt: skip
        counts = conn.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM survey_responses), (SELECT count(*) FROM cases), "
                "(SELECT count(DISTINCT response_id) FROM cases), "
                "(SELECT count(*) FROM case_events WHERE kind = 'rep_notified'), "
                "(SELECT count(*) FROM outbox_jobs WHERE done_at IS NULL)"
            )
        ).one()
    engine.dispose()
    names = ("responses", "cases", "cases_distinct_answers", "rep_notified_events", "outbox_open")
    return {"rows": rows, "counts": dict(zip(names, counts, strict=True))}


def redis_leftovers(url: str) -> dict:
    """Failed jobs, retries waiting (not the periodic slots) and jobs still queued."""
    import redis
    from rq import Queue
    from rq.serializers import JSONSerializer

    client = redis.Redis.from_url(url)
    found = {"failed": 0, "retrying": 0, "queued": 0}
    for name in ("mail", "analysis", "maintenance"):
        queue = Queue(f"{QUEUE_PREFIX}-{name}", connection=client, serializer=JSONSerializer)
        found["failed"] += queue.failed_job_registry.count
        found["retrying"] += sum(
            not i.startswith("periodic-") for i in queue.scheduled_job_registry.get_job_ids()
        )
        found["queued"] += queue.count
    client.close()
    return found


ANSI = re.compile(r"\x1b\[[0-9;]*m")
# "<time read>\t... Worker <name>: <queue>: <description> (<job id>)" or "...: Job OK (<job id>)"
LOG_LINE = re.compile(r"^(\d+\.\d+)\t.*?Worker \w+: ([^:\s]+): (.*?)\s*$")
JOB_ID_AT_END = re.compile(r"\(([\w-]+)\)$")
COMPLETED_IN = re.compile(r"Successfully completed .* job in (\d+):(\d\d):(\d\d(?:\.\d+)?)s")


def _strip(text: str) -> str:
    return ANSI.sub("", text)


def parse_worker_log(path: Path) -> dict[str, dict]:
    """job id -> {"taken": t, "ok": t, "rq": s}: when the worker's line saying it took the job
    was read, when the work horse's "Job OK" line was read, and the duration RQ logged."""
    jobs: dict[str, dict] = {}
    completed = None
    with contextlib.suppress(OSError):
        for line in _strip(path.read_text(errors="replace")).splitlines():
            done = COMPLETED_IN.search(line)
            if done:
                h, m, sec = done.groups()
                completed = int(h) * 3600 + int(m) * 60 + float(sec)
                continue
            match = LOG_LINE.match(line)
            if not match:
                continue
            at = float(match.group(1))
            message = match.group(3)
            ident = JOB_ID_AT_END.search(message)
            if message.startswith("Job OK") and ident:
                job = jobs.setdefault(ident.group(1), {})
                job["ok"] = at
                if completed is not None:
                    job["rq"] = completed
                completed = None
            elif ident or re.fullmatch(r"[\w-]+", message):
                job_id = ident.group(1) if ident else message
                jobs.setdefault(job_id, {}).setdefault("taken", at)
    return jobs


def _job_kind(job_id: str) -> str:
    """ "triage-analyse_response-12" -> "analyse_response"; periodic slots by their name."""
    parts = job_id.split("-")
    if job_id.startswith("periodic-"):
        return "periodic " + "-".join(parts[1:-1])
    return parts[1] if len(parts) > 1 else job_id


def percentile(values: list[float], p: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def report(args, run: dict, db: dict, queues: dict, jobs: dict, services: Services) -> None:
    subs = run["subs"]
    ok = [s for s in subs if s.status == 303]
    errors = [s for s in subs if s.status != 303]
    by_invitation = {r["invitation_id"]: r for r in db["rows"]}
    arrivals = run["arrivals"]
    emails_by_case: dict[int, list] = {}
    for arrival in arrivals:
        if arrival[1] is not None:
            emails_by_case.setdefault(arrival[1], []).append(arrival)
    other_mail = sum(1 for a in arrivals if a[1] is None)

    # --- checks: one answer, one case, one email, to the right rep -----------------------------
    counts = db["counts"]
    n = len(subs)
    missing_case = missing_mail = wrong_rep = wrong_recipient = 0
    for s in ok:
        row = by_invitation.get(s.customer.invitation_id)
        if row is None or row["case_id"] is None:
            missing_case += 1
            continue
        if row["assigned_rep_id"] != row["sale_rep_id"]:
            wrong_rep += 1
        mails = emails_by_case.get(row["case_id"], [])
        if not mails:
            missing_mail += 1
        elif any(m[3] != row["rep_email"] for m in mails):
            wrong_recipient += 1
    doubled = sum(1 for mails in emails_by_case.values() if len(mails) > 1)
    checks = {
        "answers accepted (303)": (len(ok), n),
        "answers stored": (counts["responses"], n),
        "cases": (counts["cases"], n),
        "cases, distinct answers": (counts["cases_distinct_answers"], n),
        "case emails accepted by SMTP": (sum(len(m) for m in emails_by_case.values()), n),
        "cases emailed": (len(emails_by_case), n),
        "rep_notified events": (counts["rep_notified_events"], n),
        "cases emailed twice": (doubled, 0),
        "answers without a case": (missing_case, 0),
        "cases without an email": (missing_mail, 0),
        "cases not routed to the sale's rep": (wrong_rep, 0),
        "emails to someone else": (wrong_recipient, 0),
        "outbox rows not done": (counts["outbox_open"], 0),
        "failed jobs": (queues["failed"], 0),
        "jobs waiting for a retry": (queues["retrying"], 0),
        "jobs still queued": (queues["queued"], 0),
    }
    passed = all(got == want for got, want in checks.values())
    print(
        "counts: "
        + "; ".join(
            f"{name} {got:,}" + ("" if got == want else f" (EXPECTED {want:,})")
            for name, (got, want) in checks.items()
        )
        + (f"; other messages {other_mail}" if other_mail else ""),
        flush=True,
    )
    for s in errors[:5]:
        print(f"  error: invitation {s.customer.invitation_id}: {s.error}")

    # --- latencies ------------------------------------------------------------------------------
    series: dict[str, list[float]] = {}
    per_answer: list[dict] = []
    for s in ok:
        row = by_invitation.get(s.customer.invitation_id) or {}
        mails = emails_by_case.get(row.get("case_id"), [])
        analysis = jobs.get(f"triage-analyse_response-{row.get('response_id')}", {})
        notify = jobs.get(f"triage-notify_case_assigned-{row.get('case_id')}", {})
        at = {
            **row,
            "post_start": s.post_start,
            "post_end": s.post_end,
            "mail": mails[0][0] if mails else None,
            "analysis_taken": analysis.get("taken"),
            "analysis_ok": analysis.get("ok"),
            "notify_taken": notify.get("taken"),
            "notify_ok": notify.get("ok"),
        }
        for label, later, earlier in SERIES:
            if at.get(later) is not None and at.get(earlier) is not None:
                series.setdefault(label, []).append(1000 * (at[later] - at[earlier]))
        per_answer.append(at)

    # The worker's own time line, from its log: each job from taken to "Job OK" (in the work
    # horse), RQ's own duration (job.started_at, set in the horse just before the function is
    # imported and called, to job.ended_at), and from "Job OK" to the next job taken when one
    # was waiting (the worker reaps the horse, does its bookkeeping, dequeues the next).
    timeline = sorted(
        (j["taken"], j.get("ok"), job_id)
        for job_id, j in jobs.items()
        if "taken" in j and j["taken"] >= run["wall0"]
    )
    held: dict[str, list[float]] = {}
    for (taken, done, job_id), following in zip(timeline, [*timeline[1:], None], strict=True):
        kind = _job_kind(job_id)
        if done is None:
            continue
        held.setdefault(f"{kind}: taken -> Job OK", []).append(1000 * (done - taken))
        rq_says = jobs[job_id].get("rq")
        if rq_says is not None:  # from the job's start in the horse (imports included) to its end
            held.setdefault(f"{kind}: RQ's 'completed in'", []).append(1000 * rq_says)
        if following is not None and following[0] - done < 1.0:
            held.setdefault("any job: Job OK -> next job taken", []).append(
                1000 * (following[0] - done)
            )
    in_run = timeline

    print()
    print(f"{'':66} {'n':>5} {'p50':>8} {'p95':>8} {'max':>8}  (ms)")
    for name, *_ in SERIES:
        values = series.get(name)
        if not values:
            continue
        marker = "  <-- target p95 <= 500 ms" if name == TARGET_LABEL else ""
        print(
            f"{name:66} {len(values):5} {percentile(values, 50):8.0f} "
            f"{percentile(values, 95):8.0f} {max(values):8.0f}{marker}"
        )
    if held:
        print("the worker's log, per job:")
        for name, values in sorted(held.items()):
            print(
                f"  {name:64} {len(values):5} {percentile(values, 50):8.0f} "
                f"{percentile(values, 95):8.0f} {max(values):8.0f}"
            )

    # --- throughput and the machine -------------------------------------------------------------
    mail_times = sorted(a[0] for a in arrivals if a[1] is not None)
    post_span = max(s.post_end for s in ok) - min(s.post_start for s in ok) if ok else 0
    mail_span = mail_times[-1] - mail_times[0] if len(mail_times) > 1 else 0
    cores = run["cores"]
    jobs_in_run = len(in_run)
    print()
    print(
        f"throughput: answers accepted {len(ok) / post_span if post_span else 0:.1f}/s over "
        f"{post_span:.1f} s; case emails {len(mail_times) / mail_span if mail_span else 0:.2f}/s "
        f"(first -> last {mail_span:.1f} s); last email {mail_times[-1] - run['posted_at'] if mail_times else 0:.1f} s "
        f"after the last answer; the worker took {jobs_in_run} jobs and used "
        f"{run['worker_cpu_seconds']:.1f} CPU s ({1000 * run['worker_cpu_seconds'] / max(jobs_in_run, 1):.0f} ms per job, work horses included)"
    )
    print(
        f"CPU (cores of {os.cpu_count()} over {run['wall']:.0f} s, CPU seconds): "
        + ", ".join(
            f"{label} {cores[key]:.2f} ({cores[key] * run['wall']:.0f} s)"
            for key, label in (
                ("client", "client"),
                ("gunicorn", "gunicorn"),
                ("worker", "worker+horses"),
                ("postgres", "postgres (long-lived backends)"),
                ("others", "everything else"),
                ("machine", "machine busy"),
            )
        )
        + f"; load {run['load_before']} before, {run['load_after_posts']} after the answers, "
        f"{run['load_end']} at the end; {run['ended']}"
    )
    values = series.get(TARGET_LABEL, [])
    if values:
        p95 = percentile(values, 95)
        verdict = "MET" if p95 <= TARGET_P95_MS and passed else "NOT MET"
        print(f"target: p95 {TARGET_LABEL} <= {TARGET_P95_MS} ms: {verdict} (p95 {p95:.0f} ms)")
    print(
        f"files: {services.smtp_log}, {services.worker_log}, {services.gunicorn_log}"
        + (f", {services.profile}" if services.profile else "")
    )
    if services.profile:
        _wait_file(services.profile, 30)
        summarise_profile(services.profile)
    columns = ["invitation_id", "response_id", "case_id", "post_start", "post_end", "submitted",
               "analysis_enqueued", "analysis_taken", "case_created", "analysis_done",
               "notify_enqueued", "notify_taken", "mail", "notify_ok"]  # fmt: skip
    csv_path = OUT / "triage_answers.csv"
    with csv_path.open("w") as out:
        out.write(",".join(columns) + "\n")
        for at in sorted(per_answer, key=lambda a: a["post_start"]):
            out.write(",".join("" if at.get(c) is None else str(at[c]) for c in columns) + "\n")
    print(f"per answer (epoch seconds): {csv_path}")
    json_path = OUT / "triage_latency_last.json"
    json_path.write_text(
        json.dumps(
            {
                "args": vars(args),
                "checks": checks,
                "series_ms": series,
                "held_ms": held,
                "cores": cores,
                "loads": [run["load_before"], run["load_after_posts"], run["load_end"]],
                "ended": run["ended"],
            }
        )
    )
    if not passed:
        sys.exit("CHECK FAILED: see the counts above")
    print("check: OK: every answer opened exactly one case, and its rep got exactly one email")


# --- the profile --------------------------------------------------------------------------------

PROFILE_BUCKETS = (
    # (label, a substring of a frame; the first bucket a sample's stack matches wins)
    ("SQLAlchemy compiling SQL (its cache starts empty in every horse)", "_compile_w_cache"),
    ("importing modules (first use in this horse)", "_find_and_load"),
    ("compiling templates (first use in this horse)", "compile (jinja2"),
    ("database connection (pool checkout, connect, pre-ping)", "(sqlalchemy/pool/"),
    ("sending the email (smtplib)", "(smtplib.py"),
    ("rendering the email", "render_template"),
    ("sentiment analysis", "(portal/sentiment/"),
    ("running SQL, waiting for PostgreSQL (psycopg)", "psycopg"),
    ("SQLAlchemy ORM, other (loading rows, flush, per-statement setup)", "sqlalchemy"),
    ("RQ bookkeeping in Redis", "redis/"),
    ("the job's own code", "(portal/"),
)
PROFILE_JOBS = (
    ("analyse_response", "analyse_response ("),
    ("notify_case_assigned", "notify_case_assigned ("),
    ("periodic jobs", "run_periodic ("),
    ("other jobs", "wrapper (portal/jobs/context.py"),
    ("RQ around the job", "perform_job ("),
)


def summarise_profile(path: Path) -> None:
    """Where the work horses' time goes (py-spy raw output: one collapsed stack and its count
    per line), in buckets per job, and the functions with the most samples."""
    if not path.exists():
        print(f"no profile at {path}")
        return
    buckets: dict[tuple[str, str], int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "main_work_horse" not in stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        job = next((j for j, needle in PROFILE_JOBS if needle in stack), "horse start and exit")
        label = next((b for b, needle in PROFILE_BUCKETS if needle in stack), "other")
        buckets[job, label] = buckets.get((job, label), 0) + samples
        for frame in set(stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + samples
    share = {
        label: sum(v for (_, b), v in buckets.items() if b == label)
        for label in {b for _, b in buckets}
    }
    print(f"profile: {path}: {total} samples (200/s) inside work horses; share of them:")
    for label, samples in sorted(share.items(), key=lambda kv: -kv[1]):
        per_job = ", ".join(
            f"{j} {100 * buckets[j, label] / max(total, 1):.1f}%"
            for j, _ in (*PROFILE_JOBS, ("horse start and exit", ""))
            if buckets.get((j, label))
        )
        print(f"  {100 * samples / max(total, 1):5.1f}%  {label}  ({per_job})")
    print("  -- functions with the most samples (inclusive) --")
    for frame, samples in sorted(inclusive.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {100 * samples / max(total, 1):5.1f}%  {frame}")


def _wait_file(path: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)


if __name__ == "__main__":
    main()
