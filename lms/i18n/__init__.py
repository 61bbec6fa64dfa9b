"""The languages the site speaks, which one each page is in, and numbers and names in it.

A page's language is chosen, first match wins, from:

1. `?lang=es` in the address: a link someone shared, or typed. It also sets the visitor's
   cookie in the response, so the next page stays in that language. It never writes the
   signed-in person's profile: a GET changes no records (only the language switch's POST does).
2. The signed-in person's profile (`users.locale`), set by the language switch or the profile
   page; empty means "follow my browser".
3. The `lang` cookie the language switch (or a `?lang=` link) left in this browser.
4. The browser's `Accept-Language`, best match.
5. The site's default, BABEL_DEFAULT_LOCALE (US English).

Emails and documents are not written for a request but for a person: `locale_for(user)` and
`flask_babel.force_locale` give them the recipient's language (docs/translations.md).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import flask_babel
from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response


@dataclass(frozen=True)
class Language:
    """A language the interface is translated into."""

    code: str  # in addresses, cookies and profiles, and as `<html lang>`: "es"
    locale: str  # Babel's locale for translations, dates and numbers: "es_US"
    name: str  # the language's name in itself, as the switch shows it: "Español"


ENGLISH = Language("en", "en_US", "English")
SPANISH = Language("es", "es_US", "Español")
LANGUAGES = {language.code: language for language in (ENGLISH, SPANISH)}
COOKIE_NAME = "lang"
COOKIE_MAX_AGE = 60 * 60 * 24 * 365  # a year: a visitor's choice outlasts a browsing session


def language_for_code(code: object) -> Language | None:
    """Return the supported language with this code ("es"), or None for anything else."""
    if not isinstance(code, str) or len(code) > 8:
        return None
    return LANGUAGES.get(code.strip().lower())


def default_language() -> Language:
    """Return the site's default language (BABEL_DEFAULT_LOCALE)."""
    configured = str(current_app.config.get("BABEL_DEFAULT_LOCALE", ENGLISH.locale))
    return next((x for x in LANGUAGES.values() if x.locale == configured), ENGLISH)


def current_language() -> Language:
    """Return the language of the page (or email) being written now."""
    locale = get_locale()
    if locale is None:
        return default_language()
    return LANGUAGES.get(locale.language, default_language())


def locale_for(user: Any, fallback: str | None = None) -> str:
    """Return the locale to write to `user` in: their profile's, else `fallback`'s, else default.

    `fallback` is a language code, such as the language of the page a request came from.
    """
    language = language_for_code(getattr(user, "locale", None)) or language_for_code(fallback)
    return (language or default_language()).locale


def _shared_link_language() -> Language | None:
    return language_for_code(request.args.get("lang"))


def _profile_language() -> Language | None:
    if current_user and current_user.is_authenticated:
        return language_for_code(getattr(current_user, "locale", None))
    return None


def _browser_language() -> Language | None:
    # Werkzeug falls back to the primary tag: "es-MX" and "es-419" match "es".
    return language_for_code(request.accept_languages.best_match(list(LANGUAGES)))


def select_locale() -> str:
    """Return the locale pages are written in: link, profile, cookie, browser, default."""
    if not has_request_context():
        return default_language().locale
    language = (
        _shared_link_language()
        or _profile_language()
        or language_for_code(request.cookies.get(COOKIE_NAME))
        or _browser_language()
        or default_language()
    )
    return language.locale


def remember_language(response: Response, language: Language) -> None:
    """Keep `language` in this browser's cookie for the pages that follow."""
    response.set_cookie(
        COOKIE_NAME,
        language.code,
        max_age=COOKIE_MAX_AGE,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,  # no script reads it: the server picks the language
        samesite="Lax",
    )


def forget_language(response: Response) -> None:
    """Let this browser's own language choose again."""
    response.delete_cookie(COOKIE_NAME, samesite="Lax")


def _remember_shared_link(response: Response) -> Response:
    if request.endpoint != "static":
        # The same address answers in different languages: caches must keep them apart.
        response.vary.update(("Accept-Language", "Cookie"))
    language = _shared_link_language()
    if language is not None and request.cookies.get(COOKIE_NAME) != language.code:
        remember_language(response, language)
    return response


def switch_next() -> str:
    """Return the address of this page for the language switch to come back to."""
    # After a POST (a form shown again with its errors) go back to the page, not the action.
    if request.method != "GET":
        return request.path
    return request.full_path.rstrip("?")


# --- numbers ------------------------------------------------------------------------------
# US Spanish (CLDR's es_US) writes 0.75 and 1,234.5, as US English does, not Spain's 0,75 and
# 1.234,5: readers in the US see periods in every document, price and board report around
# them, and a certificate's "0,75" would look like a different number from the accreditor's.
# So formatting through Babel in es_US keeps the period; another Spanish locale would not.

CREDIT_PATTERN = "#,##0.0#"  # quarters of a credit: 1.0, 1.5, 0.75, 25.0


def reader_locale(locale: Locale | str | None = None) -> Locale:
    """Return `locale` parsed, else the current page's or email's, else US English."""
    if locale is not None:
        return Locale.parse(locale)
    return get_locale() or Locale.parse(ENGLISH.locale)


def format_number(value: int | float | Decimal, locale: Locale | str | None = None) -> str:
    """Format a count or measure in the reader's locale: 1,234 or 1,234.5."""
    return format_decimal(value, locale=reader_locale(locale))


def format_credit_amount(amount: object, locale: Locale | str | None = None) -> str:
    """Format a credit amount with one or two decimals in the reader's locale: 0.75, 1.5, 25.0."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except InvalidOperation as error:
        raise ValueError(f"not a credit amount: {amount!r}") from error
    return format_decimal(value, CREDIT_PATTERN, locale=reader_locale(locale))


def format_percentage(
    value: float | Decimal | None, digits: int = 0, locale: Locale | str | None = None
) -> str:
    """Format a percentage given out of 100 (85.3 -> "85%"), with `digits` decimals."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(Decimal(str(value)) / 100, pattern, locale=reader_locale(locale))


# --- names ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _collator() -> Any:
    from pyuca import Collator

    return Collator()


def sort_key_for_name(name: str | None) -> tuple[Any, ...]:
    """Return a key that sorts people's names as a reader expects: "Ángel" beside "Alba".

    The Unicode Collation Algorithm (pyuca, the root order) puts accented letters with their
    base letter and ignores case first, for English and Spanish readers alike. Spanish
    dictionaries put "ñ" after "n" as a letter of its own; the root order keeps it as an "n"
    with a mark, which differs only between names alike up to that letter ("Nuñez", "Nuz").
    """
    text = unicodedata.normalize("NFC", (name or "").strip())
    return (_collator().sort_key(text.casefold()), _collator().sort_key(text), text)


@lru_cache(maxsize=8)
def _wtforms_translations(locale: str) -> Any:
    from babel import support
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _cached_wtforms_translations() -> Any:
    """Return WTForms' messages in the request's language, read from disk once per process.

    Flask-WTF reads and parses WTForms' .mo file again on every request that shows a form
    (about 0.5 ms of a lesson page); the file does not change while the app runs.
    """
    if not has_request_context() or "babel" not in current_app.extensions:
        return None
    return _wtforms_translations(str(get_locale()))


def request_translations() -> Any:
    """Return the current language's translations, looked up once per request and language."""
    # Flask-Babel finds them again for every string (four context lookups and a locale
    # formatted to a key each time): about 35 strings and 8% of a lesson page's CPU.
    try:
        state = g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:  # no app context: Flask-Babel's own answer (no translation)
        return flask_babel.get_translations()
    if state is not None:
        cached = getattr(state, "lms_translations", None)
        # force_locale() puts another Locale object in place, so identity tells a change.
        if cached is not None and cached[0] is getattr(state, "babel_locale", None):
            return cached[1]
    translations = flask_babel.get_translations()
    state = g._flask_babel
    state.lms_translations = (state.babel_locale, translations)
    return translations


def init_app(app: Flask) -> None:
    """Give templates the language helpers and number filters; remember `?lang=` links."""
    import flask_wtf.i18n

    flask_wtf.i18n._get_translations = _cached_wtforms_translations
    # Templates translate through the per-request lookup above; Python code keeps Flask-Babel's.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
    app.after_request(_remember_shared_link)
    app.jinja_env.globals.update(
        interface_languages=LANGUAGES,
        current_language=current_language,
        language_switch_next=switch_next,
    )
    app.jinja_env.filters.update(
        number=format_number,
        credit_amount=format_credit_amount,
        percentage=format_percentage,
    )
