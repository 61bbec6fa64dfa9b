"""Configuration: safe defaults here, secrets and deployment choices from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

ENVIRONMENTS = ("development", "production", "testing")


class Defaults:
    """Settings every environment starts from; `LMS_*` variables override them."""

    ENV_NAME = "development"
    SITE_NAME = "Trauma-Informed Care Learning"
    PROVIDER_NAME = "Example Pediatric Education Institute"
    # The language SITE_NAME and PROVIDER_NAME are written in: proper names, never translated,
    # so pages in another language mark them for screen readers to pronounce.
    NAMES_LANGUAGE = "en"
    # Printed on certificates, as accreditors ask; one line, or several separated by "; ".
    PROVIDER_ADDRESS = "100 Example Avenue, Chicago, IL 60601, United States"
    # Largest certificate PDF a learner may attach to credit earned elsewhere (under the
    # request limit, MAX_CONTENT_LENGTH).
    EXTERNAL_CERTIFICATE_MAX_BYTES = 1024 * 1024
    SUPPORT_EMAIL = "support@example.org"
    # How long after a webinar ends attendees may still enter the attendance code read out in it.
    WEBINAR_CODE_GRACE_MINUTES = 30
    # The language and region pages, emails and documents are written for (dates, numbers).
    BABEL_DEFAULT_LOCALE = "en_US"
    # Times are shown in UTC, and UTC's calendar decides what is due or overdue.
    BABEL_DEFAULT_TIMEZONE = "UTC"
    # The site's public address (https://learn.example.org). Every link that leaves the site
    # (emails, certificates, QR codes) is built on it, never on the request's Host header.
    # Required in production; empty in development: the request's host, if ALLOWED_HOSTS has it.
    BASE_URL = ""
    # Host names the site answers to (Flask's TRUSTED_HOSTS); empty: any when BASE_URL is set,
    # else only DEVELOPMENT_HOSTS.
    ALLOWED_HOSTS: list[str] = []
    TRUSTED_PROXIES = 0
    COURSES_DIR = "courses"
    WEBINARS_DIR = "webinars"
    # Learning paths (docs/authoring.md): ordered sets of the courses above.
    PATHS_DIR = "paths"
    # The family resources library's Markdown files (docs/authoring.md), published with courses.
    RESOURCES_DIR = "resources"
    MAX_MEDIA_BYTES = 20 * 1024 * 1024
    # Processes that compile changed courses at publish (0: one per core). Small publishes
    # compile in-process whatever this says: starting workers would cost more.
    PUBLISH_WORKERS = 0
    # The guide for course authors, shown on the Authoring page; it ships with the source.
    AUTHORING_GUIDE = str(Path(__file__).resolve().parent.parent / "docs" / "authoring.md")

    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    # SQLite: how long a form post waits for another's write to finish before the person is
    # told to try again (503). Under a burst of invitations, 5 s was too short; it stays below
    # gunicorn's 30 s worker timeout.
    SQLITE_BUSY_TIMEOUT_SECONDS = 20

    # Werkzeug's scrypt; tests swap in a cheap method so each login does not cost 70 ms.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (an algorithm name, not a password)
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_RESET_MAX_AGE = 3600

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Per address: a clinic's staff share one address, so 25 must sign in within a minute.
    # Guessing one person's password is held back by the per-account limit instead.
    LOGIN_RATE_LIMIT_IP = "60 per minute;600 per hour"
    LOGIN_RATE_LIMIT_ACCOUNT = "5 per minute;30 per hour"
    # Public certificate checks per address (an employer's system may check a whole staff list).
    VERIFY_RATE_LIMIT = "60 per minute;1000 per hour"
    # Per API token (lms.api): enough for a nightly sync of a large organization, page by page.
    API_RATE_LIMIT = "120 per minute;5000 per hour"
    # The REST API's OpenAPI document (flask-smorest), served at /api/v1/openapi.json.
    API_TITLE = "LMS API"
    API_VERSION = "1.0"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30

    WTF_CSRF_TIME_LIMIT = None  # a learner may leave a form open for hours; the session bounds it
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    MAIL_SERVER = ""  # empty: print emails to the console (development)
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = "Trauma-Informed Care Learning <no-reply@example.org>"
    MAIL_RETRY_SECONDS = 30  # first wait after a failed send; it doubles, up to an hour

    # Single sign-on (lms.sso): Fernet keys that encrypt providers' client secrets; the first
    # encrypts, all decrypt (rotate by putting a new key first). Required in production to add
    # providers; development and tests derive one from SECRET_KEY.
    SSO_ENCRYPTION_KEYS: list[str] = []
    SSO_HTTP_TIMEOUT_SECONDS = 10  # each call to a provider (discovery, keys, token)
    SSO_CLOCK_LEEWAY_SECONDS = 60  # clock difference allowed when checking ID-token times
    # How long each worker keeps a provider's discovery document and signing keys; a token
    # signed with an unknown key fetches the keys again at once.
    SSO_METADATA_CACHE_SECONDS = 3600

    # Webhooks (docs/api.md): each try waits at most this long for the receiver; a failed try
    # is retried after WEBHOOK_RETRY_SECONDS, doubling, until WEBHOOK_MAX_ATTEMPTS tries.
    WEBHOOK_TIMEOUT_SECONDS = 10
    WEBHOOK_RETRY_SECONDS = 30
    WEBHOOK_MAX_ATTEMPTS = 8
    # Plain http:// endpoints on this machine (127.0.0.1, localhost): for tests only.
    WEBHOOKS_ALLOW_LOOPBACK = False

    # xAPI (docs/api.md): the learning record store's statements API base, e.g.
    # https://lrs.example.org/xAPI/ and its Basic credentials; empty: no statements are made.
    XAPI_ENDPOINT = ""
    XAPI_USERNAME = ""
    XAPI_PASSWORD = ""
    # The IRI activity ids start with (courses, pages, webinars); empty: BASE_URL. Keep it
    # fixed once statements were sent: the store knows activities by it.
    XAPI_BASE_IRI = ""
    # Makes the opaque learner ids in statements; empty: derived from SECRET_KEY. Set it in
    # production so that rotating SECRET_KEY keeps each learner's id.
    XAPI_ACTOR_KEY = ""
    XAPI_TIMEOUT_SECONDS = 10
    XAPI_RETRY_SECONDS = 30  # first wait after a failed send; it doubles, up to an hour

    # Background jobs (emails): empty keeps them in instance/jobs.sqlite3; redis://host:port/db
    # in production. Either way `flask jobs worker` runs them. Immediate: run in the caller
    # (tests only: a request would wait for the mail server again).
    QUEUE_URL = ""
    QUEUE_IMMEDIATE = False

    # Operations (docs/operations.md). Logs: "json" (one object a line) or "text"; empty picks
    # json in production, text elsewhere.
    LOG_FORMAT = ""
    LOG_LEVEL = "INFO"
    # Statements slower than this are logged (without their parameters); 0 turns it off.
    SLOW_QUERY_MS = 500
    # Bearer token Prometheus sends to /metrics; empty: /metrics answers 404 to everyone.
    METRICS_TOKEN = ""
    # Refuse to serve in production when the database's migrations are behind the code.
    CHECK_MIGRATIONS = True

    # The newsletter (docs/newsletter.md). Copies sent per minute, spaced evenly: keep it under
    # what the mail server or provider allows.
    NEWSLETTER_SEND_PER_MINUTE = 600
    NEWSLETTER_CONFIRM_MAX_AGE = 7 * 24 * 3600  # seconds a confirmation link works
    NEWSLETTER_MANAGE_MAX_AGE = 365 * 24 * 3600  # seconds a "manage" link in an email works
    NEWSLETTER_FIRST_ISSUE_DAYS = 61  # the first issue tells what is new in this many days
    # Per address (IP), and per email address so that nobody can flood someone's inbox.
    NEWSLETTER_SUBSCRIBE_RATE_LIMIT = "10 per minute;60 per hour"
    NEWSLETTER_ADDRESS_RATE_LIMIT = "3 per hour;10 per day"
    # "Download my data" (lms.privacy): each download prints every certificate again.
    DATA_EXPORT_RATE_LIMIT = "5 per hour;20 per day"
    DATA_EXPORT_MAX_BYTES = 200 * 1024 * 1024  # uncompressed; larger exports go through support


def load(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Fill `app.config` from defaults, the environment and an optional test mapping."""
    app.config.from_object(Defaults)
    app.config["ENV_NAME"] = os.environ.get("LMS_ENV", "development")
    # LMS_PROVIDER_NAME=... becomes PROVIDER_NAME; values are parsed as JSON when they can be.
    app.config.from_prefixed_env(prefix="LMS")
    if "SECRET_KEY" in os.environ:
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if "DATABASE_URL" in os.environ:
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)

    env = app.config["ENV_NAME"]
    if env not in ENVIRONMENTS:
        raise RuntimeError(f"LMS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    if env == "production":
        _require_production_settings(app)
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app)

    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}"
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        # pysqlite's `timeout` is SQLite's busy timeout (the engine set-up leaves it alone).
        options["connect_args"] = {
            **options.get("connect_args", {}),
            "timeout": float(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]),
        }
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config["COURSES_DIR"] = str(Path(app.config["COURSES_DIR"]).resolve())
    app.config["WEBINARS_DIR"] = str(Path(app.config["WEBINARS_DIR"]).resolve())
    app.config["PATHS_DIR"] = str(Path(app.config["PATHS_DIR"]).resolve())
    app.config["RESOURCES_DIR"] = str(Path(app.config["RESOURCES_DIR"]).resolve())
    _set_trusted_hosts(app)
    if not app.config["LOG_FORMAT"]:
        app.config["LOG_FORMAT"] = "json" if env == "production" else "text"


def _require_production_settings(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. In production (LMS_ENV=production) the key that signs "
            "sessions and reset links must come from the environment, so that it survives "
            "restarts and is shared by every worker. Generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    if not app.config.get("BASE_URL"):
        raise RuntimeError(
            "LMS_BASE_URL is not set. In production (LMS_ENV=production) password-reset, "
            "confirmation and certificate links are built on the site's public address, never on "
            "the Host header a visitor sends. Set it, e.g. LMS_BASE_URL=https://learn.example.org."
        )
    app.config["SESSION_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["PREFERRED_URL_SCHEME"] = "https"


DEVELOPMENT_HOSTS = ["localhost", "127.0.0.1"]


def _set_trusted_hosts(app: Flask) -> None:
    """Set Flask's TRUSTED_HOSTS from ALLOWED_HOSTS ("a.example,b.example" or a JSON list)."""
    hosts = app.config.get("ALLOWED_HOSTS") or []
    if isinstance(hosts, str):
        hosts = [host for host in hosts.replace(",", " ").split() if host]
    if not hosts and not app.config.get("BASE_URL"):
        # Links are then built from the request's host: only trust the local machine.
        hosts = DEVELOPMENT_HOSTS
    app.config["ALLOWED_HOSTS"] = list(hosts)
    app.config["TRUSTED_HOSTS"] = list(hosts) or None


def _instance_secret_key(app: Flask) -> str:
    """Return the development key kept in instance/, creating it on first run."""
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created with owner-only permissions: the key can forge any session.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at the psycopg 3 driver, leaving others unchanged."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
