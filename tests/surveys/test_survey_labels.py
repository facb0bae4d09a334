"""The admin's invitation list names every skip reason in words, never as a code."""

import pytest


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("budget", "asked recently (survey budget)"),
        ("unsubscribed", "customer unsubscribed"),
        ("bounced", "address bounced"),
        ("too_late", "sale too old to ask about"),
        ("not_resolved", "case no longer resolved when due"),
        ("superseded", "replaced by a newer follow-up"),
        ("some_future_reason", "some future reason"),
    ],
)
def test_each_skip_reason_has_a_readable_label(app, reason, label):
    labels = app.jinja_env.get_template("admin/_survey_labels.html").module
    assert str(labels.skip_reason(reason)).strip() == label
