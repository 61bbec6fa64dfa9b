"""CPU per request of every learner page, against the bare reference page, in one process.

Run from the repository root:

    .venv/bin/python -m bench.pages [--rounds 300] [--json] [--profile lesson]
    .venv/bin/python -m bench.pages --database-url postgresql://postgres@127.0.0.1:5432/<empty db>

Builds a fresh database (migrated, the sample courses and a generated 100-lesson course
published), signs a learner in, then measures each page with `time.process_time` (CPU of this
process, so the ratio holds on a busy machine) in interleaved rounds: every round requests
every page once, in the same order, so drift and noise hit all pages alike. Prints the median
CPU per request, its ratio to the reference page (bench/reference_app.py: one ORM read and a
10 KB template) and the SQL statements each request ran. Quiz submission uses a fresh learner
per round (started outside the clock); "mark complete" re-completes a lesson.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from bench.reference_app import create_app as create_reference_app
from lms import create_app
from lms.accounts import services as accounts
from lms.courses.models import Course, CoursePage
from lms.database import utcnow
from lms.extensions import db

ROOT = Path(__file__).resolve().parent.parent
CME = "tic-pediatric-essentials"
PASSWORD = "bench password 1234"  # noqa: S105 (made-up learners on a throwaway database)
EXTRA_LESSON = """---
title: Practice scenario {n}
kind: lesson
minutes: 3
---

## Scenario {n}

A parent arrives late and upset. Notice what you see, then decide what to say. Keep your
voice low, offer a choice, and explain what happens next.

- What might the parent be feeling?
- What could you say first?
"""
# What the issue sets as the most each page may cost, as a multiple of the bare page.
TARGETS = {
    "lesson": 1.5,
    "lesson, 100-lesson course": 1.5,
    "catalog": 2,
    "course page": 2,
    "My learning": 2,
    "quiz page": 2,
    "transcript": 2,
    "quiz submit (POST)": 3,
    "mark complete (POST)": 3,
}


def corpus(root: Path) -> Path:
    """Return a courses folder: the samples, plus a copy of the CME course with 100 lessons."""
    folder = root / "courses"
    shutil.copytree(ROOT / "courses", folder)
    big = folder / "big-course"
    shutil.copytree(folder / CME, big)
    have = len([p for p in big.glob("*.md") if "kind: lesson" in p.read_text()])
    for n in range(100 - have):
        (big / f"05-x-{n:03d}.md").write_text(EXTRA_LESSON.format(n=n))
    return folder


def make_app(database_url: str | None, folder: Path) -> Flask:
    """Return the LMS on a fresh, migrated database with the corpus published."""
    url = database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app(
        {
            "SECRET_KEY": "bench-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "COURSES_DIR": str(corpus(folder)),
            "RATELIMIT_ENABLED": False,
            "QUEUE_IMMEDIATE": True,
            "MAIL_SUPPRESS_SEND": True,
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        from lms.courses.services import publish_courses

        if database_url and db.inspect(db.engine).get_table_names():
            sys.exit("refusing a database that already has tables: give an empty one")
        upgrade()
        publish_courses(Path(app.config["COURSES_DIR"]), max_media_bytes=10_000_000)
        db.session.commit()
    return app


def csrf(client: Any) -> str:
    """Return the CSRF token of the client's session, read from a page as a browser would."""
    html = client.get("/my-learning").text
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def learner(app: Flask, n: int, *, create: bool = True) -> Any:
    """Return a test client signed in as a new learner (or the existing learner `n`)."""
    email = f"bench{n}@example.org"
    if create:
        with app.app_context():
            accounts.create_user(
                email, f"Bench Learner {n}", PASSWORD, profession="physician",
                hash_method="pbkdf2:sha256:1000", confirmed_at=utcnow(),
            )  # fmt: skip
            db.session.commit()
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    if response.status_code != 302:
        sys.exit(f"the bench learner could not sign in: {response.status_code}")
    return client


def page_slugs(app: Flask, slug: str) -> dict[str, list[str]]:
    """Return the slugs of a course's pages by kind."""
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        kinds: dict[str, list[str]] = {}
        for page in course.current_version.pages:
            kinds.setdefault(page.kind, []).append(page.slug)
        return kinds


def answers(app: Flask) -> dict[str, Any]:
    """Return form data answering the CME post-test correctly."""
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == CME))
        quiz = next(p for p in course.current_version.pages if p.kind == "quiz")
        data: dict[str, Any] = {}
        for q in db.session.get(CoursePage, quiz.id).questions:
            if q.kind == "short":
                data[f"q-{q.id}"] = q.answers[0]
            elif q.kind in ("single", "multiple"):
                data[f"q-{q.id}"] = [o.id for o in q.options if o.correct]
        return data


def check(name: str, response: Any) -> None:
    """Stop when a page did not answer as it should (the figures would mean nothing)."""
    if response.status_code not in (200, 302):
        sys.exit(f"{name} answered {response.status_code}")


def open_app(database_url: str | None, folder: Path) -> Flask:
    """Return the LMS on the database and corpus `make_app` already built in `folder`."""
    return create_app(
        {
            "SECRET_KEY": "bench-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{folder / 'bench.sqlite3'}",
            "COURSES_DIR": str(folder / "courses"),
            "RATELIMIT_ENABLED": False,
            "QUEUE_IMMEDIATE": True,
            "MAIL_SUPPRESS_SEND": True,
            "SERVER_NAME": None,
        }
    )


def prepare(app: Flask) -> None:
    """Sign learner 0 up, start both courses, complete some lessons and open the quiz."""
    reader = learner(app, 0)
    cme, big = page_slugs(app, CME), page_slugs(app, "big-course")
    token = csrf(reader)
    for slug in (CME, "big-course"):
        reader.post(f"/courses/{slug}/start", data={"csrf_token": token})
    for lesson in cme["lesson"][:2] + big["lesson"][:40]:
        slug = CME if lesson in cme["lesson"] else "big-course"
        reader.post(f"/courses/{slug}/learn/{lesson}/complete", data={"csrf_token": token})
    quiz = cme["quiz"][0]
    reader.post(f"/courses/{CME}/learn/{quiz}/continue", data={"csrf_token": token})


class Pages:
    """Every measured page as a call, for learner 0 (signed in) and the reference app."""

    def __init__(self, app: Flask, reference: Any, first_submitter: int) -> None:
        self.app = app
        self.next_submitter = first_submitter
        self.submitters: list[tuple[Any, str, str]] = []
        reader = learner(app, 0, create=False)
        cme, big = page_slugs(app, CME), page_slugs(app, "big-course")
        token = csrf(reader)
        self.quiz = quiz = cme["quiz"][0]
        self.right = answers(app)
        lesson = f"/courses/{CME}/learn/{cme['lesson'][3]}"
        self.calls: dict[str, Callable[[], Any]] = {
            "bare page (reference)": lambda: reference.get("/"),
            "lesson": lambda: reader.get(lesson),
            "lesson, 100-lesson course": lambda: reader.get(
                f"/courses/big-course/learn/{big['lesson'][60]}"
            ),
            "catalog": lambda: reader.get("/courses"),
            "course page": lambda: reader.get(f"/courses/{CME}"),
            "My learning": lambda: reader.get("/my-learning"),
            "quiz page": lambda: reader.get(f"/courses/{CME}/learn/{quiz}"),
            "transcript": lambda: reader.get("/transcript"),
            "quiz submit (POST)": self.submit,
            "mark complete (POST)": lambda: reader.post(
                f"/courses/{CME}/learn/{cme['lesson'][1]}/complete",
                data={"csrf_token": token, "seconds": "30"},
            ),
        }

    def prepare_submit(self) -> None:
        """Sign a fresh learner in with a started post-test, for one quiz submission."""
        client = learner(self.app, self.next_submitter)
        self.next_submitter += 1
        client_token = csrf(client)
        client.post(f"/courses/{CME}/start", data={"csrf_token": client_token})
        started = client.post(
            f"/courses/{CME}/quiz/{self.quiz}/start", data={"csrf_token": client_token}
        )
        self.submitters.append((client, started.headers["Location"], client_token))

    def submit(self) -> Any:
        """Submit the post-test answered right, as the next prepared learner."""
        client, url, client_token = self.submitters.pop()
        return client.post(url, data={**self.right, "csrf_token": client_token})


def count_calls(pages: Pages, requests: int) -> dict[str, float]:
    """Return the Python function calls per request of each page, counted by cProfile."""
    counts = {}
    for name, call in pages.calls.items():
        if name.startswith("quiz submit"):
            for _ in range(requests):
                pages.prepare_submit()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(requests):
            call()
        profile.disable()
        counts[name] = pstats.Stats(profile).total_calls / requests  # type: ignore[attr-defined]
    return counts


# Callgrind's client requests, for the child to start counting after start-up and to dump
# the counts at each page's boundary. Start-up (imports, templates) then runs uninstrumented,
# several times faster than under callgrind's counting.
CALLGRIND_HELPER = """
#include <valgrind/callgrind.h>
void bench_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void bench_mark(void) { CALLGRIND_DUMP_STATS; }
"""


def callgrind_helper(folder: Path) -> Path | None:
    """Return a shared library issuing callgrind's requests, or None without a C compiler."""
    source, library = folder / "callgrind_helper.c", folder / "callgrind_helper.so"
    source.write_text(CALLGRIND_HELPER)
    built = subprocess.run(  # noqa: S603
        ["cc", "-shared", "-fPIC", "-O1", "-o", str(library), str(source)],  # noqa: S607
        capture_output=True,
        check=False,
    )
    return library if built.returncode == 0 else None


def instructions_child(database_url: str | None, folder: Path, requests: int) -> None:
    """Under callgrind: request each page `requests` times between two dumps of the counts."""
    import ctypes

    helper = folder / "callgrind_helper.so"
    if helper.exists():
        library = ctypes.CDLL(str(helper))
        start, mark = library.bench_start, library.bench_mark
    else:
        # Counted from the start; --dump-before=Py_IsInitialized dumps at each call, and
        # nothing in the interpreter or the app calls it (count_instructions checks the dumps).
        start, mark = (lambda: None), ctypes.pythonapi.Py_IsInitialized
    app = open_app(database_url, folder)
    reference = create_reference_app(f"sqlite:///{folder / 'reference.sqlite3'}").test_client()
    pages = Pages(app, reference, first_submitter=5000)
    for _ in range(requests + 1):
        pages.prepare_submit()
    for name, call in pages.calls.items():  # warm: templates compiled, outlines cached
        check(name, call())
    start()
    for call in pages.calls.values():
        mark()
        for _ in range(requests):
            call()
    mark()


def count_instructions(
    database_url: str | None, folder: Path, requests: int, names: list[str]
) -> dict[str, float]:
    """Return the CPU instructions per request of each page, counted by callgrind."""
    out = folder / "callgrind"
    out.mkdir()
    if callgrind_helper(folder) is not None:
        counting = ["--instr-atstart=no"]
    else:
        counting = ["--dump-before=Py_IsInitialized"]
    command = [
        "valgrind", "--tool=callgrind", *counting, f"--callgrind-out-file={out}/callgrind.out",
        sys.executable, "-m", "bench.pages",
        "--instructions-child", str(folder), "--requests", str(requests),
    ]  # fmt: skip
    if database_url:
        command += ["--database-url", database_url]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    with (out / "log.txt").open("w") as log:  # the child's access log and callgrind's notes
        done = subprocess.run(command, cwd=ROOT, env=env, stderr=log, check=False)  # noqa: S603
    if done.returncode:
        sys.exit(f"the callgrind run failed: see {out / 'log.txt'}")
    dumps = sorted(out.glob("callgrind.out.*"), key=lambda f: int(f.name.rsplit(".", 1)[1]))
    # Dump 1 is start-up and warming; then one per page, in order; then the exit's.
    if not len(names) + 1 <= len(dumps) <= len(names) + 2:
        sys.exit(f"expected {len(names) + 2} callgrind dumps, found {len(dumps)} in {out}")
    totals = [
        int(re.search(r"^summary: (\d+)", f.read_text(), re.M).group(1))  # type: ignore[union-attr]
        for f in dumps[1 : 1 + len(names)]
    ]
    return {name: total / requests for name, total in zip(names, totals, strict=True)}


def instructions_table(database_url: str | None, folder: Path, app: Flask, args: Any) -> None:
    """Print instructions (callgrind) and Python calls (cProfile) per request, with ratios."""
    reference = create_reference_app(f"sqlite:///{folder / 'reference.sqlite3'}").test_client()
    pages = Pages(app, reference, first_submitter=1000)
    for name, call in pages.calls.items():
        if name.startswith("quiz submit"):
            pages.prepare_submit()
        check(name, call())
    calls = count_calls(pages, args.requests)
    instructions = count_instructions(database_url, folder, args.requests, list(pages.calls))
    base_i, base_c = instructions["bare page (reference)"], calls["bare page (reference)"]
    rows = [
        {
            "page": name,
            "instructions": round(instructions[name]),
            "ratio": round(instructions[name] / base_i, 2),
            "calls": round(calls[name]),
            "calls_ratio": round(calls[name] / base_c, 2),
            "target": TARGETS.get(name),
        }
        for name in pages.calls
    ]
    if args.json:
        print(json.dumps({"requests": args.requests, "pages": rows}, indent=2))
        return
    print(f"\n{args.requests} requests a page; instructions (callgrind) and Python calls")
    print("(cProfile) per request, and their ratio to the bare page\n")
    print("| Page | Instructions | x bare | Python calls | x bare | Target | Met |")
    print("|---|---:|---:|---:|---:|---:|:-:|")
    for row in rows:
        target = row["target"]
        met = "" if target is None else ("yes" if row["ratio"] <= target else "no")
        shown = "" if target is None else f"{target}x"
        print(
            f"| {row['page']} | {row['instructions']:,} | {row['ratio']:.2f} | {row['calls']:,} "
            f"| {row['calls_ratio']:.2f} | {shown} | {met} |"
        )


def main(argv: list[str] | None = None) -> None:
    """Measure, then print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--database-url")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", help="cProfile this page (its name) and print the top 30")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions per request under callgrind (and Python calls) instead of time",
    )
    parser.add_argument("--requests", type=int, default=20, help="requests a page (--instructions)")
    parser.add_argument("--instructions-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.instructions_child:
        instructions_child(args.database_url, args.instructions_child, args.requests)
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    app = make_app(args.database_url, folder)
    prepare(app)
    if args.instructions:
        instructions_table(args.database_url, folder, app, args)
        return
    reference = create_reference_app(f"sqlite:///{folder / 'reference.sqlite3'}").test_client()
    pages = Pages(app, reference, first_submitter=1000)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(
        engine,
        "before_cursor_execute",
        lambda *a: statements.append(a[2]) if not a[2].startswith("BEGIN") else None,
    )

    if args.profile:
        if args.profile.startswith("quiz submit"):
            for _ in range(args.rounds):
                pages.prepare_submit()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.rounds):
            pages.calls[args.profile]()
        profile.disable()
        if os.environ.get("BENCH_PROFILE_OUT"):
            profile.dump_stats(os.environ["BENCH_PROFILE_OUT"])
        pstats.Stats(profile, stream=sys.stderr).sort_stats(
            os.environ.get("BENCH_SORT", "cumulative")
        ).print_stats(int(os.environ.get("BENCH_TOP", "30")))
        return

    # Warm every page (templates compiled, outlines cached) before the clock starts.
    pages.prepare_submit()
    for name, call in pages.calls.items():
        check(name, call())
    times: dict[str, list[float]] = {name: [] for name in pages.calls}
    counts: dict[str, int] = {}
    for n in range(args.rounds):
        pages.prepare_submit()  # outside the clock
        for name, call in pages.calls.items():
            statements.clear()
            start = time.process_time()
            response = call()
            times[name].append(time.process_time() - start)
            check(name, response)
            counts[name] = len(statements)
        print(f"round {n + 1}/{args.rounds}", end="\r", file=sys.stderr)
    base = statistics.median(times["bare page (reference)"])
    rows = [
        {
            "page": name,
            "median_ms": round(statistics.median(values) * 1000, 3),
            "ratio": round(statistics.median(values) / base, 2),
            "target": TARGETS.get(name),
            "sql": counts[name] if name != "bare page (reference)" else 1,
        }
        for name, values in times.items()
    ]
    if args.json:
        print(json.dumps({"rounds": args.rounds, "pages": rows}, indent=2))
        return
    print(f"\n{args.rounds} interleaved rounds; CPU per request (time.process_time), medians\n")
    print("| Page | Median CPU (ms) | x bare page | Target | Met | SQL statements |")
    print("|---|---:|---:|---:|:-:|---:|")
    for row in rows:
        target = row["target"]
        met = "" if target is None else ("yes" if row["ratio"] <= target else "no")
        shown = "" if target is None else f"{target}x"
        print(
            f"| {row['page']} | {row['median_ms']:.2f} | {row['ratio']:.2f} | {shown} | {met} "
            f"| {row['sql']} |"
        )


if __name__ == "__main__":
    main()
