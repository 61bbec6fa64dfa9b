"""The lunch-hour load test: Locust against the production configuration on this machine.

Run it with `bench/load` (it makes Locust's own virtualenv first), for example:

    bench/load --processes 1 2 4 --users 40 --duration 60

For each number of gunicorn processes: a fresh PostgreSQL database, migrated, with the sample
courses published and `--accounts` confirmed learners (real scrypt password hashes: one hash
computed once and given to every account, since they share the password); Redis for the job
queue and the rate-limit counters (its own database number, emptied); the app with
`LMS_ENV=production` as gunicorn with N processes of 4 threads (deploy/gunicorn.conf.py)
serving HTTPS itself, as in the smoke test; one job worker. Then Locust runs
bench/locust/lunch_hour.py headless and this prints, per step, the requests, throughput,
median and 99th percentile and failures, as a Markdown table (docs/performance.md).

One setting differs from a real site: every simulated learner comes from 127.0.0.1, so the
per-address sign-in limit (`LMS_LOGIN_RATE_LIMIT_IP`) is raised for the run; the per-account
limit and Redis' counting stay as they are.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tests.smoke.production import (
    BIN,
    ROOT,
    Processes,
    course_plan,
    empty_redis,
    free_port,
    fresh_database,
    make_certificate,
    run_flask,
    unreachable_services,
    wait_until_serving,
)

PASSWORD = "lunch hour webinar 42"  # noqa: S105 (the simulated learners' shared password)
LOCUSTFILE = ROOT / "bench" / "locust" / "lunch_hour.py"


def make_learners(env: dict[str, str], count: int) -> list[str]:
    """Create `count` confirmed learners sharing one real scrypt hash; return their emails."""
    os.environ.update(env)
    from werkzeug.security import generate_password_hash

    from lms import create_app
    from lms.accounts.models import User
    from lms.database import utcnow
    from lms.extensions import db

    hashed = generate_password_hash(PASSWORD, method="scrypt")
    emails = [f"learner{n}@example.org" for n in range(count)]
    app = create_app()
    with app.app_context():
        now = utcnow()
        db.session.add_all(
            User(
                email=email,
                full_name=f"Lunch Learner {n}",
                profession="physician",
                role="learner",
                email_confirmed_at=now,
                password_hash=hashed,
            )
            for n, email in enumerate(emails)
        )
        db.session.commit()
        db.engine.dispose()
    return emails


def cpu_seconds(pids: list[int]) -> float:
    """Return the CPU time (user + system) the processes `pids` have used, reaped children too."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def group_pids(pgid: int) -> list[int]:
    """Return the processes of one process group (gunicorn's master and its workers)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                pids.append(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return pids


def database_pids(database_url: str) -> list[int]:
    """Return the PostgreSQL server processes serving connections to this run's database."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


def read_stats(path: Path, seconds: float) -> list[dict[str, Any]]:
    """Return Locust's per-step figures from its `_stats.csv` file."""
    rows = []
    with path.open() as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "step": row["Name"] if row["Type"] else "all steps",
                    "requests": int(row["Request Count"]),
                    "per_second": int(row["Request Count"]) / seconds,
                    "p50": row["50%"],
                    "p99": row["99%"],
                    "failures": int(row["Failure Count"]),
                }
            )
    return rows


def run_once(args: argparse.Namespace, processes_count: int, work: Path) -> list[dict[str, Any]]:
    """Serve the app with `processes_count` gunicorn processes and run Locust against it."""
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    with ExitStack() as stack:
        database_url = stack.enter_context(fresh_database())
        stack.enter_context(empty_redis(redis_url))
        cert, key = make_certificate(work)
        port = free_port()
        origin = f"https://127.0.0.1:{port}"
        env = {
            "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": os.environ.get("HOME", str(work)),
            "LANG": "C.UTF-8",
            "FLASK_APP": "wsgi",
            "LMS_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "LMS_BASE_URL": origin,
            "DATABASE_URL": database_url,
            "LMS_QUEUE_URL": redis_url,
            "LMS_RATELIMIT_STORAGE_URI": redis_url,
            # Every simulated learner shares 127.0.0.1 (see the module's docstring).
            "LMS_LOGIN_RATE_LIMIT_IP": "100000 per minute",
        }
        run_flask(env, "db", "upgrade")
        run_flask(env, "courses", "publish")
        plan = course_plan(env) | {
            "course": "tic-pediatric-essentials",
            "users": make_learners(env, args.accounts),
            "password": PASSWORD,
            "ca": str(cert),
        }
        plan_file = work / "plan.json"
        plan_file.write_text(json.dumps(plan))

        processes = Processes(work, env)
        stack.callback(processes.stop_all)
        processes.start(
            "app",
            str(BIN / "gunicorn"),
            "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--workers", str(processes_count),
            "--bind", f"127.0.0.1:{port}",
            "--certfile", str(cert),
            "--keyfile", str(key),
            "wsgi:app",
        )  # fmt: skip
        processes.start("worker", str(BIN / "flask"), "jobs", "worker", "--workers", "2")
        wait_until_serving(origin, str(cert), processes)
        prefix = work / f"p{processes_count}"
        app_pids = group_pids(processes.running["app"].pid)
        app_before = cpu_seconds(app_pids)
        locust = subprocess.run(  # noqa: S603 (our own executable, fixed arguments)
            [
                args.locust, "-f", str(LOCUSTFILE), "--headless", "--only-summary",
                "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
                "--host", origin, "--csv", str(prefix), "--exit-code-on-error", "0",
            ],
            env={**os.environ, "LMS_BENCH_PLAN": str(plan_file)},
            capture_output=True,
            text=True,
            timeout=args.duration + 120,
        )  # fmt: skip
        if locust.returncode != 0:
            processes.print_logs()
            sys.exit(f"locust failed:\n{locust.stdout}\n{locust.stderr}")
        processes.check_alive()
        # CPU used, not wall time, is what holds on a busy machine: it says how many requests
        # a core can serve, and how much of the work falls on the database.
        app_cpu = cpu_seconds(group_pids(processes.running["app"].pid)) - app_before
        database_cpu = cpu_seconds(database_pids(database_url))
        rows = read_stats(Path(f"{prefix}_stats.csv"), args.duration)
        total = next(row for row in rows if row["step"] == "all steps")
        total["app_cpu_ms"] = 1000 * app_cpu / max(total["requests"], 1)
        total["database_cpu_ms"] = 1000 * database_cpu / max(total["requests"], 1)
        total["paths"] = sum(row["requests"] for row in rows if row["step"] == "claim credit")
        return rows


def markdown(results: dict[int, list[dict[str, Any]]]) -> str:
    """Return the figures of every run as one Markdown table."""
    lines = [
        "| processes | step | requests | per second | p50 ms | p99 ms | failures |",
        "|---|---|---|---|---|---|---|",
    ]
    for count, rows in results.items():
        for row in sorted(rows, key=lambda r: r["step"] == "all steps"):
            step = f"**{row['step']}**" if row["step"] == "all steps" else row["step"]
            lines.append(
                f"| {count} | {step} | {row['requests']} | {row['per_second']:.1f} | "
                f"{row['p50']} | {row['p99']} | {row['failures']} |"
            )
    lines += [
        "",
        "| processes | requests per second | p50 ms | p99 ms | failures | credit claimed "
        "| app CPU ms per request | database CPU ms per request |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for count, rows in results.items():
        total = next(row for row in rows if row["step"] == "all steps")
        lines.append(
            f"| {count} | {total['per_second']:.1f} | {total['p50']} | {total['p99']} | "
            f"{total['failures']} | {total['paths']} | {total['app_cpu_ms']:.0f} | "
            f"{total['database_cpu_ms']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the lunch-hour scenario for each number of processes; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locust", required=True, help="the locust executable (its own venv)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--users", type=int, default=40, help="simultaneous learners")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=60, help="seconds per run")
    parser.add_argument("--accounts", type=int, default=1500, help="learner accounts per run")
    parser.add_argument("--redis-db", type=int, default=10, help="emptied before and after")
    args = parser.parse_args(argv)
    missing = unreachable_services(f"redis://127.0.0.1:6379/{args.redis_db}")
    if missing:
        sys.exit("The load test needs " + "; ".join(missing))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    results = {}
    for count in args.processes:
        with tempfile.TemporaryDirectory(prefix="lms-load-") as work:
            print(f"== {count} gunicorn process(es), {args.users} learners, {args.duration} s")
            results[count] = run_once(args, count, Path(work))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
