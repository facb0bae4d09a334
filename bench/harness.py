"""What the bench scripts share: scratch databases on 127.0.0.1 (PostgreSQL dropped and created
again, Redis flushed only when it is ours), free ports, waiting for a server or a condition,
CPU figures (per process group and for the whole machine), and the bulk set-up of reps,
customers and one sale each.

Run nothing from here; the scripts import it (`from harness import ...`, bench/ is on their
path when run as `python bench/NAME.py`).
"""

from __future__ import annotations

import os
import socket
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PRODUCTS = ["Office chair", "Standing desk", "Desk lamp", "Monitor arm", "Sofa", "Bookshelf"]
LOOPBACK = ("127.0.0.1", "localhost")
SALE_COLUMNS = (
    "order_ref",
    "customer_id",
    "rep_id",
    "amount",
    "currency",
    "product",
    "sold_at",
    "created_at",
)


# --- scratch databases --------------------------------------------------------------------------


def fresh_database(url: str) -> str:
    """Drop and create the PostgreSQL database of `url` (loopback only: it is dropped); the URL
    for SQLAlchemy with psycopg."""
    import sqlalchemy as sa

    target = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
    if target.host not in LOOPBACK:
        sys.exit("--database-url must point at 127.0.0.1 (the database is dropped)")
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    return target.render_as_string(hide_password=False)


def database_name(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).database


def claim_redis(url: str, marker: str, owner: str) -> None:
    """Flush the scratch Redis database, unless it holds keys that `owner` did not put there
    (`marker` is set after the flush: "this database is ours")."""
    import redis

    client = redis.Redis.from_url(url)
    if client.connection_pool.connection_kwargs.get("host") not in LOOPBACK:
        sys.exit("--redis-url must point at 127.0.0.1 (it is flushed)")
    if client.dbsize() and not client.exists(marker):
        sys.exit(
            f"{url} holds {client.dbsize()} keys that {owner} did not write: "
            "choose an empty database number"
        )
    client.flushdb()
    client.set(marker, owner)
    client.close()


def insert_reps_customers_sales(
    conn, reps: int, customers: int, sold_at: datetime, last_surveyed_at: datetime | None = None
) -> list[int]:
    """`reps` reps and `customers` customers with one sale each, spread over the reps (Core bulk
    inserts on `conn`, the sales made in the database from the customers). The reps' ids."""
    import sqlalchemy as sa

    from portal.models import Customer, Sale, User

    conn.execute(
        sa.insert(User),
        [
            {"email": f"rep{i}@bench.example.com", "name": f"Rep {i}", "role": "rep"}
            for i in range(reps)
        ],
    )
    rep_ids = list(conn.scalars(sa.select(User.id).order_by(User.id)))
    surveyed = {"last_surveyed_at": last_surveyed_at} if last_surveyed_at else {}
    for start in range(0, customers, 5000):
        conn.execute(
            sa.insert(Customer),
            [
                {
                    "email": f"customer{n}@bench.example.org",
                    "name": f"Customer {n}",
                    "locale": "sv" if n % 10 < 3 else "en",
                    "created_at": sold_at,
                    **surveyed,
                }
                for n in range(start, min(start + 5000, customers))
            ],
        )
    ids = sa.select(Customer.id).subquery()
    conn.execute(
        sa.insert(Sale).from_select(
            list(SALE_COLUMNS),
            sa.select(
                sa.func.concat("SO-", ids.c.id),
                ids.c.id,
                sa.literal(rep_ids[0]) + ids.c.id % reps,
                sa.literal(1250) + ids.c.id % 900,
                sa.literal("SEK"),
                sa.case(*[(ids.c.id % len(PRODUCTS) == i, p) for i, p in enumerate(PRODUCTS)]),
                sa.literal(sold_at, Sale.sold_at.type),
                sa.literal(sold_at, Sale.created_at.type),
            ),
        )
    )
    return rep_ids


# --- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(address: str, process, seconds: float, log) -> None:
    """Until `address` answers 200; exit naming `log` if `process` (the server) stops first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(address, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{address} did not answer within {seconds} s")


def wait_for(check, seconds: float, message: str, process=None) -> None:
    """Until `check()` is true; exit with `message` after `seconds` or if `process` stops."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline or (process is not None and process.poll() is not None):
            sys.exit(message)
        time.sleep(0.05)


def wait_for_file(path: Path, seconds: float) -> None:
    """Until `path` exists, `seconds` at most (a profiler writes its file when it stops)."""
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)


# --- CPU ----------------------------------------------------------------------------------------


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores, all processes)."""
    import psutil

    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def process_tree(pid: int) -> list:
    """The process and all its children (psutil), or none once it has gone."""
    import psutil

    try:
        top = psutil.Process(pid)
        return [top, *top.children(recursive=True)]
    except psutil.Error:
        return []


def postgres_backends(database: str) -> list:
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


class CpuMeter:
    """CPU seconds used by groups of processes, from samples of their cumulative times, and by
    the whole machine (so the share of other people's processes shows)."""

    def __init__(self):
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.machine_first = machine_busy()

    def sample(self, **groups) -> None:
        import psutil

        self.machine_last = machine_busy()
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
