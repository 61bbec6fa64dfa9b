"""Time the preview of a 5,000-row staff CSV file, parsing alone and the whole page.

Run from the repository root:

    .venv/bin/python -m bench.staff_import [--rows 5000] [--database-url URL] [--json]

A freshly migrated database (a temporary SQLite file by default) gets a chapter, a clinic, a
chapter admin, 500 people who are already members (listed in the file too) and 200 pending
invitations (listed too). The file, written as Excel saves it (UTF-8 with a BOM, CRLF), has
`--rows` lines, each with an assignment. Timed: decoding and parsing; planning (the queries);
and the whole preview request through the app (upload, plan, render), three times each,
reporting the median and the slowest. Results go to stdout; progress to stderr.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from lms import create_app

REPEATS = 3


def make_csv(rows: int) -> bytes:
    """Return a staff file of `rows` people as Excel writes it."""
    due = (date.today() + timedelta(days=60)).isoformat()
    lines = ["Email,Name,Profession,Role,Course,Due date"]
    course = "trauma-informed-front-desk"
    lines += [
        f"person{n}@example.org,Person Number {n},clinic-staff,member,{course},{due}"
        for n in range(rows)
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _timed(run: Any) -> tuple[float, float]:
    durations = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations), max(durations)


def run_benchmark(rows: int, database_url: str | None) -> dict[str, Any]:
    """Build the world, time each stage, and return the numbers."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from lms.accounts import services as accounts
    from lms.chapters import services as chapters
    from lms.courses.services import publish_courses
    from lms.database import utcnow
    from lms.extensions import db
    from lms.invitations import imports
    from lms.invitations import services as invitations
    from lms.invitations.models import Invitation
    from lms.organizations import services as organizations
    from lms.organizations.models import Membership

    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    url = database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "ENV_NAME": "testing",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "QUEUE_IMMEDIATE": True,
        }
    )
    data = make_csv(rows)
    with app.app_context():
        print("... migrating and loading", file=sys.stderr, flush=True)
        upgrade()
        admin = accounts.create_user(
            "carla@example.org", "Carla Chapter", "a long bench password", profession="other",
            hash_method="pbkdf2:sha256:1000", confirmed_at=utcnow(),
        )  # fmt: skip
        chapter = chapters.create_chapter("Bench Chapter", None, actor=None)
        chapters.appoint_admin(chapter, admin, actor=None)
        clinic = organizations.create_organization(
            "Bench Clinic", "clinic", actor=None, chapter=chapter
        )
        # The sample courses, so that every row's assignment names a real course.
        publish_courses(Path("courses"), max_media_bytes=int(app.config["MAX_MEDIA_BYTES"]))
        now = utcnow()
        members = min(500, rows)
        for n in range(members):
            user = accounts.create_user(
                f"person{n}@example.org", f"Person Number {n}", "x" * 12, profession="other",
                hash_method="pbkdf2:sha256:1",
            )  # fmt: skip
            db.session.add(Membership(organization_id=clinic.id, user_id=user.id, role="member"))
        db.session.execute(
            insert(Invitation),
            [
                {
                    "organization_id": clinic.id,
                    "email": f"person{n}@example.org",
                    "full_name": f"Person Number {n}",
                    "profession": "clinic-staff",
                    "role": "member",
                    "token_hash": f"{n:064d}",
                    "created_at": now,
                    "sent_at": now,
                    "expires_at": now + timedelta(days=14),
                }
                for n in range(members, min(members + 200, rows))
            ],
        )
        db.session.commit()
        clinic_id = clinic.id

        text = imports.decode(data)
        parse_median, parse_max = _timed(lambda: imports.parse(text))
        parsed = imports.parse(text)

        def plan() -> Any:
            return invitations.plan_import(
                db.session.get(type(clinic), clinic_id),
                parsed,
                may_appoint_managers=True,
                today=date.today(),
                now=utcnow(),
            )

        plan_median, plan_max = _timed(plan)
        outcome = plan()
        db.session.remove()

    client = app.test_client()
    client.post("/login", data={"email": "carla@example.org", "password": "a long bench password"})

    def preview() -> None:
        response = client.post(
            f"/organizations/{clinic_id}/import",
            data={"file": (io.BytesIO(data), "staff.csv")},
            content_type="multipart/form-data",
        )
        if response.status_code != 200 or "Lines with problems: 0." not in response.text:
            raise RuntimeError(f"the preview failed: {response.status_code}")

    print("... timing the preview page", file=sys.stderr, flush=True)
    page_median, page_max = _timed(preview)
    return {
        "rows": rows,
        "database": url.split(":", 1)[0],
        "outcomes": {k: outcome.count(k) for k in ("invite", "member", "invited", "error")},
        "parse_median_s": round(parse_median, 3),
        "parse_max_s": round(parse_max, 3),
        "plan_median_s": round(plan_median, 3),
        "plan_max_s": round(plan_max, 3),
        "page_median_s": round(page_median, 3),
        "page_max_s": round(page_max, 3),
        "cpus": os.cpu_count(),
        "load": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a Markdown table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database-url")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run_benchmark(args.rows, args.database_url)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['rows']} rows on {result['database']}, outcomes {result['outcomes']}")
    print(f"(load average {result['load']} on {result['cpus']} CPUs)\n")
    print("| stage | median (s) | slowest of 3 (s) |")
    print("| --- | ---: | ---: |")
    print(f"| decode + parse | {result['parse_median_s']} | {result['parse_max_s']} |")
    print(f"| plan (queries) | {result['plan_median_s']} | {result['plan_max_s']} |")
    print(f"| whole preview page | {result['page_median_s']} | {result['page_max_s']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
