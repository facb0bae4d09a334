"""Settings come from the environment; a malformed one stops start-up and names itself."""

import subprocess
import sys

import pytest

from portal.config import ConfigError, load_config

from ..conftest import ROOT


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SMTP_STARTTLS", "maybe", "SMTP_STARTTLS='maybe' is not a boolean"),
        ("SMTP_PORT", "twenty-five", "SMTP_PORT='twenty-five' is not a whole number"),
        ("SMTP_PORT", "70000", "SMTP_PORT='70000' is out of range"),
        ("DATABASE_URL", "mysql://db/x", "DATABASE_URL='mysql://db/x' is not a valid URL"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379' is not a valid URL"),
        ("PORTAL_BASE_URL", "portal.example.com", "PORTAL_BASE_URL='portal.example.com'"),
        ("PORTAL_ENV", "staging", "PORTAL_ENV='staging' is unknown"),
    ],
)
def test_malformed_setting_is_named(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("'", "'")):
        load_config()


@pytest.mark.parametrize("word", ["true", "Yes", "1", "ON"])
def test_booleans_are_parsed_on_purpose(monkeypatch, word):
    monkeypatch.setenv("SMTP_SSL", word)
    assert load_config().MAIL_USE_SSL is True


def test_the_string_false_is_false(monkeypatch):
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    assert load_config().MAIL_USE_TLS is False


@pytest.mark.parametrize("key", [None, "short"])
def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, key):
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        load_config("production")


def test_production_starts_with_a_long_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    assert load_config("production").SECRET_KEY == "x" * 48


def test_defaults_need_no_servers(monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    config = load_config("development")
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.SQLALCHEMY_DATABASE_URI.endswith("instance/aftersale.db")
    assert config.REDIS_URL is None
    assert config.MAIL_SERVER is None


def test_postgres_urls_use_psycopg3(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.internal/aftersale")
    assert load_config().SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db.internal/aftersale"


def test_start_up_with_a_bad_setting_fails_with_its_name(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SMTP_PORT": "abc", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SMTP_PORT='abc' is not a whole number" in result.stderr
