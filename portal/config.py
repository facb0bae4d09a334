"""Configuration read from the environment (and an optional `.env`).

Every setting is parsed on purpose: a boolean is one of a known set of words, a port is a
number, a URL has a scheme. A malformed value stops start-up with a message that names the
setting, instead of surfacing later as a confusing error deep inside a request or a job.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(RuntimeError):
    """A setting in the environment is missing or malformed."""


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ConfigError(
        f"{name}={raw!r} is not a boolean: use one of true/false, yes/no, 1/0, on/off."
    )


def env_int(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ConfigError(f"{name}={raw!r} is out of range: it must be {bound}.")
    return value


def env_url(name: str, default: str | None, schemes: tuple[str, ...]) -> str | None:
    value = env_str(name, default)
    if value is None:
        return None
    parts = urlsplit(value)
    scheme = parts.scheme.split("+")[0]
    if scheme not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ConfigError(f"{name}={value!r} is not a valid URL: it must start with {allowed}")
    if scheme in ("http", "https", "redis", "rediss") and not parts.hostname:
        raise ConfigError(f"{name}={value!r} has no host name.")
    return value


_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def env_domain(name: str) -> str | None:
    value = env_str(name)
    if value is None:
        return None
    value = value.lower()
    if not _DOMAIN.fullmatch(value):
        raise ConfigError(f"{name}={value!r} is not a domain name (e.g. reply.example.com).")
    return value


def env_address(name: str) -> str | None:
    value = env_str(name)
    if value is None:
        return None
    local, at, domain = value.lower().rpartition("@")
    if not at or not re.fullmatch(r"[a-z0-9._-]{1,40}", local) or not _DOMAIN.fullmatch(domain):
        raise ConfigError(
            f"{name}={value!r} is not a plain address (e.g. bounces@reply.example.com: "
            "letters, digits, '.', '_' or '-' before the @, and no '+')."
        )
    return value.lower()


def _database_url() -> str:
    url = env_url(
        "DATABASE_URL",
        f"sqlite:///{INSTANCE_DIR / 'aftersale.db'}",
        ("sqlite", "postgresql", "postgres"),
    )
    # Heroku-style URLs and plain "postgresql://" both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Settings shared by every environment, read when the app is created."""

    def __init__(self) -> None:
        self.SECRET_KEY = env_str("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        # Each connection is checked on checkout without a round trip (db_connections.py).
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 30 * 60}
        self.REDIS_URL = env_url("REDIS_URL", None, ("redis", "rediss", "unix"))
        self.PORTAL_BASE_URL = env_url(
            "PORTAL_BASE_URL", "http://127.0.0.1:5000", ("http", "https")
        )
        self.PORTAL_BASE_URL = self.PORTAL_BASE_URL.rstrip("/")

        self.MAIL_SERVER = env_str("SMTP_HOST")
        self.MAIL_PORT = env_int("SMTP_PORT", 587, minimum=1, maximum=65535)
        self.MAIL_USERNAME = env_str("SMTP_USER")
        self.MAIL_PASSWORD = env_str("SMTP_PASSWORD")
        self.MAIL_USE_TLS = env_bool("SMTP_STARTTLS", True)
        self.MAIL_USE_SSL = env_bool("SMTP_SSL", False)
        if self.MAIL_USE_TLS and self.MAIL_USE_SSL and "SMTP_STARTTLS" in os.environ:
            raise ConfigError("SMTP_STARTTLS and SMTP_SSL are both on: choose one.")
        if self.MAIL_USE_SSL:
            self.MAIL_USE_TLS = False
        self.MAIL_TIMEOUT = env_int("SMTP_TIMEOUT", 30, minimum=1)
        self.MAIL_DEFAULT_SENDER = env_str("MAIL_FROM", "Aftersale <no-reply@aftersale.invalid>")
        self.MAIL_DIR = Path(env_str("MAIL_DIR", str(INSTANCE_DIR / "mail")))
        # How customers reach the company, shown where a page cannot help them (a dead link):
        # portal/support_contact.py, until an admin saves the organisation's settings (Admin >
        # Organisation). Empty (the default) hides them.
        self.SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "")
        self.SUPPORT_PHONE = os.environ.get("SUPPORT_PHONE", "")

        # Inbound mail (portal/inbound/, README "Inbound mail"): customers' replies to
        # case+<token>@INBOUND_REPLY_DOMAIN and delivery reports to BOUNCE_ADDRESS reach the
        # receiver (`flask portal inbound-smtp`). Unset: no Reply-To, the envelope sender is
        # MAIL_FROM's address (as before).
        self.INBOUND_REPLY_DOMAIN = env_domain("INBOUND_REPLY_DOMAIN")
        self.BOUNCE_ADDRESS = env_address("BOUNCE_ADDRESS")
        self.INBOUND_SMTP_HOST = env_str("INBOUND_SMTP_HOST", "127.0.0.1")
        self.INBOUND_SMTP_PORT = env_int("INBOUND_SMTP_PORT", 2525, minimum=1, maximum=65535)
        self.INBOUND_MAX_MESSAGE_BYTES = env_int(
            "INBOUND_MAX_MESSAGE_BYTES", 25_000_000, minimum=64_000
        )
        self.INBOUND_MAX_ATTACHMENTS = env_int("INBOUND_MAX_ATTACHMENTS", 5, minimum=0)
        self.INBOUND_MAX_ATTACHMENT_BYTES = env_int(
            "INBOUND_MAX_ATTACHMENT_BYTES", 5_000_000, minimum=0
        )
        # Photos and files customers send with a complaint or a status-page message
        # (services/customer_files.py): how many at once, and the size of each.
        self.COMPLAINT_MAX_FILES = env_int("COMPLAINT_MAX_FILES", 5, minimum=0, maximum=20)
        self.COMPLAINT_MAX_FILE_BYTES = env_int(
            "COMPLAINT_MAX_FILE_BYTES", 10_000_000, minimum=100_000, maximum=50_000_000
        )
        # The company's logo (Admin > Organisation), beside the database in the instance folder.
        self.ORGANISATION_DIR = Path(
            env_str("ORGANISATION_DIR", str(INSTANCE_DIR / "organisation"))
        )

        self.RQ_QUEUE_PREFIX = env_str("RQ_QUEUE_PREFIX", "aftersale")
        self.RATELIMIT_STORAGE_URI = env_str("RATELIMIT_STORAGE_URI") or (
            self.REDIS_URL or "memory://"
        )
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        # A Redis outage must never stop a customer's answer or a staff login: the limits are
        # then counted in each process's memory until Redis answers again (portal/ratelimits.py
        # says so in the log and on the admin status page), and an error while counting is
        # logged, never turned into a 500. (Short Redis timeouts: portal/ratelimits.py.)
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.LOGIN_ATTEMPTS_PER_ACCOUNT = env_str("LOGIN_LIMIT_ACCOUNT", "5 per 15 minutes")
        self.LOGIN_ATTEMPTS_PER_ADDRESS = env_str("LOGIN_LIMIT_ADDRESS", "30 per 15 minutes")
        # From a browser the user logged in on before (portal/auth/devices.py), instead of
        # the per-account limit: the owner is never locked out by someone else's guesses.
        self.LOGIN_ATTEMPTS_PER_DEVICE = env_str("LOGIN_LIMIT_DEVICE", "10 per 15 minutes")
        self.PROXY_HOPS = env_int("PROXY_HOPS", 0, minimum=0, maximum=5)
        # Deliberately not read from the environment: production always hashes with scrypt.
        # Only the test suite overrides it (create_app(test_config)) with a cheap pbkdf2.
        self.PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  (a method name, not a password)
        self.TOKEN_MAX_AGE_SET_PASSWORD = env_int("SET_PASSWORD_TOKEN_HOURS", 72, minimum=1) * 3600
        # Customers' words older than this many months are replaced by a marker, daily
        # (services/customer_data/retention.py); 0: kept until erased on request.
        self.CUSTOMER_WORDS_RETENTION_MONTHS = env_int(
            "CUSTOMER_WORDS_RETENTION_MONTHS", 0, minimum=0, maximum=1200
        )

        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        secure = env_bool("SECURE_COOKIES", self.PORTAL_BASE_URL.startswith("https://"))
        self.SESSION_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_SECURE = secure
        self.WTF_CSRF_TIME_LIMIT = None  # tied to the session: a page left open still submits
        # A request larger than this is refused with 413 before it is read (the complaint
        # pages answer with their own page, in the customer's language): room for the most
        # files a customer may send at their largest, and the words with them.
        self.MAX_CONTENT_LENGTH = max(
            16 * 1024 * 1024,
            self.COMPLAINT_MAX_FILES * self.COMPLAINT_MAX_FILE_BYTES + 1_000_000,
        )
        # Webhooks go to https:// only; plain http:// to a loopback address is for development
        # and tests (on by default there, off in production).
        self.WEBHOOKS_ALLOW_HTTP_LOOPBACK = env_bool("WEBHOOKS_ALLOW_HTTP_LOOPBACK", False)
        # Deliveries connect to public addresses only (services/webhooks/egress.py); on: also to
        # private networks, for a receiver inside the company's own network.
        self.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", False)
        # How long a web or worker process keeps the organisation and the webhook endpoints it
        # read (portal/settings_cache.py): every survey page and answer reads them. An admin's
        # change clears the copy of the process that made it at once, every other process's
        # within this many seconds. 0: read them every time.
        self.SETTINGS_CACHE_SECONDS = env_int("SETTINGS_CACHE_SECONDS", 5, maximum=60)


class DevelopmentConfig(Config):
    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY:
            # Stable across restarts of a dev server, never used in production (refused there).
            self.SECRET_KEY = _dev_secret_key()
        self.WEBHOOKS_ALLOW_HTTP_LOOPBACK = env_bool("WEBHOOKS_ALLOW_HTTP_LOOPBACK", True)


class TestingConfig(DevelopmentConfig):
    def __init__(self) -> None:
        super().__init__()
        self.TESTING = True
        # A test that changes a row and reads it back sees it (test_settings_cache.py sets it).
        self.SETTINGS_CACHE_SECONDS = 0


class ProductionConfig(Config):
    def __init__(self) -> None:
        super().__init__()
        if not self.SECRET_KEY or len(self.SECRET_KEY) < 32:
            raise ConfigError(
                "SECRET_KEY must be set to a random string of at least 32 characters in "
                'production, e.g. python -c "import secrets; print(secrets.token_hex(32))"'
            )


def _dev_secret_key() -> str:

    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


ENVIRONMENTS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    name = name or env_str("PORTAL_ENV", "development")
    if name not in ENVIRONMENTS:
        raise ConfigError(f"PORTAL_ENV={name!r} is unknown: use one of {', '.join(ENVIRONMENTS)}.")
    return ENVIRONMENTS[name]()
