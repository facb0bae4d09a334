"""Emailed links: one spelling per link, limits per thing a link names, nothing secret inside
(issue 18, points 5 and 9)."""

from __future__ import annotations

import json
import re
import string
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer, base64_decode

from portal import tokens
from portal.extensions import db
from portal.models import CaseEvent, Complaint, Customer, User, utcnow
from portal.services.setup import ensure_sla_policies
from portal.services.staff import passwords

from ..cases.case_helpers import make_case
from ..conftest import body_text, csrf_from, sent_invitation

ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def copy_made_earlier(purpose, payload, monkeypatch, seconds: int) -> str:
    """The same link as emailed at another moment (a reminder, a later email): another text."""
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - seconds)
        return tokens.make_token(purpose, payload)


def other_spellings(token: str) -> list[str]:
    """Texts that base64 decoding reads as the same token: padding, a character outside the
    alphabet, and the signature's last character with other unused low bits."""
    signature = token.rsplit(".", 1)[1]
    unused = len(signature) * 6 - len(base64_decode(signature)) * 8
    last = ALPHABET.index(signature[-1])
    siblings = [
        token[:-1] + ALPHABET[(last >> unused << unused) + k]
        for k in range(2**unused)
        if (last >> unused << unused) + k != last
    ]
    return [token + "=", token + "==", token + "é", *siblings]


@pytest.fixture
def rep(app, make_team, make_user):
    ensure_sla_policies()
    lead = make_user("manager", name="Maja Manager")
    return make_user("rep", team=make_team("North", lead=lead), name="Rita Rep")


@pytest.fixture
def invitation(rep, make_sale):
    now = utcnow()
    customer = Customer(email="carl@example.org", name="Carl Kund")
    sale = make_sale(rep=rep, customer=customer, sold_at=now - timedelta(days=4))
    inv = sent_invitation(sale)
    db.session.add(inv)
    db.session.commit()
    return inv


def test_only_the_spelling_that_was_made_is_read(app):
    token = tokens.make_token("survey", 42)
    assert tokens.read_token("survey", token, max_age=60) == 42
    spellings = other_spellings(token)
    assert len(spellings) >= 5
    for spelling in spellings:
        with pytest.raises(tokens.InvalidToken):
            tokens.read_token("survey", spelling, max_age=60)


def test_another_spelling_of_a_link_gets_the_friendly_bad_link_page(client, invitation):
    token = tokens.make_token("survey", invitation.id)
    assert client.get(f"/s/{token}/complaint").status_code == 200
    for spelling in other_spellings(token):
        for path in (f"/s/{spelling}/complaint", f"/s/{spelling}"):
            response = client.get(path)
            assert response.status_code == 404, (path, response.status_code)
            assert "does not work" in response.get_data(as_text=True)


def _post(client, path: str, csrf: str, ip: str, **data) -> int:
    sent = client.post(path, data={"csrf_token": csrf, **data}, environ_base={"REMOTE_ADDR": ip})
    return sent.status_code


def test_complaints_through_spellings_and_copies_of_one_survey_link_hit_its_limit(
    client, invitation, monkeypatch
):
    copies = [
        copy_made_earlier("survey", invitation.id, monkeypatch, seconds=60 * n) for n in range(5)
    ]
    assert len(set(copies)) == 5
    csrf = csrf_from(client.get(f"/s/{copies[0]}/complaint").get_data(as_text=True))
    links = [
        copies[0],
        copies[0] + "=",
        copies[1],
        copies[1] + "==",
        copies[2],
        other_spellings(copies[2])[-1],
        copies[3],
        copies[3] + "é",
        copies[4],
        copies[0],
        copies[1],
    ]
    codes = [
        _post(
            client,
            f"/s/{link}/complaint",
            csrf,
            ip=f"198.51.100.{n + 1}",
            category="delivery",
            description=f"Complaint number {n}: the parcel never came.",
            contact_preference="email",
        )
        for n, link in enumerate(links)
    ]
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint))
    assert stored == 5, codes  # ACCEPTED_PER_SURVEY_LINK, whatever the spelling or copy
    assert codes.count(429) == 2, codes
    assert codes.count(404) == 4, codes  # the spellings nobody was sent


def test_replies_through_spellings_and_copies_of_one_case_link_hit_its_limit(
    client, rep, monkeypatch
):
    case = make_case(rep)
    db.session.commit()
    copies = [
        copy_made_earlier("case-status", case.id, monkeypatch, seconds=60 * n) for n in range(4)
    ]
    csrf = csrf_from(client.get(f"/status/{copies[0]}").get_data(as_text=True))
    links = [copies[n % 4] for n in range(11)] + [copies[0] + "=", copies[1] + "é"]
    codes = [
        _post(client, f"/status/{link}", csrf, ip=f"203.0.113.{n + 1}", body=f"Message {n}")
        for n, link in enumerate(links)
    ]
    replies = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == "customer_message")
    )
    assert replies == 10, codes  # REPLIES_PER_LINK
    assert codes[:10] == [303] * 10 and codes[10] == 429
    assert codes[11:] == [404, 404]


# --- the set-password link -----------------------------------------------------------------


def _readable_payload(token: str) -> str:
    """What anyone holding the link can read without the key."""
    payload = token.split(".")[0]
    return json.dumps(json.loads(base64_decode(payload)))


def test_the_set_password_links_readable_payload_holds_no_part_of_any_secret(
    app, client, make_user, outbox, run_jobs
):
    rep = make_user("rep", email="rita@example.com")
    page = client.get("/password/forgot").get_data(as_text=True)
    client.post("/password/forgot", data={"csrf_token": csrf_from(page), "email": rep.email})
    run_jobs()
    [message] = [m for m in outbox() if m["To"] == rep.email]
    link = re.search(r"/password/set/(\S+)", body_text(message)).group(1)
    readable = _readable_payload(link)
    user = db.session.get(User, rep.id)
    secrets = [user.session_token, user.password_hash, app.config["SECRET_KEY"]]
    for secret in secrets:
        pieces = {secret[i : i + 6] for i in range(len(secret) - 5)}
        leaked = [piece for piece in pieces if piece in readable]
        assert leaked == [], f"the link shows {leaked} of a secret: {readable}"
    # Still one use only, and dead once the password changes.
    assert passwords.user_for_set_password_token(link) == user
    passwords.set_password(user, "a brand new password")
    assert passwords.user_for_set_password_token(link) is None


@pytest.mark.parametrize("payload", [7, 123_456_789, 1_234_567_890, [3, 4], "x" * 40, "a" * 9])
def test_links_emailed_before_the_fast_serializer_are_the_same_links(app, monkeypatch, payload):
    """Survey links skip itsdangerous' zlib attempt on short payloads (issue 15): every link
    is still spelled exactly as itsdangerous spells it, so links already emailed keep working
    and keep their rate-limit key."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_765_000_000)
    plain = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="aftersale:survey")
    with app.app_context():
        made = tokens.make_token("survey", payload)
        assert made == plain.dumps(payload)
        assert tokens.read_token("survey", made, max_age=None) == payload
