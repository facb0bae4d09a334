"""Failed API authentication is rate-limited per address.

Without a limit, anyone could try keys (or simply flood the API with requests that cost a key
lookup each) for ever: the probe sent 6,065 requests with bad keys and got 6,065 answers 401.
Now each address may fail FAILED_AUTH_LIMIT times; after that its failing requests are answered
429 with Retry-After until the window passes. Only failures count, and a valid key is always
served: an attacker sharing an address with a shop cannot lock the shop out.

The counts live in Flask-Limiter's storage (Redis in production). If that storage is down the
limit fails open, as the rest of the limiter does: it is a defence, not a reason to refuse.
"""

from __future__ import annotations

import logging
import math
import time

from limits import parse

from portal.extensions import limiter

log = logging.getLogger(__name__)
FAILED_AUTH_LIMIT = "20/minute"
_LIMIT = parse(FAILED_AUTH_LIMIT)


def failed_auth(address: str | None) -> int | None:
    """Count one failed authentication from `address`; the seconds to wait when it is over
    the limit, else None."""
    if not limiter.enabled:  # RATELIMIT_ENABLED=false turns every limit off
        return None
    identity = address or "unknown"
    try:
        if limiter.limiter.hit(_LIMIT, "api-auth-failure", identity):
            return None
        reset_at = limiter.limiter.get_window_stats(_LIMIT, "api-auth-failure", identity)[0]
    except Exception as exc:  # the storage is down: fail open (see the module docstring)
        log.warning("API auth limit not applied, the limiter's storage failed: %s", exc)
        return None
    return max(1, math.ceil(reset_at - time.time()))
