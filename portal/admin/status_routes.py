"""The admin's system status page: can the web process reach Redis, where are rate limits
counted, how much work waits in the outbox, how much failed for good. The first place to look
in an outage."""

from __future__ import annotations

from flask import current_app, render_template
from redis import Redis
from redis.exceptions import RedisError

from portal import jobs, ratelimits
from portal.admin.common import bp
from portal.auth.access import roles_required
from portal.jobs import outbox
from portal.models import utcnow
from portal.services.failed_work import failed_work
from portal.services.inbound.summary import inbound_summary


def _redis_state() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url or jobs.is_inline():
        return "not used (no REDIS_URL): jobs run inside the web process"
    try:
        # A connection of its own, with short timeouts: this page must answer in an outage.
        with Redis.from_url(url, **ratelimits.REDIS_TIMEOUTS) as probe:
            probe.ping()
    except (RedisError, OSError):
        return "unreachable"
    return "reachable"


@bp.get("/status")
@roles_required("admin")
def system_status():
    return render_template(
        "admin/status.html",
        redis=_redis_state(),
        limits_in_memory=ratelimits.counting_in_memory(),
        limits_in_memory_since=ratelimits.memory_since(),
        limits_storage=ratelimits.storage_name(),
        limits_storage_answers=ratelimits.storage_answers(),
        backlog=outbox.backlog(),
        failed=len(failed_work().items),
        inbound=inbound_summary(
            utcnow(),
            current_app.config.get("INBOUND_REPLY_DOMAIN"),
            current_app.config.get("BOUNCE_ADDRESS"),
        ),
        now=utcnow(),
    )
