"""Send one newsletter issue to many subscribers through a real SMTP sink, within the rate.

Run from the repository root:

    .venv/bin/python -m bench.newsletter_send [--subscribers 10000] [--per-minute 12000]
        [--interrupt-after 2500] [--database-url URL] [--json]

A freshly migrated database (a temporary SQLite file by default) gets the sample courses and
`--subscribers` confirmed subscribers (half English, half Spanish); an issue is drafted and
sent with the same code the job queue runs (`lms.newsletter.jobs.run_send`, one minute's quota
per batch) to an aiosmtpd server on 127.0.0.1 that records when each message arrived. With
`--interrupt-after`, the sender is stopped mid-batch after that many messages (as a worker
killed by a deploy) and started again, as the periodic resume job would. The report checks
that every subscriber got exactly one copy, and that no 60-second window held more messages
than `--per-minute`. Results go to stdout (Markdown, or JSON with --json); progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import insert

from lms import create_app
from lms.database import utcnow
from lms.extensions import db
from lms.newsletter import jobs, services
from lms.newsletter.models import Subscriber

ROOT = Path(__file__).resolve().parent.parent


class Sink:
    """An SMTP handler that keeps who got a message and when."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        recipient = message_from_bytes(envelope.content)["To"]
        with self.lock:
            self.arrivals.append((time.monotonic(), recipient))
        return "250 OK"


def busiest_minute(times: list[float]) -> int:
    """Return the most messages that arrived within any 60-second window."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 60:
            start += 1
        best = max(best, end - start + 1)
    return best


def main() -> None:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--per-minute", type=int, default=12_000)
    parser.add_argument("--interrupt-after", type=int, default=0)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-newsletter-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    sink = Sink()
    from tests.conftest import free_port

    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "BASE_URL": "https://learn.example.org",
            "COURSES_DIR": str(ROOT / "courses"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "NEWSLETTER_SEND_PER_MINUTE": args.per_minute,
            "QUEUE_URL": f"sqlite:///{folder / 'jobs.sqlite3'}",
        }
    )
    with app.app_context():
        from flask_migrate import downgrade, upgrade

        from lms.courses.services import publish_courses

        if args.database_url:
            downgrade(revision="base", x_arg=["force=1"])
        upgrade()
        publish_courses(ROOT / "courses", max_media_bytes=int(app.config["MAX_MEDIA_BYTES"]))
        now = utcnow()
        db.session.execute(
            insert(Subscriber),
            [
                {
                    "email": f"reader{n}@example.org",
                    "language": "es" if n % 2 else "en",
                    "topics": ["courses", "webinars", "resources"],
                    "status": "confirmed",
                    "created_at": now,
                    "consent_at": now,
                    "consent_source": "/",
                    "consent_text": "Email me the newsletter.",
                    "consent_language": "es" if n % 2 else "en",
                    "confirmed_at": now,
                }
                for n in range(args.subscribers)
            ],
        )
        issue = services.draft_issue(now)
        services.start_sending(issue, now)
        db.session.commit()
        issue_id = issue.id
        print(f"{args.subscribers} subscribers; sending issue {issue_id}", file=sys.stderr)

        started = time.monotonic()
        batches = 0
        interrupted = False
        if args.interrupt_after:
            real_send = services.Mailer.send
            sent = {"n": 0}

            def stop_after(self: services.Mailer, message: Any) -> None:
                if sent["n"] == args.interrupt_after:
                    raise KeyboardInterrupt("worker stopped")
                sent["n"] += 1
                real_send(self, message)

            services.Mailer.send = stop_after  # type: ignore[method-assign]
            try:
                while jobs.run_send(issue_id).remaining:
                    batches += 1
            except KeyboardInterrupt:
                interrupted = True
                print(f"stopped after {sent['n']} messages; resuming", file=sys.stderr)
            services.Mailer.send = real_send  # type: ignore[method-assign]
            db.session.rollback()
        # After a stop, the held leases run out (5 minutes) before the resume job takes the
        # issue again: the clock is moved past them rather than waited for.
        offset = timedelta(minutes=6) if interrupted else timedelta(0)

        def clock() -> Any:
            return utcnow() + offset

        while True:
            services.create_deliveries(issue_id)
            result = services.send_batch(
                issue_id,
                app.config,
                limit=args.per_minute,
                per_minute=args.per_minute,
                clock=clock,
            )
            batches += 1
            print(
                f"batch {batches}: sent {result.sent}, remaining {result.remaining}",
                file=sys.stderr,
            )
            if not result.remaining:
                break
        elapsed = time.monotonic() - started
        counts = services.delivery_counts(issue_id)
    time.sleep(0.5)
    controller.stop()

    per_recipient = Counter(recipient for _, recipient in sink.arrivals)
    times = sorted(moment for moment, _ in sink.arrivals)
    report = {
        "subscribers": args.subscribers,
        "per_minute": args.per_minute,
        "interrupted": interrupted,
        "messages_received": len(sink.arrivals),
        "distinct_recipients": len(per_recipient),
        "recipients_with_two_or_more": sum(1 for n in per_recipient.values() if n > 1),
        "busiest_60_seconds": busiest_minute(times),
        "seconds": round(elapsed, 1),
        "messages_per_minute": round(len(sink.arrivals) / elapsed * 60),
        "deliveries": counts,
        "database": "postgresql" if "postgresql" in url else "sqlite",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print("| measure | value |\n|---|---|")
    for key, value in report.items():
        print(f"| {key} | {value} |")


if __name__ == "__main__":
    main()
