"""Static files are linked under URLs that name their content, and cached for good under them."""

from __future__ import annotations

import hashlib
import re
import shutil

from flask import Flask, url_for

from lms import static_files
from tests.conftest import ROOT

STATIC = ROOT / "lms" / "static"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[: static_files.DIGITS]


def test_the_page_links_its_stylesheet_and_scripts_by_the_hash_of_their_content(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    script = re.search(r'<script src="(/static/js/disclosure\.js[^"]*)"', html).group(1)
    assert stylesheet == f"/static/css/site.css?v={digest(STATIC / 'css' / 'site.css')}"
    assert script == f"/static/js/disclosure.js?v={digest(STATIC / 'js' / 'disclosure.js')}"
    # Same origin, no inline code: the strict policy is unchanged.
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "style-src 'self'" in page.headers["Content-Security-Policy"]


def cache_control(client, url: str) -> tuple[int, str | None]:
    """Fetch `url` and return its status and Cache-Control, closing the file it streams."""
    with client.get(url) as response:
        return response.status_code, response.headers.get("Cache-Control")


def test_a_hashed_url_is_cached_for_good_and_any_other_only_briefly(client):
    current = f"/static/css/site.css?v={digest(STATIC / 'css' / 'site.css')}"
    assert cache_control(client, current) == (200, "public, max-age=31536000, immutable")
    for other in ["/static/css/site.css", "/static/css/site.css?v=0123456789abcdef"]:
        # No hash, or another release's: the bytes may not be what that URL names.
        assert cache_control(client, other) == (200, "public, max-age=300")
    assert cache_control(client, "/static/no-such-file.css?v=x")[0] == 404


def test_changing_a_file_changes_its_url(tmp_path):
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)

    def url_at_start_up() -> str:
        app = Flask("lms_static_test", static_folder=str(folder))
        static_files.init_app(app)
        with app.test_request_context():
            return url_for("static", filename="css/site.css")

    before = url_at_start_up()
    assert url_at_start_up() == before  # the same content gives the same URL, on any host
    with (folder / "css" / "site.css").open("a") as css:
        css.write("\n.new-rule { color: inherit; }\n")
    after = url_at_start_up()
    assert after != before
    assert after == f"/static/css/site.css?v={digest(folder / 'css' / 'site.css')}"
