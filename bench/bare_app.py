"""The yardstick for bench/survey_submit.py: the survey flow's shape with nothing behind it.

A GET that returns a small HTML form with a hidden token, and a POST that reads the form and
answers 303: no database, no session, no templates, no CSRF check beyond "a token came back".
Served by the same gunicorn settings as the portal, so the difference is the portal's own work:

    gunicorn --workers 2 --chdir bench bare_app:app
"""

from __future__ import annotations

import secrets

from flask import Flask, abort, redirect, request

app = Flask(__name__)

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


@app.get("/s/<token>")
def survey(token: str):
    return FORM.format(token=token, csrf=secrets.token_urlsafe(32), ratings=RATINGS)


@app.post("/s/<token>")
def answer(token: str):
    if not request.form.get("csrf_token") or request.form.get("satisfaction") not in {
        "1",
        "2",
        "3",
        "4",
        "5",
    }:
        abort(400)
    return redirect(f"/s/{token}/thanks", code=303)
