"""Pages speak the reader's language: from the browser at first, then as the reader chooses.

English stays the default; Spanish comes from a `?lang=es` link, the language switch every page
carries (remembered in a cookie, and in the profile of a signed-in person), or the browser.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from email.header import decode_header, make_header
from html import unescape

import pytest
from sqlalchemy import select

from lms import i18n
from lms.accounts.models import User
from lms.dates import long_date, relative_due
from lms.extensions import db
from lms.i18n import format_credit_amount, format_number, format_percentage, sort_key_for_name

SPANISH_BROWSER = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page)[1]


def switch_form(page: str, *, in_footer: bool = True) -> dict[str, str]:
    """Return the fields the footer's language switch posts, as a browser would send them."""
    footer = page[page.index('<footer class="site-footer">') :] if in_footer else page
    form = re.search(
        r'<form class="language-switch[^"]*" method="post" action="([^"]+)">(.*?)</form>',
        footer,
        re.S,
    )
    fields = {
        name: unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form[2]
        )
    }
    button = re.search(
        r'<button type="submit"[^>]* name="lang" value="([^"]+)" lang="([^"]+)">', form[2]
    )
    assert button[1] == button[2], "the other language's name carries its own lang"
    return {"action": form[1], **fields, "lang": button[1]}


def post_switch(client, page: str):
    form = switch_form(page)
    action = form.pop("action")
    return client.post(action, data=form, csrf=False)


# --- choosing the language ------------------------------------------------------------------


def test_first_visit_follows_the_browser(client):
    page = client.get("/", headers=SPANISH_BROWSER).text
    assert html_lang(page) == "es"
    assert "Ayuda y recursos" in page and "Saltar al contenido principal" in page

    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
    assert html_lang(english) == "en" and "Support and resources" in english


def test_without_any_preference_pages_are_in_us_english(client):
    page = client.get("/").text
    assert html_lang(page) == "en"
    assert "Skip to main content" in page and "Language: English" in page


def test_a_shared_lang_link_shows_spanish_and_is_remembered_without_touching_the_profile(
    client, auth, make_user
):
    response = client.get("/support?lang=es")
    assert html_lang(response.text) == "es"
    assert client.get_cookie("lang").value == "es"
    assert "Accept-Language" in response.headers["Vary"]
    # The next page, without the link's ?lang=, stays in Spanish.
    assert html_lang(client.get("/privacy").text) == "es"

    person = make_user(locale=None)
    auth.login_as(person)
    assert html_lang(client.get("/account?lang=en").text) == "en"
    db.session.expire_all()
    assert db.session.get(User, person.id).locale is None  # a GET writes no records


def test_the_switch_on_a_page_brings_back_the_same_page_in_spanish(client):
    page = client.get("/courses?q=care").text
    form = switch_form(page)
    assert form["next"] == "/courses?q=care" and form["lang"] == "es"

    response = post_switch(client, page)
    assert response.status_code == 303
    assert response.headers["Location"] == "/courses?q=care"
    again = client.get(response.headers["Location"]).text
    assert html_lang(again) == "es"
    assert 'lang="en">English</button>' in again  # and the way back

    back = post_switch(client, again)
    assert html_lang(client.get(back.headers["Location"]).text) == "en"
    assert client.get_cookie("lang").value == "en"


def test_the_switch_needs_its_csrf_token(client):
    page = client.get("/").text
    form = switch_form(page)
    form.pop("csrf_token")
    response = client.post(form.pop("action"), data=form, csrf=False)
    assert response.status_code == 400
    assert client.get_cookie("lang") is None


def test_the_switch_drops_a_lang_in_the_page_address_that_would_undo_it(client):
    page = client.get("/support?lang=en&x=1").text
    response = post_switch(client, page)
    assert response.headers["Location"] == "/support?x=1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/%2F%2Fevil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_the_switch_never_sends_anyone_off_site(client, target):
    response = client.post("/language", data={"lang": "es", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_a_signed_in_choice_is_kept_in_the_profile_across_sessions(app, client, auth, make_user):
    person = make_user("rosa@example.org")
    auth.login_as(person)
    page = client.get("/my-learning").text
    response = post_switch(client, page)
    assert response.headers["Location"] == "/my-learning"
    db.session.expire_all()
    assert db.session.get(User, person.id).locale == "es"
    auth.logout()

    # Another browser, English by its settings and cookie-free: the profile wins once signed in.
    other = app.test_client()
    AuthOther = type(auth)
    AuthOther(other).login_as(person)
    assert html_lang(other.get("/my-learning", headers={"Accept-Language": "en"}).text) == "es"
    other.set_cookie("lang", "en")
    assert html_lang(other.get("/my-learning").text) == "es"


def test_the_profile_page_can_go_back_to_following_the_browser(client, auth, make_user):
    person = make_user(locale="es")
    auth.login_as(person)
    page = client.get("/account").text
    assert "Idioma para páginas y correos electrónicos" in page
    assert re.search(r'<option value="es" lang="es" selected>Español</option>', page)

    response = client.post("/language", data={"lang": "", "next": "/account"})
    assert response.headers["Location"] == "/account"
    db.session.expire_all()
    assert db.session.get(User, person.id).locale is None
    assert html_lang(client.get("/account", headers={"Accept-Language": "en-US"}).text) == "en"


@pytest.mark.parametrize(
    "value", ["xx", "EN-us", "../", "es\x00", "e" * 5000, "%00", "<script>", "es_US", "ES"]
)
def test_hostile_lang_values_fall_back_without_an_error(client, value):
    response = client.get("/", query_string={"lang": value})
    assert response.status_code in (200, 400)
    lang = html_lang(response.text)
    assert lang in ("en", "es")
    if value not in ("ES",):
        assert lang == "en"
        assert client.get_cookie("lang") is None

    refused = client.post("/language", data={"lang": value, "next": "/"})
    assert refused.status_code in (303, 400)
    if value != "ES":
        assert refused.status_code == 400
        if "\x00" not in value:  # refused before any view, by lms.input_guard
            assert "Choose English or Español." in refused.text


def test_visitors_cannot_choose_to_follow_the_browser_in_a_profile_they_do_not_have(client):
    assert client.post("/language", data={"lang": "", "next": "/"}).status_code == 400


def test_a_spanish_error_page_is_in_spanish(client):
    page = client.get("/no-such-page?lang=es")
    assert page.status_code == 404
    assert html_lang(page.text) == "es"
    assert "No encontramos esa página" in page.text and "Código de error 404." in page.text


def test_the_sign_in_prompt_is_flashed_in_the_readers_language(client):
    response = client.get("/my-learning?lang=es", follow_redirects=True)
    assert "Inicie sesión para continuar." in response.text


# --- formatting -----------------------------------------------------------------------------


def test_dates_numbers_and_credit_amounts_in_us_spanish(app):
    day = date(2026, 11, 30)
    assert long_date(day, "es_US") == "30 de noviembre de 2026"
    assert long_date(day, "en_US") == "November 30, 2026"
    # US Spanish writes decimals with a period, as US documents around its readers do.
    assert [format_credit_amount(a, "es_US") for a in ("0.75", 1.5, Decimal(25))] == [
        "0.75",
        "1.5",
        "25.0",
    ]
    assert format_number(1234.5, "es_US") == "1,234.5"
    assert format_percentage(85.3, locale="es_US") == "85%"
    assert format_percentage(85.35, 1, locale="en_US") == "85.4%"


def test_relative_due_dates_are_translated(app):
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("es_US"):
        assert relative_due(date(2026, 12, 5), today=date(2026, 11, 30)) == "Vence en 5 días"
        assert relative_due(date(2026, 12, 1), today=date(2026, 11, 30)) == "Vence mañana"
        assert relative_due(date(2026, 11, 29), today=date(2026, 11, 30)) == "Vencido hace 1 día"


def test_names_sort_as_readers_expect_whatever_their_accents_and_case():
    names = [
        "Zoe Park",
        "óscar Ruiz",
        "Ángel Díaz",
        "alba Núñez",
        "Émile Roy",
        "eva Stone",
        "Nora Lee",
    ]
    assert sorted(names, key=sort_key_for_name) == [
        "alba Núñez",
        "Ángel Díaz",
        "Émile Roy",
        "eva Stone",
        "Nora Lee",
        "óscar Ruiz",
        "Zoe Park",
    ]
    assert sort_key_for_name("José") == sort_key_for_name("Jose\u0301")  # the same name, composed


def test_a_team_page_lists_people_in_collation_order(app, make_user):
    from lms.organizations import services

    clinic = services.create_organization("Sorting Clinic", "clinic", actor=None)
    for name in ("Zoe Park", "Ángel Díaz", "alba Núñez"):
        services.add_member(clinic, make_user(name=name), "member", actor=None)
    db.session.commit()
    assert [m.user.full_name for m in services.organization_members(clinic)] == [
        "alba Núñez",
        "Ángel Díaz",
        "Zoe Park",
    ]


# --- emails ---------------------------------------------------------------------------------

SIGNUP = {
    "email": "lucia@example.org",
    "full_name": "Lucía Pérez",
    "profession": "clinic-staff",
    "password": "una frase bastante larga",
}


def test_a_spanish_visitor_signs_up_and_gets_the_confirmation_in_spanish(client, mailbox):
    client.get("/signup", headers=SPANISH_BROWSER)
    response = client.post("/signup", data=SIGNUP, headers=SPANISH_BROWSER)
    assert response.status_code == 302

    [message] = mailbox.to("lucia@example.org")
    assert subject(message).startswith("Confirme su correo electrónico")
    body = message.get_payload(decode=True).decode()
    assert body.startswith("Hola, Lucía Pérez:")
    assert "Para confirmar su correo electrónico, abra este enlace:" in body
    assert db.session.scalar(select(User.locale).where(User.email == "lucia@example.org")) == "es"


def test_an_english_visitor_gets_english_email(client, mailbox):
    client.post("/signup", data={**SIGNUP, "email": "sam@example.org"})
    [message] = mailbox.to("sam@example.org")
    assert subject(message).startswith("Confirm your email address")


def test_the_reset_email_follows_the_profile_not_the_page(client, make_user, mailbox):
    make_user("marta@example.org", locale="es")
    client.post("/reset", data={"email": "marta@example.org"})
    [message] = mailbox.to("marta@example.org")
    assert subject(message).startswith("Restablecer su contraseña")
    body = message.get_payload(decode=True).decode()
    assert "antes de que pasen 60 minutos" in body

    make_user("no-choice@example.org")
    client.post("/reset?lang=es", data={"email": "no-choice@example.org"})
    [message] = mailbox.to("no-choice@example.org")
    assert subject(message).startswith("Restablecer su contraseña")  # the page it was asked from


def test_reminders_are_written_in_each_assignees_language(app, make_user, mailbox):
    from lms.organizations.emails import send_reminder
    from lms.organizations.services import Reminder

    class Course:
        slug = "clinic-front-desk"

    class Assignment:
        course = Course()

    person = make_user("ines@example.org", name="Inés Castro", locale="es")
    reminder = Reminder(
        assignment=Assignment(),
        user=person,
        kind="upcoming",
        due_date=date(2026, 12, 5),
        course_title="Front desk",
        today=date(2026, 11, 30),
    )
    with app.test_request_context("/"):
        email = None
        send_reminder(reminder)
    from lms.mail.models import OutboxEmail

    email = db.session.scalar(
        select(OutboxEmail).where(OutboxEmail.recipient == "ines@example.org")
    )
    assert email.subject.startswith("Recordatorio: Front desk vence el 5 de diciembre de 2026")
    assert "con fecha límite el 5 de diciembre de 2026 (vence en 5 días)" in email.body
    assert i18n.locale_for(person) == "es_US"


def test_the_menu_carries_the_switch_too_for_people_signed_in(client, auth, make_user):
    auth.login_as(make_user())
    page = client.get("/my-learning").text
    menu = page[page.index('<details class="menu"') : page.index("</details>")]
    form = switch_form(menu, in_footer=False)
    assert form["next"] == "/my-learning" and form["lang"] == "es"
    assert "Sign out" in menu


def test_the_switch_is_rate_limited_like_other_forms(app_config, request):
    app_config["LOGIN_RATE_LIMIT_IP"] = "2 per minute"
    client = request.getfixturevalue("client")
    for _ in range(2):
        assert client.post("/language", data={"lang": "es", "next": "/"}).status_code == 303
    refused = client.post("/language", data={"lang": "es", "next": "/"})
    assert refused.status_code == 429


def test_refused_input_is_explained_in_the_readers_language(client):
    response = client.get("/courses", query_string={"q": "a\x00b", "lang": "es"})
    assert response.status_code == 400
    assert "Parte de la dirección web contiene un carácter NUL" in response.text


def test_a_template_rendered_in_another_language_mid_request_is_in_that_language(app):
    # An email to a Spanish-speaking learner is rendered while an English page is being
    # served; templates look their translations up once per request and must notice.
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/", headers={"Accept-Language": "en-US"}):
        assert render_template_string("{{ _('Sign in') }}") == "Sign in"
        with force_locale("es_US"):
            assert render_template_string("{{ _('Sign in') }}") == "Iniciar sesión"
        assert render_template_string("{{ _('Sign in') }}") == "Sign in"
        with force_locale("es_US"):
            assert render_template_string("{% trans %}Sign in{% endtrans %}") == "Iniciar sesión"
