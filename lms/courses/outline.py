"""A course version's pages and navigation, compiled once per version and kept in memory.

Versions never change once published, so the reader does not need to read a version's page
rows, order them, find a page's neighbours or build the outline's links on every request: the
first request for a version (in a language) does it, and later requests reuse the result from
a bounded, per-process cache. Cost per page view then no longer grows with the course's size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import undefer

from lms.content.model import Question
from lms.courses.models import CoursePage, CourseVersion
from lms.extensions import db

T = TypeVar("T")

# Versions kept per process; a version's outline is a few KB (its quiz settings included).
DEFAULT_CACHE_SIZE = 256


@dataclass(frozen=True, eq=False)
class OutlinePage:
    """A course page as the reader uses it, detached from any database session.

    Same attributes as `CoursePage` (its body aside, which is read on its own), so services
    and templates take either.
    """

    id: int
    version_id: int
    position: int
    slug: str
    title: str
    kind: str
    minutes: int | None
    required: bool
    content_note: str | None
    settings: dict[str, Any]

    @property
    def questions(self) -> list[Question]:
        """Return the page's questions, answer keys included."""
        return list(self._questions)

    @cached_property
    def _questions(self) -> tuple[Question, ...]:
        # Compiled on first use and kept with the page (questions are frozen, the version
        # never changes): a quiz submission or a quiz page no longer rebuilds them each time.
        return tuple(Question.from_dict(item) for item in self.settings.get("questions", []))

    @property
    def is_lesson(self) -> bool:
        """Return whether the page is read rather than answered."""
        return self.kind == "lesson"

    def __eq__(self, other: object) -> bool:
        return getattr(other, "id", None) == self.id and isinstance(other, OutlinePage | CoursePage)

    def __hash__(self) -> int:
        return hash(("page", self.id))


@dataclass
class Outline:
    """A version's pages in order, how to find one, and the outline's links, all precomputed."""

    pages: list[Any]
    index: dict[str, int]
    counted: frozenset[int]
    # (page id, the item's markup before and after its status) for the outline list.
    items: list[tuple[int, Markup, Markup]] = field(default_factory=list)
    done_label: Markup = Markup("")
    reading_label: Markup = Markup("")
    words: Any = None
    hrefs: dict[str, str] = field(default_factory=dict)

    def href(self, slug: str) -> str:
        """Return the reader's address of the page with this slug."""
        return self.hrefs[slug]

    def find(self, slug: str, kind: str | None = None) -> Any | None:
        """Return the page with this slug (and kind, if given), or None."""
        position = self.index.get(slug)
        if position is None:
            return None
        page = self.pages[position]
        return page if kind in (None, page.kind) else None

    def neighbours(self, page: Any) -> tuple[Any | None, Any | None]:
        """Return the pages before and after `page`."""
        position = self.index[page.slug]
        previous = self.pages[position - 1] if position > 0 else None
        following = self.pages[position + 1] if position + 1 < len(self.pages) else None
        return previous, following

    def done_count(self, done: set[int]) -> int:
        """Return how many of the pages that count towards progress are in `done`."""
        return len(self.counted.intersection(done))

    def render_items(self, current_id: int, done: set[int]) -> Markup:
        """Return the outline's list items for a learner on page `current_id`."""
        parts = []
        for page_id, start, end in self.items:
            if page_id in done:
                status = self.done_label
                css = ' class="is-done"'
            else:
                status = self.reading_label if page_id == current_id else Markup("")
                css = ' class=""'
            current = ' aria-current="page"' if page_id == current_id else ""
            parts.append(f"<li{css}>{start}{current}{end}{status}</li>")
        # Every piece was escaped when the outline was built (build_outline).
        return Markup("\n".join(parts))  # noqa: S704


class OutlineCache(Generic[T]):
    """A bounded, thread-safe least-recently-used map of outlines (or other per-version data)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """Return the value under `key`, building it (outside the lock) if absent."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        built = build()
        with self._lock:
            self._items[key] = built
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return built

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class VersionPages:
    """A version's own pages (its primary language) and what the completion rules need of it."""

    pages: list[OutlinePage]
    by_id: dict[int, OutlinePage]
    # Whether the version offers credit (its compiled "credits"), for the completion rules.
    has_credits: bool


def version_pages(version: CourseVersion) -> VersionPages:
    """Return the version's pages in its own language, read once and then kept in memory.

    Recording progress and grading use these (an outline in another language shows its
    edition's titles and questions); the rows and the version's credits never change.
    """
    found = current_app.extensions.get("lms_version_pages")
    if found is None:
        size = int(current_app.config.get("OUTLINE_CACHE_SIZE", DEFAULT_CACHE_SIZE))
        found = current_app.extensions.setdefault(
            "lms_version_pages", OutlineCache[VersionPages](size)
        )

    if version.id is None or version.published_at is None:
        db.session.flush()  # a version just made in this session (scripts, tests): give it its key

    def build() -> VersionPages:
        pages = load_pages(version.id)
        has_credits = bool((version.compiled or {}).get("credits"))
        return VersionPages(pages, {page.id: page for page in pages}, has_credits)

    return found.get(version_key(version), build)  # type: ignore[no-any-return]


def cache() -> OutlineCache[Outline]:
    """Return this app's outline cache (one per app, so tests' databases never share one)."""
    found = current_app.extensions.get("lms_outlines")
    if found is None:
        size = int(current_app.config.get("OUTLINE_CACHE_SIZE", DEFAULT_CACHE_SIZE))
        found = current_app.extensions.setdefault("lms_outlines", OutlineCache[Outline](size))
    return found  # type: ignore[no-any-return]


def version_key(version: CourseVersion) -> tuple[int, str, str]:
    """Return what identifies a version for ever (ids alone repeat after a database is reset)."""
    return (version.id, version.content_hash, version.published_at.isoformat())


def load_pages(version_id: int) -> list[OutlinePage]:
    """Return a version's pages in order, in one query (their bodies left out)."""
    rows = db.session.scalars(
        select(CoursePage)
        .options(undefer(CoursePage.settings))
        .where(CoursePage.version_id == version_id)
        .order_by(CoursePage.position)
    )
    return [
        OutlinePage(
            id=row.id,
            version_id=row.version_id,
            position=row.position,
            slug=row.slug,
            title=row.title,
            kind=row.kind,
            minutes=row.minutes,
            required=row.required,
            content_note=row.content_note,
            settings=row.settings or {},
        )
        for row in rows
    ]


def build_outline(
    pages: list[Any],
    *,
    language: str,
    href: Callable[[str], str],
    done_label: str,
    reading_label: str,
    counts: Callable[[Any], bool],
    words: Any = None,
) -> Outline:
    """Return the outline of `pages`: lookups, counted pages, links and the list's markup."""
    lang = escape(language)
    hrefs = {page.slug: href(page.slug) for page in pages}
    items = [
        (
            page.id,
            Markup('<a href="{}"').format(hrefs[page.slug]),
            Markup(' lang="{}">{}</a>').format(lang, page.title),
        )
        for page in pages
    ]
    return Outline(
        pages=pages,
        index={page.slug: i for i, page in enumerate(pages)},
        counted=frozenset(page.id for page in pages if counts(page)),
        items=items,
        done_label=Markup(
            '<span class="outline-status"><span aria-hidden="true">✓</span> {}</span>'
        ).format(done_label),
        reading_label=Markup('<span class="outline-status">{}</span>').format(reading_label),
        words=words,
        hrefs=hrefs,
    )
