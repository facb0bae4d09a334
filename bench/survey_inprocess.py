"""The CPU one customer costs the portal (GET + POST of the survey), measured in one process.

bench/survey_submit.py measures gunicorn's CPU under load; on a shared machine that figure
moves with what the other processes leave (and includes gunicorn's own request handling). This
one runs the same customers through Flask's test client in one process, against the same kind
of PostgreSQL database and Redis (production settings: REDIS_URL, the answer's jobs queued,
nobody working them off), and reads the process's own CPU time (`time.process_time`): best and
median of several rounds, the portal and bench/bare_app.py taking turns, so both see the same
machine. Run it under py-spy to see where the time goes:

    .venv/bin/python bench/survey_inprocess.py --database-url postgresql://postgres@127.0.0.1/X \
        --redis-url redis://127.0.0.1:6379/N
    .venv/bin/py-spy record --gil --rate 250 --format speedscope -o out.json -- \
        .venv/bin/python bench/survey_inprocess.py --apps portal --rounds 5 ...

The PostgreSQL database is dropped and created again, and the Redis database flushed (unless
another bench's keys are in it): use scratch ones.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

from harness import claim_redis, fresh_database, load_average
from survey_submit import OUT, ROOT, _portal_env, prepare_database, reset_answers

CSRF_INPUT = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
REDIS_MARKER = "aftersale-bench-inprocess:owner"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--apps", default="portal,bare", help="portal, bare, or both")
    parser.add_argument("--customers", type=int, default=100, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    apps = args.apps.split(",")
    if set(apps) - {"portal", "bare"}:
        sys.exit("--apps: choose from portal, bare")
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    url = fresh_database(args.database_url)
    claim_redis(args.redis_url, REDIS_MARKER, "bench/survey_inprocess.py")
    warm = 20
    tokens_file = OUT / "inprocess_tokens.txt"
    prepare_database(url, (args.customers * args.rounds + warm) * len(apps), tokens_file)
    tokens = [line.split()[1] for line in tokens_file.read_text().splitlines()]
    reset_answers(url)
    clients = {name: _client(name, url, args.redis_url) for name in apps}
    for client in clients.values():
        for _ in range(warm):
            _customer(client, tokens.pop())
    print(f"load {load_average()}; {args.rounds} rounds of {args.customers} customers", flush=True)
    figures: dict[str, dict[str, list[float]]] = {n: {"get": [], "post": []} for n in apps}
    for _ in range(args.rounds):
        for name, client in clients.items():
            get = post = 0.0
            for _ in range(args.customers):
                g, p = _customer(client, tokens.pop())
                get, post = get + g, post + p
            figures[name]["get"].append(1000 * get / args.customers)
            figures[name]["post"].append(1000 * post / args.customers)
    for name, times in figures.items():
        total = [g + p for g, p in zip(times["get"], times["post"], strict=True)]
        print(
            f"{name:<7} CPU per customer: best {min(total):.2f} ms, median "
            f"{statistics.median(total):.2f} ms (GET {min(times['get']):.2f}, POST "
            f"{min(times['post']):.2f} ms best); rounds: " + " / ".join(f"{t:.2f}" for t in total),
            flush=True,
        )
    print(f"load {load_average()}", flush=True)


def _client(name: str, url: str, redis_url: str):
    env = {**_portal_env(url), "REDIS_URL": redis_url}
    if name == "portal":
        env["RQ_QUEUE_PREFIX"] = "aftersale-bench-inprocess"
        os.environ.update(env)
        from portal import create_app

        return create_app().test_client
    env["RQ_QUEUE_PREFIX"] = "aftersale-bench-inprocess-bare"
    os.environ.update(env)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bare_app import app

    return app.test_client


def _customer(new_client, token: str) -> tuple[float, float]:
    """A fresh browser: GET the link, POST an answer with the form's CSRF token, expect 303.
    The CPU time of each, in seconds."""
    client = new_client()
    started = time.process_time()
    page = client.get(f"/s/{token}")
    got = time.process_time()
    match = CSRF_INPUT.search(page.data)
    if page.status_code != 200 or match is None:
        sys.exit(f"GET answered {page.status_code} without a CSRF token")
    form = {"csrf_token": match.group(1).decode(), "satisfaction": "4", "recommend": "9",
            "comment": "The chair squeaks a little but the service was great.", "may_contact": "y"}  # fmt: skip
    posting = time.process_time()
    sent = client.post(f"/s/{token}", data=form)
    done = time.process_time()
    if sent.status_code != 303:
        sys.exit(f"POST answered {sent.status_code}")
    return got - started, done - posting


if __name__ == "__main__":
    main()
