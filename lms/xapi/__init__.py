"""xAPI: learning experiences sent as xAPI 1.0.3 statements to a learning record store, through
an outbox in the database so that none is lost while the store is down (docs/api.md)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Queue each committed statement for sending, and add `flask xapi`."""
    from lms.xapi import cli, tasks

    tasks.listen()
    app.cli.add_command(cli.xapi_cli)
