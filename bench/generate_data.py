"""Fill a scratch PostgreSQL database with a year of sales, surveys and cases, for
bench/dashboard.py. The database is dropped and created again: use a scratch one.

    .venv/bin/python bench/generate_data.py                  # 1,000,000 answers, 100,000 cases
    .venv/bin/python bench/generate_data.py --scale 0.1      # a tenth (reps stay 300)

Rows go in with COPY (ids given, sequences moved on after). Every staff account's password is
`aftersale-bench`: managers are manager1@bench.example ..., reps rep1@bench.example ...
"""

from __future__ import annotations

import argparse
import io
import os
import random
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/aftersale_bench_c"
PASSWORD = "aftersale-bench"  # noqa: S105  (scratch accounts of a benchmark)
TEAMS, REPS = 20, 300
CURRENCIES = ("SEK", "EUR", "GBP")
SEVERITIES = ("critical", "high", "normal", "low")


def iso(moment: datetime) -> str:
    return moment.isoformat()


def recreate(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if not name.startswith("aftersale_") or "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: use a database named aftersale_...bench...")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi.py"}
    flask = str(ROOT / ".venv" / "bin" / "flask")
    for args in (["db", "upgrade"], ["portal", "init"]):
        subprocess.run([flask, *args], cwd=ROOT, env=env, check=True, capture_output=True)


def copy(conn, table: str, columns: list[str], rows) -> int:
    count = 0
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
            count += 1
            if count % 20000 == 0:
                out.write(buffer.getvalue())
                buffer = io.StringIO()
        out.write(buffer.getvalue())
    return count


def generate(url: str, scale: float, seed: int) -> dict:
    from werkzeug.security import generate_password_hash

    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=365)
    n_answers = int(1_000_000 * scale)
    n_invitations = int(n_answers * 1.25)
    n_sales = int(n_invitations * 1.05)
    n_cases = int(100_000 * scale)
    n_customers = max(1000, n_sales // 3)
    password = generate_password_hash(PASSWORD, method="scrypt")
    counts = {}
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK checks while loading
        counts["teams"] = copy(
            conn,
            "teams",
            ["id", "name", "lead_id", "timezone", "workdays", "workday_start", "workday_end",
             "created_at"],
            ((t, f"Team {t:02d}", t, "Europe/Stockholm", "1,2,3,4,5", "08:00", "17:00",
              iso(start)) for t in range(1, TEAMS + 1)),
        )  # fmt: skip
        staff = [
            (i, f"manager{i}@bench.example", f"Manager {i}", "manager", i) for i in range(1, 21)
        ]
        staff += [
            (20 + r, f"rep{r}@bench.example", f"Rep {r:03d}", "rep", (r - 1) % TEAMS + 1)
            for r in range(1, REPS + 1)
        ]
        staff.append((21 + REPS, "admin@bench.example", "Admin", "admin", None))
        counts["users"] = copy(
            conn,
            "users",
            ["id", "email", "name", "password_hash", "role", "team_id", "active",
             "session_token", "created_at"],
            ((i, e, n, password, role, team, "t", secrets.token_urlsafe(32), iso(start))
             for i, e, n, role, team in staff),
        )  # fmt: skip
        counts["customers"] = copy(
            conn,
            "customers",
            ["id", "email", "name", "locale", "created_at"],
            ((c, f"c{c}@customers.example", f"Customer {c}", "en", iso(start))
             for c in range(1, n_customers + 1)),
        )  # fmt: skip
        span = (now - start).total_seconds() - 3 * 86400
        sales = []  # (id, customer, rep, sold_at)
        for s in range(1, n_sales + 1):
            rep = 21 + int(rng.paretovariate(1.2) * 7) % REPS
            sales.append((s, rng.randint(1, n_customers), rep,
                          start + timedelta(seconds=rng.random() * span)))  # fmt: skip
        counts["sales"] = copy(
            conn,
            "sales",
            ["id", "order_ref", "customer_id", "rep_id", "amount", "currency", "product",
             "sold_at", "created_at"],
            ((s, f"B-{s:08d}", c, rep, rng.randint(10_000, 5_000_000),
              CURRENCIES[(rep - 21) % TEAMS % 3], "Office chair", iso(at), iso(at))
             for s, c, rep, at in sales),
        )  # fmt: skip
        answered = set(rng.sample(range(1, n_invitations + 1), n_answers))
        invitations = []
        for i in range(1, n_invitations + 1):
            s, c, rep, at = sales[i - 1]
            sent = at + timedelta(days=1)
            invitations.append((i, c, s, sent, sent + timedelta(hours=rng.randint(1, 48))))
        counts["survey_invitations"] = copy(
            conn,
            "survey_invitations",
            ["id", "kind", "customer_id", "sale_id", "scheduled_for", "sent_at", "answered_at",
             "send_attempts", "created_at"],
            ((i, "post_sale", c, s, iso(sent), iso(sent),
              iso(ans) if i in answered else None, 1, iso(sent))
             for i, c, s, sent, ans in invitations),
        )  # fmt: skip
        scores = (1, 2, 3, 4, 4, 5, 5, 5, 5, 5)
        counts["survey_responses"] = copy(
            conn,
            "survey_responses",
            ["id", "invitation_id", "satisfaction", "recommend", "may_contact",
             "submitted_at", "needs_review"],
            ((n, i, (sat := rng.choice(scores)), min(10, max(0, 2 * sat + rng.randint(-2, 1))),
              "f", iso(ans), "f")
             for n, (i, c, s, sent, ans) in enumerate(
                 (inv for inv in invitations if inv[0] in answered), start=1)),
        )  # fmt: skip
        counts["cases"] = copy(
            conn,
            "cases",
            ["id", "source", "customer_id", "sale_id", "assigned_rep_id", "status",
             "severity", "first_contact_due", "resolve_due", "first_contact_at",
             "resolved_at", "satisfaction_before", "satisfaction_after", "reopen_count",
             "created_at", "updated_at", "version", "needs_review"],
            (_case(k, rng, sales, now) for k in range(1, n_cases + 1)),
        )  # fmt: skip
        conn.execute("SET session_replication_role = DEFAULT")
        for table in counts:
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608  (our own table names)
            conn.execute(sql)
        conn.execute("ANALYZE")
    return counts


def _case(k: int, rng: random.Random, sales: list, now: datetime) -> tuple:
    s, customer, rep, sold = sales[rng.randrange(len(sales))]
    created = min(sold + timedelta(hours=rng.randint(24, 24 * 20)), now - timedelta(hours=1))
    severity = rng.choice(SEVERITIES)
    fc_due = created + timedelta(hours=(2, 4, 9, 18)[SEVERITIES.index(severity)])
    rs_due = created + timedelta(days=(1, 2, 5, 10)[SEVERITIES.index(severity)])
    age = now - created
    first_contact = created + timedelta(minutes=rng.randint(10, 60 * 30))
    if first_contact > now or rng.random() < 0.02:
        first_contact = None
    resolved = None
    if first_contact is not None and age > timedelta(days=2) and rng.random() < 0.97:
        resolved = min(first_contact + timedelta(hours=rng.randint(1, 24 * 8)), now)
    status = "closed" if resolved else ("contacted" if first_contact else "open")
    reopens = rng.choice((0,) * 18 + (1, 2)) if resolved else 0
    before = rng.randint(1, 2)
    after = rng.randint(2, 5) if resolved and rng.random() < 0.5 else None
    assigned = None if rng.random() < 0.02 else rep
    return (
        k, "survey", customer, s, assigned, status, severity, iso(fc_due), iso(rs_due),
        iso(first_contact) if first_contact else None, iso(resolved) if resolved else None,
        before, after, reopens, iso(created), iso(created), 1, "f",
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 answers")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    began = time.perf_counter()
    recreate(args.database_url)
    counts = generate(args.database_url, args.scale, args.seed)
    for table, n in counts.items():
        print(f"{table:>20}: {n:>10,}")
    print(f"generated in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
