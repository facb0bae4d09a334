"""The background worker: `python worker.py` (see README, "Workers").

Builds the app once, then runs an RQ worker, with its scheduler (for retries with backoff
and delayed jobs), on the portal's queues. Every job runs inside a fresh app context with its
own database session.

By default a job runs in the worker process itself (RQ's SimpleWorker): it reuses the warm
SQLAlchemy statement cache, the sentiment model and the compiled templates, and a case email
leaves about 100 ms after the answer instead of the 110 ms *per job* that a forked work horse
spends rebuilding that cache (bench/triage_latency.py, README). A job that outlives its
timeout is still stopped (SIGALRM in the worker process), and `--max-jobs` lets a supervisor
restart the worker now and then. `--fork` runs each job in a forked work horse instead, for
queues whose jobs are long and heavy (survey dispatch, rollups), where isolation matters more
than 100 ms.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import time

from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer

from portal import create_app
from portal.extensions import db
from portal.jobs import QUEUE_NAMES, connection, enqueue, periodic, queue_name
from portal.jobs.registry import load_job_modules


def preload(app, warm: bool = True) -> None:
    """Import every job module, warm the sentiment model and compile the email templates
    once, in the parent: RQ forks a work horse per job, and each fork inherits all of this
    instead of paying for it again (it was most of a job's time).

    And what the first jobs after a start paid for otherwise (bench/triage_latency.py --runs,
    the first run): the ORM's mapper configuration, the first database connection, both
    languages' sentiment rules and translation catalogs."""
    load_job_modules()  # also registers every job under its key (portal/jobs/registry.py)
    if not warm:  # --no-warm-up: a short-lived worker (the tests' burst workers)
        return
    from flask_babel import force_locale, gettext
    from sqlalchemy.orm import configure_mappers

    from portal import timefmt
    from portal.i18n import LANGUAGES
    from portal.models import utcnow
    from portal.sentiment import analyze
    from portal.services.surveys.schedule import zone

    analyze("Warm-up: the delivery was late and nobody answered.", 2, 3)
    analyze("Uppvärmning: leveransen var sen och ingen svarade.", 2, 3)
    for name in app.jinja_env.list_templates():
        if name.startswith(("email/", "survey/", "complaints/")):
            app.jinja_env.get_template(name)
    configure_mappers()
    now = utcnow()
    for language in LANGUAGES:
        with force_locale(language):
            gettext("How was your purchase?")
            # Babel's locale data (dates, zone names): loaded by the first email that shows a time.
            tz = zone(None, language)
            timefmt.staff_time(now, tz)
            timefmt.customer_time(now, tz, named=True)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    # All of the above lives as long as the worker: out of the garbage collector's sight, so
    # no job pays for a full collection over it. Without this the first rep's email paid about
    # 150 ms of CPU for one (seen as a 143 ms "compile" of its UPDATE; 2 s of wall time on the
    # loaded machine), and every later full collection scanned the sentiment model again.
    gc.collect()
    gc.freeze()


class InProcessWorker(SimpleWorker):
    """RQ's SimpleWorker that logs each job's own CPU time: a slow job that computes and one
    that waits (for the CPU, the database, the SMTP server) look alike in wall time
    (bench/triage_latency.py reads these lines)."""

    def execute_job(self, job, queue):
        started = time.process_time()
        try:
            return super().execute_job(job, queue)
        finally:
            cpu_ms = 1000 * (time.process_time() - started)
            logging.getLogger(__name__).info("job %s: %.0f ms CPU", job.id, cpu_ms)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run an Aftersale background worker.")
    parser.add_argument("--burst", action="store_true", help="Exit when the queues are empty.")
    parser.add_argument(
        "--no-warm-up",
        action="store_true",
        help="Do not warm the sentiment model, templates and catalogs at start (a short-lived "
        "burst worker that runs a job or two, as the tests start them).",
    )
    parser.add_argument(
        "--queues",
        nargs="*",
        default=list(QUEUE_NAMES),
        help=f"Queues to work on, in priority order (default: {QUEUE_NAMES}).",
    )
    parser.add_argument(
        "--fork",
        action="store_true",
        help="Run each job in a forked work horse (isolation for long, heavy jobs; about "
        "100 ms more per job).",
    )
    parser.add_argument(
        "--max-jobs",
        type=int,
        default=None,
        help="Exit after this many jobs (a supervisor such as systemd starts a fresh worker).",
    )
    parser.add_argument(
        "--no-scheduler",
        action="store_true",
        help="Do not run the scheduler (retries and delayed jobs wait for "
        "another worker that runs it).",
    )
    args = parser.parse_args(argv)
    unknown = set(args.queues) - set(QUEUE_NAMES)
    if unknown:
        parser.error(f"unknown queue(s) {sorted(unknown)}: choose from {list(QUEUE_NAMES)}")

    app = create_app()
    if not app.config["REDIS_URL"]:
        raise SystemExit(
            "REDIS_URL is not set: without Redis, jobs run inline and no worker is needed."
        )
    # force: the app (and RQ) may have installed handlers already; every line gets its time.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", force=True
    )
    with app.app_context():
        preload(app, warm=not args.no_warm_up)
        if args.fork:
            # A forked work horse must not reuse the parent's database connections.
            engine = db.engine
            os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        # Every worker makes sure the periodic jobs have their next run scheduled; their
        # deterministic ids mean the slots are scheduled once, however many workers start.
        scheduled = periodic.schedule_all()
        logging.getLogger(__name__).info("periodic jobs: %d slots scheduled", scheduled)
        # Work written while Redis was away, or lost with it, is queued again at once.
        from portal.jobs.maintenance import sweep_outbox

        enqueue(sweep_outbox, family="maintenance")
        worker_class = Worker if args.fork else InProcessWorker
        worker = worker_class(
            [queue_name(name) for name in args.queues],
            connection=connection(),
            serializer=JSONSerializer,
            # Abandoned jobs (a killed worker) are retried within a minute, not ten.
            maintenance_interval=60,
        )
        worker.work(burst=args.burst, with_scheduler=not args.no_scheduler, max_jobs=args.max_jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
