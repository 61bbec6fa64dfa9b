"""Throughput, latency and memory of the LMS against the bare reference app, both under gunicorn.

Run from the repository root:

    .venv/bin/python -m bench.http                    # 4 slices of 3 s per page, 8 clients
    .venv/bin/python -m bench.http --slices 6 --seconds 5 --clients 16 --json

Migrates a fresh SQLite database, publishes the sample courses and makes a learner, then
serves the LMS and `bench/reference_app.py` side by side, each with gunicorn (2 workers x 4
threads, `--preload`, as in production). A load generator in this process (plain
`http.client`, one keep-alive connection per client thread, the learner's session cookie on
the LMS pages) sends requests for a few seconds to one page at a time; the pages take turns
slice after slice, so each gets the same share of a busy machine. It prints requests per
second, p50 and p99 latency and errors per page, and the ratio of each page's throughput to
the reference page's.

Then it measures memory: for each app, gunicorn is started twice, with and without
`--preload`, loaded the same way (every page for a few seconds), and the resident (RSS)
and proportional (PSS, shared
pages divided among the processes that share them) set sizes of the master and its workers
are summed from /proc.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select

from lms import create_app
from lms.accounts import services as accounts
from lms.courses.models import Course
from lms.database import utcnow
from lms.extensions import db
from tests.conftest import free_port
from tests.served import CONFIG_VARIABLE, TEST_PASSWORD, Browser

ROOT = Path(__file__).resolve().parent.parent
CME = "tic-pediatric-essentials"
EMAIL = "http-bench@example.org"


@dataclass
class Target:
    """One page under load: which server, which path, and what came back."""

    name: str
    port: int
    path: str
    cookie: str = ""
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0


def prepare(config: dict[str, Any]) -> dict[str, str]:
    """Migrate, publish the samples and make a learner who has started the CME course."""
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        from lms.courses.services import publish_courses

        upgrade()
        publish_courses(ROOT / "courses", max_media_bytes=10_000_000)
        accounts.create_user(
            EMAIL, "Http Bench", TEST_PASSWORD, profession="physician",
            hash_method="pbkdf2:sha256:1000", confirmed_at=utcnow(),
        )  # fmt: skip
        db.session.commit()
        course = db.session.scalar(select(Course).where(Course.slug == CME))
        pages = course.current_version.pages
        lesson = next(p for p in pages if p.kind == "lesson")
        db.engine.dispose()
    return {"lesson": lesson.slug}


@contextmanager
def gunicorn(app: str, port: int, env: dict[str, str], *, preload: bool) -> Iterator[int]:
    """Serve `app` with 2 workers x 4 threads on 127.0.0.1:`port`; yield the master's pid."""
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--threads", "4", "--chdir", str(ROOT), "--log-level", "warning",
        "--graceful-timeout", "5", *(["--preload"] if preload else []), app,
    ]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT)  # noqa: S603
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                sys.exit(f"gunicorn for {app} exited with status {process.returncode}")
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=10)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    sys.exit(f"gunicorn for {app} did not answer within 120 seconds")
                time.sleep(0.2)
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def session_cookie(port: int) -> str:
    """Sign the learner in through the real form; return the Cookie header of that session."""
    browser = Browser(f"http://127.0.0.1:{port}")
    browser.login(EMAIL)
    browser.post(f"/courses/{CME}/start")
    return "; ".join(f"{c.name}={c.value}" for c in browser.session.cookies)


def hammer(target: Target, clients: int, seconds: float) -> None:
    """Send GETs to one page from `clients` keep-alive connections for `seconds`."""
    stop = time.perf_counter() + seconds
    headers = {"Cookie": target.cookie} if target.cookie else {}
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
        mine: list[float] = []
        errors = 0
        while time.perf_counter() < stop:
            began = time.perf_counter()
            try:
                connection.request("GET", target.path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors += 1
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                continue
            mine.append(time.perf_counter() - began)
        connection.close()
        with lock:
            target.latencies.extend(mine)
            target.errors += errors

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    target.seconds += time.perf_counter() - began


def process_tree(pid: int) -> list[int]:
    """Return the pid and the pids of its children (gunicorn's master and workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, children)]


def memory_mib(pid: int) -> dict[str, float]:
    """Sum RSS and PSS (MiB) of a gunicorn master and its workers."""
    rss = pss = 0
    for each in process_tree(pid):
        for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == "Rss":
                rss += int(value.split()[0])
            elif key == "Pss":
                pss += int(value.split()[0])
    return {"rss_mib": round(rss / 1024, 1), "pss_mib": round(pss / 1024, 1)}


def lms_targets(port: int, cookie: str, lesson: str) -> list[Target]:
    """The signed-in learner's pages of the LMS on `port`."""
    return [
        Target("lesson", port, f"/courses/{CME}/learn/{lesson}", cookie),
        Target("catalog", port, "/courses", cookie),
        Target("course page", port, f"/courses/{CME}", cookie),
        Target("My learning", port, "/my-learning", cookie),
    ]


def row(target: Target, reference: Target) -> dict[str, Any]:
    """Summarise one page: throughput, latency percentiles, errors, ratio to the reference."""
    done = len(target.latencies)
    rate = done / target.seconds if target.seconds else 0.0
    reference_rate = len(reference.latencies) / reference.seconds if reference.seconds else 0.0
    ordered = sorted(target.latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
    return {
        "page": target.name,
        "requests": done,
        "per_second": round(rate, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2) if ordered else 0.0,
        "p99_ms": round(p99 * 1000, 2),
        "errors": target.errors,
        "reference_over_page": round(reference_rate / rate, 2) if rate else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the throughput and memory comparisons and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=4, help="turns each page gets (4)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of a turn (3 s)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections (8)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-http-"))
    config = {
        "SECRET_KEY": "bench-secret-key",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'lms.sqlite3'}",
        "COURSES_DIR": str(ROOT / "courses"),
        "QUEUE_IMMEDIATE": True,
        "MAIL_SUPPRESS_SEND": True,
        "SERVER_NAME": None,
        "RATELIMIT_ENABLED": False,
    }
    pages = prepare(config)
    lms_env = {CONFIG_VARIABLE: json.dumps(config)}
    reference_env = {"REFERENCE_DATABASE_URL": f"sqlite:///{folder / 'ref.sqlite3'}"}
    lms_app, reference_app = "tests.served:served_app()", "bench.reference_app:create_app()"

    lms_port, reference_port = free_port(), free_port()
    with (
        gunicorn(reference_app, reference_port, reference_env, preload=True),
        gunicorn(lms_app, lms_port, lms_env, preload=True),
    ):
        cookie = session_cookie(lms_port)
        reference = Target("bare page (reference)", reference_port, "/")
        targets = [reference, *lms_targets(lms_port, cookie, pages["lesson"])]
        for target in targets:  # warm up: first requests compile templates and fill caches
            hammer(target, 2, 0.5)
            target.latencies.clear()
            target.errors, target.seconds = 0, 0.0
        for _ in range(args.slices):
            for target in targets:
                hammer(target, args.clients, args.seconds)
    throughput = [row(target, reference) for target in targets]

    memory = []
    for preload in (True, False):
        port = free_port()
        with gunicorn(reference_app, port, reference_env, preload=preload) as pid:
            hammer(Target("reference", port, "/"), args.clients, args.seconds)
            memory.append({"app": "bare reference", "preload": preload, **memory_mib(pid)})
        port = free_port()
        with gunicorn(lms_app, port, lms_env, preload=preload) as pid:
            cookie = session_cookie(port)
            for target in lms_targets(port, cookie, pages["lesson"]):
                hammer(target, args.clients, args.seconds)
            memory.append({"app": "LMS", "preload": preload, **memory_mib(pid)})

    if args.json:
        print(json.dumps({"throughput": throughput, "memory": memory}, indent=2))
        return 0
    print(
        f"\ngunicorn 2 workers x 4 threads each, {args.clients} keep-alive clients, "
        f"{args.slices} x {args.seconds:g} s per page, SQLite, {os.cpu_count()} CPUs\n"
    )
    print("| Page | Requests | Per second | p50 (ms) | p99 (ms) | Errors | Reference ÷ page |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for item in throughput:
        print(
            f"| {item['page']} | {item['requests']:,} | {item['per_second']} | {item['p50_ms']} "
            f"| {item['p99_ms']} | {item['errors']} | {item['reference_over_page']} |"
        )
    print("\n| App | --preload | RSS, master + 2 workers (MiB) | PSS (MiB) |")
    print("|---|---|---:|---:|")
    for item in memory:
        print(
            f"| {item['app']} | {'yes' if item['preload'] else 'no'} | {item['rss_mib']} "
            f"| {item['pss_mib']} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
