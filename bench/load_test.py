"""Load test: customers answering surveys and reps working their queues, at 100 concurrent
users, against the portal as it runs in production on this machine: gunicorn, PostgreSQL,
Redis and a worker process.

Run by hand, not in CI:

    .venv/bin/pip install -c constraints.txt -e ".[bench]"   # locust
    .venv/bin/python bench/load_test.py                       # 100 users, 90 s
    .venv/bin/python bench/load_test.py --users 50 --duration 60 --gunicorn-workers 3

It drops and creates the PostgreSQL database `aftersale_bench_d` (on 127.0.0.1), adds two
teams of reps with open cases and a survey link per customer, flushes the scratch Redis
database given (refusing one that holds keys it did not write), starts gunicorn
(PORTAL_ENV=production, RATELIMIT_ENABLED=false: every user comes from 127.0.0.1) and one
`worker.py`, and runs Locust headless (bench/load/locustfile.py). It prints throughput,
p50/p95 per request and errors, then checks that every answer Locust saw accepted is stored
once. Target: no errors and p95 at most 300 ms at 100 users.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal

from harness import ROOT, claim_redis, free_port, fresh_database, wait_ready

OUT = ROOT / "bench" / "out" / "load"
DATABASE = "postgresql://postgres@127.0.0.1/aftersale_bench_d"
REDIS = "redis://127.0.0.1:6379/13"
REDIS_MARKER = "aftersale-bench-load"
SECRET_KEY = "bench-load-secret-key-0123456789-0123456789-abcdef"  # noqa: S105  (scratch)
PASSWORD = "bench-load-password"  # noqa: S105  (scratch accounts; no spaces: reps.txt)
TARGET_P95_MS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=90, help="seconds of load")
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--cases-per-rep", type=int, default=15)
    parser.add_argument("--links", type=int, default=5000, help="survey links, each used once")
    parser.add_argument("--database-url", default=DATABASE)
    parser.add_argument("--redis-url", default=REDIS)
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    url = fresh_database(args.database_url)
    claim_redis(args.redis_url, REDIS_MARKER, "bench/load_test.py")
    port = free_port()
    env = portal_env(url, args.redis_url, port)
    print(f"preparing {url}: {args.reps} reps, {args.links} survey links ...", flush=True)
    prepare(env, args)

    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            str(args.gunicorn_workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stderr=open(OUT / "gunicorn.log", "w"),  # noqa: SIM115  (lives as long as the server)
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "worker.py")],
        cwd=ROOT,
        env=env,
        stderr=open(OUT / "worker.log", "w"),  # noqa: SIM115
        start_new_session=True,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", gunicorn, 60, OUT / "gunicorn.log")
        started = time.time()
        load = subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "locust"),
                "-f",
                str(ROOT / "bench" / "load" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.duration}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(OUT / "load"),
                "--only-summary",
                "--stop-timeout",
                "10",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "LOAD_TOKENS": str(OUT / "tokens.txt"),
                "LOAD_REPS": str(OUT / "reps.txt"),
            },
            capture_output=True,
            text=True,
            timeout=args.duration + 120,
        )
        elapsed = time.time() - started
        (OUT / "locust.log").write_text(load.stdout + load.stderr)
        time.sleep(5)  # the worker finishes the last analyses
    finally:
        for process in (gunicorn, worker):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    report(url, args, elapsed, load_average_during=os.getloadavg())


# --- setup ------------------------------------------------------------------------------------


def portal_env(url: str, redis_url: str, port: int) -> dict:
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE_PREFIX": "aftersale-load",
        "RATELIMIT_ENABLED": "false",
        "RATELIMIT_STORAGE_URI": "memory://",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "MAIL_DIR": str(OUT / "mail"),
    }
    for name in ("SMTP_HOST", "PROXY_HOPS", "SECURE_COOKIES"):
        env.pop(name, None)
    return env


def prepare(env: dict, args) -> None:
    """Migrations, SLA policies, two teams of reps with open cases, customers with a sale and
    a survey sent yesterday; the links and the rep logins are written for Locust."""
    os.environ.update(env)
    for name in ("SMTP_HOST", "PROXY_HOPS", "SECURE_COOKIES"):
        os.environ.pop(name, None)
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.models import Case, Customer, Sale, SurveyInvitation, Team, User, utcnow
    from portal.services.setup import ensure_sla_policies
    from portal.tokens import make_token

    app = create_app()
    with app.app_context():
        upgrade()
        ensure_sla_policies()
        now = utcnow()
        teams = [Team(name="North"), Team(name="South")]
        reps = []
        for n in range(args.reps):
            rep = User(
                email=f"rep{n}@bench.example", name=f"Rep {n}", role="rep", team=teams[n % 2]
            )
            rep.set_password(PASSWORD)
            reps.append(rep)
        db.session.add_all(reps)
        for n, rep in enumerate(reps):
            for k in range(args.cases_per_rep):
                customer = Customer(email=f"case{n}-{k}@bench.example", name=f"Case customer {k}")
                db.session.add(
                    Case(
                        source="survey",
                        customer=customer,
                        assigned_rep=rep,
                        severity="normal",
                        status="open",
                        subject=f"Case {k} of rep {n}",
                        first_contact_due=now + timedelta(hours=k),
                        resolve_due=now + timedelta(days=3),
                    )
                )
        invitations = []
        for n in range(args.links):
            customer = Customer(email=f"c{n}@bench.example", name=f"Customer {n}")
            sale = Sale(
                order_ref=f"LOAD-{n}",
                customer=customer,
                rep=reps[n % len(reps)],
                amount=Decimal("990.00"),
                currency="SEK",
                product="Office chair",
                sold_at=now - timedelta(days=4),
            )
            invitations.append(
                SurveyInvitation(
                    kind="post_sale",
                    customer=customer,
                    sale=sale,
                    scheduled_for=now - timedelta(days=1),
                    sent_at=now - timedelta(days=1),
                    expires_at=now + timedelta(days=27),
                )
            )
        db.session.add_all(invitations)
        db.session.commit()
        (OUT / "tokens.txt").write_text(
            "\n".join(make_token("survey", inv.id) for inv in invitations) + "\n"
        )
        (OUT / "reps.txt").write_text("".join(f"{r.email} {PASSWORD}\n" for r in reps))
        db.engine.dispose()


# --- report -----------------------------------------------------------------------------------


def report(url: str, args, elapsed: float, load_average_during) -> None:
    import sqlalchemy as sa

    rows = list(csv.DictReader((OUT / "load_stats.csv").open()))
    print(
        f"\n{args.users} users ({args.gunicorn_workers} gunicorn workers x {args.threads} "
        f"threads, 1 worker.py), {elapsed:.0f} s; load average after: "
        + " ".join(f"{x:.1f}" for x in load_average_during)
    )
    print(f"{'request':28} {'count':>7} {'errors':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    aggregated = None
    posts_ok = 0
    for row in rows:
        name = row["Name"] or "Aggregated"
        line = (
            f"{name:28} {row['Request Count']:>7} {row['Failure Count']:>7} "
            f"{float(row['Requests/s']):7.1f} {row['50%']:>7} {row['95%']:>7}"
        )
        print(line)
        if row["Name"] == "Aggregated":
            aggregated = row
        if row["Name"] == "POST /s/[token]":
            posts_ok = int(row["Request Count"]) - int(row["Failure Count"])
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        stored = conn.scalar(sa.text("SELECT count(*) FROM survey_responses"))
        doubled = conn.scalar(
            sa.text(
                "SELECT count(*) FROM (SELECT invitation_id FROM survey_responses "
                "GROUP BY invitation_id HAVING count(*) > 1) d"
            )
        )
        cases = conn.scalar(sa.text("SELECT count(*) FROM cases WHERE source = 'survey'"))
    engine.dispose()
    # Locust writes its figures at the end of --run-time; answers still in flight then are
    # stored but not counted, so stored >= accepted, and equal within those few.
    lost = "none lost" if stored >= posts_ok else f"{posts_ok - stored} LOST"
    print(f"answers accepted (303): {posts_ok}; stored: {stored} ({lost}); stored twice: {doubled}")
    print(f"cases in the database afterwards: {cases} (seeded {args.reps * args.cases_per_rep})")
    if aggregated:
        errors = int(aggregated["Failure Count"])
        p95 = float(aggregated["95%"])
        verdict = "met" if errors == 0 and p95 <= TARGET_P95_MS else "NOT met"
        print(
            f"target (no errors, p95 <= {TARGET_P95_MS} ms): {verdict} "
            f"(errors {errors}, p95 {p95:.0f} ms)"
        )


if __name__ == "__main__":
    main()
