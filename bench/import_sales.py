"""Benchmark of `flask portal import-sales`: how fast and how big a large CSV import runs.

Run by hand, not a test. It writes a realistic CSV of N rows (about 1% bad rows and 0.5%
repeated order refs), then for each database creates it afresh, runs the migrations, adds the
reps, and imports the file through the same service function the command uses. Each import
runs in its own process, so its peak memory is its own. One line per database:

    .venv/bin/python bench/import_sales.py                      # SQLite under bench/out/
    .venv/bin/python bench/import_sales.py --rows 20000 \\
        --database-url sqlite \\
        --database-url postgresql://postgres@127.0.0.1/aftersale_bench

The PostgreSQL database named in the URL is dropped and created again: use a scratch one.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import fresh_database

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
REPS = 40
PRODUCTS = [
    "Office chair",
    "Standing desk",
    "Desk lamp",
    "Monitor arm",
    "Footrest",
    "Whiteboard",
    "Filing cabinet",
    "Bookshelf",
    "Meeting table",
    "Acoustic panel",
    "Sofa",
    "Coat stand",
    "Laptop stand",
    "Drawer unit",
    "Conference phone",
    "Pedestal",
    "Stool",
    "Room divider",
]
FIRST = [
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Johan",
    "Sara",
    "Nils",
    "Emma",
    "Oskar",
    "Lena",
    "Peter",
    "Ida",
    "Anders",
    "Eva",
    "Jonas",
    "Sofia",
    "Mats",
    "Linnea",
    "Per",
]
LAST = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Smith",
    "Jones",
    "Brown",
    "Taylor",
    "Wilson",
]
DOMAINS = ["example.com", "example.org", "example.net", "example.se"]
CURRENCIES = ["SEK"] * 12 + ["EUR"] * 5 + ["USD"] * 2 + ["NOK", "sek", "eur"]
BAD_ROWS = [
    ("amount", "12,50 kr"),
    ("amount", "abc"),
    ("amount", "-100.00"),
    ("sold_at", "31/12/2023"),
    ("rep_email", "nobody@bench.example.com"),
    ("rep_email", "former.rep@bench.example.com"),
    ("customer_email", "no-at-sign.example.com"),
    ("currency", "SKR"),
    ("product", ""),
    ("order_ref", ""),
]
COLUMNS = [
    "order_ref",
    "sold_at",
    "customer_email",
    "customer_name",
    "rep_email",
    "amount",
    "currency",
    "product",
    "customer_locale",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url",
        action="append",
        dest="urls",
        help='"sqlite" (a file under bench/out/) or a postgresql:// URL; may be repeated',
    )
    parser.add_argument("--child", metavar="CSV", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_import(Path(args.child), args.urls[0])))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / f"sales_{args.rows}.csv"
    started = time.perf_counter()
    generate_csv(csv_path, args.rows, random.Random(args.seed))
    size_mb = csv_path.stat().st_size / 1e6
    print(
        f"CSV: {csv_path.relative_to(ROOT)}, {args.rows:,} rows, {size_mb:.1f} MB, "
        f"written in {time.perf_counter() - started:.1f} s; {os.cpu_count()} CPU cores",
        flush=True,
    )
    for url in args.urls or ["sqlite"]:
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(csv_path), "--database-url", url],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if child.returncode != 0:
            sys.stderr.write(child.stderr)
            sys.exit(f"the import into {url} failed")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"{figures['database']:<10} rows {figures['rows']:,}  {figures['seconds']:.1f} s  "
            f"{figures['rows'] / figures['seconds']:,.0f} rows/s  "
            f"imported {figures['imported']:,}  rejected {figures['rejected']:,}  "
            f"duplicates {figures['duplicates']:,}  new customers {figures['customers']:,}  "
            f"peak memory {figures['peak_mib']:.0f} MiB (before import {figures['before_mib']:.0f} MiB)"
        )


def generate_csv(path: Path, rows: int, rnd: random.Random) -> None:
    """Rows of realistic sales; 1% have one bad field, 0.5% repeat an earlier order ref."""
    customers = []
    for i in range(max(rows // 5, 1)):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        email = f"{first}.{last}{i}@{rnd.choice(DOMAINS)}"
        email = email if rnd.random() < 0.2 else email.lower()  # some systems keep the case
        customers.append((email, f"{first} {last}", "sv" if rnd.random() < 0.3 else "en"))
    now = datetime.now(UTC)
    recent: deque[list[str]] = deque(maxlen=5000)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for n in range(rows):
            if recent and rnd.random() < 0.005:
                row = list(rnd.choice(recent))  # an order exported twice
            else:
                row = _sale_row(n, rnd, customers, now)
                if rnd.random() < 0.01:
                    column, value = rnd.choice(BAD_ROWS)
                    row[COLUMNS.index(column)] = value
                recent.append(row)
            writer.writerow(row)


def _sale_row(n: int, rnd: random.Random, customers: list, now: datetime) -> list[str]:
    email, name, locale = rnd.choice(customers)
    sold_at = now - timedelta(seconds=rnd.randint(0, 730 * 86400))
    style = rnd.random()
    if style < 0.5:
        when = sold_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif style < 0.8:
        when = sold_at.astimezone().isoformat(timespec="seconds")
    elif style < 0.95:
        when = sold_at.strftime("%Y-%m-%d %H:%M:%S")
    else:
        when = sold_at.strftime("%Y-%m-%d")
    cents = rnd.randint(5_000, 5_000_000)
    amount = f"{cents // 100}.{cents % 100:02d}"
    if rnd.random() < 0.2:
        amount = f"{cents // 100:,}.{cents % 100:02d}"
    return [
        f"SO-{1_000_000 + n}",
        when,
        email,
        name,
        f"rep{rnd.randrange(REPS)}@bench.example.com",
        amount,
        rnd.choice(CURRENCIES),
        rnd.choice(PRODUCTS),
        locale if rnd.random() < 0.7 else "",
    ]


def run_import(csv_path: Path, url: str) -> dict:
    """In a child process: a fresh database, the migrations, the reps, then the import."""
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.models import Customer, Sale, User
    from portal.services.sales.file_import import import_sales_file

    url = _fresh_database(url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret-key-0123456789-0123456789-0123456789",
            "REDIS_URL": None,
            "MAIL_SERVER": None,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        upgrade()
        reps = [
            {"email": f"rep{i}@bench.example.com", "name": f"Rep {i}", "role": "rep"}
            for i in range(REPS)
        ]
        reps.append(
            {
                "email": "former.rep@bench.example.com",
                "name": "Former",
                "role": "rep",
                "active": False,
            }
        )
        db.session.execute(sa.insert(User), reps)
        db.session.commit()

        rows = sum(1 for _ in csv_path.open(encoding="utf-8")) - 1
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        result = import_sales_file(csv_path)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stored = db.session.scalar(sa.select(sa.func.count(Sale.id)))
        assert stored == result.imported, (stored, result.imported)
        customers = db.session.scalar(sa.select(sa.func.count(Customer.id)))
        assert customers == result.customers_created
        name = db.engine.dialect.name
    return {
        "database": name,
        "rows": rows,
        "seconds": seconds,
        "imported": result.imported,
        "rejected": result.rejected,
        "duplicates": result.duplicates,
        "customers": result.customers_created,
        "peak_mib": peak / 1024,
        "before_mib": before / 1024,
    }


def _fresh_database(url: str) -> str:
    if url == "sqlite":
        path = OUT / "import_bench.db"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    return fresh_database(url)


if __name__ == "__main__":
    main()
