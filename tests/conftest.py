"""Shared fixtures: an app on a migrated database, clients, a real SMTP sink and factories.

The database is built once per run with the committed migrations (never `create_all`), then
emptied after each test. Set LMS_TEST_DATABASE_URL to run everything against PostgreSQL.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from itsdangerous import URLSafeTimedSerializer
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import event, exists, literal, select, text, union_all
from werkzeug.routing import Rule

from lms import create_app
from lms.accounts import services as account_services
from lms.accounts.models import Role, User
from lms.clock import set_clock
from lms.database import utcnow
from lms.extensions import db, limiter

# Property tests check correctness, not speed: on a loaded CI machine Hypothesis's default
# 200 ms per-example deadline (and the too-slow health check) fails tests whose code is right.
settings.register_profile("lms", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("lms")

TEST_PASSWORD = "correct horse battery"


def _compile_url_builders_once() -> None:
    """Make each URL rule's builder once per run rather than once per test's app.

    Every test makes its own app, and Werkzeug compiles two Python functions per URL rule for
    each one: about two thirds of `create_app`, minutes over the whole suite. The generated
    function depends only on the rule's parts and defaults (it reads the converters from the
    rule it is bound to when called), so apps can share it.
    """
    compile_builder = Rule._compile_builder
    builders: dict[Any, Any] = {}

    def shared(self: Rule, append_unknown: bool = True) -> Any:
        defaults = tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items()))
        key = (self.rule, tuple(self._trace), defaults, append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = shared  # type: ignore[method-assign]


_compile_url_builders_once()


def _convert_each_markdown_text_once() -> None:
    """Keep what Markdown made of each text for the run: most tests publish the samples.

    Publishing the sample courses and resources converted some 300 Markdown texts per test,
    about 40% of a typical test's time. The conversion is a pure function of the text (the
    converter is reset after each document); sanitising and link resolution still run.
    """
    import lms.content.markdown as markdown

    markdown._convert = functools.lru_cache(maxsize=8192)(markdown._convert)  # noqa: SLF001


_convert_each_markdown_text_once()


class _TemplateBytecode(BytecodeCache):
    """Jinja's compiled templates, shared by every test's app (checked against the source)."""

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


# Each test's app has its own Jinja environment, which compiled every template it rendered
# again: about a tenth of a typical test's time.
TEMPLATE_BYTECODE = _TemplateBytecode()

CHEAP_HASH = "pbkdf2:sha256:1000"  # the real default (scrypt) costs ~70 ms per login
ROOT = Path(__file__).resolve().parent.parent


# --- logging --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _production_logging_stays_in_its_test() -> Iterator[None]:
    """Undo what a production app's start-up does to the process's logging (lms.operations)."""
    root, app_logger = logging.getLogger(), logging.getLogger("lms")
    levels = root.level, app_logger.level
    yield
    for handler in list(root.handlers):
        if handler.get_name() == "lms":
            root.removeHandler(handler)
    root.setLevel(levels[0])
    app_logger.setLevel(levels[1])


# --- database -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of an empty database migrated to the latest revision."""
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = create_app(_base_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        # Start from nothing even if a previous run left tables behind.
        downgrade(revision="base", x_arg=["force=1"])  # on purpose: a test database
        upgrade()
        db.engine.dispose()
    return url


def _base_config(url: str, instance: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_METHOD": CHEAP_HASH,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        "COURSES_DIR": str(ROOT / "courses"),
        "WEBINARS_DIR": str(ROOT / "webinars"),
        "PATHS_DIR": str(ROOT / "paths"),
        "RESOURCES_DIR": str(ROOT / "resources"),
        # Jobs (emails) run at once, in the test's process; tests of the real queues turn it off.
        "QUEUE_IMMEDIATE": True,
    }


def empty_database() -> None:
    """Delete every row, keeping the schema, so the next test starts clean.

    Only the tables a test wrote to are emptied, found with one query: a test touches a
    handful of the schema's tables, and emptying all of them (PostgreSQL's TRUNCATE costs
    several milliseconds a table) took longer than most tests. Sequences go back to 1, as a
    new database's would.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    used = union_all(
        *(select(literal(i)).where(exists().select_from(t)) for i, t in enumerate(tables))
    )
    for (i,) in db.session.execute(used).all():
        db.session.execute(tables[i].delete())
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text(
                "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false)"
                " FROM pg_sequences WHERE last_value IS NOT NULL"
                " AND schemaname = current_schema()"
            )
        )
    db.session.commit()


# --- email ----------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """Messages received by the SMTP sink."""

    messages: list[Message] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def to(self, address: str) -> list[Message]:
        """Return the messages sent to `address`."""
        return [m for m in self.messages if m["To"] == address]

    def last_link(self, address: str) -> str:
        """Return the last URL in the newest message to `address`."""
        body = self.to(address)[-1].get_payload(decode=True).decode()
        return re.findall(r"https?://\S+", body)[-1]


def redis_url(number: int) -> str:
    """Return the URL of this run's Redis database `number` (1 to 7) on 127.0.0.1.

    LMS_TEST_REDIS_OFFSET moves a run to other databases, so two runs (SQLite and PostgreSQL
    side by side, as .ci/run does) never empty each other's queues.
    """
    return f"redis://127.0.0.1:6379/{number + int(os.environ.get('LMS_TEST_REDIS_OFFSET', '0'))}"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[tuple[Mailbox, int]]:
    """Run a real SMTP server on 127.0.0.1 for the whole session."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture()
def mailbox(smtp_sink: tuple[Mailbox, int]) -> Mailbox:
    """Return the SMTP sink's mailbox, emptied for this test."""
    smtp_sink[0].clear()
    return smtp_sink[0]


# --- app and clients ------------------------------------------------------------------------


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token with form posts unless told not to."""

    def csrf_token(self) -> str:
        """Return a token for this client's session, as Flask-WTF would make it."""
        app: Flask = self.application
        with self.session_transaction() as session:
            # Same shape as Flask-WTF's own raw token: 40 random hex digits.
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # Requests reuse the test's app context (Flask pushes none of its own while one is
        # active), so forget the user Flask-Login cached in `g`, as a fresh request would, and
        # the locale Flask-Babel cached there (each request chooses its own language).
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("_flask_babel", None)
        response = super().open(*args, **kwargs)
        if has_app_context():
            g.pop("_flask_babel", None)  # the test's own code goes back to the default language
            # A real request ends its transaction when its app context is torn down; this one
            # shared the test's context, so end it here rather than hold SQLite's write lock.
            db.session.rollback()
        return response

    def post(self, *args: Any, csrf: bool = True, **kwargs: Any) -> Any:
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)):
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


@pytest.fixture(scope="session")
def clock_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the file that holds the moment the `clock` fixture sets (lms.clock)."""
    return tmp_path_factory.mktemp("clock") / "now"


class Clock:
    """The time seen by the test app and the served app alike (lms.clock.now)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, moment: datetime) -> None:
        """Put the apps at `moment` (aware)."""
        set_clock(self.path, moment)

    def advance(self, delta: timedelta) -> None:
        """Move the apps' clock on by `delta`."""
        self.set(now_from_file(self.path) + delta)


def now_from_file(path: Path) -> datetime:
    return datetime.fromisoformat(path.read_text().strip())


@pytest.fixture()
def clock(clock_file: Path) -> Iterator[Clock]:
    """Return the settable clock; the real one comes back after the test."""
    yield Clock(clock_file)
    set_clock(clock_file, None)


@pytest.fixture()
def app_config(
    database_url: str, smtp_sink: tuple[Mailbox, int], tmp_path: Path, clock_file: Path
) -> dict[str, Any]:
    """Return the configuration of the test app; tests may change it before `app` is made."""
    config = _base_config(database_url, tmp_path)
    config.update(
        {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_sink[1], "CLOCK_FILE": str(clock_file)}
    )
    return config


@pytest.fixture()
def app(app_config: dict[str, Any], mailbox: Mailbox) -> Iterator[Flask]:
    """Return an app bound to the test database, emptied after the test."""
    app = create_app(app_config)
    app.test_client_class = CSRFClient
    app.jinja_env.bytecode_cache = TEMPLATE_BYTECODE
    with app.app_context():
        yield app
        db.session.remove()
        empty_database()
        limiter.reset()
        db.engine.dispose()


@pytest.fixture()
def client(app: Flask) -> CSRFClient:
    """Return a test client for the app."""
    return app.test_client()


@pytest.fixture()
def language_per_request(client: CSRFClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the cookie a `?lang=` link leaves (lms.i18n), so each request names its language.

    For tests that compare one page in two languages: `pytestmark =
    pytest.mark.usefixtures("language_per_request")`.
    """
    opened = client.open

    def open_without_remembered_language(*args: Any, **kwargs: Any) -> Any:
        client.delete_cookie("lang")
        return opened(*args, **kwargs)

    monkeypatch.setattr(client, "open", open_without_remembered_language)


@pytest.fixture()
def runner(app: Flask) -> Any:
    """Return a CLI runner for the app."""
    return app.test_cli_runner()


# --- factories ------------------------------------------------------------------------------


@pytest.fixture()
def make_user(app: Flask) -> Callable[..., User]:
    """Return a factory that creates confirmed users with the test password."""
    counter = iter(range(1, 1_000_000))

    def make(
        email: str | None = None,
        *,
        name: str | None = None,
        role: Role | str = Role.LEARNER,
        profession: str = "pediatric-trainee",
        password: str = TEST_PASSWORD,
        confirmed: bool = True,
        **fields: Any,
    ) -> User:
        n = next(counter)
        user = account_services.create_user(
            email or f"person{n}@example.org",
            name or f"Test Person {n}",
            password,
            profession=profession,
            role=role,
            hash_method=CHEAP_HASH,
            confirmed_at=utcnow() if confirmed else None,
        )
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    return make


class AuthActions:
    """Sign a test client in and out through the real pages."""

    def __init__(self, client: CSRFClient) -> None:
        self._client = client

    def login(self, email: str, password: str = TEST_PASSWORD, **extra: Any) -> Any:
        return self._client.post("/login", data={"email": email, "password": password, **extra})

    def login_as(self, user: User) -> Any:
        response = self.login(user.email)
        assert response.status_code == 302, "test user could not sign in"
        return response

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture()
def auth(client: CSRFClient) -> AuthActions:
    """Return sign-in helpers for `client`."""
    return AuthActions(client)


@pytest.fixture()
def publish(app: Flask) -> Callable[..., Any]:
    """Return a function that publishes a courses folder (default: the samples) and commits."""
    from lms.courses.services import publish_courses

    def run(root: Path | None = None) -> Any:
        report = publish_courses(
            Path(root or app.config["COURSES_DIR"]),
            max_media_bytes=int(app.config["MAX_MEDIA_BYTES"]),
        )
        db.session.commit()
        return report

    return run


@pytest.fixture()
def publish_library(app: Flask) -> Callable[..., Any]:
    """Return a function that publishes a family resources folder (default: the samples)."""
    from lms.resources.services import publish_resources

    def run(root: Path | None = None) -> Any:
        report = publish_resources(
            Path(root or app.config["RESOURCES_DIR"]),
            max_media_bytes=int(app.config["MAX_MEDIA_BYTES"]),
        )
        db.session.commit()
        return report

    return run


@pytest.fixture()
def count_queries(app: Flask) -> Callable[[], Any]:
    """Return a context manager that collects the SQL statements run inside it."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            # SQLite's explicit BEGIN is transaction control, implicit on PostgreSQL: not counted.
            if not statement.startswith("BEGIN"):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


# --- the app served over HTTP, for concurrency tests ----------------------------------------


@pytest.fixture(scope="session")
def served(
    database_url: str,
    smtp_sink: tuple[Mailbox, int],
    tmp_path_factory: pytest.TempPathFactory,
    clock_file: Path,
) -> Iterator[Any]:
    """Serve the app with gunicorn (2 workers x 4 threads) on the test database; see served.py."""
    from tests.served import serve

    folder = tmp_path_factory.mktemp("served")
    config = _base_config(database_url, folder)
    config.update(
        {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_sink[1], "CLOCK_FILE": str(clock_file)}
    )
    with serve(config, free_port(), folder / "gunicorn.log") as server:
        yield server


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)", re.IGNORECASE)


def has_inline_script(html: str) -> bool:
    """Return whether a page carries script in its markup rather than from the site's files."""
    return INLINE_SCRIPT.search(html) is not None
