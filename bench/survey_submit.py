"""Benchmark of customers answering surveys: the portal under gunicorn on PostgreSQL, side by
side with a bare Flask app (bench/bare_app.py) of the same flow shape, in the same run.

Run by hand, not a test. It creates a fresh PostgreSQL database, runs the migrations and adds M
survey invitations that were sent and not answered, each with its own link. Then, for each
gunicorn worker count asked for, it serves the portal (sync workers, PORTAL_ENV=production) and
the bare app on free ports of 127.0.0.1 in turn, and points Locust (headless, a fixed number of
users for a fixed time) at each. Every Locust user is a customer with a fresh browser: GET
/s/<token>, read the CSRF token, POST an answer, expect 303. After each portal run the answers
stored are compared with the POSTs answered 303 (nothing lost, nothing doubled), then cleared
for the next run; the bare app stores its answers in the same tables and is checked the same.

    .venv/bin/python bench/survey_submit.py                         # 2, 3 and 4 workers
    .venv/bin/python bench/survey_submit.py --workers 3 --users 50 --duration 60

Apps: `portal-redis` is the production shape (REDIS_URL on a scratch Redis database, flushed,
and one `python worker.py` running: the POST stores the answer and queues its analysis);
`portal` is the embedded default (no REDIS_URL: the analysis runs inline in the POST);
`bare` is bench/bare_app.py (on the same database and Redis: a signed link checked, one SELECT
of the invitation, one INSERT of the answer, one UPDATE, one enqueue). Targets, on the production shape against the bare app of the same
run and worker count: gunicorn CPU per customer (GET + POST) <= 5 ms and answers/s >= 0.5x the
bare app's POSTs/s; the script exits non-zero when either, or the stored-answers check, fails.

Everything shares the machine's cores: Locust, gunicorn and PostgreSQL. Each run prints the CPU
each of them used, so a saturated load generator shows. The database named in --database-url is
dropped and created again: use a scratch one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from harness import (
    CpuMeter,
    claim_redis,
    database_name,
    free_port,
    fresh_database,
    insert_reps_customers_sales,
    load_average,
    postgres_backends,
    process_tree,
    wait_for_file,
    wait_ready,
)
from survey_submit_report import print_result, print_summary, summarise_profile

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1/aftersale_bench_submit"
SECRET_KEY = "bench-submit-secret-key-0123456789-0123456789-0123"  # noqa: S105  (scratch)
LOCUSTFILE = BENCH / "locustfile_survey.py"
REPS = 20
REDIS_MARKER = "aftersale-bench-submit:owner"  # set after the flush: "this database is ours"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invitations", type=int, default=20_000, help="links, each used once")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument(
        "--workers", default="2,3,4", help="gunicorn worker counts to try, comma separated"
    )
    parser.add_argument("--users", type=int, default=50, help="concurrent Locust users")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load per run")
    parser.add_argument(
        "--apps",
        default="portal-redis,bare,portal",
        help="which apps to load, in order (portal-redis: REDIS_URL and a worker, production; "
        "portal: jobs inline, the embedded default; bare)",
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/9", help="portal-redis: flushed first"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the portal's gunicorn under py-spy (with idle time) and print where a request "
        "spends its time; slows the portal, so its figures are not comparable",
    )
    args = parser.parse_args()
    worker_counts = [int(w) for w in args.workers.split(",")]
    apps = args.apps.split(",")
    if set(apps) - {"portal-redis", "portal", "bare"}:
        sys.exit("--apps: choose from portal-redis, portal, bare")
    if not 1 <= args.duration <= 600 or not 1 <= args.users <= 500:
        sys.exit("--duration must be 1-600 s and --users 1-500")

    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    url = fresh_database(args.database_url)
    started = time.perf_counter()
    tokens_file = OUT / "submit_tokens.txt"
    prepare_database(url, args.invitations, tokens_file)
    print(
        f"setup: {args.invitations:,} sent, unanswered survey invitations (one link each) in "
        f"{time.perf_counter() - started:.1f} s; database {database_name(url)}; "
        f"{os.cpu_count()} CPU cores shared by Locust, gunicorn and PostgreSQL; load {load_average()}",
        flush=True,
    )
    print(
        "settings: gunicorn sync workers; portal with PORTAL_ENV=production, "
        "RATELIMIT_ENABLED=false (its per-address limit of 30 POSTs a minute would stop a load "
        "test from one address), rate-limit storage in memory; portal-redis: REDIS_URL "
        f"{args.redis_url} and one `python worker.py`; portal: no REDIS_URL (analysis inline, "
        f"the embedded default); Locust {args.users} users, {args.duration} s, no wait between "
        "customers",
        flush=True,
    )
    results = []
    for workers in worker_counts:
        for app_name in apps:
            reset_answers(url)
            result = run_one(app_name, workers, url, tokens_file, args)
            result["check"] = check_answers(url, result)
            results.append(result)
            print_result(result)
    print_summary(results, args)


# --- setup --------------------------------------------------------------------------------------


def _portal_env(url: str, port: int | None = None) -> dict:
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "RATELIMIT_ENABLED": "false",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_DIR": str(OUT / "submit_mail"),
    }
    if port:
        env["PORTAL_BASE_URL"] = f"http://127.0.0.1:{port}"
    for name in ("REDIS_URL", "SMTP_HOST", "PROXY_HOPS", "SECURE_COOKIES"):
        env.pop(name, None)
    return env


def prepare_database(url: str, count: int, tokens_file: Path) -> None:
    """Migrations, the policy, M customers with a sale and a survey sent an hour ago; their
    links (signed with the SECRET_KEY gunicorn gets) are written to `tokens_file`."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    env = _portal_env(url)
    for name in set(os.environ) - set(env):
        del os.environ[name]  # REDIS_URL, SMTP_HOST...: create_app() must see what gunicorn sees
    os.environ.update(env)
    from portal import create_app
    from portal.extensions import db
    from portal.models import Sale, SurveyInvitation, utcnow
    from portal.models.survey_policy import SurveyPolicy
    from portal.tokens import make_token

    app = create_app()
    with app.app_context():
        upgrade()
        now = utcnow()
        sold_at = now - timedelta(days=4)
        sent_at = now - timedelta(hours=1)
        with db.engine.begin() as conn:
            conn.execute(sa.insert(SurveyPolicy), [{"id": 1, "updated_at": now}])
            insert_reps_customers_sales(conn, REPS, count, sold_at, last_surveyed_at=sent_at)
            sales = sa.select(Sale.id, Sale.customer_id).subquery()
            conn.execute(
                sa.insert(SurveyInvitation).from_select(
                    [
                        "kind",
                        "sale_id",
                        "customer_id",
                        "scheduled_for",
                        "sent_at",
                        "expires_at",
                        "send_attempts",
                        "created_at",
                    ],
                    sa.select(
                        sa.literal("post_sale"),
                        sales.c.id,
                        sales.c.customer_id,
                        sa.literal(sent_at, SurveyInvitation.scheduled_for.type),
                        sa.literal(sent_at, SurveyInvitation.sent_at.type),
                        sa.literal(now + timedelta(days=28), SurveyInvitation.expires_at.type),
                        sa.literal(1),
                        sa.literal(sent_at, SurveyInvitation.created_at.type),
                    ),
                )
            )
            conn.execute(sa.text("ANALYZE"))
        ids = list(db.session.scalars(sa.select(SurveyInvitation.id).order_by(SurveyInvitation.id)))
        assert len(ids) == count, (len(ids), count)
        tokens_file.write_text("".join(f"{i} {make_token('survey', i)}\n" for i in ids))
        db.session.remove()
        db.engine.dispose()


def _engine(url: str):
    import sqlalchemy as sa

    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def reset_answers(url: str) -> None:
    """Every link unanswered again, and the table statistics fresh, before a portal run."""
    import sqlalchemy as sa

    engine = _engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text("DELETE FROM survey_responses"))  # no cases refer to them here
        conn.execute(
            sa.text(
                "UPDATE survey_invitations SET answered_at = NULL, opened_at = NULL "
                "WHERE answered_at IS NOT NULL OR opened_at IS NOT NULL"
            )
        )
        conn.execute(sa.text("VACUUM ANALYZE survey_invitations"))
        conn.execute(sa.text("VACUUM ANALYZE survey_responses"))
    engine.dispose()


def check_answers(url: str, result: dict) -> dict:
    """The answers stored against the POSTs Locust saw answered 303."""
    import sqlalchemy as sa

    engine = _engine(url)
    with engine.connect() as conn:
        stored = {
            str(i) for i in conn.scalars(sa.text("SELECT invitation_id FROM survey_responses"))
        }
        marked = conn.scalar(
            sa.text("SELECT count(*) FROM survey_invitations WHERE answered_at IS NOT NULL")
        )
        rows = conn.scalar(sa.text("SELECT count(*) FROM survey_responses"))
    engine.dispose()
    posted = result["answered_ids"]
    return {
        "stored": rows,
        "marked_answered": marked,
        "posted_ok": len(posted),
        "posted_ok_distinct": len(set(posted)),
        "lost": len(set(posted) - stored),
        "unexpected": len(stored - set(posted)),
        "ok": rows == len(posted) == len(set(posted)) == marked and stored == set(posted),
    }


# --- one run ------------------------------------------------------------------------------------


def run_one(app_name: str, workers: int, url: str, tokens_file: Path, args) -> dict:
    port = free_port()
    worker = None
    if app_name.startswith("portal"):
        target, chdir, env = "wsgi:app", ROOT, _portal_env(url, port)
        ready_path = "/healthz"
        if app_name == "portal-redis":
            claim_redis(args.redis_url, REDIS_MARKER, "bench/survey_submit.py")
            env.update(REDIS_URL=args.redis_url, RQ_QUEUE_PREFIX="aftersale-bench-submit")
            worker_log = OUT / f"submit_worker_w{workers}.log"
            with worker_log.open("w") as out:
                worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT,
                                          env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    else:
        # The same database, Redis and queue prefix as the production shape; no worker (its
        # jobs are not the bare app's: they wait in Redis, flushed by the next run's claim).
        claim_redis(args.redis_url, REDIS_MARKER, "bench/survey_submit.py")
        target, chdir = "bare_app:app", BENCH
        env = {**_portal_env(url, port), "REDIS_URL": args.redis_url,
               "RQ_QUEUE_PREFIX": "aftersale-bench-submit-bare"}  # fmt: skip
        ready_path = "/s/ready"
    label = f"{app_name}-w{workers}"
    log = (OUT / f"submit_gunicorn_{label}.log").open("w")
    profile = (
        OUT / f"submit_profile_{label}.txt"
        if args.profile and app_name.startswith("portal")
        else None
    )
    py_spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--subprocesses", "--idle",
              "--rate", "200", "--format", "raw", "--output", str(profile), "--"]  # fmt: skip
    gunicorn = subprocess.Popen(
        [
            *(py_spy if profile else []),
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--timeout",
            "30",
            "--log-level",
            "warning",
            "--chdir",
            str(chdir),
            target,
        ],
        cwd=chdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_ready(
            f"http://127.0.0.1:{port}{ready_path}", gunicorn, 30, OUT / "submit_gunicorn_*.log"
        )
        result = run_locust(label, port, tokens_file, gunicorn.pid, url, args)
    finally:
        _stop_gunicorn(gunicorn, under_py_spy=profile is not None)
        try:
            gunicorn.wait(20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()
        log.close()
        if worker is not None:
            worker.terminate()  # a warm shutdown: the job in hand finishes
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    result.update(app=app_name, workers=workers, load=load_average(), at=time.strftime("%H:%M:%S"))
    if profile:
        wait_for_file(profile, 30)
        summarise_profile(profile)
    return result


def _stop_gunicorn(process, under_py_spy: bool) -> None:
    """SIGTERM to the gunicorn master (under py-spy, py-spy's child: py-spy then writes its
    profile and exits by itself)."""
    import psutil

    master = process.pid
    if under_py_spy:
        try:
            children = psutil.Process(process.pid).children()
            master = children[0].pid if children else process.pid
        except psutil.Error:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.kill(master, signal.SIGTERM)


def run_locust(label: str, port: int, tokens_file: Path, server_pid: int, url: str, args) -> dict:
    ok_file = OUT / f"submit_{label}_answered.txt"
    ok_file.unlink(missing_ok=True)
    stats_file = OUT / f"submit_{label}_stats.json"
    stats_file.unlink(missing_ok=True)
    env = {
        **os.environ,
        "SURVEY_TOKENS": str(tokens_file),
        "SURVEY_OK_FILE": str(ok_file),
        "SURVEY_STATS_FILE": str(stats_file),
        "SURVEY_REUSE_TOKENS": "0",  # every app stores its answers: one link, one answer
        "REDIS_URL": "",  # Locust itself needs none
    }
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users),
        "--run-time",
        f"{args.duration}s",
        "--stop-timeout",
        "15",
        "--host",
        f"http://127.0.0.1:{port}",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    database = database_name(url)
    cpu = CpuMeter()
    started = time.perf_counter()
    with (OUT / f"submit_{label}_locust.log").open("w") as log:
        locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = started + args.duration + 60
        while locust.poll() is None:
            if time.perf_counter() > deadline:
                locust.kill()
                locust.wait()
                sys.exit(f"locust ran past {args.duration + 60} s and was stopped")
            cpu.sample(
                locust=process_tree(locust.pid),
                gunicorn=process_tree(server_pid),
                postgres=postgres_backends(database),
            )
            time.sleep(0.5)
    wall = time.perf_counter() - started
    if locust.returncode not in (0, 1):  # 1: some requests failed, reported below
        sys.exit(f"locust failed ({locust.returncode}); see {log.name}")
    stats = json.loads(stats_file.read_text())
    answered = [line for line in ok_file.read_text().split() if line]
    ran_out = "TOKENS RAN OUT" in Path(log.name).read_text()
    return {
        "stats": stats,
        "answered_ids": answered,
        "cpu": cpu.cores(wall),
        "wall": wall,
        "ran_out": ran_out,
    }


# --- helpers ------------------------------------------------------------------------------------


if __name__ == "__main__":
    main()
