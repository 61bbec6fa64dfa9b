"""Newsletter pages: subscribe, confirm, manage and unsubscribe by signed link, the archive,
course notices for learners, and the admin's issues and subscriber export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from lms.accounts.access import role_required
from lms.accounts.models import Role
from lms.database import utcnow
from lms.exports.cells import text_cell
from lms.extensions import csrf, db, limiter
from lms.i18n import LANGUAGES, current_language
from lms.links import local_redirect_target
from lms.newsletter import jobs, services, tokens
from lms.newsletter.forms import (
    CONSENT_TEXT,
    TOPIC_LABELS,
    NoticeForm,
    PreferencesForm,
    SubscribeForm,
)
from lms.newsletter.models import Issue, IssueStatus, Subscriber
from lms.security import personal_data

bp = Blueprint("newsletter", __name__, cli_group="newsletter")


@bp.app_context_processor
def _newsletter_globals() -> dict[str, object]:
    # The footer's subscribe form is on every page, so its choices are available to all.
    return {
        "newsletter_topics": lambda: [(value, str(label)) for value, label in TOPIC_LABELS.items()],
        "topic_names": lambda topics: [str(TOPIC_LABELS.get(t, t)) for t in topics],
        "consent_text": CONSENT_TEXT,
    }


def _subscribe_address_key() -> str:
    return "newsletter-address:" + services.normalise_email(request.form.get("email", ""))[:254]


# --- subscribing ----------------------------------------------------------------------------


@bp.get("/newsletter")
def subscribe_page() -> str:
    """Show the newsletter: what it is, the subscribe form and the archive."""
    form = SubscribeForm(
        language=current_language().code, topics=list(services.SECTION_TITLES), source="/newsletter"
    )
    return render_template("newsletter/subscribe.html", form=form)


@bp.post("/newsletter/subscribe")
@limiter.limit(lambda: current_app.config["NEWSLETTER_SUBSCRIBE_RATE_LIMIT"])
@limiter.limit(
    lambda: current_app.config["NEWSLETTER_ADDRESS_RATE_LIMIT"], key_func=_subscribe_address_key
)
def subscribe() -> str | WerkzeugResponse | tuple[str, int]:
    """Record a subscription and email its confirmation link (double opt-in)."""
    form = SubscribeForm()
    if not form.validate():
        return render_template("newsletter/subscribe.html", form=form), 400
    source = local_redirect_target(form.source.data) or url_for("newsletter.subscribe_page")
    services.subscribe(
        form.email.data,
        form.language.data,
        form.topics.data,
        source=source.split("?")[0][:200],
        consent_text=str(CONSENT_TEXT),
        now=utcnow(),
    )
    db.session.commit()
    # The same answer for a new, a pending and a confirmed address: nobody learns who is on it.
    return redirect(url_for("newsletter.check_email"))


@bp.get("/newsletter/check-email")
def check_email() -> str:
    """Ask the visitor to confirm from the email just sent."""
    return render_template("newsletter/check_email.html")


def _link_problem(error: tokens.TokenError | None = None) -> tuple[str, int]:
    expired = bool(error and error.expired)
    return render_template("newsletter/link_invalid.html", expired=expired), 400


def _subscriber_from(purpose: str, token: str, max_age: int | None) -> Subscriber | None:
    subscriber_id, email, _issued = tokens.read_token(purpose, token, max_age)
    return services.find_subscriber(subscriber_id, email)


@bp.route("/newsletter/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | tuple[str, int] | WerkzeugResponse:
    """Confirm a subscription: a button to press, so mail scanners opening links confirm nothing."""
    max_age = int(current_app.config["NEWSLETTER_CONFIRM_MAX_AGE"])
    try:
        subscriber_id, email, issued = tokens.read_token("confirm", token, max_age)
    except tokens.TokenError as error:
        return _link_problem(error)
    subscriber = services.find_subscriber(subscriber_id, email)
    if request.method == "GET":
        if subscriber is None:
            return _link_problem()
        return render_template("newsletter/confirm.html", subscriber=subscriber)
    try:
        subscriber = services.confirm(subscriber, issued, utcnow())
    except services.LinkUnusable:
        return _link_problem()
    db.session.commit()
    flash(_("Thank you: your subscription is confirmed."), "success")
    return redirect(
        url_for(
            "newsletter.manage", token=tokens.make_token("manage", subscriber.id, subscriber.email)
        )
    )


# --- managing, by signed link ---------------------------------------------------------------


def _manage_subscriber(token: str) -> Subscriber | None:
    return _subscriber_from("manage", token, int(current_app.config["NEWSLETTER_MANAGE_MAX_AGE"]))


@bp.route("/newsletter/manage/<token>", methods=["GET", "POST"])
@personal_data
def manage(token: str) -> str | tuple[str, int] | WerkzeugResponse:
    """Show what is stored about a subscriber and let them change or delete it, no password."""
    try:
        subscriber = _manage_subscriber(token)
    except tokens.TokenError as error:
        return _link_problem(error)
    if subscriber is None:
        return render_template("newsletter/gone.html")
    form = PreferencesForm(obj=None, language=subscriber.language, topics=list(subscriber.topics))
    if request.method == "POST":
        form = PreferencesForm()
        if not form.validate():
            return render_template(
                "newsletter/manage.html", form=form, token=token, **_record(subscriber)
            ), 400
        services.update_preferences(subscriber, form.language.data, form.topics.data)
        db.session.commit()
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("newsletter.manage", token=token))
    return render_template("newsletter/manage.html", form=form, token=token, **_record(subscriber))


def _record(subscriber: Subscriber) -> dict[str, object]:
    return {
        **services.stored_record(subscriber),
        "unsubscribe_token": tokens.make_token("unsubscribe", subscriber.id, subscriber.email),
        "language_names": {code: language.name for code, language in LANGUAGES.items()},
    }


@bp.post("/newsletter/manage/<token>/delete")
def delete(token: str) -> str | tuple[str, int]:
    """Delete everything stored about a subscriber."""
    try:
        subscriber = _manage_subscriber(token)
    except tokens.TokenError as error:
        return _link_problem(error)
    if subscriber is not None:
        services.delete_subscriber(subscriber)
        db.session.commit()
    return render_template("newsletter/gone.html", deleted=True)


@bp.route("/newsletter/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # only the RFC 8058 one-click POST goes without a CSRF token: checked below
def unsubscribe(token: str) -> str | tuple[str, int]:
    """Unsubscribe in one click: the mail client's RFC 8058 POST, or the page's button.

    Never fails for a good link: an address already unsubscribed, or deleted, gets the same
    page. A GET only shows the button, since mail scanners open links.
    """
    try:
        subscriber = _subscriber_from("unsubscribe", token, None)
    except tokens.TokenError as error:
        return _link_problem(error)
    if request.method == "GET":
        return render_template("newsletter/unsubscribe.html", token=token, subscriber=subscriber)
    # RFC 8058 section 3.2: the client POSTs "List-Unsubscribe=One-Click" and has no CSRF token;
    # the signed token in the URL is the proof. Any other POST is the page's form, with CSRF.
    if request.form.get("List-Unsubscribe") != "One-Click":
        csrf.protect()
    services.unsubscribe(subscriber, utcnow())
    db.session.commit()
    manage_token = (
        tokens.make_token("manage", subscriber.id, subscriber.email) if subscriber else None
    )
    return render_template("newsletter/unsubscribed.html", manage_token=manage_token)


# --- the public archive ---------------------------------------------------------------------


@bp.get("/newsletter/archive")
def archive() -> str:
    """List the issues sent so far."""
    issues = db.session.scalars(
        select(Issue).where(Issue.status == IssueStatus.SENT.value).order_by(Issue.sent_at.desc())
    ).all()
    language = current_language().code
    return render_template(
        "newsletter/archive.html",
        issues=[
            (issue, issue.content[services.issue_language(issue, language)]) for issue in issues
        ],
    )


@bp.get("/newsletter/archive/<int:issue_id>")
def archive_issue(issue_id: int) -> str:
    """Show one sent issue in the reader's language."""
    issue = db.session.get(Issue, issue_id)
    if issue is None or issue.status != IssueStatus.SENT.value:
        abort(404)
    language = services.issue_language(issue, current_language().code)
    part = issue.content[language]
    return render_template(
        "newsletter/archive_issue.html",
        issue=issue,
        subject=part["subject"],
        sections=services.sections(part["items"], language),
        issue_language=language,
    )


# --- course notices for signed-in learners ---------------------------------------------------


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notices() -> str | WerkzeugResponse:
    """Let a learner ask to hear about new courses for them and new versions of theirs."""
    preference = services.notice_preference(current_user)
    form = NoticeForm(obj=preference)
    if form.validate_on_submit():
        services.set_notice_preference(
            current_user,
            new_courses=form.new_courses.data,
            new_versions=form.new_versions.data,
            now=utcnow(),
        )
        db.session.commit()
        flash(_("Your notification choices are saved."), "success")
        return redirect(url_for("newsletter.notices"))
    return render_template("newsletter/notices.html", form=form)


# --- admin ----------------------------------------------------------------------------------


@bp.get("/admin/newsletter")
@role_required(Role.ADMIN)
def admin_index() -> str:
    """List issues, drafts first, with how many subscribers each list has."""
    issues = db.session.scalars(select(Issue).order_by(Issue.created_at.desc())).all()
    counts = services.subscriber_counts()
    return render_template("newsletter/admin_index.html", issues=issues, counts=counts)


@bp.post("/admin/newsletter/draft")
@role_required(Role.ADMIN)
def admin_draft() -> WerkzeugResponse:
    """Compose a draft from what was published since the last issue."""
    try:
        issue = services.draft_issue(
            utcnow(), first_issue_days=int(current_app.config["NEWSLETTER_FIRST_ISSUE_DAYS"])
        )
    except services.NothingNew:
        flash(_("Nothing new has been published since the last issue."), "info")
        return redirect(url_for("newsletter.admin_index"))
    db.session.commit()
    return redirect(url_for("newsletter.admin_issue", issue_id=issue.id))


def _issue_or_404(issue_id: int) -> Issue:
    issue = db.session.get(Issue, issue_id)
    if issue is None:
        abort(404)
    return issue


@bp.get("/admin/newsletter/issues/<int:issue_id>")
@role_required(Role.ADMIN)
def admin_issue(issue_id: int) -> str:
    """Preview an issue as HTML and plain text, in each language, before sending it."""
    issue = _issue_or_404(issue_id)
    edition = request.args.get("edition", "")
    edition = edition if edition in issue.content else next(iter(issue.content))
    rendered = services.render_issue(issue, edition)
    return render_template(
        "newsletter/admin_issue.html",
        issue=issue,
        edition=edition,
        rendered=rendered,
        sections=services.sections(issue.content[edition]["items"], edition),
        counts=services.delivery_counts(issue.id),
        language_names={code: language.name for code, language in LANGUAGES.items()},
    )


@bp.post("/admin/newsletter/issues/<int:issue_id>/send")
@role_required(Role.ADMIN)
def admin_send(issue_id: int) -> WerkzeugResponse:
    """Send a reviewed issue through the job queue."""
    issue = _issue_or_404(issue_id)
    if services.start_sending(issue, utcnow()):
        db.session.commit()
        jobs.send_issue_job(issue_id)
        flash(_("The issue is on its way. Sending continues in the background."), "success")
    else:
        flash(_("This issue has already been sent."), "info")
    return redirect(url_for("newsletter.admin_issue", issue_id=issue_id))


@bp.post("/admin/newsletter/issues/<int:issue_id>/retry")
@role_required(Role.ADMIN)
def admin_retry(issue_id: int) -> WerkzeugResponse:
    """Try again to send the copies of an issue that failed."""
    issue = _issue_or_404(issue_id)
    count = services.retry_failed(issue, utcnow())
    db.session.commit()
    if count:
        jobs.send_issue_job(issue_id)
    flash(_("Copies to send again: %(num)d.", num=count), "info")
    return redirect(url_for("newsletter.admin_issue", issue_id=issue_id))


@bp.get("/admin/newsletter/subscribers.csv")
@role_required(Role.ADMIN)
@personal_data
def admin_export() -> Response:
    """Download the subscriber list as CSV, every cell safe from spreadsheet formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for number, row in enumerate(services.subscriber_rows()):
        writer.writerow(row if number == 0 else [text_cell(value) for value in row])
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="subscribers-{stamp}.csv"'},
    )
