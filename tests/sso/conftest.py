"""A real OpenID provider (npm oidc-provider, tests/peers/oidc/) on 127.0.0.1, and helpers that
drive its development sign-in form with plain HTTP, as a person's browser would."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from lms.extensions import db
from lms.organizations import services as organizations
from lms.sso import services as sso
from tests.conftest import free_port

PEER = Path(__file__).resolve().parent.parent / "peers" / "oidc"
CLIENT_SECRET = "throwaway-client-secret-for-tests"
# Clients registered at the test provider; "x-" settings are test-only (see provider.mjs).
LMS_CLIENT = "lms"
WRONG_AUDIENCE_CLIENT = "lms-wrong-audience"  # its ID tokens are addressed to OTHER_CLIENT
OTHER_CLIENT = "another-application"
STALE_CLIENT = "lms-stale"  # its ID tokens expire before they are issued
# Login names at the provider -> the claims it asserts about them.
ACCOUNTS = {
    "nadia": {
        "email": "nadia.nurse@clinic.example.org",
        "email_verified": True,
        "name": "Nadia Nurse",
    },
    "pat": {"email": "pat.physician@clinic.example.org", "email_verified": True, "name": "Pat Lee"},
    "una": {"email": "una.unverified@clinic.example.org", "email_verified": False, "name": "Una"},
    "olga": {"email": "olga@elsewhere.example.net", "email_verified": True, "name": "Olga Out"},
}


@dataclass
class Provider:
    """The running test provider."""

    issuer: str
    browser_port: int  # the port browser tests serve the app on (its callback is registered)


@pytest.fixture(autouse=True)
def _forget_provider_metadata() -> Iterator[None]:
    """Start each test without the providers' documents an earlier test's sign-ins kept."""
    from lms.sso.oidc import metadata_cache

    metadata_cache.clear()
    yield
    metadata_cache.clear()


@pytest.fixture()
def sso_server(app: Any, oidc_peer: Provider) -> Iterator[str]:
    """Serve the app in threads on the port whose callback the test provider has registered."""
    server = make_server("127.0.0.1", oidc_peer.browser_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{oidc_peer.browser_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _node() -> str | None:
    return shutil.which("node")


@pytest.fixture(scope="session")
def oidc_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """Run oidc-provider on a free loopback port for the session (npm ci on first use)."""
    if _node() is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the OpenID provider for SSO tests needs them")
    if not (PEER / "node_modules" / "oidc-provider").is_dir():
        # A fixed command on the committed lock file: nothing here comes from outside.
        subprocess.run(  # noqa: S603
            [shutil.which("npm") or "npm", "ci", "--no-audit", "--no-fund"],
            cwd=PEER,
            check=True,
            capture_output=True,
        )
    port, browser_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{port}"
    key = RSAKey.import_key(rsa.generate_private_key(public_exponent=65537, key_size=2048)).as_dict(
        private=True
    )
    key.update({"kid": "test-key", "use": "sig", "alg": "RS256"})
    # The app's callback is on the test client's host, http://localhost (BASE_URL unset), or on
    # the live server's port for browser tests: every form is registered.
    redirect_uris = [
        "http://localhost/login/organization/callback",
        f"http://127.0.0.1:{browser_port}/login/organization/callback",
    ]

    def client(client_id: str, **extra: Any) -> dict[str, Any]:
        return {
            "client_id": client_id,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": redirect_uris,
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
            **extra,
        }

    config = {
        "port": port,
        "issuer": issuer,
        "signing_key": key,
        "cookie_key": "throwaway-cookie-key",
        "accounts": ACCOUNTS,
        "clients": [
            client(LMS_CLIENT),
            client(WRONG_AUDIENCE_CLIENT, **{"x-id-token-audience": OTHER_CLIENT}),
            client(OTHER_CLIENT),
            client(STALE_CLIENT, **{"x-id-token-ttl": -600}),
        ],
    }
    folder = tmp_path_factory.mktemp("oidc")
    (folder / "config.json").write_text(json.dumps(config))
    log = (folder / "provider.log").open("w")
    process = subprocess.Popen(  # noqa: S603 (node on our own script and config)
        [_node(), str(PEER / "provider.mjs"), str(folder / "config.json")],
        cwd=PEER,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if "listening" not in line:
            process.kill()
            raise RuntimeError(
                f"oidc-provider did not start: {(folder / 'provider.log').read_text()}"
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield Provider(issuer=issuer, browser_port=browser_port)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
        log.close()


FORM = re.compile(r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", re.S | re.I)
INPUT = re.compile(r"<input[^>]*>", re.I)
ATTR = re.compile(r'(\w+)="([^"]*)"')


def _submit_form(browser: requests.Session, url: str, html: str, login: str) -> requests.Response:
    """Fill the provider's page (its sign-in form or its consent form) and post it."""
    match = FORM.search(html)
    assert match, f"no form on the provider's page {url}:\n{html[:500]}"
    fields = {}
    for tag in INPUT.findall(match.group(2)):
        attrs = dict(ATTR.findall(tag))
        if "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    if "login" in fields:
        fields.update(login=login, password="any password works here")  # noqa: S105
    return browser.post(urljoin(url, match.group(1)), data=fields, allow_redirects=False)


def sign_in_at_provider(authorize_url: str, login: str) -> str:
    """Sign in as `login` at the provider, consent, and return the app callback URL it sends to.

    A fresh requests session each time: a new browser with no provider session cookie.
    """
    with requests.Session() as browser:
        return _follow(browser, authorize_url, login)


def _follow(browser: requests.Session, authorize_url: str, login: str) -> str:
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _ in range(12):
        if response.status_code in (302, 303):
            location = urljoin(response.url, response.headers["Location"])
            if "/login/organization/callback" in location:
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
        elif response.status_code == 200:
            response = _submit_form(browser, response.url, response.text, login)
        else:
            raise AssertionError(f"provider answered {response.status_code}: {response.text[:500]}")
    raise AssertionError("the provider never sent the browser back to the app")


def add_provider(
    issuer: str,
    client_id: str = LMS_CLIENT,
    domains: tuple[str, ...] = ("clinic.example.org",),
    name: str = "Example Health System",
):
    """Configure the app to sign in people from `domains` with the test provider, and commit."""
    organization = organizations.create_organization("SSO Clinic", "clinic", actor=None)
    provider = sso.create_provider(
        display_name=name,
        issuer=issuer,
        client_id=client_id,
        client_secret=CLIENT_SECRET,
        domains=list(domains),
        organization=organization,
        actor=None,
    )
    db.session.commit()
    return provider


def start_sign_in(client: Any, email: str) -> str:
    """Post `email` on the app's "Sign in with your organization" page; return where it sends."""
    page = client.get("/login/organization")
    assert page.status_code == 200
    assert 'name="email"' in page.get_data(as_text=True)
    response = client.post("/login/organization", data={"email": email})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    link = re.search(r'id="continue-to-provider" href="([^"]+)"', response.get_data(as_text=True))
    assert link, response.get_data(as_text=True)
    return html.unescape(link.group(1))


def callback_path(url: str) -> str:
    """Return the path and query of the app's callback URL, for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def query(url: str) -> dict[str, str]:
    """Return the URL's query parameters."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
