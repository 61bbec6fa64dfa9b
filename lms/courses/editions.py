"""A course's words in one language: its edition in that language, else its primary words.

A course written in two languages is one course (one id, one enrolment, one set of pages and
question ids); only its words differ. Publishing keeps the course-level words of each edition
in `CourseVersion.compiled["editions"]` and each page's words in its `settings["editions"]`.
Everything here reads those and falls back to the primary language, word by word.

Certificates and other documents call `course_title` and `accreditation_statement`; pages
call `edition_for`, or show versions and pages through `version_in` and `page_in`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError

from lms.content.model import Course as CompiledCourse
from lms.content.model import Disclosure, Question
from lms.courses.models import CoursePage, CourseVersion

Compiled = Mapping[str, Any] | CourseVersion | CompiledCourse
"""Compiled course data: `CourseVersion.compiled`, the version itself, or the loader's Course."""


@dataclass(frozen=True)
class CourseWords:
    """The words of a course in one language, and which language they are in."""

    language: str  # the language these words are written in (for `lang` attributes)
    title: str
    summary: str
    objectives: tuple[str, ...] = ()
    requirements: str | None = None
    accreditation: str | None = None
    cover_alt: str | None = None
    content_note: str | None = None
    overview_html: str = ""
    page_titles: dict[str, str] = field(default_factory=dict)  # by page slug; primary if absent
    # The disclosures' words, and the language each is written in: an edition that leaves one
    # out shows the primary's, which must keep the primary's `lang`.
    commercial_support: str | None = None
    commercial_support_language: str = ""
    disclosures_html: str | None = None
    disclosures_language: str = ""


def _data(compiled: Compiled) -> Mapping[str, Any]:
    if isinstance(compiled, CourseVersion):
        return compiled.compiled
    if isinstance(compiled, CompiledCourse):
        return compiled.to_dict()
    return compiled


def match_language(available: Iterable[str], wanted: str) -> str | None:
    """Return the tag in `available` that serves `wanted`: the same tag, else the same language.

    "es" is served by an "es-MX" edition, and "es-MX" by an "es" one.
    """
    tags = list(available)
    if wanted in tags:
        return wanted
    base = wanted.split("-", 1)[0].lower()
    return next((tag for tag in tags if tag.split("-", 1)[0].lower() == base), None)


def languages_of(compiled: Compiled) -> list[str]:
    """Return the languages a course is available in: its primary language first."""
    data = _data(compiled)
    return [data["language"], *sorted(data.get("editions") or {})]


def edition_language(compiled: Compiled, language: str) -> str:
    """Return the language a course is shown in for a reader of `language`."""
    data = _data(compiled)
    primary = data["language"]
    if match_language([primary], language) is not None:
        return primary
    return match_language(data.get("editions") or {}, language) or primary


def edition_for(compiled: Compiled, language: str) -> CourseWords:
    """Return the course's words in `language` when it has that edition, else the primary's."""
    data = _data(compiled)
    primary = CourseWords(
        language=data["language"],
        title=data["title"],
        summary=data["summary"],
        objectives=tuple(data.get("objectives") or ()),
        requirements=data.get("requirements"),
        accreditation=data.get("accreditation"),
        cover_alt=(data.get("cover") or {}).get("alt"),
        content_note=data.get("content_note"),
        overview_html=data.get("overview_html") or "",
        commercial_support=(data.get("disclosure") or {}).get("commercial_support"),
        commercial_support_language=data["language"],
        disclosures_html=data.get("disclosures_html"),
        disclosures_language=data["language"],
    )
    shown = edition_language(data, language)
    if shown == primary.language:
        return primary
    words = data["editions"][shown]
    support = words.get("commercial_support")
    notes = words.get("disclosures_html")
    return CourseWords(
        language=shown,
        title=words["title"],
        summary=words["summary"],
        objectives=tuple(words.get("objectives") or primary.objectives),
        requirements=words.get("requirements") or primary.requirements,
        accreditation=words.get("accreditation") or primary.accreditation,
        cover_alt=words.get("cover_alt") or primary.cover_alt,
        content_note=words.get("content_note") or primary.content_note,
        overview_html=words.get("overview_html") or primary.overview_html,
        page_titles=dict(words.get("page_titles") or {}),
        commercial_support=support or primary.commercial_support,
        commercial_support_language=shown if support else primary.language,
        disclosures_html=notes or primary.disclosures_html,
        disclosures_language=shown if notes else primary.language,
    )


def course_title(compiled: Compiled, language: str) -> str:
    """Return the course's title in `language` if it has that edition, else in its own."""
    return edition_for(compiled, language).title


def accreditation_statement(compiled: Compiled, language: str) -> str | None:
    """Return the accreditation statement in `language` if the course gives it, else its own."""
    return edition_for(compiled, language).accreditation


@lru_cache(maxsize=256)  # tags of the courses' editions x interface languages: a handful
def language_name(tag: str, in_language: str) -> str:
    """Return a language's name written in another language, capitalised: "Spanish", "Inglés"."""
    try:
        name = Locale.parse(tag, sep="-").get_display_name(Locale.parse(in_language, sep="-"))
    except (UnknownLocaleError, ValueError):
        return tag
    return (name or tag)[:1].upper() + (name or tag)[1:]


# --- versions and pages as a template shows them ---------------------------------------------


class _Shown:
    """An object seen through other words: the attributes given win, the rest are the object's."""

    def __init__(self, target: object, **words: Any) -> None:
        self._target = target
        self.__dict__.update(words)

    def __getattr__(self, name: str) -> Any:
        if name == "_target":  # not set yet (copying): never recurse
            raise AttributeError(name)
        return getattr(self._target, name)

    def __eq__(self, other: object) -> bool:
        other = other._target if isinstance(other, _Shown) else other
        return self._target == other

    def __hash__(self) -> int:
        return hash(self._target)


def shown(target: Any, **words: Any) -> Any:
    """Return `target` as a template sees it with some attributes replaced (e.g. its version)."""
    return _Shown(target, **words)


class _VersionInLanguage(_Shown):
    """A version shown in an edition; its disclosures (in its compiled data) load when needed.

    Catalog cards show versions without loading their compiled data, so the disclosures are
    read only by the pages that show them.
    """

    words: CourseWords

    def _translated(self, language: str) -> bool:
        return language == self.words.language

    @cached_property
    def disclosure(self) -> Disclosure | None:
        """Return the disclosure with its commercial support statement in this language."""
        disclosure = self._target.disclosure
        if disclosure is None or not self._translated(self.words.commercial_support_language):
            return disclosure
        return replace(disclosure, commercial_support=self.words.commercial_support)

    @cached_property
    def disclosures_html(self) -> str | None:
        """Return the disclosures' notes in this language, else the primary's."""
        if self._translated(self.words.disclosures_language):
            return self.words.disclosures_html
        return self._target.disclosures_html


def version_in(version: CourseVersion, words: CourseWords) -> CourseVersion:
    """Return the version as templates show it in the words' language (`language` included)."""
    if words.language == version.language:
        return version
    cover = version.cover_image
    shown: Any = _VersionInLanguage(
        version,
        title=words.title,
        summary=words.summary,
        objectives=list(words.objectives),
        requirements=words.requirements,
        accreditation=words.accreditation,
        content_note=words.content_note,
        overview_html=words.overview_html,
        language=words.language,
        cover_image=replace(cover, alt=words.cover_alt or "") if cover else None,
        commercial_support_language=words.commercial_support_language,
        disclosures_language=words.disclosures_language,
        words=words,
    )
    return shown  # type: ignore[no-any-return]


def version_shown(version: CourseVersion, language: str) -> CourseVersion:
    """Return the version in `language` when it has that edition (loads its compiled data)."""
    if match_language([version.language], language) is not None:
        return version  # the primary: no need to read the compiled data
    return version_in(version, edition_for(version, language))


class PageInLanguage(_Shown):
    """A course page shown in one of its editions; its settings load only when needed."""

    def __init__(self, page: CoursePage, language: str, title: str | None) -> None:
        super().__init__(page, language=language)
        if title:
            self.title = title

    @cached_property
    def _edition(self) -> Mapping[str, Any]:
        editions = self._target.settings.get("editions") or {}
        return editions.get(self.language) or {}

    @property
    def content_note(self) -> str | None:
        """Return the page's content note in this language (the primary's if untranslated)."""
        if not self._target.content_note:
            return None
        return self._edition.get("content_note") or self._target.content_note

    @property
    def questions(self) -> list[Question]:
        """Return the questions in this language: same ids, options and answer keys."""
        if self._target.kind == "lesson" or not self._edition.get("questions"):
            return self._target.questions
        return [Question.from_dict(item) for item in self._edition["questions"]]

    @property
    def edition_html(self) -> str | None:
        """Return the page's body in this language, or None to show the primary's."""
        return self._edition.get("html") or None


def page_in(page: CoursePage, words: CourseWords, primary_language: str) -> CoursePage:
    """Return the page as templates show it in the words' language."""
    if words.language == primary_language:
        return page
    shown: Any = PageInLanguage(page, words.language, words.page_titles.get(page.slug))
    return shown  # type: ignore[no-any-return]
