"""Account pages: thin views over `lms.accounts.services`."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from lms.accounts import emails, services
from lms.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    ProfileForm,
    RequestResetForm,
    ResetPasswordForm,
    SignupForm,
)
from lms.accounts.models import TokenPurpose, User
from lms.extensions import db, limiter
from lms.i18n import current_language, locale_for
from lms.links import local_redirect_target

bp = Blueprint("accounts", __name__, cli_group="users")


def _hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def _safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else the home page."""
    return local_redirect_target(target) or url_for("main.index")


def _sign_in(user: User, *, remember: bool = False) -> None:
    """Start a signed-in session with a fresh CSRF token.

    A token handed out before sign-in (perhaps planted by someone else on a shared computer)
    must not be valid for the account.
    """
    login_user(user, remember=remember)
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def _login_account_key() -> str:
    return "login-account:" + services.normalise_email(request.form.get("email", ""))


def _failed(response: Response) -> bool:
    # Only failed attempts count against an account; a successful sign-in redirects.
    return response.status_code != 302


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_IP"], methods=["POST"])
def signup() -> str | Response:
    """Create an account and email a confirmation link."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignupForm()
    if form.validate_on_submit():
        result = services.register_user(
            form.email.data,
            form.full_name.data,
            form.password.data,
            profession=form.profession.data,
            hash_method=_hash_method(),
            locale=current_language().code,
        )
        if result.created:
            token = services.issue_token(
                result.user, TokenPurpose.CONFIRM_EMAIL, services.CONFIRM_MAX_AGE
            )
            emails.send_confirmation(
                result.user.email, result.user.full_name, token, locale=locale_for(result.user)
            )
        else:
            # Same page either way, so the form cannot be used to find out who has an account.
            emails.send_already_registered(
                result.user.email,
                result.user.full_name,
                locale=locale_for(result.user, current_language().code),
            )
        # The email goes out from a background job once this commits; never on this request.
        db.session.commit()
        return redirect(url_for("accounts.check_email"))
    return render_template("accounts/signup.html", form=form)


@bp.get("/signup/check-email")
def check_email() -> str:
    """Say that a confirmation email is on its way."""
    return render_template("accounts/check_email.html")


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | Response | tuple[str, int]:
    """Confirm an email address with a one-time link, then sign the person in."""
    # A button, not the GET itself, uses the token: mail scanners follow links.
    form = ConfirmForm()
    try:
        user = services.check_token(token, TokenPurpose.CONFIRM_EMAIL)
    except services.AccountError as error:
        return render_template("accounts/token_invalid.html", message=str(error)), 400
    if form.validate_on_submit():
        user = services.confirm_email(token)
        services.record_login(user)
        db.session.commit()
        _sign_in(user)
        flash(_("Your email address is confirmed. Welcome!"), "success")
        return redirect(url_for("main.index"))
    return render_template("accounts/confirm.html", form=form, user=user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
def login() -> str | Response:
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(
            form.email.data, form.password.data, hash_method=_hash_method()
        )
        if user is None:
            flash(
                _(
                    "That email address and password do not match an active account. "
                    "Check them and try again, or reset your password."
                ),
                "error",
            )
        elif user.email_confirmed_at is None:
            token = services.issue_token(user, TokenPurpose.CONFIRM_EMAIL, services.CONFIRM_MAX_AGE)
            emails.send_confirmation(
                user.email,
                user.full_name,
                token,
                locale=locale_for(user, current_language().code),
            )
            db.session.commit()
            flash(
                _("Please confirm your email address first. We will send you a new link shortly."),
                "info",
            )
        else:
            services.record_login(user)
            db.session.commit()
            _sign_in(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """Sign out."""
    if current_user.is_authenticated:
        # Clearing the cookie is not enough: a copy of it (or of the remember-me cookie) would
        # still open the account, so the server forgets the token both carry.
        services.end_sessions(current_user)
        db.session.commit()
        logout_user()
        flash(_("You are signed out. Your other devices are signed out too. Take care."), "info")
    return redirect(url_for("main.index"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_IP"], methods=["POST"])
def request_reset() -> str | Response:
    """Email a password-reset link, saying the same whether or not the account exists."""
    form = RequestResetForm()
    if form.validate_on_submit():
        # A job looks the address up: the same work, and time, whether or not it has an account.
        # The request is a row, committed before its job is queued, so a lost job is swept up.
        services.request_password_reset(form.email.data, current_language().code)
        db.session.commit()
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/request_reset.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> str | Response | tuple[str, int]:
    """Choose a new password with a one-time link."""
    try:
        services.check_token(token, TokenPurpose.RESET_PASSWORD)
    except services.AccountError as error:
        return render_template("accounts/token_invalid.html", message=str(error), reset=True), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data, hash_method=_hash_method())
        db.session.commit()
        logout_user()
        flash(_("Your password has been changed. Sign in with your new password."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> str | Response:
    """Show and edit the signed-in person's profile."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        notices = services.update_profile(
            current_user,
            full_name=form.full_name.data,
            profession=form.profession.data,
            npi=form.npi.data,
            abp_id=form.abp_id.data,
            birth_month=form.birth_month.data,
            birth_day=form.birth_day.data,
            timezone=form.timezone.data,
            license_state=form.license_state.data,
            license_number=form.license_number.data,
        )
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        for notice in notices:
            flash(notice, "info")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    """Change the signed-in person's password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current.data, form.password.data, hash_method=_hash_method()
            )
        except services.AccountError as error:
            form.current.errors.append(str(error))
        else:
            db.session.commit()
            # The session token changed, which signed out every other device; keep this one.
            _sign_in(current_user._get_current_object())
            flash(
                _("Your password has been changed. Other devices have been signed out."), "success"
            )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)
