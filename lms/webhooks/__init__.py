"""Webhooks: signed notices of completions, certificates and overdue assignments, sent to
HTTPS endpoints registered by admins, through an outbox in the database (docs/api.md)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Queue each committed delivery for sending."""
    from lms.webhooks import tasks

    tasks.listen()
