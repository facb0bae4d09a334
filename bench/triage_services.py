"""The processes of bench/triage_latency.py: the SMTP server that records when each rep's
email arrives (a child process: `python bench/triage_services.py PORT LOG READY`), the portal
under gunicorn and ONE real worker, started in that order and stopped in reverse."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from harness import OUT, ROOT, free_port, wait_for, wait_ready

QUEUE_PREFIX = "aftersale-bench-triage"
SUBJECT = re.compile(rb"^Subject: New (\w+) case #(\d+):", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def strip_ansi(text: str) -> str:
    """The worker's log without its colour codes."""
    return ANSI.sub("", text)


class Services:
    """The SMTP server, gunicorn and the worker: started in that order, stopped in reverse (and
    every process of their trees that is still alive is ended by its pid)."""

    def __init__(self, env: dict, args):
        self.env = dict(env)
        self.args = args
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.logs: list = []
        self.smtp_log = OUT / "triage_smtp.tsv"
        self.worker_log = OUT / "triage_worker.log"
        self.gunicorn_log = OUT / "triage_gunicorn.log"
        self.profile = OUT / "triage_profile.txt" if args.profile == "py-spy" else None
        self.base = ""
        self.worker_pid = 0
        self.gunicorn_pid = 0
        self.stamper: threading.Thread | None = None

    def __enter__(self) -> Services:
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        smtp_port = free_port()
        ready = OUT / "triage_smtp.ready"
        for path in (self.smtp_log, ready, self.worker_log):
            path.unlink(missing_ok=True)
        smtp = subprocess.Popen(
            [
                sys.executable,
                __file__,
                str(smtp_port),
                str(self.smtp_log),
                str(ready),
            ],
            cwd=ROOT,
        )
        self.processes.append(("smtp", smtp))
        wait_for(ready.exists, 20, "the SMTP server did not start")

        port = free_port()
        self.env.update(SMTP_PORT=str(smtp_port), PORTAL_BASE_URL=f"http://127.0.0.1:{port}")
        self.base = f"http://127.0.0.1:{port}"
        log = self.gunicorn_log.open("w")
        self.logs.append(log)
        command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(self.args.web_workers),
                   "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--timeout", "30",
                   "--log-level", "warning", "--chdir", str(ROOT), "wsgi:app"]  # fmt: skip
        gunicorn = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(("gunicorn", gunicorn))
        self.gunicorn_pid = gunicorn.pid
        wait_ready(f"{self.base}/healthz", gunicorn, 30, self.gunicorn_log)

        command = [sys.executable, str(ROOT / "worker.py")]
        if self.args.worker_variant == "fork":
            command.append("--fork")
        if self.profile:
            py_spy = Path(sys.executable).parent / "py-spy"
            command = [str(py_spy), "record", "--subprocesses", "--rate", "200", "--format", "raw",
                       "--output", str(self.profile), "--", *command]  # fmt: skip
        # Each worker log line is stamped here as it arrives through a pipe, with the same
        # clock as the client's and the SMTP server's stamps.
        worker = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.processes.append(("worker", worker))
        self.stamper = threading.Thread(
            target=_stamp_lines, args=(worker.stdout, self.worker_log), daemon=True
        )
        self.stamper.start()
        self.worker_pid = _find_worker_pid(worker.pid, 20)
        # Ready: listening, and the sweep it queues at start has run.
        wait_for(
            lambda: "Job OK (maintenance-sweep_outbox)" in strip_ansi(self.worker_log.read_text()),
            90,
            f"the worker did not finish its start-up sweep; see {self.worker_log}",
            process=worker,
        )

    def __exit__(self, *exc) -> None:
        for name, process in reversed(self.processes):
            _stop_tree(name, process, under_py_spy=name == "worker" and self.profile is not None)
        if self.stamper is not None:
            self.stamper.join(10)
        for log in self.logs:
            log.close()
        self.processes.clear()


def _stamp_lines(stream, path: Path) -> None:
    """Copy the worker's output to `path`, each line prefixed with the time it was read."""
    with path.open("w") as out:
        for raw in iter(stream.readline, b""):
            out.write(f"{time.time():.6f}\t{raw.decode(errors='replace').rstrip()}\n")
            out.flush()
    stream.close()


def _stop_tree(name: str, process: subprocess.Popen, under_py_spy: bool) -> None:
    """SIGTERM to the process (under py-spy, to py-spy's child, so py-spy writes its profile),
    wait for it, then end whatever of its tree is left (by pid)."""
    import psutil

    try:
        top = psutil.Process(process.pid)
        tree = [top, *top.children(recursive=True)]
        children = top.children()
    except psutil.Error:
        tree, children = [], []
    target = process.pid
    if under_py_spy and children:
        target = children[0].pid
    with contextlib.suppress(ProcessLookupError):
        os.kill(target, signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop within 60 s: killed", flush=True)
        process.kill()
        process.wait()
    for p in tree:
        with contextlib.suppress(psutil.Error):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                p.terminate()
                p.wait(5)


def _find_worker_pid(top: int, seconds: float) -> int:
    """The worker's own process: `top`, or under py-spy its first python child."""
    import psutil

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(psutil.Error):
            p = psutil.Process(top)
            if "py-spy" not in p.name():
                return top
            children = p.children()
            if children:
                return children[0].pid
        time.sleep(0.1)
    sys.exit("the worker did not start")


# --- the SMTP server (a child process) ----------------------------------------------------------


def read_arrivals(path: Path) -> list[tuple[float, int | None, str, str]]:
    """(accepted at, case id or None, severity, recipients) per message, in arrival order."""
    found = []
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 4:
                case = int(parts[1]) if parts[1] else None
                found.append((float(parts[0]), case, parts[2], parts[3]))
    return found


class RecordingHandler:
    """Accepts every message; appends its arrival time, case number, severity and recipients."""

    def __init__(self, log: Path):
        self.log = log.open("a", buffering=1)

    async def handle_DATA(self, server, session, envelope):
        accepted = time.time()  # the whole message is in; "250" goes out next
        match = SUBJECT.search(envelope.content.split(b"\r\n\r\n", 1)[0])
        severity, case = (match.group(1).decode(), match.group(2).decode()) if match else ("", "")
        self.log.write(f"{accepted:.6f}\t{case}\t{severity}\t{','.join(envelope.rcpt_tos)}\n")
        return "250 Message accepted"


def run_smtp_server(port: int, log: Path, ready: Path) -> None:
    from aiosmtpd.controller import Controller

    handler = RecordingHandler(log)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ready.write_text(str(port))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait(3 * 3600)  # never outlive a forgotten parent by long
    controller.stop()
    handler.log.close()


if __name__ == "__main__":
    port, log, ready = sys.argv[1:4]
    run_smtp_server(int(port), Path(log), Path(ready))
