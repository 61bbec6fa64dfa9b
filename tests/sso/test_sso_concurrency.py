"""Finishing the same first sign-in twice at once makes one account, never two."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.extensions import db
from lms.sso.models import UserIdentity
from tests.sso.conftest import add_provider, sign_in_at_provider


def test_parallel_profile_submissions_create_one_account(sso_server, oidc_peer):
    add_provider(oidc_peer.issuer)
    with requests.Session() as browser:
        page = browser.get(sso_server + "/login/organization", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        handover = browser.post(
            sso_server + "/login/organization",
            data={"csrf_token": token, "email": "nadia.nurse@clinic.example.org"},
            timeout=10,
        ).text
        authorize = re.search(r'id="continue-to-provider" href="([^"]+)"', handover).group(1)
        callback = sign_in_at_provider(authorize.replace("&amp;", "&"), "nadia")
        assert browser.get(callback, allow_redirects=False, timeout=10).status_code == 302
        profile = browser.get(sso_server + "/login/organization/profile", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', profile).group(1)
        cookies = browser.cookies.get_dict()

    def submit(_: int) -> int:
        response = requests.post(
            sso_server + "/login/organization/profile",
            data={"csrf_token": token, "full_name": "Nadia Nurse", "profession": "nurse"},
            cookies=cookies,
            allow_redirects=False,
            timeout=20,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(submit, range(4)))

    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(302) >= 1, statuses
    db.session.rollback()
    count = func.count()
    assert db.session.scalar(select(count).select_from(User)) == 1
    assert db.session.scalar(select(count).select_from(UserIdentity)) == 1
