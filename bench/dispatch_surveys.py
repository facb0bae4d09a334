"""Benchmark of the survey dispatch job: how fast the real worker mails N invitations.

Run by hand, not a test. It creates a fresh PostgreSQL database, runs the migrations, opens the
survey window to 0-24 h (so the time of day does not matter), inserts N sales to N distinct
customers sold 3 days ago, starts a counting SMTP server (aiosmtpd, in its own process, on a free
port of 127.0.0.1), enqueues the real job `portal.jobs.surveys.dispatch_surveys` through
`portal.jobs.enqueue` on a scratch Redis database, and times ONE real worker
(`worker.py --burst --no-scheduler`) from its start to its exit. Its memory (the worker and the
work horse RQ forks for the job) is sampled every 0.2 s:

    .venv/bin/python bench/dispatch_surveys.py                      # 20,000 sales
    .venv/bin/python bench/dispatch_surveys.py --sales 5000 --profile py-spy

The database in --database-url is dropped and created again, and the Redis database in
--redis-url is flushed: use scratch ones. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1/aftersale_bench_dispatch"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
SECRET_KEY = "bench-dispatch-secret-key-0123456789-0123456789"  # noqa: S105  (scratch)
QUEUE_PREFIX = "aftersale-bench"
SAMPLE_EVERY = 0.2  # seconds between memory samples
REPS = 20
PRODUCTS = ["Office chair", "Standing desk", "Desk lamp", "Monitor arm", "Sofa", "Bookshelf"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sales", type=int, default=20_000, help="sales (and customers) to mail")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="flushed first")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds before the worker is stopped"
    )
    parser.add_argument(
        "--profile",
        choices=["none", "py-spy"],
        default="none",
        help="run the worker under py-spy (follows the forked work horse); slows it a little",
    )
    parser.add_argument("--smtp-child", nargs=2, metavar=("PORT", "STATUS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smtp_child:
        run_smtp_server(int(args.smtp_child[0]), Path(args.smtp_child[1]))
        return
    if not args.redis_url.startswith("redis://127.0.0.1"):
        sys.exit("--redis-url must point at 127.0.0.1 (it is flushed)")

    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    url = _fresh_database(args.database_url)
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis_url,
        "RQ_QUEUE_PREFIX": QUEUE_PREFIX,
        "PORTAL_BASE_URL": "https://aftersale.example.test",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_DIR": str(OUT / "dispatch_mail"),  # unused: SMTP is set below
        "SMTP_HOST": "127.0.0.1",
        "SMTP_STARTTLS": "false",
        "SMTP_SSL": "false",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("SMTP_USER", "SMTP_PASSWORD", "SMTP_TIMEOUT"):
        env.pop(name, None)
    os.environ.update(env)  # create_app() below reads the same settings as the worker

    started = time.perf_counter()
    prepare_database(args.sales, args.redis_url)
    print(
        f"setup: {args.sales:,} sales to {args.sales:,} customers sold 3 days ago, "
        f"survey window 0-24 h, in {time.perf_counter() - started:.1f} s; "
        f"database {_database_name(url)}, Redis {args.redis_url}; {os.cpu_count()} CPU cores; "
        f"load {_load()}",
        flush=True,
    )

    port = _free_port()
    status_file = OUT / "dispatch_smtp_status.json"
    status_file.unlink(missing_ok=True)
    smtp = subprocess.Popen(
        [sys.executable, __file__, "--smtp-child", str(port), str(status_file)], cwd=ROOT
    )
    try:
        _wait_for(lambda: status_file.exists(), 20, "the SMTP server did not start")
        env["SMTP_PORT"] = str(port)
        figures = run_worker(env, args, status_file)
    finally:
        smtp.send_signal(signal.SIGTERM)
        try:
            smtp.wait(10)
        except subprocess.TimeoutExpired:
            smtp.kill()
            smtp.wait()
    server = json.loads(status_file.read_text())
    stored = count_results()
    report(args.sales, figures, server, stored)


# --- setup --------------------------------------------------------------------------------------


def _fresh_database(url: str) -> str:
    import sqlalchemy as sa

    target = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    if target.host not in ("127.0.0.1", "localhost"):
        sys.exit("--database-url must point at 127.0.0.1 (the database is dropped)")
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    return target.render_as_string(hide_password=False)


def _database_name(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).database


def prepare_database(sales: int, redis_url: str) -> None:
    """Migrations, the policy, N customers and their sales (Core bulk inserts), the job queued."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app, jobs
    from portal.extensions import db
    from portal.jobs.surveys import dispatch_surveys
    from portal.models import Customer, Sale, User, utcnow
    from portal.models.survey_policy import SurveyPolicy

    app = create_app()
    with app.app_context():
        upgrade()
        now = utcnow()
        sold_at = now - timedelta(days=3, hours=1)
        with db.engine.begin() as conn:
            conn.execute(
                sa.insert(SurveyPolicy),
                [
                    {
                        "id": 1,
                        "send_after_days": 3,
                        "window_start_hour": 0,
                        "window_end_hour": 24,
                        "budget_days": 30,
                        "reminder_after_days": 4,
                        "link_expiry_days": 28,
                        "updated_at": now,
                    }
                ],
            )
            conn.execute(
                sa.insert(User),
                [
                    {"email": f"rep{i}@bench.example.com", "name": f"Rep {i}", "role": "rep"}
                    for i in range(REPS)
                ],
            )
            rep_ids = list(conn.scalars(sa.select(User.id).order_by(User.id)))
            for start in range(0, sales, 5000):
                conn.execute(
                    sa.insert(Customer),
                    [
                        {
                            "email": f"customer{n}@bench.example.org",
                            "name": f"Customer {n}",
                            "locale": "sv" if n % 10 < 3 else "en",
                            "created_at": sold_at,
                        }
                        for n in range(start, min(start + 5000, sales))
                    ],
                )
            # One sale per customer, made in the database from the customers just inserted.
            customers = sa.select(Customer.id).subquery()
            conn.execute(
                sa.insert(Sale).from_select(
                    [
                        "order_ref",
                        "customer_id",
                        "rep_id",
                        "amount",
                        "currency",
                        "product",
                        "sold_at",
                        "created_at",
                    ],
                    sa.select(
                        sa.func.concat("SO-", customers.c.id),
                        customers.c.id,
                        sa.literal(rep_ids[0]) + customers.c.id % REPS,
                        sa.literal(1250) + customers.c.id % 900,
                        sa.literal("SEK"),
                        sa.case(
                            *[
                                (customers.c.id % len(PRODUCTS) == i, p)
                                for i, p in enumerate(PRODUCTS)
                            ]
                        ),
                        sa.literal(sold_at, Sale.sold_at.type),
                        sa.literal(sold_at, Sale.created_at.type),
                    ),
                )
            )
            conn.execute(sa.text("ANALYZE"))
        assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == sales

        redis = jobs.connection()
        assert redis.connection_pool.connection_kwargs.get("host") == "127.0.0.1"
        redis.flushdb()
        job = jobs.enqueue(dispatch_surveys, family="mail")
        print(
            f"queued job {job.id} on {job.origin} (timeout {job.timeout} s, "
            f"retries {job.retries_left or 0})",
            flush=True,
        )
        db.session.remove()
        db.engine.dispose()


def count_results() -> dict:
    import sqlalchemy as sa

    from portal import create_app
    from portal.extensions import db
    from portal.jobs import connection, get_queue
    from portal.models import SurveyInvitation

    app = create_app()
    with app.app_context():
        inv = SurveyInvitation
        counts = db.session.execute(
            sa.select(
                sa.func.count(inv.id),
                sa.func.count(inv.sent_at),
                sa.func.count(inv.skipped_at),
                sa.func.count(inv.failed_at),
                sa.func.count(inv.claimed_at),
                sa.func.count(sa.distinct(inv.customer_id)).filter(inv.sent_at.is_not(None)),
            )
        ).one()
        queue = get_queue("mail")
        failed_jobs = queue.failed_job_registry.count
        # The worker schedules the next periodic slot at start: only other ids are retries.
        retrying = sum(
            not job_id.startswith("periodic-")
            for job_id in queue.scheduled_job_registry.get_job_ids()
        )
        left = queue.count
        connection().close()
        db.engine.dispose()
    keys = ("planned", "sent", "skipped", "failed", "still_claimed", "customers_mailed")
    return {
        **dict(zip(keys, counts, strict=True)),
        "failed_jobs": failed_jobs,
        "retry_scheduled": retrying,
        "queued": left,
    }


# --- the worker -----------------------------------------------------------------------------


def run_worker(env: dict, args, status_file: Path) -> dict:
    """Start one real worker, sample its memory every 0.2 s until it exits (or times out)."""
    import psutil

    log_path = OUT / "dispatch_worker.log"
    command = [sys.executable, str(ROOT / "worker.py"), "--burst", "--no-scheduler"]
    profile_path = OUT / "dispatch_profile.txt"
    if args.profile == "py-spy":
        py_spy = Path(sys.executable).parent / "py-spy"
        command = [str(py_spy), "record", "--subprocesses", "--rate", "200", "--format", "raw",
                   "--output", str(profile_path), "--", *command]  # fmt: skip
    n = args.sales
    milestones = {25: None, 50: None, 75: None, 100: None}
    horse_rss_peak = 0
    worker_rss_peak = 0
    horse_hwm = 0
    horse_pids: set[int] = set()
    first_mail_at = None
    busy_before = _machine_busy()
    with log_path.open("w") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        top = psutil.Process(proc.pid)
        deadline = started + args.timeout
        while proc.poll() is None:
            if time.perf_counter() > deadline:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                sys.exit(f"the worker ran past {args.timeout} s and was stopped; see {log_path}")
            worker_rss, horse_rss, hwm, pids = _sample(top)
            worker_rss_peak = max(worker_rss_peak, worker_rss)
            horse_rss_peak = max(horse_rss_peak, horse_rss)
            horse_hwm = max(horse_hwm, hwm)
            horse_pids |= pids
            sent = _read_status(status_file).get("messages", 0)
            if sent and first_mail_at is None:
                first_mail_at = time.perf_counter() - started
            for pct in milestones:
                if milestones[pct] is None and pct < 100 and sent >= n * pct / 100:
                    milestones[pct] = (horse_rss, horse_rss_peak, horse_hwm)
            time.sleep(SAMPLE_EVERY)
        seconds = time.perf_counter() - started
    machine_cores = (_machine_busy() - busy_before) / seconds
    children = psutil.Process().cpu_times()  # the worker and SMTP server, waited for: children_*
    milestones[100] = (None, horse_rss_peak, horse_hwm)
    return {
        "seconds": seconds,
        "returncode": proc.returncode,
        "first_mail_at": first_mail_at,
        "milestones": milestones,
        "worker_rss_peak": worker_rss_peak,
        "machine_cores": machine_cores,
        "worker_cores": (children.children_user + children.children_system) / seconds,
        "horse_pids": sorted(horse_pids),
        "log": log_path,
        "profile": profile_path if args.profile == "py-spy" else None,
    }


def _sample(top) -> tuple[int, int, int, set[int]]:
    """RSS of the worker process, and RSS and VmHWM (peak) of its work horse(s), in bytes.

    Under py-spy the worker is py-spy's child and the horse its grandchild: python processes
    running worker.py are found at any depth, the first one being the worker itself."""
    import psutil

    try:
        tree = [top, *top.children(recursive=True)]
    except psutil.Error:
        return 0, 0, 0, set()
    pythons = []
    for p in tree:
        try:
            if any(part.endswith("worker.py") for part in p.cmdline()):
                pythons.append(p)
        except psutil.Error:
            continue
    if not pythons:
        return 0, 0, 0, set()
    worker, horses = pythons[0], pythons[1:]
    worker_rss = _rss(worker)
    horse_rss = sum(_rss(h) for h in horses)
    hwm = sum(_vm_hwm(h.pid) for h in horses)
    return worker_rss, horse_rss, hwm, {h.pid for h in horses}


def _rss(process) -> int:
    try:
        return process.memory_info().rss
    except Exception:
        return 0


def _vm_hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _read_status(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


# --- the SMTP server (a child process) ----------------------------------------------------------


class CountingHandler:
    """Accepts everything; counts connections, messages, bytes and distinct recipients."""

    def __init__(self):
        self.connections = 0
        self.messages = 0
        self.bytes = 0
        self.recipients: Counter[str] = Counter()
        self.first_at = None
        self.last_at = None
        self.sample: bytes | None = None
        self.mailed_twice = 0  # kept here: the status writer thread must not iterate the Counter

    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        self.first_at = self.first_at or now
        self.last_at = now
        self.messages += 1
        self.bytes += len(envelope.content)
        for address in envelope.rcpt_tos:
            self.recipients[address] += 1
            if self.recipients[address] == 2:
                self.mailed_twice += 1
        if self.sample is None:
            self.sample = envelope.content
        return "250 Message accepted"

    def status(self) -> dict:
        return {
            "connections": self.connections,
            "messages": self.messages,
            "bytes": self.bytes,
            "distinct_recipients": len(self.recipients),
            "recipients_mailed_twice": self.mailed_twice,
            "first_at": self.first_at,
            "last_at": self.last_at,
        }


def run_smtp_server(port: int, status_file: Path) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    handler = CountingHandler()

    class CountingController(Controller):
        def factory(self):
            handler.connections += 1  # one SMTP object per accepted connection
            return SMTP(self.handler, **self.SMTP_kwargs)

    controller = CountingController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.connections = 0  # the controller's own readiness probe is not a client
    stop = threading.Event()

    def write_status():
        tmp = status_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(handler.status()))
        tmp.replace(status_file)

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    deadline = time.monotonic() + 3600  # never outlive a forgotten parent by long
    while not stop.is_set() and time.monotonic() < deadline:
        write_status()
        stop.wait(0.1)
    controller.stop()
    write_status()
    if handler.sample:
        (OUT / "dispatch_sample.eml").write_bytes(handler.sample)


# --- output -------------------------------------------------------------------------------------


def report(n: int, figures: dict, server: dict, stored: dict) -> None:
    mib = 1024 * 1024
    seconds = figures["seconds"]
    sent = stored["sent"]
    ok = (
        figures["returncode"] == 0
        and server["messages"] == n
        and server["distinct_recipients"] == n
        and sent == n
        and stored["still_claimed"] == 0
        and stored["failed_jobs"] == 0
        and stored["retry_scheduled"] == 0
    )
    window = (server["last_at"] or 0) - (server["first_at"] or 0)
    print(
        f"invitations sent    {sent:,} of {n:,} (planned {stored['planned']:,}, "
        f"skipped {stored['skipped']:,}, failed {stored['failed']:,}, "
        f"still claimed {stored['still_claimed']:,}; jobs failed {stored['failed_jobs']}, "
        f"waiting for a retry {stored['retry_scheduled']})"
    )
    print(
        f"worker start->exit  {seconds:.1f} s  = {sent / seconds:,.0f} emails/s "
        f"(first message after {figures['first_mail_at'] or 0:.1f} s; first->last message "
        f"{window:.1f} s = {server['messages'] / window if window else 0:,.0f} emails/s)"
    )
    print(
        f"SMTP server         received {server['messages']:,} messages "
        f"({server['bytes'] / mib:.1f} MiB, {server['bytes'] / max(server['messages'], 1) / 1024:.1f} KiB each), "
        f"{server['distinct_recipients']:,} distinct recipients, "
        f"{server['recipients_mailed_twice']} mailed twice, "
        f"over {server['connections']} connections"
    )
    if server["messages"] != sent:
        print(
            f"MISMATCH            the SMTP server got {server['messages']:,} messages but "
            f"{sent:,} invitations are marked sent: {server['messages'] - sent:+,} delivered "
            "without being recorded (a batch commits its sent_at only when the whole batch is done)"
        )
    parts = []
    for pct, sample in figures["milestones"].items():
        if sample is None:
            parts.append(f"{pct}%: not reached")
            continue
        current, peak, hwm = sample
        now = f"{current / mib:.0f} now, " if current is not None else ""
        parts.append(f"{pct}%: {now}peak {peak / mib:.0f} (VmHWM {hwm / mib:.0f})")
    print(
        f"work horse RSS MiB  {'; '.join(parts)}; worker parent peak "
        f"{figures['worker_rss_peak'] / mib:.0f} MiB; horse pids {figures['horse_pids']}"
    )
    print(
        f"load                {_load()}; the machine was busy {figures['machine_cores']:.2f} of "
        f"{os.cpu_count()} cores during the run, the worker (parent and horse) "
        f"{figures['worker_cores']:.2f}; {time.strftime('%Y-%m-%d %H:%M:%S %Z')}"
    )
    if figures["worker_cores"]:
        print(
            f"efficiency          {server['messages'] / (figures['worker_cores'] * seconds):,.0f} "
            "emails per CPU-second of the worker (less sensitive to other people's load)"
        )
    if figures["profile"]:
        summarise_profile(figures["profile"])
    if not ok:
        log = figures["log"].read_text(errors="replace")
        if "JobTimeoutException" in log:
            print(
                "job                 KILLED by RQ at its timeout (the 'mail' family's 120 s): "
                "the invitations it had claimed but not sent stay claimed, to be marked failed "
                "after 15 minutes (at most once)"
            )
        sys.exit(f"CHECK FAILED: see {figures['log']}")
    print("check               OK: every sale mailed exactly once, nothing left claimed")


def summarise_profile(path: Path, top: int = 25) -> None:
    """py-spy's raw output is one collapsed stack per line with a sample count: print where
    the work horse spends its time (inclusive, per function)."""
    if not path.exists():
        print(f"no profile at {path}")
        return
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "perform_job" not in stack:
            continue  # only the work horse running the job
        samples = int(count)
        total += samples
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    print(f"profile             {path} ({total} samples in the job)")
    for frame, samples in inclusive.most_common(top):
        print(
            f"  {100 * samples / total:5.1f}% incl  {100 * own[frame] / total:5.1f}% self  {frame}"
        )
    print("  -- most self time --")
    for frame, samples in own.most_common(15):
        print(f"  {100 * samples / total:5.1f}% self  {frame}")


# --- helpers ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(check, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            sys.exit(message)
        time.sleep(0.05)


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores, all processes)."""
    import psutil

    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


if __name__ == "__main__":
    main()
