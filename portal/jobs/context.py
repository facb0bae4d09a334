"""What every job function runs inside: its own app context and database session."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import current_app


def job(func: Callable) -> Callable:
    """Run a job in a fresh app context, so it has a session of its own.

    In the worker the app was built once by worker.py; inline (no Redis) the job runs inside
    the web request or CLI command that queued it, and must not share that caller's session.
    Exceptions propagate: RQ retries the job and records the failure; the claims the run
    took are released first.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        app = current_app._get_current_object()
        with app.app_context():
            try:
                return func(*args, **kwargs)
            except BaseException:
                # A failed run gives back its claims (jobs/claims.py), so RQ's retry sends.
                from portal.jobs.claims import release_held

                release_held()
                raise

    return wrapper
