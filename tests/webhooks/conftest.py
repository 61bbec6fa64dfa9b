"""A real HTTP receiver on 127.0.0.1 for webhook tests, and an app that may send to it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the receiver got, and how it answers next (a script of statuses, then 200)."""

    url: str
    received: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    delay: float = 0.0

    def reset(self) -> None:
        self.received.clear()
        self.script.clear()
        self.delay = 0.0

    def of_type(self, event_type: str) -> list[Received]:
        import json

        return [r for r in self.received if json.loads(r.body)["type"] == event_type]


@pytest.fixture(scope="session")
def _receiver_server() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(Received(dict(self.headers.items()), body))
            if state.delay:
                time.sleep(state.delay)
            status = state.script.pop(0) if state.script else 200
            answer = b'{"ok": true}' if status < 300 else b"receiver exploded"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/lms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture()
def receiver(_receiver_server: Receiver) -> Receiver:
    """Return the session's receiver, emptied, answering 200 at once."""
    _receiver_server.reset()
    return _receiver_server


@pytest.fixture()
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Allow loopback endpoints, and retry quickly and only a few times."""
    app_config.update(
        {
            "WEBHOOKS_ALLOW_LOOPBACK": True,
            "WEBHOOK_RETRY_SECONDS": 60,
            "WEBHOOK_MAX_ATTEMPTS": 3,
            "WEBHOOK_TIMEOUT_SECONDS": 5,
            "BASE_URL": "https://learn.example.org",
        }
    )
    return app_config
