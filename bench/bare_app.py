"""The yardstick for bench/survey_submit.py: the survey flow with only its unavoidable work.

The least any implementation of the survey must do, on the same database, Redis and gunicorn
as the portal:

- GET /s/<token>: check the link's signature (itsdangerous, as the portal's links are signed),
  one SELECT of the invitation, and a small HTML form with a hidden token;
- POST /s/<token>: the same check and SELECT, one INSERT of the answer, one UPDATE of the
  invitation (answered), one commit, then one job enqueued on RQ (the answer's analysis, which
  nobody works off here), and 303 to the thanks page.

No ORM, no session cookie, no templates, no CSRF check beyond "a token came back", no
translations: the difference with the portal is the portal's own work per request.

    gunicorn --workers 2 --chdir bench bare_app:app
    (DATABASE_URL, REDIS_URL, SECRET_KEY and RQ_QUEUE_PREFIX as the portal gets them)
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, abort, redirect, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

app = Flask(__name__)
engine = sa.create_engine(os.environ["DATABASE_URL"], pool_size=2, pool_pre_ping=False)
links = URLSafeTimedSerializer(os.environ["SECRET_KEY"], salt="aftersale:survey")
queue = Queue(
    f"{os.environ.get('RQ_QUEUE_PREFIX', 'aftersale-bench-bare')}-analysis",
    connection=Redis.from_url(os.environ["REDIS_URL"]),
    serializer=JSONSerializer,
)
LINK_MAX_AGE = 56 * 86400

FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>How was your purchase?</title></head>
<body><form method="post" action="/s/{token}">
<input id="csrf_token" name="csrf_token" type="hidden" value="{csrf}">
<fieldset><legend>How satisfied are you with your purchase?</legend>
{ratings}
</fieldset>
<textarea name="comment"></textarea>
<input type="checkbox" name="may_contact" value="y">
<button type="submit">Send my answer</button>
</form></body></html>
"""
RATINGS = "\n".join(
    f'<input type="radio" name="satisfaction" value="{n}" id="s{n}"><label for="s{n}">{n}</label>'
    for n in range(1, 6)
)
SELECT = sa.text(
    "SELECT id, sent_at, expires_at, answered_at FROM survey_invitations WHERE id = :id"
)
INSERT = sa.text(
    "INSERT INTO survey_responses (invitation_id, satisfaction, recommend, comment, "
    "may_contact, needs_review, submitted_at) VALUES (:id, :satisfaction, :recommend, "
    ":comment, :may_contact, false, :now) RETURNING id"
)
UPDATE = sa.text("UPDATE survey_invitations SET answered_at = :now WHERE id = :id")


def _invitation(conn, token: str):
    try:
        invitation_id = links.loads(token, max_age=LINK_MAX_AGE)
    except BadSignature:
        abort(404)
    row = conn.execute(SELECT, {"id": invitation_id}).first()
    if row is None or row.sent_at is None or row.answered_at is not None:
        abort(404)
    return row


@app.get("/s/<token>")
def survey(token: str):
    with engine.connect() as conn:
        _invitation(conn, token)
        conn.rollback()
    return FORM.format(token=token, csrf=secrets.token_urlsafe(32), ratings=RATINGS)


@app.post("/s/<token>")
def answer(token: str):
    form = request.form
    if not form.get("csrf_token") or form.get("satisfaction") not in {"1", "2", "3", "4", "5"}:
        abort(400)
    recommend = form.get("recommend", "").strip()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        invitation = _invitation(conn, token)
        response_id = conn.execute(
            INSERT,
            {
                "id": invitation.id,
                "satisfaction": int(form["satisfaction"]),
                "recommend": int(recommend) if recommend.isdigit() else None,
                "comment": form.get("comment", "").strip() or None,
                "may_contact": form.get("may_contact") == "y",
                "now": now,
            },
        ).scalar_one()
        conn.execute(UPDATE, {"id": invitation.id, "now": now})
    queue.enqueue(
        "portal.jobs.triage.analyse_response",
        response_id,
        job_id=f"bare-analyse_response-{response_id}",
        ttl=3600,
    )
    return redirect(f"/s/{token}/thanks", code=303)


@app.get("/s/ready")
def ready():
    """For the benchmark's wait: the app is up (no link, no database)."""
    return "ok"
