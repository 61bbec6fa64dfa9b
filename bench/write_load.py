"""64 learners submit the post-test at the same instant, twice each, against gunicorn.

Run from the repository root:

    .venv/bin/python -m bench.write_load [--learners 64]
    .venv/bin/python -m bench.write_load \\
        --database-url postgresql://postgres@127.0.0.1:5432/<empty database>

Migrates a fresh database (a temporary SQLite file by default), publishes the sample courses,
makes N learners, and serves the app with gunicorn (2 workers x 4 threads, as
tests/served.py does). Each learner signs in, starts the CME course, passes the quiz's content
note and starts an attempt; then all N submit their answers at the same instant, each sending
the same submission twice (a double click, or a retry after a dropped connection). It counts
errors (5xx, connection failures) and then checks the records: exactly one submitted attempt
per learner, none lost, none duplicated. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from lms import create_app
from lms.accounts import services as accounts
from lms.courses.models import Course, CoursePage
from lms.database import utcnow
from lms.extensions import db
from lms.quizzes.models import QuizAttempt
from tests.conftest import free_port
from tests.served import TEST_PASSWORD, run_together, serve

ROOT = Path(__file__).resolve().parent.parent
CME = "tic-pediatric-essentials"


def prepare(database_url: str, learners: int, config: dict[str, Any]) -> dict[str, Any]:
    """Migrate, publish and make the learners; return the quiz's slug and right answers."""
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        from lms.courses.services import publish_courses

        if db.inspect(db.engine).get_table_names():
            sys.exit("refusing a database that already has tables: give an empty one")
        upgrade()
        publish_courses(ROOT / "courses", max_media_bytes=10_000_000)
        for n in range(learners):
            accounts.create_user(
                f"load{n}@example.org", f"Load Learner {n}", TEST_PASSWORD,
                profession="physician", hash_method="pbkdf2:sha256:1000", confirmed_at=utcnow(),
            )  # fmt: skip
        db.session.commit()
        course = db.session.scalar(select(Course).where(Course.slug == CME))
        quiz = next(p for p in course.current_version.pages if p.kind == "quiz")
        answers: dict[str, Any] = {}
        for q in db.session.get(CoursePage, quiz.id).questions:
            if q.kind == "short":
                answers[f"q-{q.id}"] = q.answers[0]
            elif q.kind in ("single", "multiple"):
                answers[f"q-{q.id}"] = [o.id for o in q.options if o.correct]
        db.engine.dispose()
        return {"quiz": quiz.slug, "answers": answers}


def count_attempts(config: dict[str, Any]) -> tuple[int, int, int]:
    """Return (learners with a submitted attempt, submitted attempts, the most for one)."""
    app = create_app(config)
    with app.app_context():
        per_user = dict(
            db.session.execute(
                select(QuizAttempt.user_id, func.count())
                .where(QuizAttempt.submitted_at.is_not(None))
                .group_by(QuizAttempt.user_id)
            ).all()
        )
        db.engine.dispose()
    return len(per_user), sum(per_user.values()), max(per_user.values(), default=0)


def main(argv: list[str] | None = None) -> int:
    """Run the load and print what happened."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=64)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--startup-timeout",
        type=float,
        default=300,
        help="seconds to wait for gunicorn's first answer (300: a loaded machine is slow)",
    )
    parser.add_argument(
        "--request-timeout", type=float, default=300, help="seconds before a request gives up"
    )
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-write-load-"))
    url = args.database_url or f"sqlite:///{folder / 'load.sqlite3'}"
    config = {
        "SECRET_KEY": "bench-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "COURSES_DIR": str(ROOT / "courses"),
        "QUEUE_IMMEDIATE": True,
        "MAIL_SUPPRESS_SEND": True,
        "SERVER_NAME": None,
    }
    setup = prepare(url, args.learners, config)
    starting = time.perf_counter()
    with serve(
        config,
        free_port(),
        folder / "gunicorn.log",
        startup_timeout=args.startup_timeout,
        request_timeout=args.request_timeout,
    ) as server:
        startup = time.perf_counter() - starting
        browsers = []
        for n in range(args.learners):
            browser = server.browser()
            browser.login(f"load{n}@example.org")
            browser.post(f"/courses/{CME}/start")
            browser.post(f"/courses/{CME}/learn/{setup['quiz']}/continue")
            started = browser.post(f"/courses/{CME}/quiz/{setup['quiz']}/start")
            browsers.append((browser, started.headers["Location"]))
        print(f"... {args.learners} learners ready; submitting", file=sys.stderr)

        def submit(browser: Any, url: str) -> tuple[int | str, float]:
            began = time.perf_counter()
            try:
                status: int | str = browser.post(url, setup["answers"]).status_code
            except requests.RequestException as error:
                status = type(error).__name__
            return status, time.perf_counter() - began

        calls = []
        for browser, attempt_url in browsers:
            tab = browser.tab()  # the double click: same session, its own connection
            calls.append(lambda b=browser, u=attempt_url: submit(b, u))
            calls.append(lambda b=tab, u=attempt_url: submit(b, u))
        began = time.perf_counter()
        results = run_together(calls, timeout=args.request_timeout + 60)
        seconds = time.perf_counter() - began
    learners, attempts, most = count_attempts(config)
    statuses = [status for status, _ in results]
    errors = [s for s in statuses if not isinstance(s, int) or s >= 500]
    latencies = sorted(latency for _, latency in results)
    database = url.split(":", 1)[0]
    print(
        f"\n{args.learners} learners x 2 simultaneous submissions, gunicorn 2 workers x 4 "
        f"threads, {database}; gunicorn answered after {startup:.1f} s; 1-minute load average "
        f"{os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| Requests | Errors | Statuses | Seconds | Median (ms) | p95 (ms) "
        "| Learners with a submitted attempt | Submitted attempts | Most for one learner |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    counts = {s: statuses.count(s) for s in sorted(set(statuses), key=str)}
    print(
        f"| {len(results)} | {len(errors)} | {counts} | {seconds:.1f} "
        f"| {statistics.median(latencies) * 1000:.0f} "
        f"| {latencies[int(len(latencies) * 0.95) - 1] * 1000:.0f} "
        f"| {learners} | {attempts} | {most} |"
    )
    ok = not errors and learners == attempts == args.learners and most == 1
    print("\n" + ("zero errors, none lost, none duplicated" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
