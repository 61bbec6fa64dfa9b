"""A real learning record store (PyPI ralph-malph, tests/peers/ralph/) on 127.0.0.1 for the
session, with file storage; tests stop and start it to play an outage."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ROOT, free_port

PEER = ROOT / "tests" / "peers" / "ralph"
USERNAME = "lms-tests"
PASSWORD = "throwaway-lrs-password-for-tests"  # noqa: S105 (a test peer's password)


def _venv() -> Path:
    # CI (.ci/run) makes it once; a path in LMS_RALPH_VENV lets machines share one.
    return Path(os.environ.get("LMS_RALPH_VENV") or ROOT / ".peers" / "ralph-venv")


def _ensure_venv() -> Path:
    """Return the venv's bin directory, creating the venv on first use; skip if impossible."""
    venv = _venv()
    bin_dir = venv / "bin"
    if (bin_dir / "ralph").exists() and (bin_dir / "uvicorn").exists():
        return bin_dir
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)  # noqa: S603
        subprocess.run(  # noqa: S603
            [str(bin_dir / "pip"), "install", "-q", "-r", str(PEER / "requirements.txt")],
            check=True,
            timeout=900,
            capture_output=True,
        )
    except (subprocess.SubprocessError, OSError) as error:
        shutil.rmtree(venv, ignore_errors=True)
        pytest.skip(
            f"the learning record store (ralph-malph) could not be installed in {venv}: {error} "
            "(it needs PyPI; .ci/run installs it)"
        )
    return bin_dir


class LRS:
    """The running store: its address, and stop/start to play an outage."""

    def __init__(self, bin_dir: Path, env: dict[str, str], port: int) -> None:
        self.bin_dir, self.env, self.port = bin_dir, env, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(self.bin_dir / "uvicorn"),
                "--app-dir",
                str(PEER),
                "lrs_app:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/__heartbeat__", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("the learning record store did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def get(self, statement_id: str) -> dict[str, Any] | None:
        """Return the statement the store holds under this id, or None."""
        response = requests.get(
            f"{self.url}/xAPI/statements",
            params={"statementId": statement_id},
            auth=(USERNAME, PASSWORD),
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=10,
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        data = response.json()
        if "statements" in data:  # the file backend answers with a result list
            matching = [s for s in data["statements"] if s["id"] == statement_id]
            return matching[0] if matching else None
        return data

    def all_ids(self) -> list[str]:
        """Return the id of every statement stored (with repeats, if any were stored twice)."""
        ids: list[str] = []
        url = f"{self.url}/xAPI/statements?limit=500"
        while url:
            response = requests.get(
                url,
                auth=(USERNAME, PASSWORD),
                headers={"X-Experience-API-Version": "1.0.3"},
                timeout=10,
            )
            response.raise_for_status()
            data = response.json()
            ids.extend(s["id"] for s in data["statements"])
            more = data.get("more")
            url = f"{self.url}{more}" if more else ""
        return ids


@pytest.fixture(scope="session")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LRS]:
    """Run ralph's LRS on a free loopback port for the session."""
    bin_dir = _ensure_venv()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 (a fallback for the child process)
        "RALPH_RUNSERVER_BACKEND": "fs",
        # The credentials file is kept with the venv: hashing it takes ralph several seconds.
        "RALPH_APP_DIR": str(_venv() / "lms-test-app"),
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(tmp_path_factory.mktemp("lrs")),
    }
    if not (Path(env["RALPH_APP_DIR"]) / "auth.json").exists():
        subprocess.run(  # noqa: S603
            [
                str(bin_dir / "ralph"),
                "auth",
                "-u",
                USERNAME,
                "-p",
                PASSWORD,
                "-s",
                "statements/write",
                "-s",
                "statements/read",
                "-M",
                "mailto:lms-tests@example.org",
                "-w",
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    store = LRS(bin_dir, env, free_port())
    store.start()
    yield store
    store.stop()


@pytest.fixture()
def app_config(app_config: dict[str, Any], lrs: LRS) -> dict[str, Any]:
    """Send statements to the test store, with activity ids on the site's public address."""
    app_config.update(
        {
            "BASE_URL": "https://learn.example.org",
            "XAPI_ENDPOINT": f"{lrs.url}/xAPI/",
            "XAPI_USERNAME": USERNAME,
            "XAPI_PASSWORD": PASSWORD,
            "XAPI_TIMEOUT_SECONDS": 5,
            "XAPI_RETRY_SECONDS": 60,
        }
    )
    return app_config
