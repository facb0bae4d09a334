"""Rate limits that never stop a customer or a staff member because Redis is down.

Flask-Limiter counts in RATELIMIT_STORAGE_URI (by default REDIS_URL). With
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED (config.py) it counts in this process's memory while that
storage does not answer, and goes back to it once it answers again (it looks at growing
intervals, at most about a minute apart). Before this, a Redis outage answered 500 to survey
answers, complaints, replies and staff logins, and stored none of them (issue 18).

This module gives the switch a voice: one WARNING when a process starts counting in memory,
one INFO when it is back, and the state for the admin status page.
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlsplit

from flask import Flask, current_app

from portal.extensions import limiter
from portal.models import utcnow

log = logging.getLogger(__name__)

# A Redis host gone from the network must not hold a page for the operating system's minutes.
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}
_REDIS_SCHEMES = ("redis", "rediss", "unix")


def configure(app: Flask) -> None:
    """Before `limiter.init_app`: short timeouts for a Redis storage."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.split(":", 1)[0].split("+")[0] in _REDIS_SCHEMES:
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", dict(REDIS_TIMEOUTS))


def init_app(app: Flask) -> None:
    """After `limiter.init_app`."""
    app.extensions["portal_ratelimits"] = {"memory_since": None}
    # The limiter is one object for the process; a new app starts by trusting its storage.
    limiter._storage_dead = False

    @app.after_request
    def _say_when_the_storage_changes(response):
        _note_state()
        return response


def counting_in_memory() -> bool:
    """True while this process counts limits in its own memory because the storage is down."""
    return bool(limiter.enabled and getattr(limiter, "_storage_dead", False))


def memory_since() -> datetime | None:
    return current_app.extensions["portal_ratelimits"]["memory_since"]


def _note_state() -> None:
    state = current_app.extensions["portal_ratelimits"]
    dead = counting_in_memory()
    if dead and state["memory_since"] is None:
        state["memory_since"] = utcnow()
        log.warning(
            "rate limit storage %s is unreachable: rate limits are counted in this process's "
            "memory until it answers again (each web process counts on its own meanwhile)",
            storage_name(),
        )
    elif not dead and state["memory_since"] is not None:
        log.info("rate limit storage %s answers again: limits are counted there", storage_name())
        state["memory_since"] = None


def storage_name() -> str:
    """The storage URI without a password."""
    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    parts = urlsplit(uri)
    if parts.password:
        netloc = parts.netloc.rsplit("@", 1)[-1]
        return parts._replace(netloc=f"***@{netloc}").geturl()
    return uri


def storage_answers() -> bool:
    """Asks the storage now (a Redis PING, within the timeouts above)."""
    try:
        return bool(limiter.storage.check())
    except Exception:  # any failure means: it does not answer
        return False
