"""A learning management system for trauma-informed care training."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the LMS application."""
    app = Flask(__name__, instance_relative_config=True)

    from lms import config

    config.load(app, test_config)

    from lms.operations import logs

    logs.init_app(app)  # first, so start-up warnings are logged as JSON lines too

    from lms import (
        api,
        database,
        dates,
        errors,
        extensions,
        i18n,
        input_guard,
        layout,
        links,
        mail,
        operations,
        security,
        static_files,
        webhooks,
        xapi,
    )

    extensions.init_app(app)
    database.init_app(app)
    security.init_app(app)
    static_files.init_app(app)  # content-hash URLs, cached for good
    links.init_app(app)
    dates.init_app(app)
    i18n.init_app(app)
    layout.init_app(app)  # the header and footer, drawn once per kind of page
    mail.init_app(app)
    errors.init_app(app)
    webhooks.init_app(app)  # deliveries and xAPI statements leave through outboxes, like mail
    xapi.init_app(app)
    input_guard.init_app(app)  # before the blueprints: it bounds their `<int:...>` ids
    # Metrics, slow queries; refuses to serve a database whose migrations are behind.
    operations.init_app(app)

    # Blueprints and their CLI groups are registered here and only here, so that importing a
    # domain's services never pulls in the web layer of another domain.
    from lms.accounts import cli as _accounts_cli  # noqa: F401  (`flask users`)
    from lms.accounts import jobs as _accounts_jobs  # reset requests, their sweep and pruning
    from lms.accounts.views import bp as accounts_bp
    from lms.admin.views import bp as admin_bp
    from lms.api.tokens_views import bp as api_tokens_bp
    from lms.api.views import bp as api_bp
    from lms.authoring.views import bp as authoring_bp
    from lms.certificates import cli as _certificates_cli  # noqa: F401  (`flask certificates`)
    from lms.certificates import jobs as _certificates_jobs  # noqa: F401  (warn-closing, daily)
    from lms.certificates import receivers as _certificate_receivers  # noqa: F401
    from lms.certificates.views import bp as certificates_bp
    from lms.chapters.views import bp as chapters_bp
    from lms.cme import cli as _cme_cli  # noqa: F401  (`flask cme`)
    from lms.cme import jobs as _cme_jobs  # noqa: F401  (reporting deadlines, daily)
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
    from lms.operations import schedule as _schedule  # noqa: F401  (prunes its own records)
    from lms.operations.views import bp as operations_bp
    from lms.organizations import cli as _organizations_cli  # `flask reminders`, `organizations`
    from lms.organizations import jobs as _organizations_jobs  # noqa: F401  (reminders, daily)
    from lms.organizations.views import bp as organizations_bp
    from lms.paths import cli as _paths_cli  # noqa: F401  (`flask paths`)
    from lms.paths import receivers as _path_receivers  # noqa: F401
    from lms.paths.views import bp as paths_bp
    from lms.privacy.views import bp as privacy_bp
    from lms.progress.views import bp as progress_bp
    from lms.quizzes.views import bp as quizzes_bp
    from lms.resources import newsletter as _resources_news  # noqa: F401  (newsletter source)
    from lms.resources.views import bp as resources_bp
    from lms.sso.views import bp as sso_bp
    from lms.webhooks import cli as _webhooks_cli  # noqa: F401  (`flask webhooks`)
    from lms.webhooks import receivers as _webhook_receivers  # noqa: F401  (events -> outbox)
    from lms.webhooks.views import bp as webhooks_bp
    from lms.webinars import cli as _webinars_cli  # noqa: F401  (`flask webinars`)
    from lms.webinars import jobs as _webinars_jobs  # noqa: F401  (reminders, every 5 minutes)
    from lms.webinars import newsletter as _webinars_news  # noqa: F401  (newsletter source)
    from lms.webinars.attendance_views import bp as webinar_attendance_bp
    from lms.webinars.views import bp as webinars_bp
    from lms.xapi import receivers as _xapi_receivers  # noqa: F401  (learning -> statements)

    _accounts_jobs.listen()  # reset requests are queued once committed

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(organizations_bp)
    app.register_blueprint(paths_bp)
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
    app.register_blueprint(operations_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(api_tokens_bp)
    extensions.rest_api.register_blueprint(api_bp)  # /api/v1, in the OpenAPI document
    api.init_app(app)
    app.register_blueprint(privacy_bp)

    # `flask db verify`: the records' invariants, next to Flask-Migrate's own `db` commands.
    from flask_migrate.cli import db as db_cli

    from lms.integrity import verify_command

    db_cli.add_command(verify_command)
    app.cli.add_command(_organizations_cli.organizations_cli)

    return app
