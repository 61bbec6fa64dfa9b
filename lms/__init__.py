"""A learning management system for trauma-informed care training."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the LMS application."""
    app = Flask(__name__, instance_relative_config=True)

    from lms import config

    config.load(app, test_config)

    from lms import database, dates, errors, extensions, i18n, input_guard, links, mail, security

    extensions.init_app(app)
    database.init_app(app)
    security.init_app(app)
    links.init_app(app)
    dates.init_app(app)
    i18n.init_app(app)
    mail.init_app(app)
    errors.init_app(app)
    input_guard.init_app(app)  # before the blueprints: it bounds their `<int:...>` ids

    # Blueprints and their CLI groups are registered here and only here, so that importing a
    # domain's services never pulls in the web layer of another domain.
    from lms.accounts import cli as _accounts_cli  # noqa: F401  (`flask users`)
    from lms.accounts.views import bp as accounts_bp
    from lms.admin.views import bp as admin_bp
    from lms.authoring.views import bp as authoring_bp
    from lms.certificates import cli as _certificates_cli  # noqa: F401  (`flask certificates`)
    from lms.certificates import receivers as _certificate_receivers  # noqa: F401
    from lms.certificates.views import bp as certificates_bp
    from lms.chapters.views import bp as chapters_bp
    from lms.cme import cli as _cme_cli  # noqa: F401  (`flask cme`)
    from lms.cme.views import bp as cme_bp
    from lms.courses import cli as _courses_cli  # noqa: F401  (`flask courses`)
    from lms.courses.views import bp as courses_bp
    from lms.exports import cli as _exports_cli  # noqa: F401  (`flask export`)
    from lms.exports.views import bp as exports_bp
    from lms.i18n.views import bp as i18n_bp
    from lms.invitations.views import bp as invitations_bp
    from lms.main.views import bp as main_bp
    from lms.newsletter import cli as _newsletter_cli  # noqa: F401  (`flask newsletter`)
    from lms.newsletter import jobs as _newsletter_jobs  # noqa: F401  (periodic sends)
    from lms.newsletter.views import bp as newsletter_bp
    from lms.organizations import cli as _organizations_cli  # `flask reminders`, `organizations`
    from lms.organizations.views import bp as organizations_bp
    from lms.privacy.views import bp as privacy_bp
    from lms.progress.views import bp as progress_bp
    from lms.quizzes.views import bp as quizzes_bp
    from lms.resources import newsletter as _resources_news  # noqa: F401  (newsletter source)
    from lms.resources.views import bp as resources_bp
    from lms.sso.views import bp as sso_bp
    from lms.webinars import cli as _webinars_cli  # noqa: F401  (`flask webinars`)
    from lms.webinars import newsletter as _webinars_news  # noqa: F401  (newsletter source)
    from lms.webinars.attendance_views import bp as webinar_attendance_bp
    from lms.webinars.views import bp as webinars_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(organizations_bp)
    app.register_blueprint(chapters_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(cme_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(i18n_bp)
    app.register_blueprint(webinars_bp)
    app.register_blueprint(webinar_attendance_bp)
    app.register_blueprint(resources_bp)
    app.register_blueprint(newsletter_bp)
    app.register_blueprint(sso_bp)
    app.register_blueprint(privacy_bp)

    # `flask db verify`: the records' invariants, next to Flask-Migrate's own `db` commands.
    from flask_migrate.cli import db as db_cli

    from lms.integrity import verify_command

    db_cli.add_command(verify_command)
    app.cli.add_command(_organizations_cli.organizations_cli)

    return app
