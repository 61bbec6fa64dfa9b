"""Time exporting a million generated completion rows to CSV, and show memory stays flat.

Run from the repository root:

    .venv/bin/python -m bench.export_completions [--rows 1000000] [--xlsx-rows 100000]
        [--batch 1000] [--database-url URL] [--json]

Rows are generated from a seeded random.Random(42) and bulk-inserted straight into a freshly
migrated database (a temporary SQLite file by default): 10 courses of 10 versions each, one
learner per 100 completions, about 70% of completions with one or two credit claims, each
claim with a certificate. Each export then runs in a fresh Python process of its own, so its
peak RSS is the export's alone and not the generator's: exports of no rows, of about a tenth
of the rows (one course) and of all of them are compared. Results go to stdout (a Markdown
table, or JSON with --json); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import event, insert, inspect, text, update

from lms import create_app
from lms.accounts.models import User
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.courses.models import Course, CourseVersion
from lms.exports import services
from lms.exports.rows import ExportFilters
from lms.exports.writers import values_csv_chunks, write_xlsx
from lms.extensions import db
from lms.organizations.models import Membership, Organization
from lms.progress.models import Enrolment

REPO = Path(__file__).resolve().parent.parent
MIGRATIONS = REPO / "migrations"
SEED = 42
COURSES = 10
VERSIONS_PER_COURSE = 10
ORGANIZATIONS = 20
CHUNK = 20_000  # rows per bulk INSERT
ROWS_PER_COMPLETION = 1.2  # on average; see _claim_plan
START = datetime(2024, 1, 1, tzinfo=UTC)
CREDITS = ("ama-pra-1", "abp-moc-2", "participation", "ancc-contact-hours")
FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dana", "Eli", "Fatima", "Grace", "Hiro", "Ines", "Jamal"]
LAST_NAMES = ["Doctor", "López", "Nguyen", "O'Brien", "Smith", "Kowalski", "Haddad", "Okafor"]
# One learner in a thousand has a name a spreadsheet would run as a formula.
RISKY_NAMES = ['=HYPERLINK("http://x")', "+1 Plus", "-2 Minus", "@SUM(A1)"]


class BenchmarkError(RuntimeError):
    """A check the benchmark relies on failed, so its numbers would mean nothing."""


def _require(condition: bool, message: str) -> None:
    # Not `assert`: python -O would strip the checks and time a broken run.
    if not condition:
        raise BenchmarkError(message)


def peak_rss_mib() -> float:
    """Return this process's peak resident set size in MiB."""
    # Linux's VmHWM starts afresh at exec; ru_maxrss keeps the parent's peak from before the
    # fork, which would hide a worker's own memory under the generator's.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _app_config(database_url: str) -> dict[str, Any]:
    return {
        "ENV_NAME": "testing",
        # Set here so the app never writes a development key into instance/.
        "SECRET_KEY": "bench-not-a-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
    }


# --------------------------------------------------------------------------- generating


@dataclass
class Generated:
    """What was inserted."""

    rows: int = 0
    completions: int = 0
    claims: int = 0
    learners: int = 0
    seconds: float = 0.0
    peak_rss_mib: float = 0.0


def _chunks(items: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert(model: Any, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    for chunk in _chunks(rows):
        db.session.execute(insert(model), chunk)
        count += len(chunk)
    return count


def _claim_plan(rows: int, rng: random.Random) -> list[int]:
    """Return how many claims each completion has, so that the export has exactly `rows` rows."""
    plan: list[int] = []
    total = 0
    while total < rows:
        # 30% no claim, 50% one, 20% two: about 1.2 export rows per completion.
        claims = rng.choices((0, 1, 2), weights=(3, 5, 2))[0]
        if total + max(1, claims) > rows:
            claims = 1
        plan.append(claims)
        total += max(1, claims)
    return plan


def generate(rows: int, rng: random.Random) -> Generated:
    """Insert completions, claims and certificates that export as exactly `rows` rows."""
    started = time.perf_counter()
    plan = _claim_plan(rows, rng)
    versions = COURSES * VERSIONS_PER_COURSE
    learners = -(-len(plan) // versions)

    _insert(Course, ({"id": c + 1, "slug": f"bench-course-{c + 1:02d}", "created_at": START}
                     for c in range(COURSES)))  # fmt: skip
    _insert(
        CourseVersion,
        (
            {
                "id": c * VERSIONS_PER_COURSE + v + 1,
                "course_id": c + 1,
                "number": v + 1,
                "content_hash": f"{c:02d}{v:02d}".ljust(64, "0"),
                "published_at": START,
                "title": f"Trauma-Informed Care, Part {c + 1}",
                "summary": "Generated for the export benchmark.",
                "audience": ["physician"],
                "language": "en",
                "estimated_minutes": 60,
                "passing_score": 80,
                "compiled": {},
            }
            for c in range(COURSES)
            for v in range(VERSIONS_PER_COURSE)
        ),
    )
    for c in range(COURSES):
        db.session.execute(
            update(Course)
            .where(Course.id == c + 1)
            .values(current_version_id=c * VERSIONS_PER_COURSE + VERSIONS_PER_COURSE)
        )
    _insert(Organization, ({"id": o + 1, "name": f"Clinic {o + 1:02d}", "kind": "clinic",
                            "created_at": START} for o in range(ORGANIZATIONS)))  # fmt: skip

    def user(u: int) -> dict[str, Any]:
        risky = u % 1000 == 999
        name = RISKY_NAMES[u % len(RISKY_NAMES)] if risky else (
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")  # fmt: skip
        return {
            "id": u + 1,
            "email": f"learner{u + 1}@example.org",
            "full_name": name,
            "password_hash": "-",
            "profession": "physician",
            "role": "learner",
            "active": True,
            "session_token": f"bench-session-{u + 1}",
            "abp_id": f"{100000 + u}",
            "birth_month": 1 + u % 12,
            "birth_day": 1 + u % 28,
            "created_at": START,
        }

    _insert(User, (user(u) for u in range(learners)))
    # A third of learners in no organisation, a third in one, a third in two.
    _insert(
        Membership,
        (
            {"organization_id": 1 + (u + k * 7) % ORGANIZATIONS, "user_id": u + 1,
             "role": "member", "joined_at": START}
            for u in range(learners)
            for k in range(u % 3)
        ),
    )  # fmt: skip

    # One enrolment per learner and version (a retake or a move to a newer version opens a new
    # one), all but the newest of each course ended: one completion per enrolment.
    def enrolment(u: int, v: int) -> dict[str, Any]:
        newest = v % VERSIONS_PER_COURSE == VERSIONS_PER_COURSE - 1
        return {
            "id": u * versions + v + 1,
            "user_id": u + 1,
            "course_id": v // VERSIONS_PER_COURSE + 1,
            "version_id": v + 1,
            "enrolled_at": START,
            "ended_at": None if newest else START,
            "end_reason": None if newest else "new-version",
        }

    _insert(Enrolment, (enrolment(u, v) for u in range(learners) for v in range(versions)))

    def completion(k: int) -> dict[str, Any]:
        u, version = divmod(k, versions)
        course = version // VERSIONS_PER_COURSE
        return {
            "id": k + 1,
            "user_id": u + 1,
            "course_id": course + 1,
            "version_id": version + 1,
            "enrolment_id": k + 1,
            # Spread over about two years, in id order, as real completions are.
            "completed_at": START + timedelta(seconds=60 * k),
            "quiz_score": Decimal(80 + k % 21),
        }

    _insert(Completion, (completion(k) for k in range(len(plan))))

    def claims() -> Iterator[dict[str, Any]]:
        claim_id = 0
        for k, count in enumerate(plan):
            u, version = divmod(k, versions)
            for t in range(count):
                claim_id += 1
                yield {
                    "id": claim_id,
                    "completion_id": k + 1,
                    "user_id": u + 1,
                    "version_id": version + 1,
                    "credit_type": CREDITS[(k + t) % len(CREDITS)],
                    "amount": Decimal("0.75"),
                    "claimed_at": START + timedelta(seconds=60 * k + 30),
                    "attested": True,
                    "consent_to_report": k % 10 != 0,
                }

    claim_count = _insert(CreditClaim, claims())
    _insert(
        Certificate,
        (
            {
                "id": c,
                "public_id": f"BNCH-{c:04d}"[:32],
                "claim_id": c,
                "user_id": 1,  # not read by the export
                "issued_at": START,
                "status": "valid",
                "holder_name": "Holder",
                "course_slug": "bench",
                "course_title": "Bench",
                "version_number": 1,
                "completion_date": date(2024, 1, 1),
                "credit_type": "ama-pra-1",
                "amount": Decimal("0.75"),
                "provider_name": "Bench",
            }
            for c in range(1, claim_count + 1)
        ),
    )
    db.session.commit()
    return Generated(
        rows=rows,
        completions=len(plan),
        claims=claim_count,
        learners=learners,
        seconds=time.perf_counter() - started,
        peak_rss_mib=peak_rss_mib(),
    )


# --------------------------------------------------------------------------- exporting


@dataclass
class Step:
    """One timed export, run in a process of its own."""

    name: str
    export_format: str
    rows: int
    seconds: float
    sql_statements: int
    output_bytes: int
    rss_before_mib: float
    peak_rss_mib: float

    @property
    def rows_per_second(self) -> float:
        """Return rows exported per wall-clock second."""
        return self.rows / self.seconds if self.seconds else float("inf")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict, the rate included."""
        return {**asdict(self), "rows_per_second": round(self.rows_per_second)}


def raw_driver_csv(output: str, batch: int) -> int:
    """Write every row with the database driver and csv.writer alone; return the rows written.

    The yardstick for the export: the same two queries per batch (SQLAlchemy only compiles
    them to SQL text), run on the driver's own cursor, and each text cell neutralised as the
    export does, but no types converted and nothing else. Its bytes differ from the export's
    (the driver's own date and number text), so it is timed, not compared.
    """
    import csv

    from lms.exports.services import _rows_statement

    engine = db.engine
    risky = ("=", "+", "-", "@", "\t", "\r")

    def sql(statement: Any) -> str:
        return str(
            statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
        )

    connection = engine.raw_connection()
    written = 0
    try:
        cursor = connection.cursor()
        with open(output, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            after = 0
            while True:
                cursor.execute(sql(_rows_statement([], after, batch)))
                records = cursor.fetchall()
                if not records:
                    break
                ids = ",".join(str(i) for i in {record[1] for record in records})
                query = (
                    "SELECT memberships.user_id, organizations.name FROM memberships JOIN "  # noqa: S608 (integers we read)
                    "organizations ON organizations.id = memberships.organization_id "
                    f"WHERE memberships.user_id IN ({ids})"
                )
                cursor.execute(query)
                names: dict[int, list[str]] = {}
                for user_id, name in cursor.fetchall():
                    names.setdefault(user_id, []).append(name)
                for record in records:
                    cells = [
                        "'" + cell if isinstance(cell, str) and cell.startswith(risky) else cell
                        for cell in record[1:]
                    ]
                    cells.insert(4, "; ".join(sorted(set(names.get(record[1], [])))))
                    writer.writerow(cells)
                written += len(records)
                after = records[-1][0]
                if len({record[0] for record in records}) < batch:
                    break
    finally:
        connection.close()
    return written


def export_once(spec: dict[str, Any]) -> dict[str, Any]:
    """Export once as `spec` says, in this process; return what it cost (the worker side)."""
    app = create_app(_app_config(spec["database_url"]))
    filters = ExportFilters(
        course_slug=spec.get("course"),
        until=date.fromisoformat(spec["until"]) if spec.get("until") else None,
    )
    with app.app_context():
        expected = services.count_rows(filters)
        statements = 0

        def count(*_args: Any) -> None:
            nonlocal statements
            statements += 1

        event.listen(db.engine, "before_cursor_execute", count)
        rss_before = peak_rss_mib()
        rows = 0

        def counted(items: Iterable[Any]) -> Iterator[Any]:
            nonlocal rows
            for item in items:
                rows += 1
                yield item

        started = time.perf_counter()
        if spec["format"] == "raw-csv":
            rows = raw_driver_csv(spec["output"], spec["batch"])
        elif spec["format"] == "xlsx":
            write_xlsx(
                counted(services.iter_completion_rows(filters, batch=spec["batch"])), spec["output"]
            )
        else:
            source = counted(services.iter_completion_values(filters, batch=spec["batch"]))
            with open(spec["output"], "w", encoding="utf-8", newline="") as out:
                for chunk in values_csv_chunks(source):
                    out.write(chunk)
        seconds = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", count)
    return {
        "rows": rows,
        "expected": expected,
        "seconds": seconds,
        "sql_statements": statements,
        "output_bytes": os.path.getsize(spec["output"]),
        "rss_before_mib": rss_before,
        "peak_rss_mib": peak_rss_mib(),
    }


def run_export(name: str, spec: dict[str, Any]) -> Step:
    """Run one export in a fresh Python process and return its measurements."""
    print(f"... {name}", file=sys.stderr, flush=True)
    completed = subprocess.run(  # noqa: S603 (this same module, with our own arguments)
        [sys.executable, "-m", "bench.export_completions", "--worker", json.dumps(spec)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    _require(completed.returncode == 0, f"{name} failed:\n{completed.stderr}")
    result = json.loads(completed.stdout)
    if spec["format"] == "raw-csv":
        result["expected"] = result["rows"]  # counted as written; checked against the export
    _require(
        result["rows"] == result["expected"],
        f"{name}: wrote {result['rows']} rows, count_rows says {result['expected']}",
    )
    result.pop("expected")
    return Step(name=name, export_format=spec["format"], **result)


def _check_csv(path: Path, rows: int) -> None:
    # Every row parses and none starts a formula: the file is what a spreadsheet would open.
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        seen = 0
        for record in reader:
            seen += 1
            _require(
                not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in record),
                f"row {seen} has a cell that would run as a formula: {record}",
            )
    _require(seen == rows, f"CSV has {seen} rows, expected {rows}")


def run_benchmark(args: argparse.Namespace, scratch: Path) -> tuple[Generated, list[Step], dict]:
    """Generate the rows, then time each export in its own process."""
    database_url = args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}"
    app = create_app(_app_config(database_url))
    with app.app_context():
        from flask_migrate import upgrade

        engine = db.engine
        existing = inspect(engine).get_table_names()
        _require(not existing, f"database is not empty ({len(existing)} tables); use a fresh one")
        # A root handler stops env.py from installing alembic.ini's INFO logging on stdout.
        logging.basicConfig(level=logging.WARNING)
        upgrade(directory=str(MIGRATIONS))
        print(f"... generating {args.rows:,} rows", file=sys.stderr, flush=True)
        generated = generate(args.rows, random.Random(SEED))
        # Statistics, as after any bulk load: without them PostgreSQL's planner guesses the
        # claims table is tiny and hash-joins all of it for every batch (about 100x slower).
        # A live database keeps its statistics current through autovacuum.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        facts = {
            "database": engine.dialect.name,
            "server_version": ".".join(map(str, engine.dialect.server_version_info or ())),
        }
        db.session.remove()
        engine.dispose()

    base = {"database_url": database_url, "batch": args.batch}
    one_course = {**base, "course": "bench-course-01"}
    steps = [
        run_export(
            "CSV, no rows (process floor)",
            {**base, "format": "csv", "until": "2000-01-01", "output": str(scratch / "none.csv")},
        ),
        run_export(
            "CSV, one course (about 1/10)",
            {**one_course, "format": "csv", "output": str(scratch / "course.csv")},
        ),
        run_export("CSV, all rows", {**base, "format": "csv", "output": str(scratch / "all.csv")}),
        run_export(
            "Raw driver + csv.writer, all rows (yardstick)",
            {**base, "format": "raw-csv", "output": str(scratch / "raw.csv")},
        ),
        run_export(
            "CSV, all rows (again, after the yardstick)",
            {**base, "format": "csv", "output": str(scratch / "all-2.csv")},
        ),
    ]
    _require(steps[3].rows == generated.rows, f"the yardstick wrote {steps[3].rows} rows")
    _check_csv(scratch / "all.csv", generated.rows)
    if args.xlsx_rows:
        # XLSX of a smaller set, by completion date: building the zip costs more per row.
        completions = args.xlsx_rows / ROWS_PER_COMPLETION
        until = (START + timedelta(seconds=60 * completions)).date() - timedelta(days=1)
        steps.append(
            run_export(
                f"XLSX, completions before {until + timedelta(days=1)}",
                {
                    **base,
                    "format": "xlsx",
                    "until": until.isoformat(),
                    "output": str(scratch / "some.xlsx"),
                },
            )  # fmt: skip
        )
    return generated, steps, facts


# --------------------------------------------------------------------------- output


def markdown_table(steps: list[Step]) -> str:
    """Format the export steps as a Markdown table."""
    lines = [
        "| Export | Rows | Seconds | Rows/s | SQL statements | Output (MB) "
        "| RSS before (MiB) | Peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for step in steps:
        lines.append(
            f"| {step.name} | {step.rows:,} | {step.seconds:.2f} | {step.rows_per_second:,.0f} "
            f"| {step.sql_statements:,} | {step.output_bytes / 1e6:.1f} "
            f"| {step.rss_before_mib:.0f} | {step.peak_rss_mib:.0f} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.export_completions", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to export (1000000)")
    parser.add_argument(
        "--xlsx-rows",
        type=int,
        default=100_000,
        help="also time an XLSX export of about this many rows (0: skip)",
    )
    parser.add_argument("--batch", type=int, default=1000, help="completions read per query")
    parser.add_argument(
        "--database-url",
        help="an EMPTY database to migrate and fill (default: a temporary SQLite file)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rows < 1 or args.batch < 1 or args.xlsx_rows < 0:
        parser.error("--rows and --batch must be positive, --xlsx-rows not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate the rows, run the benchmark and print the results."""
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(export_once(json.loads(args.worker))))
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="lms-bench-export-"))
    try:
        generated, steps, facts = run_benchmark(args, scratch)
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    summary = {
        **asdict(generated),
        **facts,
        "sqlite": sqlite3.sqlite_version,
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "cpus": os.cpu_count(),
        "batch": args.batch,
    }
    if args.json:
        print(json.dumps({**summary, "steps": [s.to_dict() for s in steps]}, indent=2))
        return 0
    database = f"{facts['database']} {facts['server_version']}".strip()
    print(
        f"{generated.rows:,} rows: {generated.completions:,} completions, "
        f"{generated.claims:,} claims with certificates, {generated.learners:,} learners; "
        f"generated and inserted in {generated.seconds:.1f} s (peak RSS "
        f"{generated.peak_rss_mib:.0f} MiB); {database}; Python {summary['python']}, "
        f"SQLAlchemy {summary['sqlalchemy']}, {summary['cpus']} CPUs; batch {args.batch}.\n"
    )
    print(markdown_table(steps))
    raw = next(step for step in steps if step.export_format == "raw-csv")
    exports = [step for step in steps if step.name.startswith("CSV, all rows")]
    best = max(step.rows_per_second for step in exports)
    print(
        f"\nCSV export vs the raw driver + csv.writer in the same run: "
        f"{best / raw.rows_per_second:.2f}x its speed (goal: at least 0.8x)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
