"""Production smoke test: the real deployment, end to end, on this machine.

Starts what `deploy/` describes, locally: a fresh PostgreSQL database, the app in production
configuration (`LMS_ENV=production`) as two gunicorn processes of two workers each on two
ports, one `flask jobs worker` on Redis, and an SMTP sink (aiosmtpd). Then a learner signs up,
confirms by the emailed link, completes the sample course, passes the post-test, completes the
evaluation, claims credit, downloads the certificate PDF and checks it at /verify, each request
going to the other app process. Mid-run the job worker is killed with SIGKILL while emails and
a job wait in the queue, the queued jobs are dropped (as a killed worker loses the ones it had
taken), and it is started again: every expected email, the password reset's too, must come back
from the database and arrive exactly once.

gunicorn serves HTTPS itself here, with a certificate made for 127.0.0.1 for this run, instead
of nginx in front: production sets Secure cookies and Flask-WTF checks the Referer on HTTPS,
so the test runs with the production settings unchanged rather than a flag that relaxes them.

Run it with `scripts/smoke` (`.ci/run` does). It exits 0 on success, 1 on failure (with the
logs of the processes it started), and 0 with "SKIPPED" when PostgreSQL or Redis does not
answer on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import ipaddress
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
COURSE = "tic-pediatric-essentials"
PASSWORD = "lunch hour webinar 42"  # noqa: S105 (a throwaway learner's password)
EXTRA_SIGNUPS = 8  # queued while the job worker is dead
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token" content="([^"]+)"')
LINK = re.compile(r"https://127\.0\.0\.1:\d+(/\S+)")


class SmokeFailure(Exception):
    """A step of the learner's path did not do what a learner would expect."""


def step(message: str) -> None:
    """Print one line of progress with the time since the start."""
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


STARTED = time.monotonic()


def check(condition: object, message: str) -> None:
    """Fail the smoke test with `message` unless `condition` holds."""
    if not condition:
        raise SmokeFailure(message)


# --- services ---------------------------------------------------------------------------------


def unreachable_services(redis_url: str) -> list[str]:
    """Return a line for each service (PostgreSQL, Redis) that does not answer."""
    import psycopg
    import redis

    missing = []
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error as error:
        missing.append(f"PostgreSQL at {PG_ADMIN_URL}: {error}".strip())
    try:
        redis.Redis.from_url(redis_url, socket_timeout=3).ping()
    except redis.RedisError as error:
        missing.append(f"Redis at {redis_url}: {error}")
    return missing


@contextmanager
def fresh_database() -> Iterator[str]:
    """Create an empty PostgreSQL database for this run; drop it afterwards."""
    import psycopg

    name = f"lms_smoke_{int(time.time())}_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")  # a generated name, not input
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        # DROP DATABASE waits for a checkpoint, which took minutes on a disk busy with other
        # databases: give it a minute, then let it finish on its own in the background.
        drop = (
            "import psycopg, sys\n"
            "with psycopg.connect(sys.argv[1], autocommit=True) as admin:\n"
            "    admin.execute(f'DROP DATABASE IF EXISTS {sys.argv[2]} WITH (FORCE)')\n"
        )
        dropping = subprocess.Popen(  # noqa: S603 (this interpreter, fixed code)
            [sys.executable, "-c", drop, PG_ADMIN_URL, name], start_new_session=True
        )
        try:
            dropping.wait(timeout=60)
            step(f"dropped the database {name}")
        except subprocess.TimeoutExpired:
            step(
                f"the database {name} is still being dropped (a PostgreSQL checkpoint): "
                "that finishes in the background"
            )


@contextmanager
def empty_redis(url: str) -> Iterator[str]:
    """Empty the Redis database number this run uses, before and after."""
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate and key for https://127.0.0.1; return their paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


class Sink:
    """An SMTP server that keeps every message it receives, in order."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Keep the message (aiosmtpd's handler hook)."""
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def received(self) -> list[Message]:
        """Return a copy of the messages so far."""
        with self._lock:
            return list(self.messages)

    def wait_for(self, count: int, timeout: float) -> list[Message]:
        """Wait until `count` messages have arrived; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received()) >= count:
                return self.received()
            time.sleep(0.1)
        raise SmokeFailure(
            f"{len(self.received())} emails arrived within {timeout:.0f} s, {count} expected: "
            + ", ".join(f"{m['To']}: {m['Subject']}" for m in self.received())
        )


class Processes:
    """The server processes of this run, each in its own process group, logging to a file."""

    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs, self.env = logs, env
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *command: str) -> subprocess.Popen[bytes]:
        """Start `command` as the process called `name`."""
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 (our own executables, fixed arguments)
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.running[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the process group of `name` and wait for it to end."""
        process = self.running.pop(name)
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def check_alive(self) -> None:
        """Fail if a server process has ended on its own."""
        for name, process in self.running.items():
            check(process.poll() is None, f"{name} exited with status {process.returncode}")

    def stop_all(self) -> None:
        """Stop every process still running: SIGTERM, then SIGKILL after 15 s."""
        for process in self.running.values():
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for name in list(self.running):
            self.kill(name, signal.SIGTERM)
        step("stopped the app and worker processes")

    def print_logs(self, lines: int = 40) -> None:
        """Print the end of each process's log (after a failure)."""
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()
            print(f"----- last {lines} lines of {log.name} -----")
            print("\n".join(text[-lines:]))


def run_flask(env: dict[str, str], *args: str) -> None:
    """Run a `flask` command as an operator would; fail with its output if it fails."""
    result = subprocess.run(  # noqa: S603 (our own executable, fixed arguments)
        [str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise SmokeFailure(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def wait_until_serving(url: str, verify: str, processes: Processes, timeout: float = 60) -> None:
    """Wait until `url`/healthz answers 200."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check_alive()
        try:
            if requests.get(url + "/healthz", timeout=2, verify=verify).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SmokeFailure(f"{url}/healthz did not answer 200 within {timeout:.0f} s")


# --- the learner ------------------------------------------------------------------------------


class Learner:
    """One person's browser, sending each request to the next app process in turn."""

    def __init__(self, origins: list[str], verify: str) -> None:
        import requests

        self.origins, self.verify = origins, verify
        self.session = requests.Session()
        self.turn = 0
        self.served_by: dict[str, int] = dict.fromkeys(origins, 0)
        self.token: str | None = None

    def _origin(self) -> str:
        origin = self.origins[self.turn % len(self.origins)]
        self.turn += 1
        self.served_by[origin] += 1
        return origin

    def get(self, path: str, expect: int = 200) -> Any:
        """GET `path` from the next app process; fail unless it answers `expect`."""
        origin = self._origin()
        response = self.session.get(
            origin + path, timeout=30, verify=self.verify, allow_redirects=False
        )
        check(
            response.status_code == expect,
            f"GET {origin}{path} answered {response.status_code}, not {expect}",
        )
        html = "html" in response.headers.get("Content-Type", "")
        match = CSRF.search(response.text) if html else None
        if match:
            self.token = match.group(1) or match.group(2)
        return response

    def post(self, path: str, data: Any = None, expect: int = 302) -> Any:
        """POST a form (with the session's CSRF token) to the next app process."""
        if self.token is None:
            self.get("/login")
        origin = self._origin()
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        fields.append(("csrf_token", self.token))
        # A browser sends the page's address as Referer; Flask-WTF requires it on HTTPS.
        response = self.session.post(
            origin + path,
            data=fields,
            headers={"Referer": origin + path},
            timeout=30,
            verify=self.verify,
            allow_redirects=False,
        )
        check(
            response.status_code == expect,
            f"POST {origin}{path} answered {response.status_code}, not {expect}: "
            + response.text[:300],
        )
        return response


def course_plan(env: dict[str, str]) -> dict[str, Any]:
    """Read the published course's pages and right answers, as its author knows them."""
    os.environ.update(env)
    from sqlalchemy import select

    from lms import create_app
    from lms.courses.models import Course
    from lms.extensions import db

    app = create_app()
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == COURSE))
        check(course is not None, f"the sample course {COURSE} was not published")
        pages = course.current_version.pages
        lessons = [p.slug for p in pages if p.kind == "lesson"]
        quiz = next(p for p in pages if p.kind == "quiz")
        evaluation = next(p for p in pages if p.kind == "evaluation")
        right = [
            (f"q-{q.id}", str(o.id)) for q in quiz.questions for o in q.options if o.correct
        ] + [(f"q-{q.id}", q.answers[0]) for q in quiz.questions if q.kind == "short"]
        rated = [(f"q-{q.id}", str(q.options[0].id)) for q in evaluation.questions if q.options]
        plan = {"lessons": lessons, "quiz": quiz.slug, "answers": right}
        plan |= {"evaluation": evaluation.slug, "ratings": rated}
        db.engine.dispose()
    return plan


def link_in(message: Message) -> str:
    """Return the path of the first link to the site in an email."""
    body = message.get_body(("plain",))
    match = LINK.search(body.get_content() if body else "")
    check(match, f"no link to the site in the email {message['Subject']!r}")
    return match.group(1)  # type: ignore[union-attr]


def learner_path(
    origins: list[str],
    verify: str,
    sink: Sink,
    plan_for: Callable[[], dict[str, Any]],
    kill_worker: Callable[[], None],
    restart_worker: Callable[[], None],
) -> dict[str, Any]:
    """Walk the learner's path; return what the summary reports."""
    from pypdf import PdfReader

    email = f"smoke-{secrets.token_hex(4)}@example.org"
    learner = Learner(origins, verify)
    learner.get("/signup")
    learner.post(
        "/signup",
        {
            "email": email,
            "full_name": "Dana Smoke",
            "profession": "physician",
            "password": PASSWORD,
        },
    )
    step(f"signed up {email}; waiting for the confirmation email")
    confirmation = sink.wait_for(1, timeout=60)[0]
    check(confirmation["To"] == email, f"the first email went to {confirmation['To']}")
    confirm_path = link_in(confirmation)
    learner.get(confirm_path)
    learner.post(confirm_path, {})
    home = learner.get("/")  # the signed-in session's CSRF token
    # The production settings are in force: HSTS, and cookies only ever sent over HTTPS.
    check("max-age" in home.headers.get("Strict-Transport-Security", ""), "no HSTS header")
    cookies = list(learner.session.cookies)
    check(cookies and all(cookie.secure for cookie in cookies), "a cookie is not Secure")
    step("confirmed the email address by the emailed link; signed in")

    plan = plan_for()
    learner.post(f"/courses/{COURSE}/start")
    for lesson in plan["lessons"]:
        learner.get(f"/courses/{COURSE}/learn/{lesson}")
        learner.post(f"/courses/{COURSE}/learn/{lesson}/complete")
    step(f"read {len(plan['lessons'])} lessons")

    # Mid-run: the job worker dies while emails and a job (a password reset) wait for it.
    kill_worker()
    others = [f"smoke-queued-{n}-{secrets.token_hex(3)}@example.org" for n in range(EXTRA_SIGNUPS)]
    for other in others:
        visitor = Learner(origins, verify)
        visitor.get("/signup")
        visitor.post(
            "/signup",
            {
                "email": other,
                "full_name": "Queued Person",
                "profession": "nurse",
                "password": PASSWORD,
            },
        )
    reset = Learner(origins, verify)
    reset.get("/reset")
    reset.post("/reset", {"email": email}, expect=200)
    time.sleep(1.5)
    check(len(sink.received()) == 1, "an email was sent while no job worker was running")
    step(f"worker killed (SIGKILL); {EXTRA_SIGNUPS} sign-ups and a password reset queued")
    restart_worker()
    step("queued jobs dropped (as a killed worker loses its own); worker started again")

    start = learner.post(f"/courses/{COURSE}/quiz/{plan['quiz']}/start")
    attempt = start.headers["Location"].removeprefix(origins[0]).removeprefix(origins[1])
    learner.get(attempt)
    learner.post(attempt, plan["answers"])
    step("passed the post-test")
    learner.get(f"/courses/{COURSE}/learn/{plan['evaluation']}")
    learner.post(f"/courses/{COURSE}/evaluation/{plan['evaluation']}", plan["ratings"])
    step("completed the evaluation")
    learner.get(f"/courses/{COURSE}/credit")
    claimed = learner.post(
        f"/courses/{COURSE}/credit",
        {"credit_type": "ama-pra-1", "amount": "0.75", "attest": "y"},
    )
    public_id = claimed.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    learner.get(f"/certificates/{public_id}")
    pdf = learner.get(f"/certificates/{public_id}.pdf")
    check(pdf.content.startswith(b"%PDF"), "the certificate download is not a PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    check("Dana Smoke" in text, "the learner's name is not on the certificate")
    step(f"claimed 0.75 AMA PRA Category 1 credit; certificate {public_id} ({len(pdf.content)} B)")

    anyone = Learner(origins, verify)
    page = anyone.get(f"/verify/{public_id}")
    check("Dana Smoke" in page.text, "/verify does not show the learner's name")
    record = anyone.get(f"/verify/{public_id}.json").json()
    check(record.get("status") == "valid", f"/verify/{public_id}.json says {record}")
    step(f"/verify/{public_id} confirms it: {record.get('status')}")

    expected = {(email, "confirm"), (email, "reset")} | {(o, "confirm") for o in others}
    messages = sink.wait_for(len(expected), timeout=90)
    time.sleep(3)  # a doubled email would arrive now
    messages = sink.received()
    seen = [(m["To"], "reset" if "/reset/" in link_in(m) else "confirm") for m in messages]
    doubled = {item for item in seen if seen.count(item) > 1}
    check(not doubled, f"emails sent more than once: {sorted(doubled)}")
    check(
        set(seen) == expected,
        f"emails missing: {expected - set(seen)}; extra: {set(seen) - expected}",
    )
    step(f"all {len(messages)} expected emails arrived exactly once")
    served_by = learner.served_by
    check(all(served_by.values()), f"some app process served no request: {served_by}")
    return {"certificate": public_id, "emails": len(messages), "served_by": served_by}


# --- the run ----------------------------------------------------------------------------------


def run(redis_db: int) -> dict[str, Any]:
    """Start the production configuration, walk the learner's path, tear everything down."""
    redis_url = f"redis://127.0.0.1:6379/{redis_db}"
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lms-smoke-")))
        database_url = stack.enter_context(fresh_database())
        stack.enter_context(empty_redis(redis_url))
        cert, key = make_certificate(work)

        from aiosmtpd.controller import Controller

        sink = Sink()
        smtp_port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        stack.callback(controller.stop)

        ports = [free_port(), free_port()]
        origins = [f"https://127.0.0.1:{port}" for port in ports]
        env = {
            "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": os.environ.get("HOME", str(work)),
            "LANG": "C.UTF-8",
            "FLASK_APP": "wsgi",
            "LMS_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "LMS_BASE_URL": origins[0],
            "DATABASE_URL": database_url,
            "LMS_QUEUE_URL": redis_url,
            "LMS_RATELIMIT_STORAGE_URI": redis_url,
            "LMS_MAIL_SERVER": "127.0.0.1",
            "LMS_MAIL_PORT": str(smtp_port),
            "LMS_MAIL_RETRY_SECONDS": "2",
        }
        step(
            f"database {database_url.rsplit('/', 1)[-1]}, Redis db {redis_db}, "
            f"SMTP sink on port {smtp_port}"
        )
        run_flask(env, "db", "upgrade")
        run_flask(env, "courses", "publish")
        run_flask(env, "webinars", "publish")
        step("migrated the database and published the sample courses and webinars")

        processes = Processes(work, env)
        stack.callback(processes.stop_all)
        try:
            for n, port in enumerate(ports):
                processes.start(
                    f"app{n + 1}",
                    str(BIN / "gunicorn"),
                    "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
                    "--workers", "2",
                    "--bind", f"127.0.0.1:{port}",
                    "--certfile", str(cert),
                    "--keyfile", str(key),
                    "wsgi:app",
                )  # fmt: skip
            worker = (str(BIN / "flask"), "jobs", "worker", "--workers", "2", "--max-delay", "0.5")
            processes.start("worker", *worker)
            for origin in origins:
                wait_until_serving(origin, str(cert), processes)
            step(f"serving: {origins[0]} and {origins[1]} (2 gunicorn workers each), 1 job worker")

            def kill_worker() -> None:
                processes.kill("worker", signal.SIGKILL)

            def restart_worker() -> None:
                # A worker killed mid-job loses the jobs it had taken off the queue (Huey's
                # Redis queue has no acknowledgement). Lose every queued job the same way, so
                # each email, the password reset too, must come back from the database.
                import redis

                redis.Redis.from_url(redis_url).delete("huey.redis.lms")
                processes.start("worker-restarted", *worker)

            summary = learner_path(
                origins, str(cert), sink, lambda: course_plan(env), kill_worker, restart_worker
            )
            processes.check_alive()
            return summary
        except BaseException:
            processes.print_logs()
            raise


def main(argv: list[str] | None = None) -> int:
    """Run the smoke test; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--redis-db", type=int, default=9, help="Redis database number to use (it is emptied)."
    )
    args = parser.parse_args(argv)
    # A CI timeout's SIGTERM unwinds like a failure: processes stopped, database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("FAILED: stopped by SIGTERM"))
    missing = unreachable_services(f"redis://127.0.0.1:6379/{args.redis_db}")
    if missing:
        print("SKIPPED: the production smoke test needs " + "; ".join(missing))
        return 0
    try:
        summary = run(args.redis_db)
    except SmokeFailure as failure:
        print(f"FAILED: {failure}")
        return 1
    spread = ", ".join(f"{origin}: {count}" for origin, count in summary["served_by"].items())
    print(
        f"PASSED in {time.monotonic() - STARTED:.0f} s: certificate {summary['certificate']} "
        f"verified, {summary['emails']} emails each delivered once, requests per app process: "
        f"{spread}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
