"""The layout's header and footer, drawn once per kind of page and visitor and then kept.

Every page draws the same menu, language switch and newsletter form: about 40 translated
strings and a dozen `url_for` calls, a third of a lesson page's CPU. What they show depends
only on the language, the visitor (signed in or not, role, the flags read with the user) and
the page's endpoint (which menu item is current); the few values that differ per request (the
CSRF token, this page's address, the signed-in email) are drawn as placeholders and put in,
escaped, on every request. Flash messages and the page's own content are not part of this.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from lms.courses.outline import version_key
from lms.i18n import current_language, switch_next

# Placeholders: letters only, so escaping leaves them alone and no real value contains them.
CSRF = "lmsLayoutCsrfToken7q"
NEXT = "lmsLayoutNextAddress7q"
PATH = "lmsLayoutRequestPath7q"
EMAIL = "lmsLayoutUserEmail7q"
CACHE_SIZE = 512  # parts x languages x visitor kinds x endpoints actually seen
# Kept parts of pages (`kept`): course versions x languages x the few states a part shows.
KEPT_SIZE = 1024


class PartCache:
    """A bounded map of drawn parts, least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.parts: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.lock = Lock()

    def get(self, key: tuple[Any, ...]) -> Any | None:
        """Return the part drawn for `key`, or None."""
        with self.lock:
            part = self.parts.get(key)
            if part is not None:
                self.parts.move_to_end(key)
            return part

    def put(self, key: tuple[Any, ...], part: Any) -> None:
        """Keep `part` for `key`, dropping the least recently used beyond the size."""
        with self.lock:
            self.parts[key] = part
            while len(self.parts) > self.size:
                self.parts.popitem(last=False)


def visitor_key(context: Context) -> tuple[Any, ...]:
    """Return what the layout's menu shows for this visitor: signed in, role and flags."""
    if not current_user.is_authenticated:
        return (False,)
    return (
        True,
        current_user.role,
        bool(context["manages_team"]()),
        bool(context["administers_chapter"]()),
    )


@pass_context
def layout_part(context: Context, name: str) -> Markup:
    """Return the layout part `name` for this request, drawn once per kind of page and visitor."""
    cache: PartCache = current_app.extensions["lms_layout"]
    key = (
        name,
        current_language().code,
        request.script_root,
        request.endpoint,
        request.blueprint,
        *visitor_key(context),
    )
    part = cache.get(key)
    if part is None:
        placeholders = {
            "csrf_token": lambda: CSRF,
            "language_switch_next": lambda: NEXT,
            "layout_request_path": PATH,
            "layout_user_email": EMAIL,
        }
        template = context.environment.get_template(name)
        part = template.render({**context.get_all(), **placeholders})
        cache.put(key, part)
    email = current_user.email if current_user.is_authenticated else ""
    # The part is Jinja's autoescaped output, and every value put in is escaped here.
    return Markup(  # noqa: S704
        part.replace(CSRF, escape(generate_csrf()))
        .replace(NEXT, escape(switch_next()))
        .replace(PATH, escape(request.path))
        .replace(EMAIL, escape(email))
    )


@pass_context
def kept(
    context: Context, name: str, *key: Hashable, caller: Callable[[], str], keep: bool = True
) -> Markup:
    """Return the part a `{% call kept(name, *key) %}` block draws, drawn once per key and language.

    For what a page draws from immutable things only (a course version's facts, outline and
    statements): `key` must name everything the block shows (the version by `version_key`, and
    any state it depends on), since a kept block is not drawn again while it is in the cache.
    Nothing per visitor or per request (CSRF tokens, the user, progress) may be drawn inside.
    With `keep` false the block is drawn as usual and not kept (e.g. when it shows what a
    visitor typed, which must not fill the cache).
    """
    if not keep:
        return Markup(caller())  # noqa: S704 (the block's own autoescaped output)
    cache: PartCache = current_app.extensions["lms_kept"]
    full = (name, current_language().code, request.script_root, *key)
    part = cache.get(full)
    if part is None:
        part = str(caller())
        cache.put(full, part)
    # The block's own autoescaped output, kept as it was drawn.
    return Markup(part)  # noqa: S704


def init_app(app: Flask) -> None:
    """Give templates `layout_part` and `kept`, with caches of their own per app."""
    app.extensions["lms_layout"] = PartCache(app.config.get("LAYOUT_CACHE_SIZE", CACHE_SIZE))
    app.extensions["lms_kept"] = PartCache(app.config.get("KEPT_CACHE_SIZE", KEPT_SIZE))
    app.jinja_env.globals.update(layout_part=layout_part, kept=kept, version_key=version_key)
