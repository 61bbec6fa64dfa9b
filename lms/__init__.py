"""A learning management system for trauma-informed care training."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the LMS application."""
    app = Flask(__name__, instance_relative_config=True)

    from lms import config

    config.load(app, test_config)

    from lms import database, errors, extensions, mail, security

    extensions.init_app(app)
    database.init_app(app)
    security.init_app(app)
    mail.init_app(app)
    errors.init_app(app)

    from lms import (
        accounts,
        admin,
        certificates,
        courses,
        exports,
        main,
        organizations,
        progress,
        quizzes,
    )

    app.register_blueprint(main.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(courses.bp)
    app.register_blueprint(progress.bp)
    app.register_blueprint(quizzes.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(organizations.bp)
    app.register_blueprint(admin.bp)

    return app
