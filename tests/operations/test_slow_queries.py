"""Statements slower than LMS_SLOW_QUERY_MS are logged, without the values they carried."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db


@pytest.fixture()
def app_config(app_config):
    return {**app_config, "SLOW_QUERY_MS": 0.001}  # every statement is "slow"


def test_a_slow_query_is_logged_without_its_parameters(app, caplog):
    with caplog.at_level(logging.WARNING, logger="lms.slow_queries"):
        db.session.execute(select(User).where(User.email == "hidden.person@example.org")).all()
    [record] = [r for r in caplog.records if "users" in r.getMessage()]
    assert record.getMessage().startswith("slow query: ")
    assert "FROM users WHERE users.email" in record.getMessage()
    assert "hidden.person" not in record.getMessage()
    assert record.duration_ms >= 0


def test_fast_queries_are_not_logged(app_config, caplog):
    from lms import create_app

    app = create_app({**app_config, "SLOW_QUERY_MS": 60_000})
    with app.app_context(), caplog.at_level(logging.WARNING, logger="lms.slow_queries"):
        db.session.execute(select(User)).all()
        db.session.remove()
        db.engine.dispose()
    assert not [r for r in caplog.records if r.name == "lms.slow_queries"]
