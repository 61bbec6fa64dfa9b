"""The language switch every page carries: a small form that works without JavaScript."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms import i18n
from lms.accounts import services as accounts
from lms.errors import render_error
from lms.extensions import db, limiter
from lms.links import local_redirect_target

bp = Blueprint("i18n", __name__)

BROWSER = ""  # the profile page's "follow my browser" choice


def _back_to(target: str | None) -> str:
    """Return the same-site page to go back to, without a `lang` that would undo the choice."""
    path = local_redirect_target(target)
    if path is None:
        return url_for("main.index")
    parts = urlsplit(path)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)]
    kept = urlencode([(key, value) for key, value in query if key != "lang"])
    return urlunsplit(("", "", parts.path, kept, parts.fragment))


@bp.post("/language")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_IP"])
def switch() -> Response | tuple[str, int]:
    """Show pages (and send emails) in the chosen language from now on, then go back."""
    choice = request.form.get("lang", "")
    language = i18n.language_for_code(choice)
    if language is None and not (choice == BROWSER and current_user.is_authenticated):
        return render_error(400, _("Choose English or Español."))
    response = redirect(_back_to(request.form.get("next")), code=303)
    if current_user.is_authenticated:
        accounts.set_language(current_user, language.code if language else None)
        db.session.commit()
    if language is None:
        i18n.forget_language(response)
    else:
        i18n.remember_language(response, language)
    return response
