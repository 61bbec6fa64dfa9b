"""The app served by gunicorn in its own processes, and browsers that talk to it over HTTP.

Concurrency bugs hide from Flask's test client: it runs one request at a time in the test's
own process and transaction. These helpers run the real thing instead: `gunicorn` with two
worker processes of four threads each, on a free port, against the test database, and one
`requests` session per simulated person, signed in through the real form with its CSRF token.

Use the `served` fixture (tests/conftest.py): one server for the whole test run, started on
first use. Typical test::

    def test_two_admins_at_once(served, make_user):
        admin = make_user(role="admin")
        a, b = served.browser(), served.browser()
        a.login(admin.email)
        b.login(admin.email)
        statuses = run_together([lambda: a.post(url, data), lambda: b.post(url, data)])

Rows the test makes with the factories must be committed before the server can see them
(the factories commit). The server keeps no state of its own between requests except its
rate-limit counters, which are switched off here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from lms import create_app

ROOT = Path(__file__).resolve().parent.parent
CONFIG_VARIABLE = "LMS_SERVED_TEST_CONFIG"
TEST_PASSWORD = "correct horse battery"
# Seconds to wait for gunicorn's first answer; a benchmark on a loaded machine may need more.
STARTUP_TIMEOUT = 60
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token"[^>]*value="([^"]+)"')


def served_app() -> Any:
    """Create the app from the JSON configuration the test run passed in the environment."""
    return create_app(json.loads(os.environ[CONFIG_VARIABLE]))


class Browser:
    """One person's browser: a cookie jar, and the CSRF token of their current session."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.session = requests.Session()
        # A new connection per request: gunicorn drops idle keep-alive connections after two
        # seconds, and a request sent on one as it closes fails with "connection reset".
        self.session.headers["Connection"] = "close"
        self._token: str | None = None

    def url(self, path: str) -> str:
        """Return the absolute URL of a path on the served app."""
        return self.base_url + path

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET a path, without following redirects."""
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", self.timeout)
        response = self.session.get(self.url(path), **kwargs)
        self._remember_token(response.text)
        return response

    def post(self, path: str, data: Any = None, **kwargs: Any) -> requests.Response:
        """POST a form with this session's CSRF token, without following redirects."""
        fields: Any = dict(data or {}) if not isinstance(data, list) else list(data)
        token = self.csrf_token()
        if isinstance(fields, dict):
            fields.setdefault("csrf_token", token)
        else:
            fields.append(("csrf_token", token))
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", self.timeout)
        return self.session.post(self.url(path), data=fields, **kwargs)

    def tab(self) -> Browser:
        """Return another tab of this browser: same cookies, its own connection."""
        other = Browser(self.base_url, self.timeout)
        other.session.cookies.update(self.session.cookies)
        other._token = self._token
        return other

    def csrf_token(self) -> str:
        """Return a CSRF token of this session, reading it from a page if none is known yet."""
        if self._token is None:
            self.get("/login")
        assert self._token, "no CSRF token found on the sign-in page"
        return self._token

    def login(self, email: str, password: str = TEST_PASSWORD) -> requests.Response:
        """Sign in through the real form; fail the test if that does not work."""
        self._token = None
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, f"{email} could not sign in ({response.status_code})"
        # The token may change at sign-in: read the signed-in session's own.
        self._token = None
        self.get("/")
        return response

    def _remember_token(self, html: str) -> None:
        match = _CSRF.search(html)
        if match:
            self._token = match.group(1) or match.group(2)


class ServedApp:
    """A running gunicorn serving the test app; make a `browser()` per simulated person."""

    def __init__(self, base_url: str, request_timeout: float = 30) -> None:
        self.base_url = base_url
        self.request_timeout = request_timeout

    def browser(self) -> Browser:
        """Return a new browser with an empty cookie jar."""
        return Browser(self.base_url, self.request_timeout)


@contextmanager
def serve(
    config: dict[str, Any],
    port: int,
    log: Path,
    *,
    workers: int = 2,
    threads: int = 4,
    startup_timeout: float = STARTUP_TIMEOUT,
    request_timeout: float = 30,
) -> Iterator[ServedApp]:
    """Run gunicorn with this app configuration on 127.0.0.1:`port` until the block ends.

    Its errors (tracebacks of 500s) go to the file `log`. Waits up to `startup_timeout`
    seconds for the first answer; its browsers give up on a request after `request_timeout`.
    """
    config = {**config, "RATELIMIT_ENABLED": False}
    env = {**os.environ, CONFIG_VARIABLE: json.dumps(config)}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
        "--graceful-timeout",
        "5",
        # Import the app once, before forking: half the start-up time on a small machine.
        "--preload",
        "tests.served:served_app()",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603 (fixed arguments)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process, startup_timeout)
        yield ServedApp(base_url, request_timeout)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            requests.get(base_url + "/login", timeout=10)
        except requests.RequestException:
            time.sleep(0.1)
        else:
            return
    raise RuntimeError(f"gunicorn did not answer within {timeout:g} seconds")


def run_together(calls: Sequence[Callable[[], Any]], *, timeout: float = 60) -> list[Any]:
    """Run the calls in threads released at the same instant; return results in order.

    An exception in a call is re-raised here, so a failing request fails the test.
    """
    barrier = threading.Barrier(len(calls))

    def start(call: Callable[[], Any]) -> Any:
        barrier.wait(timeout=timeout)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(start, call) for call in calls]
        return [future.result(timeout=timeout) for future in futures]
