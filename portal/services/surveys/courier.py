"""The thread that hands a dispatch batch's messages to the SMTP server (sending.py).

Each message costs the SMTP conversation four round trips (MAIL, RCPT, DATA, the message);
done in line, the worker sat idle for each of them (issue 15: 0.7 of a core busy with one
worker). The courier sends on its own thread, a few messages behind the dispatch loop, which
meanwhile builds the next messages and records what was sent: waiting on a socket releases
the GIL. It touches no database; the dispatch loop alone records outcomes, in order, so the
claim protocol of sending.py is unchanged: a message is recorded sent only once the server
took it, and after a failure nothing more is sent on the connection.
"""

from __future__ import annotations

import queue
import smtplib
import threading
from collections.abc import Iterator
from typing import Any

from flask import current_app

from portal.mail_bulk import Outgoing

AHEAD = 8  # messages built and waiting for the courier: memory stays flat, and the
# courier's backlog at the end of a batch (while this thread waits) stays short


class Courier:
    """`put` (invitation, message) pairs; `outcomes` yields (invitation, None) for each
    message the server took, (invitation, exception) for one it refused or could not take;
    after the first failure that is not a refused address, every later message is given back
    unsent with that failure (`broken`)."""

    def __init__(self, sender):
        self.sender = sender
        self.app = current_app._get_current_object()
        self.todo: queue.Queue = queue.Queue(maxsize=AHEAD)
        self.done: queue.SimpleQueue = queue.SimpleQueue()
        self.broken: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="survey-courier", daemon=True)
        self.thread.start()

    def put(self, invitation: Any, message: Outgoing) -> None:
        self.todo.put((invitation, message))

    def outcomes(self) -> Iterator[tuple[Any, BaseException | None]]:
        """What was sent (or not) since the last call, in the order put; after `close`,
        everything left."""
        while True:
            try:
                yield self.done.get_nowait()
            except queue.Empty:
                return

    def close(self) -> None:
        """No more messages: the courier sends what it holds, then stops."""
        self.todo.put(None)
        self.thread.join()

    def _run(self) -> None:
        with self.app.app_context():  # the slow path's SmtpSender.send reads the config
            while (item := self.todo.get()) is not None:
                invitation, message = item
                if self.broken is not None:
                    self.done.put((invitation, self.broken))
                    continue
                try:
                    if message.data is not None:
                        self.sender.send_bytes(message.envelope, message.to, message.data)
                    else:
                        self.sender.send(message.message)
                except smtplib.SMTPRecipientsRefused as exc:
                    self.done.put((invitation, exc))  # that address only; the rest go on
                except BaseException as exc:
                    self.broken = exc
                    self.done.put((invitation, exc))
                else:
                    self.done.put((invitation, None))
