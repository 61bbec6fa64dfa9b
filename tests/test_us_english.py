"""The interface speaks US English (the audience is American pediatrics) on every page."""

from __future__ import annotations

import re

from tests.site_pages import ROLES, build_site

BRITISH = re.compile(
    r"\b(organis\w*|recognis\w*|programmes?|enrolments?|behaviour\w*|colour\w*|catalogue|"
    r"centre|cancelled|favour\w*|analyse[ds]?)\b",
    re.IGNORECASE,
)


def visible_text(html: str) -> str:
    """Return the words a person reads or hears: text and labels, not markup or identifiers."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    labels = " ".join(re.findall(r'(?:aria-label|alt|title|placeholder)="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + labels


def test_no_page_uses_british_spellings(client, auth, make_user, publish):
    site = build_site(client, auth, make_user, publish)
    found = {}
    for role in ROLES:
        if site.users[role] is not None:
            auth.login_as(site.users[role])
        for path in site.pages[role]:
            words = BRITISH.findall(visible_text(client.get(path).text))
            if words:
                found[f"{role} {path}"] = sorted(set(words))
        if site.users[role] is not None:
            auth.logout()
    assert found == {}
