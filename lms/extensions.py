"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from lms.api.problems import ProblemApi
from lms.database import Base
from lms.i18n import select_locale
from lms.jobs import JobQueue

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
queue = JobQueue("lms")
babel = Babel()
rest_api = ProblemApi()  # the REST API's OpenAPI document (lms.api)


def init_app(app: Flask) -> None:
    """Bind every extension to `app`."""
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    rest_api.init_app(app)
    queue.init_app(app)
    # The page's language: a `?lang=` link, the profile, the cookie, the browser (lms.i18n).
    babel.init_app(app, locale_selector=select_locale)
    # `{% trans %}` blocks collapse their whitespace, as `pybabel extract` does (babel.cfg).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    _warn_if_limits_are_per_worker(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.localize_callback = str  # translated when flashed, in that page's language
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def configured_workers(environ: Mapping[str, str] = os.environ, argv: list[str] = sys.argv) -> int:
    """Return how many worker processes gunicorn is asked for (1 if nothing says)."""
    counts = []
    if environ.get("WEB_CONCURRENCY", "").strip().isdigit():
        counts.append(int(environ["WEB_CONCURRENCY"]))
    args = shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))
    if argv and Path(argv[0]).name.startswith("gunicorn"):
        args += argv[1:]  # gunicorn's workers keep the command line they were started with
    for index, arg in enumerate(args):
        value = None
        if arg in ("-w", "--workers") and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--workers="):
            value = arg.partition("=")[2]
        elif arg.startswith("-w") and arg[2:].isdigit():
            value = arg[2:]
        if value and value.isdigit():
            counts.append(int(value))
    return max(counts, default=1)


def _warn_if_limits_are_per_worker(app: Flask) -> None:
    # Each worker process keeps its own memory:// counters, so N workers allow N times the
    # configured sign-in attempts: a guesser's limits silently multiply.
    workers = configured_workers()
    storage = str(app.config.get("RATELIMIT_STORAGE_URI", "memory://"))
    if app.config["ENV_NAME"] == "production" and storage.startswith("memory://") and workers > 1:
        app.logger.warning(
            "Rate limits are counted per worker: LMS_RATELIMIT_STORAGE_URI is memory:// with "
            "%d workers, so sign-in and verification limits are %d times looser than configured. "
            "Set LMS_RATELIMIT_STORAGE_URI=redis://host:6379/0 to share the counts.",
            workers,
            workers,
        )
