"""The background job queue: Huey, bound to the app by the factory like any extension.

Without `LMS_QUEUE_URL` jobs wait in an SQLite file in instance/ (no extra server); with
`LMS_QUEUE_URL=redis://...` they wait in Redis. Either way a separate worker process runs them:
`flask jobs worker`. Tests set `QUEUE_IMMEDIATE` so jobs run at once, in the calling process.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, has_app_context, has_request_context
from flask.cli import AppGroup
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from lms.links import DEVELOPMENT_BASE_URL


class JobQueue(Huey):
    """A Huey queue whose storage is chosen by `init_app`, so tasks can be declared at import."""

    def __init__(self, name: str = "lms") -> None:
        # Unbound until init_app: an in-memory placeholder, never used to run anything.
        # Errors are kept only once a job has no retries left (Huey's advice for retrying jobs).
        super().__init__(
            name, results=False, storage_class=MemoryStorage, store_intermediate_errors=False
        )
        self.app: Flask | None = None

    def init_app(self, app: Flask) -> None:
        """Bind the queue to `app`'s storage (`QUEUE_URL`) and immediate mode."""
        url = app.config["QUEUE_URL"]
        if url.startswith(("redis://", "rediss://", "unix://")):
            self.storage_class, self.storage_kwargs = RedisStorage, {"url": url}
        else:
            path = url.removeprefix("sqlite:///") or str(Path(app.instance_path) / "jobs.sqlite3")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.storage_class, self.storage_kwargs = SqliteStorage, {"filename": path}
        self._immediate = bool(app.config["QUEUE_IMMEDIATE"])
        self.storage = self.create_storage()
        self.app = app
        app.extensions["jobs"] = self
        app.cli.add_command(cli)

    def app_context(self) -> AbstractContextManager[Any]:
        """Return a fresh app context (and so a fresh database session) for one job."""
        return self._app().app_context()

    def link_context(self) -> AbstractContextManager[Any]:
        """Let a job build links to the site (`url_for(..., _external=True)`) from BASE_URL."""
        if has_request_context():
            return nullcontext()
        app = self._app()
        return app.test_request_context(base_url=app.config["BASE_URL"] or DEVELOPMENT_BASE_URL)

    def _app(self) -> Flask:
        app = current_app._get_current_object() if has_app_context() else self.app  # type: ignore[attr-defined]
        if app is None:
            raise RuntimeError("The job queue is not bound to an app; call init_app first.")
        return app

    def job(self, **options: Any) -> Callable[[Callable[..., Any]], Any]:
        """Declare a task that runs inside its own app context, with Huey's retry `options`."""

        def decorate(function: Callable[..., Any]) -> Any:
            @functools.wraps(function)
            def run(*args: Any, **kwargs: Any) -> Any:
                with self.app_context():
                    return function(*args, **kwargs)

            return self.task(**options)(run)

        return decorate


cli = AppGroup("jobs", help="Run and inspect background jobs.")


@cli.command("worker")
@click.option("-w", "--workers", default=2, show_default=True, help="Worker threads.")
@click.option(
    "--max-delay",
    default=2.0,
    show_default=True,
    help="Longest pause, in seconds, between looks at an idle queue.",
)
def worker_command(workers: int, max_delay: float) -> None:
    """Run queued and scheduled jobs (emails, reminders) until stopped with Ctrl+C or SIGTERM."""
    from lms.extensions import queue
    from lms.operations.readiness import refuse_if_behind

    app = queue._app()
    if app.config["ENV_NAME"] == "production" and app.config["CHECK_MIGRATIONS"]:
        refuse_if_behind(app)  # a worker is a server too: it must not write to an old schema

    consumer = queue.create_consumer(
        workers=workers, worker_type="thread", periodic=True, max_delay=max_delay
    )
    consumer.run()
