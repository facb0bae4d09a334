"""The results of bench/triage_latency.py: the rows the run left in the database and Redis,
the worker's log, and the report printed (latency per answer, where the time goes, the
checks that every answer opened one case and one email); the py-spy profile summary."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sys
from decimal import Decimal
from pathlib import Path

from harness import OUT, wait_for_file
from triage_services import QUEUE_PREFIX, Services, strip_ansi

TARGET_P95_MS = 500
TARGET_LABEL = "POST sent -> rep's email accepted by SMTP"
# What is printed: (label, later timestamp, earlier timestamp) per answer. From the client
# (post_*), the SMTP server (mail), the database (submitted, case_created: stamped when the
# analysis job's body starts, analysis_done: just before its commit, *_enqueued: the outbox)
# and the worker's log (*_taken: dequeued, *_ok: "Job OK" logged by the work horse).
SERIES = (
    ("POST (client: sent -> 303 received)", "post_end", "post_start"),
    ("POST sent -> analysis job queued (by the web app)", "analysis_enqueued", "post_start"),
    ("POST sent -> case created (Case.created_at)", "case_created", "post_start"),
    ("POST sent -> case committed (outbox row done)", "analysis_done", "post_start"),
    (TARGET_LABEL, "mail", "post_start"),
    ("case created -> email accepted", "mail", "case_created"),
    ("  analysis job: queued -> taken by the worker", "analysis_taken", "analysis_enqueued"),
    ("  analysis job: taken -> body starts (fork, imports, ...)", "case_created", "analysis_taken"),
    ("  analysis job: body (analyse, route, SLA, commit)", "analysis_done", "case_created"),
    ("  analysis job: commit -> email job queued", "notify_enqueued", "analysis_done"),
    ("  analysis job: taken -> Job OK", "analysis_ok", "analysis_taken"),
    ("  email job: queued -> taken by the worker", "notify_taken", "notify_enqueued"),
    ("  email job: taken -> email accepted by SMTP", "mail", "notify_taken"),
    ("  email job: taken -> Job OK", "notify_ok", "notify_taken"),
)
# --- after the run ------------------------------------------------------------------------------


def collect_rows(url: str) -> dict:
    """Per answer: its timestamps, its case's, and its outbox rows' (epoch seconds)."""
    import sqlalchemy as sa

    def epoch(column: str) -> str:
        return f"extract(epoch from {column})"

    engine = sa.create_engine(url)
    query = f"""
        SELECT r.invitation_id, r.id, {epoch("r.submitted_at")}, {epoch("r.analysed_at")},
               {epoch("oa.enqueued_at")}, {epoch("oa.done_at")}, oa.enqueue_attempts,
               c.id, {epoch("c.created_at")}, c.severity, c.assigned_rep_id, s.rep_id,
               {epoch("c.rep_notified_at")}, u.email,
               {epoch("onj.created_at")}, {epoch("onj.enqueued_at")}, {epoch("onj.done_at")},
               onj.enqueue_attempts
        FROM survey_responses r
        JOIN survey_invitations i ON i.id = r.invitation_id
        LEFT JOIN sales s ON s.id = i.sale_id
        LEFT JOIN outbox_jobs oa ON oa.job_id = 'triage-analyse_response-' || r.id
        LEFT JOIN cases c ON c.response_id = r.id
        LEFT JOIN users u ON u.id = c.assigned_rep_id
        LEFT JOIN outbox_jobs onj ON onj.job_id = 'triage-notify_case_assigned-' || c.id
    """  # noqa: S608  (no input in it)
    keys = (
        "invitation_id", "response_id", "submitted", "analysed", "analysis_enqueued",
        "analysis_done", "analysis_enqueues", "case_id", "case_created", "severity",
        "assigned_rep_id", "sale_rep_id", "rep_notified", "rep_email", "notify_created",
        "notify_enqueued", "notify_done", "notify_enqueues",
    )  # fmt: skip
    with engine.connect() as conn:
        rows = [
            {k: float(v) if isinstance(v, Decimal) else v for k, v in zip(keys, row, strict=True)}
            for row in conn.execute(sa.text(query))
        ]  # fmt: skip
        counts = conn.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM survey_responses), (SELECT count(*) FROM cases), "
                "(SELECT count(DISTINCT response_id) FROM cases), "
                "(SELECT count(*) FROM case_events WHERE kind = 'rep_notified'), "
                "(SELECT count(*) FROM outbox_jobs WHERE done_at IS NULL)"
            )
        ).one()
    engine.dispose()
    names = ("responses", "cases", "cases_distinct_answers", "rep_notified_events", "outbox_open")
    return {"rows": rows, "counts": dict(zip(names, counts, strict=True))}


def redis_leftovers(url: str) -> dict:
    """Failed jobs, retries waiting (not the periodic slots) and jobs still queued."""
    import redis
    from rq import Queue
    from rq.serializers import JSONSerializer

    client = redis.Redis.from_url(url)
    found = {"failed": 0, "retrying": 0, "queued": 0}
    for name in ("mail", "analysis", "maintenance"):
        queue = Queue(f"{QUEUE_PREFIX}-{name}", connection=client, serializer=JSONSerializer)
        found["failed"] += queue.failed_job_registry.count
        found["retrying"] += sum(
            not i.startswith("periodic-") for i in queue.scheduled_job_registry.get_job_ids()
        )
        found["queued"] += queue.count
    client.close()
    return found


# "<time read>\t... Worker <name>: <queue>: <description> (<job id>)" or "...: Job OK (<job id>)"
LOG_LINE = re.compile(r"^(\d+\.\d+)\t.*?Worker \w+: ([^:\s]+): (.*?)\s*$")
JOB_ID_AT_END = re.compile(r"\(([\w-]+)\)$")
COMPLETED_IN = re.compile(r"Successfully completed .* job in (\d+):(\d\d):(\d\d(?:\.\d+)?)s")


def parse_worker_log(path: Path) -> dict[str, dict]:
    """job id -> {"taken": t, "ok": t, "rq": s}: when the worker's line saying it took the job
    was read, when the work horse's "Job OK" line was read, and the duration RQ logged."""
    jobs: dict[str, dict] = {}
    completed = None
    with contextlib.suppress(OSError):
        for line in strip_ansi(path.read_text(errors="replace")).splitlines():
            done = COMPLETED_IN.search(line)
            if done:
                h, m, sec = done.groups()
                completed = int(h) * 3600 + int(m) * 60 + float(sec)
                continue
            match = LOG_LINE.match(line)
            if not match:
                continue
            at = float(match.group(1))
            message = match.group(3)
            ident = JOB_ID_AT_END.search(message)
            if message.startswith("Job OK") and ident:
                job = jobs.setdefault(ident.group(1), {})
                job["ok"] = at
                if completed is not None:
                    job["rq"] = completed
                completed = None
            elif ident or re.fullmatch(r"[\w-]+", message):
                job_id = ident.group(1) if ident else message
                jobs.setdefault(job_id, {}).setdefault("taken", at)
    return jobs


def _job_kind(job_id: str) -> str:
    """ "triage-analyse_response-12" -> "analyse_response"; periodic slots by their name."""
    parts = job_id.split("-")
    if job_id.startswith("periodic-"):
        return "periodic " + "-".join(parts[1:-1])
    return parts[1] if len(parts) > 1 else job_id


def percentile(values: list[float], p: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)]


def report(args, run: dict, db: dict, queues: dict, jobs: dict, services: Services) -> None:
    subs = run["subs"]
    ok = [s for s in subs if s.status == 303]
    errors = [s for s in subs if s.status != 303]
    by_invitation = {r["invitation_id"]: r for r in db["rows"]}
    arrivals = run["arrivals"]
    emails_by_case: dict[int, list] = {}
    for arrival in arrivals:
        if arrival[1] is not None:
            emails_by_case.setdefault(arrival[1], []).append(arrival)
    other_mail = sum(1 for a in arrivals if a[1] is None)

    # --- checks: one answer, one case, one email, to the right rep -----------------------------
    counts = db["counts"]
    n = len(subs)
    missing_case = missing_mail = wrong_rep = wrong_recipient = 0
    for s in ok:
        row = by_invitation.get(s.customer.invitation_id)
        if row is None or row["case_id"] is None:
            missing_case += 1
            continue
        if row["assigned_rep_id"] != row["sale_rep_id"]:
            wrong_rep += 1
        mails = emails_by_case.get(row["case_id"], [])
        if not mails:
            missing_mail += 1
        elif any(m[3] != row["rep_email"] for m in mails):
            wrong_recipient += 1
    doubled = sum(1 for mails in emails_by_case.values() if len(mails) > 1)
    checks = {
        "answers accepted (303)": (len(ok), n),
        "answers stored": (counts["responses"], n),
        "cases": (counts["cases"], n),
        "cases, distinct answers": (counts["cases_distinct_answers"], n),
        "case emails accepted by SMTP": (sum(len(m) for m in emails_by_case.values()), n),
        "cases emailed": (len(emails_by_case), n),
        "rep_notified events": (counts["rep_notified_events"], n),
        "cases emailed twice": (doubled, 0),
        "answers without a case": (missing_case, 0),
        "cases without an email": (missing_mail, 0),
        "cases not routed to the sale's rep": (wrong_rep, 0),
        "emails to someone else": (wrong_recipient, 0),
        "outbox rows not done": (counts["outbox_open"], 0),
        "failed jobs": (queues["failed"], 0),
        "jobs waiting for a retry": (queues["retrying"], 0),
        "jobs still queued": (queues["queued"], 0),
    }
    passed = all(got == want for got, want in checks.values())
    print(
        "counts: "
        + "; ".join(
            f"{name} {got:,}" + ("" if got == want else f" (EXPECTED {want:,})")
            for name, (got, want) in checks.items()
        )
        + (f"; other messages {other_mail}" if other_mail else ""),
        flush=True,
    )
    for s in errors[:5]:
        print(f"  error: invitation {s.customer.invitation_id}: {s.error}")

    # --- latencies ------------------------------------------------------------------------------
    series: dict[str, list[float]] = {}
    per_answer: list[dict] = []
    for s in ok:
        row = by_invitation.get(s.customer.invitation_id) or {}
        mails = emails_by_case.get(row.get("case_id"), [])
        analysis = jobs.get(f"triage-analyse_response-{row.get('response_id')}", {})
        notify = jobs.get(f"triage-notify_case_assigned-{row.get('case_id')}", {})
        at = {
            **row,
            "post_start": s.post_start,
            "post_end": s.post_end,
            "mail": mails[0][0] if mails else None,
            "analysis_taken": analysis.get("taken"),
            "analysis_ok": analysis.get("ok"),
            "notify_taken": notify.get("taken"),
            "notify_ok": notify.get("ok"),
        }
        for label, later, earlier in SERIES:
            if at.get(later) is not None and at.get(earlier) is not None:
                series.setdefault(label, []).append(1000 * (at[later] - at[earlier]))
        per_answer.append(at)

    # The worker's own time line, from its log: each job from taken to "Job OK" (in the work
    # horse), RQ's own duration (job.started_at, set in the horse just before the function is
    # imported and called, to job.ended_at), and from "Job OK" to the next job taken when one
    # was waiting (the worker reaps the horse, does its bookkeeping, dequeues the next).
    timeline = sorted(
        (j["taken"], j.get("ok"), job_id)
        for job_id, j in jobs.items()
        if "taken" in j and j["taken"] >= run["wall0"]
    )
    held: dict[str, list[float]] = {}
    for (taken, done, job_id), following in zip(timeline, [*timeline[1:], None], strict=True):
        kind = _job_kind(job_id)
        if done is None:
            continue
        held.setdefault(f"{kind}: taken -> Job OK", []).append(1000 * (done - taken))
        rq_says = jobs[job_id].get("rq")
        if rq_says is not None:  # from the job's start in the horse (imports included) to its end
            held.setdefault(f"{kind}: RQ's 'completed in'", []).append(1000 * rq_says)
        if following is not None and following[0] - done < 1.0:
            held.setdefault("any job: Job OK -> next job taken", []).append(
                1000 * (following[0] - done)
            )
    in_run = timeline

    print()
    print(f"{'':66} {'n':>5} {'p50':>8} {'p95':>8} {'max':>8}  (ms)")
    for name, *_ in SERIES:
        values = series.get(name)
        if not values:
            continue
        marker = "  <-- target p95 <= 500 ms" if name == TARGET_LABEL else ""
        print(
            f"{name:66} {len(values):5} {percentile(values, 50):8.0f} "
            f"{percentile(values, 95):8.0f} {max(values):8.0f}{marker}"
        )
    if held:
        print("the worker's log, per job:")
        for name, values in sorted(held.items()):
            print(
                f"  {name:64} {len(values):5} {percentile(values, 50):8.0f} "
                f"{percentile(values, 95):8.0f} {max(values):8.0f}"
            )

    # --- throughput and the machine -------------------------------------------------------------
    mail_times = sorted(a[0] for a in arrivals if a[1] is not None)
    post_span = max(s.post_end for s in ok) - min(s.post_start for s in ok) if ok else 0
    mail_span = mail_times[-1] - mail_times[0] if len(mail_times) > 1 else 0
    cores = run["cores"]
    jobs_in_run = len(in_run)
    print()
    print(
        f"throughput: answers accepted {len(ok) / post_span if post_span else 0:.1f}/s over "
        f"{post_span:.1f} s; case emails {len(mail_times) / mail_span if mail_span else 0:.2f}/s "
        f"(first -> last {mail_span:.1f} s); last email {mail_times[-1] - run['posted_at'] if mail_times else 0:.1f} s "
        f"after the last answer; the worker took {jobs_in_run} jobs and used "
        f"{run['worker_cpu_seconds']:.1f} CPU s ({1000 * run['worker_cpu_seconds'] / max(jobs_in_run, 1):.0f} ms per job, work horses included)"
    )
    print(
        f"CPU (cores of {os.cpu_count()} over {run['wall']:.0f} s, CPU seconds): "
        + ", ".join(
            f"{label} {cores[key]:.2f} ({cores[key] * run['wall']:.0f} s)"
            for key, label in (
                ("client", "client"),
                ("gunicorn", "gunicorn"),
                ("worker", "worker+horses"),
                ("postgres", "postgres (long-lived backends)"),
                ("others", "everything else"),
                ("machine", "machine busy"),
            )
        )
        + f"; load {run['load_before']} before, {run['load_after_posts']} after the answers, "
        f"{run['load_end']} at the end; {run['ended']}"
    )
    values = series.get(TARGET_LABEL, [])
    if values:
        p95 = percentile(values, 95)
        verdict = "MET" if p95 <= TARGET_P95_MS and passed else "NOT MET"
        print(f"target: p95 {TARGET_LABEL} <= {TARGET_P95_MS} ms: {verdict} (p95 {p95:.0f} ms)")
    print(
        f"files: {services.smtp_log}, {services.worker_log}, {services.gunicorn_log}"
        + (f", {services.profile}" if services.profile else "")
    )
    if services.profile:
        wait_for_file(services.profile, 30)
        summarise_profile(services.profile)
    columns = ["invitation_id", "response_id", "case_id", "post_start", "post_end", "submitted",
               "analysis_enqueued", "analysis_taken", "case_created", "analysis_done",
               "notify_enqueued", "notify_taken", "mail", "notify_ok"]  # fmt: skip
    csv_path = OUT / "triage_answers.csv"
    with csv_path.open("w") as out:
        out.write(",".join(columns) + "\n")
        for at in sorted(per_answer, key=lambda a: a["post_start"]):
            out.write(",".join("" if at.get(c) is None else str(at[c]) for c in columns) + "\n")
    print(f"per answer (epoch seconds): {csv_path}")
    json_path = OUT / "triage_latency_last.json"
    json_path.write_text(
        json.dumps(
            {
                "args": vars(args),
                "checks": checks,
                "series_ms": series,
                "held_ms": held,
                "cores": cores,
                "loads": [run["load_before"], run["load_after_posts"], run["load_end"]],
                "ended": run["ended"],
            }
        )
    )
    if not passed:
        sys.exit("CHECK FAILED: see the counts above")
    print("check: OK: every answer opened exactly one case, and its rep got exactly one email")
    if not values or percentile(values, 95) > TARGET_P95_MS:
        sys.exit(f"TARGET MISSED: p95 {TARGET_LABEL} > {TARGET_P95_MS} ms")


def target_latencies(run: dict, rows: list[dict]) -> list[float]:
    """POST sent -> the rep's email accepted, in ms, for the answers of one run (--runs)."""
    by_invitation = {r["invitation_id"]: r for r in rows}
    first_mail: dict[int, float] = {}
    for arrival in run["arrivals"]:
        if arrival[1] is not None:
            first_mail.setdefault(arrival[1], arrival[0])
    values = []
    for s in run["subs"]:
        case_id = (by_invitation.get(s.customer.invitation_id) or {}).get("case_id")
        if s.status == 303 and case_id in first_mail:
            values.append(1000 * (first_mail[case_id] - s.post_start))
    return values


# --- the profile --------------------------------------------------------------------------------

PROFILE_BUCKETS = (
    # (label, a substring of a frame; the first bucket a sample's stack matches wins)
    ("SQLAlchemy compiling SQL (its cache starts empty in every horse)", "_compile_w_cache"),
    ("importing modules (first use in this horse)", "_find_and_load"),
    ("compiling templates (first use in this horse)", "compile (jinja2"),
    ("database connection (pool checkout, connect, pre-ping)", "(sqlalchemy/pool/"),
    ("sending the email (smtplib)", "(smtplib.py"),
    ("rendering the email", "render_template"),
    ("sentiment analysis", "(portal/sentiment/"),
    ("running SQL, waiting for PostgreSQL (psycopg)", "psycopg"),
    ("SQLAlchemy ORM, other (loading rows, flush, per-statement setup)", "sqlalchemy"),
    ("RQ bookkeeping in Redis", "redis/"),
    ("the job's own code", "(portal/"),
)
PROFILE_JOBS = (
    ("analyse_response", "analyse_response ("),
    ("notify_case_assigned", "notify_case_assigned ("),
    ("periodic jobs", "run_periodic ("),
    ("other jobs", "wrapper (portal/jobs/context.py"),
    ("RQ around the job", "perform_job ("),
)


def summarise_profile(path: Path) -> None:
    """Where the work horses' time goes (py-spy raw output: one collapsed stack and its count
    per line), in buckets per job, and the functions with the most samples."""
    if not path.exists():
        print(f"no profile at {path}")
        return
    buckets: dict[tuple[str, str], int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "main_work_horse" not in stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        job = next((j for j, needle in PROFILE_JOBS if needle in stack), "horse start and exit")
        label = next((b for b, needle in PROFILE_BUCKETS if needle in stack), "other")
        buckets[job, label] = buckets.get((job, label), 0) + samples
        for frame in set(stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + samples
    share = {
        label: sum(v for (_, b), v in buckets.items() if b == label)
        for label in {b for _, b in buckets}
    }
    print(f"profile: {path}: {total} samples (200/s) inside work horses; share of them:")
    for label, samples in sorted(share.items(), key=lambda kv: -kv[1]):
        per_job = ", ".join(
            f"{j} {100 * buckets[j, label] / max(total, 1):.1f}%"
            for j, _ in (*PROFILE_JOBS, ("horse start and exit", ""))
            if buckets.get((j, label))
        )
        print(f"  {100 * samples / max(total, 1):5.1f}%  {label}  ({per_job})")
    print("  -- functions with the most samples (inclusive) --")
    for frame, samples in sorted(inclusive.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {100 * samples / max(total, 1):5.1f}%  {frame}")
