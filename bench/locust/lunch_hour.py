"""Locust scenario: the lunch-hour webinar, every learner through the CME course at once.

Each simulated learner takes an account made for the run (bench/lunch_hour.py writes them,
with the course's pages and answers, to the JSON file named by LMS_BENCH_PLAN), signs in,
starts the course, reads each lesson and marks it complete, takes and passes the post-test,
answers the evaluation, claims credit, downloads the certificate PDF and signs out; then the
next account. Each step is named so that Locust reports it on its own line.

Runs in bench/locust/.venv (bench/load), never in the app's virtualenv.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

from locust import HttpUser, between, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["LMS_BENCH_PLAN"]).read_text())
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token" content="([^"]+)"')
_accounts = iter(PLAN["users"])
_lock = threading.Lock()


def next_account() -> str | None:
    """Return an account nobody has used yet in this run."""
    with _lock:
        return next(_accounts, None)


class Learner(HttpUser):
    """One learner at a time on one browser; a short pause between pages."""

    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        """Trust the run's certificate and send a Referer, as a browser does on HTTPS."""
        self.client.verify = PLAN["ca"]
        self.client.headers["Referer"] = self.host + "/"
        self.token = ""

    def _page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            match = CSRF.search(response.text or "")
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif match:
                self.token = match.group(1) or match.group(2)

    def _post(self, path: str, name: str, data: list, expect: int = 302) -> str:
        fields = [*data, ("csrf_token", self.token)]
        with self.client.post(
            path, data=fields, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != expect:
                response.failure(f"{response.status_code}")
            return response.headers.get("Location", "")

    @task
    def lunch_hour(self) -> None:
        """Sign in, finish the course, claim credit, download the certificate, sign out."""
        email = next_account()
        if email is None:
            raise StopUser()
        course = f"/courses/{PLAN['course']}"
        self.client.cookies.clear()
        self._page("/login", "sign-in page")
        self._post("/login", "sign in", [("email", email), ("password", PLAN["password"])])
        self._page("/", "home (signed in)")
        self._post(f"{course}/start", "start course", [])
        for lesson in PLAN["lessons"]:
            self._page(f"{course}/learn/{lesson}", "read lesson")
            self.wait()
            self._post(f"{course}/learn/{lesson}/complete", "complete lesson", [])
        attempt = self._post(f"{course}/quiz/{PLAN['quiz']}/start", "start quiz", [])
        attempt = attempt.removeprefix(self.host)
        self._page(attempt, "quiz page")
        self._post(attempt, "submit quiz", PLAN["answers"])
        self._page(f"{course}/learn/{PLAN['evaluation']}", "evaluation page")
        self._post(
            f"{course}/evaluation/{PLAN['evaluation']}", "submit evaluation", PLAN["ratings"]
        )
        self._page(f"{course}/credit", "credit form")
        certificate = self._post(
            f"{course}/credit",
            "claim credit",
            [("credit_type", "ama-pra-1"), ("amount", "0.75"), ("attest", "y")],
        )
        if certificate:
            public_id = certificate.rstrip("/").rsplit("/", 1)[-1]
            self.client.get(f"/certificates/{public_id}.pdf", name="certificate PDF")
        self._post("/logout", "sign out", [])
