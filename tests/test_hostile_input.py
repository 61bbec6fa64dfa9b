"""A battery of hostile values over every form, query parameter and path: never a 5xx.

Pages are discovered, not listed: every GET route in the app's URL map is filled in with real
ids and slugs and rendered as each role; each <form> on those pages is parsed and submitted
once per field per hostile value (with a valid CSRF token and plausible values in the other
fields); every string in a route's path and every query parameter a page's forms use gets the
same values. When the answer is an error or the form again, no table may have gained or lost
a row: nothing half-written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.routing import Rule

from lms.certificates.models import Certificate
from lms.chapters import services as chapter_services
from lms.cme.models import ExternalCredit
from lms.database import utcnow
from lms.extensions import db
from lms.invitations import services as invitation_services
from lms.invitations.models import Invitation
from lms.organizations import services as organization_services
from lms.quizzes.models import QuizAttempt
from lms.sso import services as sso_services
from lms.webinars.attendance_models import WebinarAttendance
from tests.conftest import AuthActions
from tests.test_certificates import AMA, complete
from tests.test_organizations import FRONT_DESK, course
from tests.test_quizzes import CME, quiz_page
from tests.webinars.attendance_helpers import ENDS, make_webinar, register


class RawPercent(str):
    """A value sent exactly as written, already percent-encoded (for invalid UTF-8)."""


HOSTILE: dict[str, str] = {
    "nul": "safe\x00text",
    "long": "x" * 100_000,
    "huge": "99999999999999999999",
    "negative": "-99999999",
    "nan": "NaN",
    "end_of_time": "9999-12-31",
    "bad_utf8": RawPercent("%ff%fe%C0%AF"),
    "emoji": "🧑🏽‍⚕️🙂",
    "rtl": "\u202eevil\u202c",
    "dot_dot": "../../../etc/passwd",
    "sql": "' OR 1=1; DROP TABLE users; --",
}
# Addresses get the values that differ in kind (a 100k-character address never reaches the app
# behind a real server); forms get them all.
ADDRESS_HOSTILE = {
    k: HOSTILE[k] for k in ("nul", "huge", "negative", "end_of_time", "bad_utf8", "dot_dot", "sql")
}
# A path segment is a name: these are the values that could confuse a lookup.
PATH_HOSTILE = {k: HOSTILE[k] for k in ("nul", "bad_utf8", "dot_dot", "sql", "emoji")}
# Query parameters read by pages even when no form on them names them.
DATES = ("since", "until", "course", "organization")
EXTRA_QUERY = {
    "accounts.login": ("next",),
    # Downloads are links, not forms: they repeat the report screen's filters.
    "exports.download": DATES,
    "cme.certificates_archive": DATES,
    # An earlier year's path certificate is a link with its id.
    "paths.certificate": ("certificate",),
}
PAGED = ("page",)
# Roles whose view of every route is fuzzed through its path (the others add nothing new).
PATH_ROLES = ("physician", "admin")
# Forms posted by script rather than rendered: (path template, fields).
SCRIPTED_FORMS = (
    ("/courses/{slug}/learn/{page_slug}/time", ("seconds",)),
    ("/organizations/{organization_id}/reminders", ("within",)),
)
# Signing out, and deleting one's account (the plausible password is the real one, so the
# battery would delete the account it is signed in with): tests/test_privacy.py fuzzes that form.
SKIPPED_ACTIONS = ("/logout", "/account/delete")


# --- parsing pages --------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> plausible value
    choices: dict[str, list[str]] = field(default_factory=dict)


class FormParser(HTMLParser):
    """Collect every form on a page with a plausible value for each field, and every link."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = Form(a.get("action") or self.url, (a.get("method") or "get").lower())
            self.forms.append(self._form)
        form, name = self._form, a.get("name")
        if form is None or not name:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                form.choices.setdefault(name, []).append(a.get("value") or "y")
                form.fields.setdefault(name, a.get("value") or "y")
            elif kind != "submit":
                form.fields[name] = a.get("value") or plausible(kind, name)
        elif tag == "textarea":
            form.fields[name] = "A plausible reason."
        elif tag == "select":
            self._select = name
            form.fields[name] = ""
        elif tag == "button":
            form.choices.setdefault(name, [])  # fuzzed, not sent by default
        if tag == "option" and self._select:
            value = a.get("value", "")
            if value and not form.fields.get(self._select):
                form.fields[self._select] = value

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "form":
            self._form = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def plausible(kind: str, name: str) -> str:
    if kind == "email" or "email" in name:
        return "someone.new@example.org"
    if kind == "password" or name in ("password", "confirm", "current"):
        return "correct horse battery"
    if kind == "date" or name.endswith(("_on", "_date", "since", "until")):
        return date.today().isoformat()
    if kind == "number" or name in ("amount", "seconds"):
        return "1"
    if kind == "file":
        return ""
    return "Plausible text"


# --- sending hostile values ------------------------------------------------------------------


def encode(pairs: list[tuple[str, str]]) -> str:
    return "&".join(
        f"{quote(k, safe='')}={v if isinstance(v, RawPercent) else quote(v, safe='')}"
        for k, v in pairs
    )


TABLES = db.metadata.sorted_tables


def row_counts() -> tuple[int, ...]:
    counts = db.session.execute(
        select(*(select(func.count()).select_from(t).scalar_subquery() for t in TABLES))
    ).one()
    db.session.rollback()
    return tuple(counts)


@dataclass
class Battery:
    app: Flask
    client: Any
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def send(self, method: str, url: str, body: str | None = None) -> Any:
        self.requests += 1
        try:
            if method == "get":
                response = self.client.get(url)
            else:
                response = self.client.post(
                    url, data=body, content_type="application/x-www-form-urlencoded", csrf=False
                )
            # Read streamed downloads to the end, then close them (an XLSX is a temporary file).
            response.get_data()
            response.close()
            return response
        except Exception as error:  # noqa: BLE001  (a crash in the app is a finding here)
            self.failures.append(f"{method.upper()} {url[:120]}: raised {error!r}"[:300])
            db.session.rollback()  # the request shared this session; a real one ends its own
            return None

    def check(self, method: str, url: str, body: str | None, what: str) -> None:
        before = row_counts() if method == "post" else None
        response = self.send(method, url, body)
        if response is None:
            return
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} on {method.upper()} {url[:100]} ({what})")
        elif before is not None and response.status_code in (200, 400, 403, 404, 413, 422, 429):
            # An error, or the form shown again: nothing may have been written.
            if row_counts() != before:
                self.failures.append(
                    f"{response.status_code} but rows changed: POST {url[:100]} ({what})"
                )

    def fuzz_form(self, form: Form) -> None:
        names = list(dict.fromkeys([*form.fields, *form.choices]))
        for name in names:
            if name == "csrf_token":
                continue
            for label, value in HOSTILE.items():
                pairs = [(k, v) for k, v in form.fields.items() if k != name]
                pairs.append((name, value))
                if form.method == "post":
                    self.check("post", form.action, encode(pairs), f"{name}={label}")
                else:
                    joiner = "&" if "?" in form.action else "?"
                    self.check("get", form.action + joiner + encode(pairs), None, f"{name}={label}")

    def fuzz_query(self, url: str, params: set[str]) -> None:
        for name in sorted(params):
            for label, value in ADDRESS_HOSTILE.items():
                joiner = "&" if "?" in url else "?"
                self.check(
                    "get", f"{url}{joiner}{encode([(name, value)])}", None, f"{name}={label}"
                )


# --- the world every role looks at -------------------------------------------------------------


@dataclass
class World:
    values: dict[str, str]
    users: dict[str, Any]


@pytest.fixture()
def world(app, make_user, publish, publish_library) -> World:
    """Published courses and resources, a physician with a certificate, a clinic, and roles."""
    publish()
    publish_library()
    physician = make_user(
        name="Dana Doctor", profession="physician", abp_id="123456", birth_month=3, birth_day=4
    )
    other = make_user(name="Olive Other", profession="physician")
    admin = make_user(role="admin", name="Ada Admin")
    author = make_user(role="author", name="Avery Author")
    manager = make_user(name="Mo Manager", profession="clinic-staff")
    for person in (physician, other):
        client = app.test_client()
        AuthActions(client).login_as(person)
        if person is physician:
            complete(client)
            client.post(f"/courses/{CME}/credit", data=AMA)
        else:
            client.post(f"/courses/{CME}/start")
        client.post(
            "/transcript/external/new",
            data={
                "title": "Grand rounds",
                "provider": "Example Hospital",
                "completed_on": "2026-01-15",
                "credit_type": "ama-pra-1",
                "amount": "1",
            },
        )
    chapter = chapter_services.create_chapter("North Chapter", None, actor=admin)
    organization = organization_services.create_organization(
        "North Clinic", "clinic", actor=admin, chapter=chapter
    )
    organization_services.add_member(organization, manager, "manager", actor=admin)
    membership = organization_services.add_member(organization, physician, "member", actor=admin)
    invitation_services.invite(
        organization,
        invitation_services.Invitee("invited@example.org", "Ivy Invited", "nurse"),
        actor=admin,
        now=utcnow(),
    )
    organization_services.assign_course(
        course(FRONT_DESK),
        due_date=date.today(),
        actor=admin,
        organization=organization,
        today=date.today(),
    )
    provider = sso_services.create_provider(
        display_name="North Health System",
        issuer="https://login.north.example.net",
        client_id="lms",
        client_secret="not-a-real-secret",  # noqa: S106
        domains=["north.example.net"],
        organization=organization,
        actor=admin,
    )
    db.session.commit()
    # A past webinar under the course's slug, so that the webinar routes built with `slug`
    # reach real pages: the physician attended it (credit form), organisers see its roster.
    webinar = make_webinar(slug=CME)
    register(webinar, physician)
    db.session.add(
        WebinarAttendance(
            webinar_id=webinar.id, user_id=physician.id, source="code", minutes=60, recorded_at=ENDS
        )
    )
    db.session.commit()
    quiz = quiz_page()

    def own(model: Any, user: Any, column: str = "user_id") -> str:
        return str(db.session.scalar(select(model.id).where(getattr(model, column) == user.id)))

    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == physician.id))
    values = {
        "slug": CME,
        "page_slug": quiz.slug,
        "public_id": certificate.public_id if certificate else "none",
        "organization_id": str(organization.id),
        "attempt_id": own(QuizAttempt, physician),
        "credit_id": own(ExternalCredit, physician),
        "page_id": str(quiz.id),
        "user_id": str(physician.id),
        "layout_key": "abp-moc",
        "token": "not-a-token",
        "language": "es",
        "chapter_id": str(chapter.id),
        "membership_id": str(membership.id),
        "invitation_id": str(db.session.scalar(select(Invitation.id))),
        "provider_id": str(provider.id),
    }
    users = {
        "physician": physician,
        "other": other,
        "admin": admin,
        "author": author,
        "manager": manager,
    }
    return World(values=values, users=users)


def get_rules(app: Flask) -> Iterator[Rule]:
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and rule.endpoint != "static":
            yield rule


def build(rule: Rule, values: dict[str, str], **override: str) -> str | None:
    path = rule.rule
    for name in rule.arguments:
        if name in (rule.defaults or {}):
            continue
        value = override.get(name, values.get(name, "1"))
        converter = rule._converters[name]  # noqa: SLF001  (only to tell ints from strings)
        if type(converter).__name__ in ("IdConverter", "IntegerConverter") and name in override:
            return None
        path = re.sub(
            rf"<(?:[^:>]+:)?{name}>",
            quote(value, safe="") if not isinstance(value, RawPercent) else value,
            path,
        )
    return path


def run_battery(
    app: Flask, client: Any, values: dict[str, str], seen: set[Any], *, paths: bool
) -> Battery:
    """Fuzz what this client can reach and `seen` does not hold yet (forms, query parameters)."""
    battery = Battery(app, client)
    pages: dict[str, str] = {}
    for rule in get_rules(app):
        url = build(rule, values)
        if url:
            pages.setdefault(url, rule.endpoint)
    forms: dict[tuple[str, str, tuple[str, ...]], Form] = {}
    for url, endpoint in pages.items():
        response = battery.send("get", url)
        if response is None:
            continue
        if response.status_code >= 500:
            battery.failures.append(f"{response.status_code} on GET {url} (plain)")
            continue
        if response.mimetype == "text/html" and response.status_code == 200:
            parser = FormParser(url)
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                action = urlsplit(form.action).path or url
                if action.endswith(SKIPPED_ACTIONS):
                    continue
                key = (form.method, re.sub(r"\d+", "N", action), tuple(sorted(form.fields)))
                if key not in seen:
                    seen.add(key)
                    forms[key] = form
        params = set(EXTRA_QUERY.get(endpoint, ()))
        if response.mimetype == "text/html":
            params |= set(PAGED)  # downloads (PDFs) are not paged: not worth rendering each
        if response.status_code == 200 and url not in seen:
            seen.add(url)
            battery.fuzz_query(url, params)
    for form in forms.values():
        battery.fuzz_form(form)
    for template, names in SCRIPTED_FORMS:
        action = template.format(**values)
        battery.fuzz_form(Form(action, "post", {n: "1" for n in names}))
    if not paths:
        return battery
    # Every string in a path, for every route (GET and POST), gets every hostile value.
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        method = "get" if "GET" in (rule.methods or ()) else "post"
        for name in rule.arguments - set(rule.defaults or {}):
            for label, value in PATH_HOSTILE.items():
                url = build(rule, values, **{name: value})
                if url:
                    body = (
                        encode([("csrf_token", client.csrf_token())]) if method == "post" else None
                    )
                    battery.check(method, url, body, f"<{name}>={label}")
    return battery


# The admin goes last: what they revoke or deactivate cannot hide a page from the others.
ROLES = ["anonymous", "physician", "manager", "author", "admin"]


def test_no_hostile_value_in_any_form_query_or_path_is_a_server_error(app, world):
    failures: list[str] = []
    seen: set[Any] = set()
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            AuthActions(client).login_as(world.users[role])
        battery = run_battery(app, client, world.values, seen, paths=role in PATH_ROLES)
        print(role, battery.requests, "requests")  # noqa: T201  (the battery's size, with -s)
        failures += [f"{role}: {failure}" for failure in battery.failures]
    assert not failures, "\n".join(failures[:60])


def test_another_learners_records_are_not_found(app, world):
    client = app.test_client()
    AuthActions(client).login_as(world.users["other"])
    values = world.values
    for path in (
        f"/courses/{CME}/quiz/{values['page_slug']}/attempts/{values['attempt_id']}",
        f"/transcript/external/{values['credit_id']}.pdf",
        f"/certificates/{values['public_id']}",
        f"/certificates/{values['public_id']}.pdf",
        f"/organizations/{values['organization_id']}",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/transcript/external/{values['credit_id']}/delete").status_code == 404
    assert db.session.get(ExternalCredit, int(values["credit_id"])) is not None
