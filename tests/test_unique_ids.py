"""Every page a person can open has unique element ids, so each label names its own field."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from tests.site_pages import ROLES, build_site


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(i for i, n in Counter(parser.ids).items() if n > 1)


def test_no_page_for_any_role_repeats_an_id(client, auth, make_user, publish):
    site = build_site(client, auth, make_user, publish)
    problems = {}
    for role in ROLES:
        if site.users[role] is not None:
            auth.login_as(site.users[role])
        for path in site.pages[role]:
            response = client.get(path)
            assert response.status_code == 200, (role, path, response.status_code)
            if dupes := duplicate_ids(response.text):
                problems[f"{role} {path}"] = dupes
        if site.users[role] is not None:
            auth.logout()
    assert problems == {}
