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
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import smtp_counter
from dispatch_report import report
from harness import (
    OUT,
    ROOT,
    database_name,
    free_port,
    fresh_database,
    insert_reps_customers_sales,
    load_average,
    machine_busy,
    wait_for,
)

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1/aftersale_bench_dispatch"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
SECRET_KEY = "bench-dispatch-secret-key-0123456789-0123456789"  # noqa: S105  (scratch)
QUEUE_PREFIX = "aftersale-bench"
SAMPLE_EVERY = 0.2  # seconds between memory samples
REPS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sales", type=int, default=20_000, help="sales (and customers) to mail")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="flushed first")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds before the worker is stopped"
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="worker counts, one run each"
    )
    parser.add_argument("--target", type=float, default=500, help="emails/s with one worker")
    parser.add_argument(
        "--scale-target", type=float, default=1.6, help="two workers' rate over one worker's"
    )
    parser.add_argument(
        "--profile",
        choices=["none", "py-spy"],
        default="none",
        help="run the workers under py-spy; slows them a little",
    )
    parser.add_argument(
        "--smtp-port", type=int, default=0, help="the SMTP server's port (default: a free one)"
    )
    parser.add_argument(
        "--smtp-server",
        choices=["lean", "aiosmtpd"],
        default="lean",
        help="the counting SMTP server (bench/smtp_counter.py): lean stands in for a real MTA",
    )
    parser.add_argument("--smtp-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smtp_child:
        kind, port, status = args.smtp_child
        smtp_counter.run(kind, int(port), Path(status), OUT / "dispatch_sample.eml")
        return
    if not args.redis_url.startswith("redis://127.0.0.1"):
        sys.exit("--redis-url must point at 127.0.0.1 (it is flushed)")

    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    rates: dict[int, float] = {}
    checks_ok = True
    for workers in args.workers:
        ok, rate = run_once(args, workers)
        checks_ok &= ok
        rates[workers] = rate
    missed = []
    if 1 in rates and rates[1] < args.target:
        missed.append(f"one worker {rates[1]:,.0f} emails/s < {args.target:,.0f}")
    if 1 in rates and 2 in rates and rates[2] < args.scale_target * rates[1]:
        missed.append(
            f"two workers {rates[2]:,.0f} emails/s = {rates[2] / rates[1]:.2f}x one worker "
            f"< {args.scale_target}x"
        )
    print(
        f"summary             {', '.join(f'{n} worker(s): {r:,.0f} emails/s' for n, r in rates.items())}; load {load_average()}"
    )
    if not checks_ok:
        sys.exit("CHECK FAILED (see above)")
    if missed:
        sys.exit("TARGET MISSED: " + "; ".join(missed))
    print("targets             met")


def run_once(args, workers: int) -> tuple[bool, float]:
    """One fresh database, one SMTP server, `workers` workers: (checks passed, emails/s)."""
    url = fresh_database(args.database_url)
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

    port = args.smtp_port or free_port()
    status_file = OUT / "dispatch_smtp_status.json"
    status_file.unlink(missing_ok=True)
    smtp = subprocess.Popen(
        [sys.executable, __file__, "--smtp-child", args.smtp_server, str(port), str(status_file)],
        cwd=ROOT,
    )
    try:
        wait_for(lambda: status_file.exists(), 20, "the SMTP server did not start")
        env["SMTP_PORT"] = str(port)
        os.environ.update(env)  # create_app() below reads the same settings as the workers
        started = time.perf_counter()
        batches = prepare_database(args.sales, args.redis_url)
        print(
            f"setup: {args.sales:,} sales to {args.sales:,} customers sold 3 days ago, "
            f"survey window 0-24 h, planned and cut into {batches} batch jobs in "
            f"{time.perf_counter() - started:.1f} s; database {database_name(url)}, "
            f"Redis {args.redis_url}; {os.cpu_count()} CPU cores; load {load_average()}",
            flush=True,
        )
        figures = run_workers(env, args, status_file, workers)
    finally:
        smtp.send_signal(signal.SIGTERM)
        try:
            smtp.wait(10)
        except subprocess.TimeoutExpired:
            smtp.kill()
            smtp.wait()
    server = json.loads(status_file.read_text())
    stored = count_results()
    return report(args.sales, figures, server, stored, workers)


# --- setup --------------------------------------------------------------------------------------


def prepare_database(sales: int, redis_url: str) -> int:
    """Migrations, the policy, N customers and their sales (Core bulk inserts), then the
    periodic dispatch run once: the batch jobs it queued."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app, jobs
    from portal.extensions import db
    from portal.jobs.surveys import dispatch_surveys
    from portal.models import Sale, utcnow
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
            # One sale per customer, made in the database from the customers inserted.
            insert_reps_customers_sales(conn, REPS, sales, sold_at)
            conn.execute(sa.text("ANALYZE"))
        assert db.session.scalar(sa.select(sa.func.count(Sale.id))) == sales

        redis = jobs.connection()
        assert redis.connection_pool.connection_kwargs.get("host") == "127.0.0.1"
        redis.flushdb()
        # The periodic job, run here as the scheduler would run it: it plans the invitations
        # and queues the batch jobs on the dispatch queue, for the workers timed below.
        summary = dispatch_surveys()
        db.session.remove()
        db.engine.dispose()
    return summary["batches"]


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
        queue = get_queue("dispatch")
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


def run_workers(env: dict, args, status_file: Path, workers: int) -> dict:
    """Start `workers` real workers on the dispatch queue, sample their memory every 0.2 s
    until the last one exits (or the timeout)."""
    import psutil

    command = [sys.executable, str(ROOT / "worker.py"), "--burst", "--no-scheduler",
               "--queues", "dispatch"]  # fmt: skip
    profile_path = OUT / "dispatch_profile.txt"
    n = args.sales
    milestones = {25: None, 50: None, 75: None, 100: None}
    rss_peak = 0
    hwm_peak = 0
    first_mail_at = None
    busy_before = machine_busy()
    server_cpu_before = _read_status(status_file).get("cpu_seconds", 0)
    cpu_before = psutil.Process().cpu_times()
    logs = [OUT / f"dispatch_worker{i}.log" for i in range(workers)]
    procs = []
    started = time.perf_counter()
    for i, log_path in enumerate(logs):
        cmd = command
        if args.profile == "py-spy":
            py_spy = Path(sys.executable).parent / "py-spy"
            out = profile_path.with_suffix(f".{i}.txt") if i else profile_path
            cmd = [str(py_spy), "record", "--subprocesses", "--rate", "200", "--format", "raw",
                   "--output", str(out), "--", *command]  # fmt: skip
        with log_path.open("w") as log:
            procs.append(
                subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            )
    tops = [psutil.Process(proc.pid) for proc in procs]
    deadline = started + args.timeout
    while any(proc.poll() is None for proc in procs):
        if time.perf_counter() > deadline:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            sys.exit(f"the workers ran past {args.timeout} s and were stopped; see {logs}")
        rss = hwm = 0
        for top in tops:
            r, h = _sample(top)
            rss, hwm = rss + r, hwm + h
        rss_peak = max(rss_peak, rss)
        hwm_peak = max(hwm_peak, hwm)
        sent = _read_status(status_file).get("messages", 0)
        if sent and first_mail_at is None:
            first_mail_at = time.perf_counter() - started
        for pct in milestones:
            if milestones[pct] is None and pct < 100 and sent >= n * pct / 100:
                milestones[pct] = (rss, rss_peak, hwm_peak)
        time.sleep(SAMPLE_EVERY)
    seconds = time.perf_counter() - started
    machine_cores = (machine_busy() - busy_before) / seconds
    cpu = psutil.Process().cpu_times()  # the workers, waited for: children_*
    worker_cpu = (cpu.children_user - cpu_before.children_user) + (
        cpu.children_system - cpu_before.children_system
    )
    milestones[100] = (None, rss_peak, hwm_peak)
    return {
        "seconds": seconds,
        "returncode": max(abs(proc.returncode) for proc in procs),
        "first_mail_at": first_mail_at,
        "milestones": milestones,
        "machine_cores": machine_cores,
        "worker_cores": worker_cpu / seconds,
        "server_cpu_before": server_cpu_before,
        "logs": logs,
        "profile": profile_path if args.profile == "py-spy" else None,
    }


def _sample(top) -> tuple[int, int]:
    """RSS and VmHWM (peak) in bytes of the python processes running worker.py under `top`
    (the worker itself, any work horse it forks; under py-spy, py-spy's children)."""
    import psutil

    try:
        tree = [top, *top.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    rss = hwm = 0
    for p in tree:
        try:
            if any(part.endswith("worker.py") for part in p.cmdline()):
                rss += _rss(p)
                hwm += _vm_hwm(p.pid)
        except psutil.Error:
            continue
    return rss, hwm


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


# --- helpers ------------------------------------------------------------------------------------


if __name__ == "__main__":
    main()
