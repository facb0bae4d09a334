"""Background work by name: the registry of job functions, keyed by a stable string.

Services name the work they want done by its key ("triage.notify_case_assigned") through the
outbox (`portal/jobs/outbox.py`); they never import a job module, so the dependencies point one
way: jobs -> services -> models. A job module registers its functions with `@job("key")` when
it is imported; `load_job_modules()` imports every one of them (the worker at start, and the
outbox the first time it meets a key it does not know yet).

Keys are a stored contract: they name the work in `outbox_jobs.func` and make up the RQ job ids
(`job_id_for`). Renaming a key, or moving a job to another module, needs a data migration of
the stored rows (see migrations/versions/*_outbox_job_keys.py) and an old-path alias for RQ
jobs already queued under the old import path (see `LEGACY_KEYS` and the job modules).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable

from flask import current_app

# Every module that defines jobs. Imported by name, so that nothing here depends on them.
JOB_MODULES = (
    "portal.jobs.answer_changes",
    "portal.jobs.coaching_mail",
    "portal.jobs.complaints",
    "portal.jobs.cover",
    "portal.jobs.customer_mail",
    "portal.jobs.escalation",
    "portal.jobs.failed_work",
    "portal.jobs.followup",
    "portal.jobs.inbound",
    "portal.jobs.maintenance",
    "portal.jobs.performance",
    "portal.jobs.periodic",
    "portal.jobs.privacy",
    "portal.jobs.staff_mail",
    "portal.jobs.surveys",
    "portal.jobs.triage",
    "portal.jobs.waiting",
    "portal.jobs.webhooks",
)

# Outbox rows written before work was named by key held "module:function" import paths.
# Most become "<last part of the module>.<function>"; these jobs moved to another module.
LEGACY_KEYS = {
    "portal.jobs.customer_mail:apply_followup_answer": "followup.apply_followup_answer",
    "portal.jobs.customer_mail:close_unanswered_followups": "followup.close_unanswered_followups",
}

REGISTRY: dict[str, Callable] = {}
# Called, without arguments, when a job raises (before RQ sees the failure). Filled by the
# modules that hold something for a run: jobs/claims.py registers `release_held`.
FAILURE_HOOKS: list[Callable[[], None]] = []


class UnknownJobError(LookupError):
    """No job is registered under a key."""


def job(key: str) -> Callable[[Callable], Callable]:
    """Register a job function under `key`, and run it in a fresh app context, so that it has
    a session of its own.

    In the worker the app was built once by worker.py; inline (no Redis) the job runs inside
    the web request or CLI command that queued it, and must not share that caller's session.
    Exceptions propagate: RQ retries the job and records the failure; the FAILURE_HOOKS run
    first (jobs/claims.py gives back the run's claims).
    """

    def register(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            app = current_app._get_current_object()
            with app.app_context():
                try:
                    return func(*args, **kwargs)
                except BaseException:
                    # A failed run gives back what it holds (the claims of jobs/claims.py),
                    # so RQ's retry can take them again at once.
                    for hook in FAILURE_HOOKS:
                        hook()
                    raise

        wrapper.job_key = key
        if REGISTRY.get(key, wrapper).__qualname__ != wrapper.__qualname__:
            raise ValueError(f"two jobs registered as {key!r}")
        REGISTRY[key] = wrapper
        return wrapper

    return register


def load_job_modules() -> None:
    for name in JOB_MODULES:
        importlib.import_module(name)


def key_from_legacy_path(path: str) -> str:
    """The key of a job stored as "module:function" before keys existed."""
    if path in LEGACY_KEYS:
        return LEGACY_KEYS[path]
    module, _, name = path.partition(":")
    return f"{module.rsplit('.', 1)[-1]}.{name}"


def resolve(key: str) -> Callable:
    """The job function registered under `key` (an old "module:function" path also works)."""
    if ":" in key:
        key = key_from_legacy_path(key)
    if key not in REGISTRY:
        load_job_modules()
    try:
        return REGISTRY[key]
    except KeyError:
        raise UnknownJobError(f"no job is registered as {key!r}") from None


def key_of(work: str | Callable) -> str:
    """The key of a job given by key or by its (registered) function."""
    if isinstance(work, str):
        return work
    key = getattr(work, "job_key", None)
    if key is None:
        raise UnknownJobError(f"{work!r} is not a registered job (decorate it with @job)")
    return key
