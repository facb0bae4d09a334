"""The load of bench/triage_latency.py: customers answering their survey negatively through
HTTP, like a browser (GET the link, read the CSRF token, POST), at a steady rate or at once,
while the CPU of gunicorn, PostgreSQL and the worker is sampled."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from harness import (
    CpuMeter,
    database_name,
    load_average,
    machine_busy,
    postgres_backends,
    process_tree,
)
from triage_services import Services, read_arrivals

COMMENTS = [
    "Order {ref}: the {product} arrived broken and nobody answered my emails. I want a refund.",
    "Order {ref}: still waiting for my {product} after three weeks. Very disappointed.",
    "Order {ref}: terrible service, the {product} was damaged and support hung up on me.",
    "Order {ref}: the third time I complain about missing parts of the {product}. Awful.",
]
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass
class Customer:
    invitation_id: int
    token: str
    order_ref: str
    product: str


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
                gunicorn=process_tree(self.services.gunicorn_pid),
                postgres=postgres_backends(self.database),
            )
            self.stop.wait(1.0)


def _worker_cpu(pid: int) -> float:
    import psutil

    try:
        t = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return t.user + t.system + t.children_user + t.children_system


def _rep_emails(services: Services) -> int:
    """The reps' case emails arrived so far (the customers' "we opened a case" emails are not
    what the clock waits for)."""
    return sum(1 for arrival in read_arrivals(services.smtp_log) if arrival[1] is not None)


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
    sampler = Sampler(services, database_name(os.environ["DATABASE_URL"]), limit)
    me = psutil.Process()
    client_cpu0 = sum(me.cpu_times()[:2])
    worker_cpu0 = _worker_cpu(services.worker_pid)
    machine0 = machine_busy()
    load_before = load_average()
    arrived_before = _rep_emails(services)  # earlier runs' (--runs)
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
    load_after_posts = load_average()
    ok = [s for s in subs if s.status == 303]
    print(
        f"load: {len(ok):,} of {n:,} answers accepted (303) in {posted_at - wall0:.1f} s; "
        f"waiting for {len(ok):,} emails; load {load_after_posts}",
        flush=True,
    )

    deadline = time.monotonic() + args.timeout
    last_count, last_change = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = _rep_emails(services) - arrived_before  # this run's emails to reps
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
    machine = machine_busy() - machine0
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
        "load_end": load_average(),
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
