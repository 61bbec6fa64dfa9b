"""Webinar factories: a webinar published from a file written for the test."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lms.extensions import db
from lms.webinars import services
from lms.webinars.models import Webinar

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "webinars" / "building-trust-through-trauma-informed-care.md"


def webinar_file(
    *,
    start: str = "2027-07-15 11:00",
    end: str = "2027-07-15 12:00",
    timezone: str = "America/Chicago",
    capacity: int | None = 300,
    join_url: str = "https://meet.example.org/j/building-trust-2027",
    extra: str = "",
) -> str:
    """Return the sample webinar's file with some of its front matter replaced."""
    text = SAMPLE.read_text()
    text = text.replace("start: 2027-07-15 11:00", f"start: {start}")
    text = text.replace("end: 2027-07-15 12:00", f"end: {end}")
    text = text.replace("timezone: America/Chicago", f"timezone: {timezone}")
    text = text.replace(
        "capacity: 300\n", f"capacity: {capacity}\n" if capacity is not None else ""
    )
    text = text.replace(
        "join_url: https://meet.example.org/j/building-trust-2027", f"join_url: {join_url}"
    )
    if extra:
        text = text.replace("language: en\n", "language: en\n" + textwrap.dedent(extra), 1)
    return text


@pytest.fixture()
def make_webinar(app: Flask, tmp_path: Path) -> Callable[..., Webinar]:
    """Return a factory that writes a webinar file, publishes it and commits."""
    folder = tmp_path / "webinars"
    folder.mkdir()

    def make(slug: str = "trust", spanish: bool = True, **changes: Any) -> Webinar:
        (folder / f"{slug}.md").write_text(webinar_file(**changes))
        if spanish:
            (folder / f"{slug}.es.md").write_text(
                SAMPLE.with_name("building-trust-through-trauma-informed-care.es.md").read_text()
            )
        report = services.publish_webinars(
            folder, provider_name=app.config["PROVIDER_NAME"], now=services_now()
        )
        assert slug in report.published, [str(d) for d in report.diagnostics]
        db.session.commit()
        webinar = services.get_webinar(slug)
        assert webinar is not None
        return webinar

    return make


def services_now():
    from lms.clock import now

    return now()
