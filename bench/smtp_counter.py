"""The counting SMTP server of bench/dispatch_surveys.py: accepts everything, counts
connections, messages, bytes and messages per recipient, and reports its own CPU time.

Two servers, the same counts:
- `lean` (the default): one asyncio Protocol that reads a message's data in whole chunks. It
  stands in for a production MTA (Postfix: C, a process per connection), which takes a
  message in a fraction of a millisecond.
- `aiosmtpd`: aiosmtpd's SMTP class, as the bench used before; it awaits every line of the
  data (over a hundred per invitation): 0.74 ms of CPU per message against the lean server's
  0.25 (2026-12-06, 5,000 messages each, load 7-11). With the worker at about 1 ms per email
  (issue 15), two workers at 1,000 emails/s would leave it 0.74 of the machine's 2 cores.
  Kept to show that difference (--smtp-server aiosmtpd).
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections import Counter
from pathlib import Path


class CountingHandler:
    """Counts connections, messages, bytes and distinct recipients."""

    def __init__(self):
        self.connections = 0
        self.messages = 0
        self.bytes = 0
        self.recipients: Counter[str] = Counter()
        self.first_at = None
        self.last_at = None
        self.sample: bytes | None = None
        self.mailed_twice = 0  # kept here: the status writer thread must not iterate the Counter

    def message(self, content: bytes, rcpt_tos: list[str]) -> None:
        now = time.time()
        self.first_at = self.first_at or now
        self.last_at = now
        self.messages += 1
        self.bytes += len(content)
        for address in rcpt_tos:
            self.recipients[address] += 1
            if self.recipients[address] == 2:
                self.mailed_twice += 1
        if self.sample is None:
            self.sample = content

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.message(envelope.content, envelope.rcpt_tos)
        return "250 Message accepted"

    def status(self) -> dict:
        return {
            "connections": self.connections,
            "messages": self.messages,
            "bytes": self.bytes,
            "distinct_recipients": len(self.recipients),
            "recipients_mailed_twice": self.mailed_twice,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "cpu_seconds": time.process_time(),
        }


class LeanSmtp(asyncio.Protocol):
    """Enough SMTP for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def __init__(self, handler: CountingHandler):
        self.handler = handler
        self.buffer = b""
        self.in_data = False
        self.scanned = 0  # where the search for the data's end resumes
        self.rcpt_tos: list[str] = []

    def connection_made(self, transport):
        self.transport = transport
        self.handler.connections += 1
        transport.write(b"220 bench ESMTP\r\n")

    def data_received(self, chunk: bytes) -> None:
        self.buffer += chunk
        while self.transport is not None and not self.transport.is_closing():
            if self.in_data:
                end = (b"\r\n" + self.buffer).find(b"\r\n.\r\n", self.scanned)
                if end < 0:
                    self.scanned = max(0, len(self.buffer) - 3)
                    return
                content = self.buffer[: max(end, 0)]
                self.buffer = self.buffer[end + 3 :]
                self.in_data, self.scanned = False, 0
                if content.startswith(b".."):
                    content = content[1:]
                self.handler.message(content.replace(b"\r\n..", b"\r\n."), self.rcpt_tos)
                self.rcpt_tos = []
                self.transport.write(b"250 Message accepted\r\n")
                continue
            line, sep, rest = self.buffer.partition(b"\r\n")
            if not sep:
                return
            self.buffer = rest
            self.command(line)

    def command(self, line: bytes) -> None:
        verb = line[:4].upper()
        if verb in (b"EHLO", b"HELO"):
            self.transport.write(b"250 bench\r\n")
        elif verb == b"MAIL":
            self.rcpt_tos = []
            self.transport.write(b"250 OK\r\n")
        elif verb == b"RCPT":
            address = line.partition(b"<")[2].partition(b">")[0].decode("utf-8", "replace")
            self.rcpt_tos.append(address)
            self.transport.write(b"250 OK\r\n")
        elif verb == b"DATA":
            self.in_data = True
            self.transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        elif verb in (b"RSET", b"NOOP"):
            self.rcpt_tos = [] if verb == b"RSET" else self.rcpt_tos
            self.transport.write(b"250 OK\r\n")
        elif verb == b"QUIT":
            self.transport.write(b"221 Bye\r\n")
            self.transport.close()
        else:
            self.transport.write(b"500 Command not recognized\r\n")


def run(kind: str, port: int, status_file: Path, sample_file: Path) -> None:
    """Serve on 127.0.0.1:`port` until SIGTERM, writing the counts to `status_file` every 0.1 s."""
    handler = CountingHandler()
    stop = threading.Event()
    if kind == "aiosmtpd":
        controller = _start_aiosmtpd(handler, port)
        shutdown = controller.stop
    else:
        loop = asyncio.new_event_loop()
        server = loop.run_until_complete(
            loop.create_server(lambda: LeanSmtp(handler), "127.0.0.1", port)
        )
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()

        def shutdown():
            loop.call_soon_threadsafe(server.close)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)

    def write_status():
        tmp = status_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(handler.status()))
        tmp.replace(status_file)

    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    deadline = time.monotonic() + 3600  # never outlive a forgotten parent by long
    while not stop.is_set() and time.monotonic() < deadline:
        write_status()
        stop.wait(0.1)
    shutdown()
    write_status()
    if handler.sample:
        sample_file.write_bytes(handler.sample)


def _start_aiosmtpd(handler: CountingHandler, port: int):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class CountingController(Controller):
        def factory(self):
            handler.connections += 1  # one SMTP object per accepted connection
            return SMTP(self.handler, **self.SMTP_kwargs)

    controller = CountingController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.connections = 0  # the controller's own readiness probe is not a client
    return controller
