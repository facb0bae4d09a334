"""Per-process copies of the few settings rows every survey page or answer reads (the
organisation, the active webhook endpoints), kept SETTINGS_CACHE_SECONDS (5 by default).

Why: reading them was a fifth of the survey link's database statements
(bench/survey_submit.py). How a change takes effect: the process that saves it `clear`s its
own copy at once; every other gunicorn worker and the job worker reads the row again once its
copy is older than SETTINGS_CACHE_SECONDS. The copies live on the app (one per app, so tests
with their own app never see each other's), and hold plain values, never ORM objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
_KEY = "settings_cache"


def cached(name: str, read: Callable[[], T]) -> T:
    """`read()`'s value, read again once the copy is SETTINGS_CACHE_SECONDS old."""
    seconds = current_app.config.get("SETTINGS_CACHE_SECONDS", 0)
    if not seconds:
        return read()
    copies = current_app.extensions.setdefault(_KEY, {})
    now = time.monotonic()
    copy = copies.get(name)
    if copy is not None and copy[0] > now:
        return copy[1]
    value = read()
    copies[name] = (now + seconds, value)
    return value


def clear(name: str) -> None:
    """After a change: this process reads the row again on its next use."""
    current_app.extensions.get(_KEY, {}).pop(name, None)
