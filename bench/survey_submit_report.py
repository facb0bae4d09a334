"""The output of bench/survey_submit.py: each run's figures, the comparison with the bare app,
and the py-spy profile summary (where a request's time goes)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

# --- output -------------------------------------------------------------------------------------

GET = "GET /s/[token]"
POST = "POST /s/[token]"


def print_result(r: dict) -> None:
    s = r["stats"]
    get, post, total = s.get(GET), s.get(POST), s.get("Aggregated")
    ms = "{:.0f}/{:.0f}/{:.0f} ms".format
    if not (get and post and total):
        print(f"{r['app']:<12} workers {r['workers']}: no stats (see bench/out/)")
        return
    cpu = r["cpu"]
    errors = get["failures"] + post["failures"]
    line = (
        f"{r['app']:<12} w{r['workers']}  {total['rps']:7.1f} req/s  "
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


TARGET_RATIO = 0.5  # production-shape answers/s over the bare app's POSTs/s
TARGET_CPU_MS = 5.0  # gunicorn CPU per customer (GET + POST), production shape


def print_summary(results: list[dict], args) -> None:
    print(
        f"summary ({args.users} users, {args.duration} s per run; {time.strftime('%Y-%m-%d %H:%M %Z')}):"
    )
    by = {(r["app"], r["workers"]): r for r in results}
    missed = []
    for workers in sorted({r["workers"] for r in results}):
        bare = by.get(("bare", workers))
        for app, label in (("portal-redis", "production shape"), ("portal", "embedded default")):
            portal = by.get((app, workers))
            if not (portal and bare) or POST not in portal["stats"] or POST not in bare["stats"]:
                continue
            p = portal["stats"][POST]["rps"]
            b = bare["stats"][POST]["rps"]
            cpu = portal.get("cpu_ms_per_flow")
            cost = ""
            if cpu and bare.get("cpu_ms_per_flow"):
                cost = (
                    f"; CPU per customer: portal {cpu:.1f} ms, bare "
                    f"{bare['cpu_ms_per_flow']:.1f} ms, ratio {bare['cpu_ms_per_flow'] / cpu:.2f}"
                )
            print(
                f"  {workers} workers, {label} ({app}): {p:.1f} answers/s, bare {b:.1f} POST/s, "
                f"ratio {p / b:.2f}{cost}"
            )
            if app == "portal-redis":
                if p / b < TARGET_RATIO:
                    missed.append(f"{workers} workers: ratio {p / b:.2f} < {TARGET_RATIO}")
                if cpu is None or cpu > TARGET_CPU_MS:
                    missed.append(f"{workers} workers: CPU per customer {cpu or 0:.1f} ms > 5 ms")
    checks = [r["check"]["ok"] for r in results if r.get("check")]
    if checks and not all(checks):
        sys.exit("CHECK FAILED: stored answers differ from the POSTs answered 303")
    if missed:
        sys.exit("TARGET MISSED (production shape): " + "; ".join(missed))


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
