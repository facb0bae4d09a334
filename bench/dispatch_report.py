"""The report of bench/dispatch_surveys.py: what the worker sent and the SMTP server received,
how fast, at what memory and CPU; and the py-spy profile summary."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from harness import load_average


def report(n: int, figures: dict, server: dict, stored: dict, workers: int) -> tuple[bool, float]:
    """Print one run's figures; (every sale mailed exactly once, emails/s first to last)."""
    mib = 1024 * 1024
    seconds = figures["seconds"]
    sent = stored["sent"]
    ok = (
        figures["returncode"] == 0
        and server["messages"] == n
        and server["distinct_recipients"] == n
        and server["recipients_mailed_twice"] == 0
        and sent == n
        and stored["still_claimed"] == 0
        and stored["failed_jobs"] == 0
        and stored["retry_scheduled"] == 0
        and stored["queued"] == 0
    )
    print(f"--- {workers} worker(s) ---")
    window = (server["last_at"] or 0) - (server["first_at"] or 0)
    print(
        f"invitations sent    {sent:,} of {n:,} (planned {stored['planned']:,}, "
        f"skipped {stored['skipped']:,}, failed {stored['failed']:,}, "
        f"still claimed {stored['still_claimed']:,}; jobs failed {stored['failed_jobs']}, "
        f"waiting for a retry {stored['retry_scheduled']}, left queued {stored['queued']})"
    )
    rate = server["messages"] / window if window else 0.0
    print(
        f"workers start->exit {seconds:.1f} s  = {sent / seconds:,.0f} emails/s "
        f"(first message after {figures['first_mail_at'] or 0:.1f} s; first->last message "
        f"{window:.1f} s = {server['messages'] / window if window else 0:,.0f} emails/s)"
    )
    print(
        f"SMTP server         received {server['messages']:,} messages "
        f"({server['bytes'] / mib:.1f} MiB, {server['bytes'] / max(server['messages'], 1) / 1024:.1f} KiB each), "
        f"{server['distinct_recipients']:,} distinct recipients, "
        f"{server['recipients_mailed_twice']} mailed twice, "
        f"over {server['connections']} connections"
    )
    server_cpu = server.get("cpu_seconds", 0) - figures.get("server_cpu_before", 0)
    if server["messages"]:
        print(
            f"SMTP server CPU     {server_cpu:.1f} s = {1000 * server_cpu / server['messages']:.2f} ms "
            f"per message ({server_cpu / seconds:.2f} of a core over the run)"
        )
    if server["messages"] != sent:
        print(
            f"MISMATCH            the SMTP server got {server['messages']:,} messages but "
            f"{sent:,} invitations are marked sent: {server['messages'] - sent:+,} delivered "
            "without being recorded"
        )
    parts = []
    for pct, sample in figures["milestones"].items():
        if sample is None:
            parts.append(f"{pct}%: not reached")
            continue
        current, peak, hwm = sample
        now = f"{current / mib:.0f} now, " if current is not None else ""
        parts.append(f"{pct}%: {now}peak {peak / mib:.0f} (VmHWM {hwm / mib:.0f})")
    print(f"workers' RSS MiB    {'; '.join(parts)} (all {workers} together)")
    print(
        f"load                {load_average()}; the machine was busy {figures['machine_cores']:.2f} of "
        f"{os.cpu_count()} cores during the run, the workers "
        f"{figures['worker_cores']:.2f}; {time.strftime('%Y-%m-%d %H:%M:%S %Z')}"
    )
    if figures["worker_cores"]:
        print(
            f"efficiency          {server['messages'] / (figures['worker_cores'] * seconds):,.0f} "
            "emails per CPU-second of the workers (less sensitive to other people's load)"
        )
    if figures["profile"]:
        summarise_profile(figures["profile"])
    if not ok:
        print(f"check               FAILED: see {', '.join(map(str, figures['logs']))}")
        return False, rate
    print("check               OK: every sale mailed exactly once, nothing left claimed or queued")
    return True, rate


def summarise_profile(path: Path, top: int = 25) -> None:
    """py-spy's raw output is one collapsed stack per line with a sample count: print where
    the work horse spends its time (inclusive, per function)."""
    if not path.exists():
        print(f"no profile at {path}")
        return
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "perform_job" not in stack:
            continue  # only the work horse running the job
        samples = int(count)
        total += samples
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    print(f"profile             {path} ({total} samples in the job)")
    for frame, samples in inclusive.most_common(top):
        print(
            f"  {100 * samples / total:5.1f}% incl  {100 * own[frame] / total:5.1f}% self  {frame}"
        )
    print("  -- most self time --")
    for frame, samples in own.most_common(15):
        print(f"  {100 * samples / total:5.1f}% self  {frame}")
