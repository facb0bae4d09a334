"""Benchmark of customers answering surveys: the portal under gunicorn on PostgreSQL, side by
side with a bare Flask app (bench/bare_app.py) of the same flow shape, in the same run.

Run by hand, not a test. It creates a fresh PostgreSQL database, runs the migrations and adds M
survey invitations that were sent and not answered, each with its own link. Then, for each
gunicorn worker count asked for, it serves the portal (sync workers, PORTAL_ENV=production) and
the bare app on free ports of 127.0.0.1 in turn, and points Locust (headless, a fixed number of
users for a fixed time) at each. Every Locust user is a customer with a fresh browser: GET
/s/<token>, read the CSRF token, POST an answer, expect 303. After each portal run the answers
stored are compared with the POSTs answered 303 (nothing lost, nothing doubled), then cleared
for the next run.

    .venv/bin/python bench/survey_submit.py                         # 2, 3 and 4 workers
    .venv/bin/python bench/survey_submit.py --workers 3 --users 50 --duration 60

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
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1/aftersale_bench_submit"
SECRET_KEY = "bench-submit-secret-key-0123456789-0123456789-0123"  # noqa: S105  (scratch)
LOCUSTFILE = BENCH / "locustfile_survey.py"
REPS = 20
PRODUCTS = ["Office chair", "Standing desk", "Desk lamp", "Monitor arm", "Sofa", "Bookshelf"]


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
        "--apps", default="portal,bare", help="which apps to load, in order (portal,bare)"
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
    if not 1 <= args.duration <= 600 or not 1 <= args.users <= 500:
        sys.exit("--duration must be 1-600 s and --users 1-500")

    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    url = _fresh_database(args.database_url)
    started = time.perf_counter()
    tokens_file = OUT / "submit_tokens.txt"
    prepare_database(url, args.invitations, tokens_file)
    print(
        f"setup: {args.invitations:,} sent, unanswered survey invitations (one link each) in "
        f"{time.perf_counter() - started:.1f} s; database {_database_name(url)}; "
        f"{os.cpu_count()} CPU cores shared by Locust, gunicorn and PostgreSQL; load {_load()}",
        flush=True,
    )
    print(
        "settings: gunicorn sync workers; portal with PORTAL_ENV=production, "
        "RATELIMIT_ENABLED=false (its per-address limit of 30 POSTs a minute would stop a load "
        "test from one address), no REDIS_URL (the survey POST enqueues no job; rate-limit "
        f"storage in memory); Locust {args.users} users, {args.duration} s, no wait between "
        "customers",
        flush=True,
    )
    results = []
    for workers in worker_counts:
        for app_name in apps:
            if app_name == "portal":
                reset_answers(url)
            result = run_one(app_name, workers, url, tokens_file, args)
            if app_name == "portal":
                result["check"] = check_answers(url, result)
            results.append(result)
            print_result(result)
    print_summary(results, args)


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
    from portal.models import Customer, Sale, SurveyInvitation, User, utcnow
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
            conn.execute(
                sa.insert(User),
                [
                    {"email": f"rep{i}@bench.example.com", "name": f"Rep {i}", "role": "rep"}
                    for i in range(REPS)
                ],
            )
            rep_ids = list(conn.scalars(sa.select(User.id).order_by(User.id)))
            for start in range(0, count, 5000):
                conn.execute(
                    sa.insert(Customer),
                    [
                        {
                            "email": f"customer{n}@bench.example.org",
                            "name": f"Customer {n}",
                            "locale": "sv" if n % 10 < 3 else "en",
                            "last_surveyed_at": sent_at,
                            "created_at": sold_at,
                        }
                        for n in range(start, min(start + 5000, count))
                    ],
                )
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
    port = _free_port()
    if app_name == "portal":
        target, chdir, env = "wsgi:app", ROOT, _portal_env(url, port)
        ready_path = "/healthz"
    else:
        target, chdir, env = "bare_app:app", BENCH, {**os.environ}
        ready_path = "/s/ready"
    label = f"{app_name}-w{workers}"
    log = (OUT / f"submit_gunicorn_{label}.log").open("w")
    profile = OUT / f"submit_profile_{label}.txt" if args.profile and app_name == "portal" else None
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
        _wait_ready(f"http://127.0.0.1:{port}{ready_path}", gunicorn, 30)
        result = run_locust(label, port, tokens_file, gunicorn.pid, url, args)
    finally:
        _stop_gunicorn(gunicorn, under_py_spy=profile is not None)
        try:
            gunicorn.wait(20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()
        log.close()
    result.update(app=app_name, workers=workers, load=_load(), at=time.strftime("%H:%M:%S"))
    if profile:
        _wait_for_file(profile, 30)
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


def summarise_profile(path: Path, top: int = 30) -> None:
    """Where a request's time goes (waits included): py-spy's raw output, one collapsed stack
    a line; only stacks inside Flask.wsgi_app count, grouped by the innermost portal frame and
    what it called."""
    from collections import Counter

    mine: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "Flask.wsgi_app" not in stack:
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        for frame in set(frames):
            if "portal/" in frame or "flask" in frame or "wtforms" in frame or "jinja2" in frame:
                inclusive[frame] += samples
        ours = [i for i, f in enumerate(frames) if "portal/" in f]
        at = ours[-1] if ours else len(frames) - 1
        callee = frames[at + 1] if at + 1 < len(frames) else "(itself)"
        mine[f"{frames[at]}  ->  {callee}"] += samples
    print(f"profile {path} ({total} samples inside requests)")
    for frame, samples in inclusive.most_common(top):
        print(f"  {100 * samples / total:5.1f}% incl  {frame}")
    print("  -- by innermost portal frame and its callee --")
    for frame, samples in mine.most_common(top):
        print(f"  {100 * samples / total:5.1f}%  {frame}")


def _wait_for_file(path: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)


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
        "SURVEY_REUSE_TOKENS": "1" if label.startswith("bare") else "0",
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
    database = _database_name(url)
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
                locust=_tree(locust.pid),
                gunicorn=_tree(server_pid),
                postgres=_postgres_backends(database),
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


class CpuMeter:
    """CPU seconds used by groups of processes, from samples of their cumulative times, and by
    the whole machine (so the share of other people's processes shows)."""

    def __init__(self):
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.machine_first = _machine_busy()

    def sample(self, **groups) -> None:
        import psutil

        self.machine_last = _machine_busy()
        for group, processes in groups.items():
            for p in processes:
                try:
                    times = p.cpu_times()
                except psutil.Error:
                    continue  # it exited between the listing and this sample
                key = (group, p.pid)
                used = times.user + times.system
                self.first.setdefault(key, used)
                self.last[key] = used

    def cores(self, wall: float) -> dict[str, float]:
        totals: dict[str, float] = {}
        for key, used in self.last.items():
            totals[key[0]] = totals.get(key[0], 0.0) + used - self.first[key]
        cores = {group: seconds / wall for group, seconds in totals.items()}
        machine = (self.machine_last - self.machine_first) / wall
        cores["others"] = max(machine - sum(cores.values()), 0.0)
        return cores


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores, all processes)."""
    import psutil

    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0)


def _tree(pid: int) -> list:
    import psutil

    try:
        top = psutil.Process(pid)
        return [top, *top.children(recursive=True)]
    except psutil.Error:
        return []


def _postgres_backends(database: str) -> list:
    """The PostgreSQL server processes serving this database (other databases are not ours)."""
    import psutil

    found = []
    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            cmdline = " ".join(p.info["cmdline"] or [])
        except psutil.Error:
            continue
        if cmdline.startswith("postgres: ") and f" {database} " in cmdline:
            found.append(p)
    return found


# --- output -------------------------------------------------------------------------------------

GET = "GET /s/[token]"
POST = "POST /s/[token]"


def print_result(r: dict) -> None:
    s = r["stats"]
    get, post, total = s.get(GET), s.get(POST), s.get("Aggregated")
    ms = "{:.0f}/{:.0f}/{:.0f} ms".format
    if not (get and post and total):
        print(f"{r['app']:<6} workers {r['workers']}: no stats (see bench/out/)")
        return
    cpu = r["cpu"]
    errors = get["failures"] + post["failures"]
    line = (
        f"{r['app']:<6} w{r['workers']}  {total['rps']:7.1f} req/s  "
        f"POST {post['rps']:6.1f}/s ({post['count'] - post['failures']:,} answers)  "
        f"GET p50/p95/p99 {ms(get['p50'], get['p95'], get['p99'])}  "
        f"POST p50/p95/p99 {ms(post['p50'], post['p95'], post['p99'])}  errors {errors}  "
        f"CPU cores: locust {cpu.get('locust', 0):.2f}, gunicorn {cpu.get('gunicorn', 0):.2f}, "
        f"postgres {cpu.get('postgres', 0):.2f}, other processes {cpu.get('others', 0):.2f}  "
        f"load {r['load']} at {r['at']}"
    )
    print(line, flush=True)
    flows = post["count"] - post["failures"]
    if flows:
        r["cpu_ms_per_flow"] = 1000 * cpu.get("gunicorn", 0) * r["wall"] / flows
        print(
            f"        gunicorn CPU per customer (GET + POST): {r['cpu_ms_per_flow']:.1f} ms",
            flush=True,
        )
    if r.get("ran_out"):
        print("        the links ran out before the end: raise --invitations", flush=True)
    check = r.get("check")
    if check:
        verdict = "OK" if check["ok"] else "MISMATCH"
        print(
            f"        check {verdict}: {check['posted_ok']:,} POSTs answered 303, "
            f"{check['stored']:,} answers stored, {check['marked_answered']:,} invitations "
            f"marked answered; lost {check['lost']}, unexpected {check['unexpected']}",
            flush=True,
        )


def print_summary(results: list[dict], args) -> None:
    print(
        f"summary ({args.users} users, {args.duration} s per run; {time.strftime('%Y-%m-%d %H:%M %Z')}):"
    )
    by = {(r["app"], r["workers"]): r for r in results}
    for workers in sorted({r["workers"] for r in results}):
        portal, bare = by.get(("portal", workers)), by.get(("bare", workers))
        if not (portal and bare) or POST not in portal["stats"] or POST not in bare["stats"]:
            continue
        p = portal["stats"][POST]["rps"]
        b = bare["stats"][POST]["rps"]
        cost = ""
        if portal.get("cpu_ms_per_flow") and bare.get("cpu_ms_per_flow"):
            cost = (
                f"; CPU per customer: portal {portal['cpu_ms_per_flow']:.1f} ms, bare "
                f"{bare['cpu_ms_per_flow']:.1f} ms, ratio "
                f"{bare['cpu_ms_per_flow'] / portal['cpu_ms_per_flow']:.2f}"
            )
        print(
            f"  {workers} workers: portal {p:.1f} answers/s, bare {b:.1f} POST/s, "
            f"ratio {p / b:.2f} (target >= 0.50){cost}"
        )
    checks = [r["check"]["ok"] for r in results if r.get("check")]
    if checks and not all(checks):
        sys.exit("CHECK FAILED: stored answers differ from the POSTs answered 303")


# --- helpers ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(address: str, process, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited ({process.returncode}); see bench/out/submit_gunicorn_*.log")
        try:
            with urllib.request.urlopen(address, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{address} did not answer within {seconds} s")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


if __name__ == "__main__":
    main()
