"""Read course folders, check them against the authoring format and compile them.

Nothing here raises on bad content: every problem becomes a Diagnostic pointing at the
file and line an author has to fix, and a course with any error compiles to None.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import mimetypes
import multiprocessing
import os
import posixpath
import re
import string
import textwrap
from collections.abc import Callable, Container, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from lms.content import compliance
from lms.content.images import COVER_TYPES, ImageSizeError, image_size
from lms.content.markdown import images_missing_alt, render_inline, render_markdown
from lms.content.model import (
    AUDIENCES,
    CREDIT_TYPES,
    DISCLOSURE_ROLES,
    LEARNING_FORMATS,
    PAGE_KINDS,
    QUIZ_ROLES,
    Course,
    CourseEdition,
    Cover,
    Credit,
    Diagnostic,
    Disclosure,
    MediaFile,
    Option,
    Page,
    PageEdition,
    Person,
    Question,
    Relationship,
    Severity,
)
from lms.content.prerequisites import check_prerequisites, read_requires

MediaUrl = Callable[[str, str, str], str]
"""``media_url(course_slug, relpath, sha256)`` gives the URL for a file under media/."""
PageUrl = Callable[[str, str], str]
"""``page_url(course_slug, page_slug)`` gives the URL of a page of the course."""
ResourceUrl = Callable[[str], str]
"""``resource_url(slug)`` gives the URL of a family resource (lms/content/resources.py)."""
RESOURCE_SCHEME = "resource"  # [a tip sheet for families](resource:calm-routines)

SLUG_RE = re.compile(r"[a-z0-9-]+")
PAGE_FILE_RE = re.compile(r"(?P<number>[0-9]{2,})-(?P<name>.+)\.md")
COURSE_FILE = "course.md"
# Another language's edition of course.md or of a page: "course.es.md", "01-welcome.es-MX.md".
EDITION_FILE_RE = re.compile(
    r"(?P<stem>[^/]+?)\.(?P<language>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.md"
)
MEDIA_DIR = "media"

# Ten years: longer than any re-training cycle, short enough to catch a slip of the keyboard.
MAX_VALID_MONTHS = 120
COURSE_KEYS = (
    "title",
    "summary",
    "audience",
    "language",
    "estimated_minutes",
    "release_date",
    "expiration_date",
    "objectives",
    "credits",
    "accreditation",
    "disclosures",
    "passing_score",
    "content_note",
    # Accreditation keys (see docs/cme.md); the compliance rules decide which are required.
    "designation",
    "moc_statement",
    "ancc_statement",
    "pars_activity_id",
    "target_audience",
    "review_date",
    "learning_format",
    "requirements",
    "bibliography",
    # How the course is presented: a cover image for cards and its page, and the home page.
    "cover",
    "cover_alt",
    "featured",
    # Annual re-training: how many months a completion stays current (leave out: for good).
    "valid_for_months",
    # Courses to complete first, by slug (checked across courses: lms.content.prerequisites).
    "requires",
)
DISCLOSURE_KEYS = ("people", "mitigation", "commercial_support", "notes")
PERSON_KEYS = ("name", "credentials", "roles", "relationships")
RELATIONSHIP_KEYS = ("company", "nature")
PAGE_KEYS = (
    "title",
    "kind",
    "minutes",
    "content_note",
    "required",
    "passing_score",
    "max_attempts",
    "shuffle",
    "role",
)
QUIZ_ONLY_KEYS = ("passing_score", "max_attempts", "shuffle", "role")
# What an edition (course.es.md) may say: its words. Everything else comes from course.md.
COURSE_EDITION_KEYS = (
    "title",
    "summary",
    "objectives",
    "requirements",
    "accreditation",
    "cover_alt",
    "content_note",
    "disclosures",  # only its words: DISCLOSURE_EDITION_KEYS
)
# The words of the disclosures an edition translates; the people and the rest stay in course.md.
DISCLOSURE_EDITION_KEYS = ("commercial_support", "notes")
# A page edition translates these; the other page keys may only repeat the primary's value.
PAGE_EDITION_KEYS = ("title", "content_note")
CREDIT_KEYS = ("type", "max")

_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FENCE_RE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
# Python-Markdown accepts "##Title" as a heading too, so the splitter must agree with it.
_QUESTION_HEADING_RE = re.compile(r"^##(?!#)(?P<text>.*?)#*[ \t]*$")
_OPTION_RE = re.compile(r"^[-*+][ \t]+(?P<marker>\([ xX]\)|\[[ xX]\]|=)(?:[ \t]+(?P<text>.*))?$")
_BULLET_RE = re.compile(r"^[-*+][ \t]")
_QUOTE_RE = re.compile(r"^ {0,3}> ?")
_OPTION_IDS = string.ascii_lowercase
# An evaluation question whose heading ends like this must be answered.
_REQUIRED_RE = re.compile(r"[ \t]*\(required\)[ \t]*$", re.IGNORECASE)
_PARS_ID_RE = re.compile(r"[A-Za-z0-9-]{1,40}")
# PostgreSQL stores no NUL in text, and no other C0 control belongs in course text either.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Limits (documented in docs/authoring.md). Those marked (db) are the sizes of the database
# columns the value lands in; the others keep one course from swamping the site or a learner.
MAX_SLUG = 100  # (db) course folder names and page names
MAX_TITLE = 300  # (db) course and page titles
MAX_LANGUAGE = 20  # (db)
MAX_MEDIA_PATH = 500  # (db) a file's path under the course folder
MAX_PAGE_MINUTES = 1_440  # a day
MAX_COURSE_MINUTES = 10_000  # about 166 hours
MAX_ATTEMPTS = 100
MAX_CREDIT = 100  # (db allows 9,999.99) per credit type
MAX_QUESTIONS = 200  # per quiz or evaluation page
MAX_PAGES = 200  # per course
MAX_SOURCE_BYTES = 1024 * 1024  # per Markdown file
MAX_COVER_ALT = 300  # a cover's alt text: a sentence, not a caption


def default_media_url(course_slug: str, relpath: str, sha256: str) -> str:
    """Return the media file's path unchanged."""
    return relpath


def default_resource_url(slug: str) -> str:
    """Return the public address of a family resource."""
    return f"/resources/{slug}"


def default_page_url(course_slug: str, page_slug: str) -> str:
    """Return the page slug, a URL relative to the course."""
    return page_slug


# --------------------------------------------------------------------------- diagnostics


class _Report:
    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, path: str, line: int, message: str, severity: Severity = "error") -> None:
        self.items.append(Diagnostic(path, max(1, line), message, severity))

    def for_file(self, path: str) -> _FileReport:
        return _FileReport(self, path)

    @property
    def has_errors(self) -> bool:
        return any(item.severity == "error" for item in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda item: (item.path, item.line))


@dataclass
class _FileReport:
    report: _Report
    path: str

    def error(self, line: int, message: str) -> None:
        self.report.add(self.path, line, message, "error")

    def warning(self, line: int, message: str) -> None:
        self.report.add(self.path, line, message, "warning")


def _suggestion(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --------------------------------------------------------------------------- files


def _printable(relpath: str) -> str:
    """Return a path for messages, showing bytes that are not UTF-8 as \\xNN escapes."""
    return relpath.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_utf8(relpath: str) -> bool:
    return _printable(relpath) == relpath


def _is_hidden(relpath: str) -> bool:
    return any(part.startswith(".") for part in relpath.split("/"))


def _walk(course_dir: Path) -> tuple[list[str], list[str]]:
    """Return the course's regular files and its symlinks, as sorted POSIX relpaths."""
    files: list[str] = []
    links: list[str] = []
    stack = [course_dir]
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            relpath = entry.relative_to(course_dir).as_posix()
            if _is_hidden(relpath):
                continue
            # Never follow links: they could pull files from outside the course into it.
            if entry.is_symlink():
                links.append(relpath)
            elif entry.is_dir():
                stack.append(entry)
            elif entry.is_file():
                files.append(relpath)
    return sorted(files), sorted(links)


def compute_content_hash(course_dir: str | Path) -> str:
    """Hash every non-hidden file of a course folder, names and bytes, in sorted order."""
    course_dir = Path(course_dir)
    digest = hashlib.sha256()
    files, _links = _walk(course_dir)
    for relpath in files:
        data = (course_dir / relpath).read_bytes()
        # surrogateescape: a name that is not UTF-8 still hashes (the checker refuses it).
        name = relpath.encode("utf-8", "surrogateescape")
        # Lengths make the framing unambiguous: no two file sets hash the same stream.
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


# --------------------------------------------------------------------------- front matter


@dataclass
class _Source:
    """A Markdown file split into front matter and body."""

    relpath: str  # relative to the courses root, for diagnostics
    lines: list[str]  # the whole file, for finding links by line
    front: yaml.MappingNode | None
    body: str
    body_line: int  # file line of the body's first line


_MISSING = object()
_UNREADABLE = object()


def _read_source(path: Path, relpath: str, report: _Report) -> _Source | None:
    file = report.for_file(relpath)
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        # Refuse before reading: compiling a huge page would take minutes and the reader
        # could not show it anyway. Split it into several pages or move data to media/.
        file.error(
            1,
            f"file is {size:,} bytes; the limit for a Markdown file is {MAX_SOURCE_BYTES:,} "
            "bytes: split it into several pages",
        )
        return None
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        file.error(1, f"file is not UTF-8 text ({error.reason})")
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    control = _CONTROL_RE.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        file.error(line, f"file contains a control character ({control.group()!r}); remove it")
        return None
    if lines[0].rstrip() != "---":
        file.error(1, "missing front matter: start the file with a line of three dashes (---)")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        file.error(1, "front matter is not closed: end it with a line of three dashes (---)")
        return None
    yaml_text = "\n".join(lines[1:end])
    try:
        node = _compose(yaml_text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = min(mark.line + 2, end + 1) if mark is not None else 1
        file.error(line, f"front matter is not valid YAML: {error.problem or error}")
        return None
    except yaml.YAMLError as error:
        file.error(1, f"front matter is not valid YAML: {error}")
        return None
    if node is not None and not isinstance(node, yaml.MappingNode):
        file.error(_line(node), "front matter must be a list of 'key: value' lines")
        return None
    if node is not None and not _check_controls(node, "front matter", file):
        return None
    return _Source(relpath, lines, node, "\n".join(lines[end + 1 :]), end + 2)


# libyaml's parser, where PyYAML was built with it: several times faster than PyYAML's own.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(yaml_text: str) -> yaml.Node | None:
    """Parse front matter into YAML nodes, with PyYAML's own error messages."""
    try:
        return yaml.compose(yaml_text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        # libyaml words its errors differently; authors get the messages the docs show.
        return yaml.compose(yaml_text, Loader=yaml.SafeLoader)


def _check_controls(node: yaml.Node, key: str, file: _FileReport) -> bool:
    """Report text values holding control characters (written as YAML escapes like "\\0")."""
    if isinstance(node, yaml.ScalarNode):
        if _CONTROL_RE.search(node.value):
            file.error(_line(node), f"{key}: must not contain control characters such as \\0")
            return False
        return True
    if isinstance(node, yaml.MappingNode):
        pairs = node.value
        return all(
            [
                _check_controls(value, k.value if isinstance(k, yaml.ScalarNode) else key, file)
                and _check_controls(k, key, file)
                for k, value in pairs
            ]
        )
    if isinstance(node, yaml.SequenceNode):
        return all([_check_controls(item, key, file) for item in node.value])
    return True


def _line(node: yaml.Node) -> int:
    # Node marks count from 0 inside the YAML text, which starts on the file's line 2.
    return node.start_mark.line + 2


def _construct(node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader("").construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):
        # e.g. "2024-02-30": YAML resolves it as a timestamp, then the date is impossible.
        return _UNREADABLE


class _Fields:
    """Typed access to a front-matter mapping, reporting problems at the right lines."""

    def __init__(
        self, node: yaml.MappingNode | None, known: Sequence[str], file: _FileReport
    ) -> None:
        self.file = file
        self.keys: dict[str, yaml.Node] = {}
        self.values: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value if node is not None else ():
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                file.error(_line(key_node), "keys must be plain words")
                continue
            if key in self.keys:
                file.error(_line(key_node), f"duplicate key '{key}'")
                continue
            if key not in known:
                file.error(_line(key_node), f"unknown key '{key}'{_suggestion(key, known)}")
                continue
            self.keys[key] = key_node
            self.values[key] = value_node

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def key_line(self, key: str) -> int:
        return _line(self.keys[key])

    def line(self, key: str) -> int:
        return _line(self.values[key])

    def raw(self, key: str, *, required: bool = False) -> Any:
        if key not in self.values:
            if required:
                self.file.error(1, f"missing required key '{key}'")
            return _MISSING
        return _construct(self.values[key])

    def text(
        self, key: str, *, required: bool = False, max_length: int | None = None
    ) -> str | None:
        value = self.raw(key, required=required)
        if value is _MISSING:
            return None
        if not isinstance(value, str) or not value.strip():
            self.file.error(
                self.line(key), f"{key}: must be text (quote it if it looks like a number or date)"
            )
            return None
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            self.file.error(
                self.line(key),
                f"{key}: must be at most {max_length:,} characters (this one has {len(value):,})",
            )
            return None
        return value

    def integer(self, key: str, *, low: int, high: int) -> int | None:
        value = self.raw(key)
        if value is _MISSING:
            return None
        in_range = isinstance(value, int) and low <= value <= high
        if isinstance(value, bool) or not in_range:
            self.file.error(self.line(key), f"{key}: must be a whole number from {low} to {high:,}")
            return None
        return value

    def boolean(self, key: str) -> bool | None:
        value = self.raw(key)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.file.error(self.line(key), f"{key}: must be true or false")
            return None
        return value

    def choice(self, key: str, choices: Sequence[str]) -> str | None:
        value = self.raw(key)
        if value is _MISSING:
            return None
        return _check_choice(value, key, choices, self.line(key), self.file)

    def day(self, key: str) -> date | None:
        value = self.raw(key)
        if value is _MISSING:
            return None
        if isinstance(value, str) and _ISO_DATE_RE.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        elif isinstance(value, date) and not isinstance(value, datetime):
            return value
        self.file.error(self.line(key), f"{key}: must be a date written YYYY-MM-DD")
        return None

    def items(self, key: str) -> list[tuple[yaml.Node, Any]] | None:
        if key not in self.values:
            return None
        node = self.values[key]
        if not isinstance(node, yaml.SequenceNode):
            self.file.error(self.line(key), f"{key}: must be a list")
            return None
        return [(item, _construct(item)) for item in node.value]


def _check_choice(
    value: Any, key: str, choices: Sequence[str], line: int, file: _FileReport
) -> str | None:
    if isinstance(value, str) and value in choices:
        return value
    shown = value if isinstance(value, str) else repr(value)
    hint = _suggestion(value, choices) if isinstance(value, str) else ""
    file.error(line, f"{key}: unknown value '{shown}'{hint}; expected one of {', '.join(choices)}")
    return None


# --------------------------------------------------------------------------- rendering


@dataclass
class _Renderer:
    """Render Markdown fragments of one course, checking every link they make."""

    slug: str
    files: set[str]
    media: dict[str, MediaFile]
    pages: dict[str, str]  # page filename -> page slug
    media_url: MediaUrl
    page_url: PageUrl
    report: _Report
    # The family resources a lesson may link to; None when the library is not being checked.
    resources: Container[str] | None = None
    resource_url: ResourceUrl = default_resource_url

    def markdown(self, text: str, source: _Source, start_line: int) -> str:
        return self._render(render_markdown, text, source, start_line)

    def inline(self, text: str, source: _Source, start_line: int) -> str:
        return self._render(render_inline, text, source, start_line)

    def _render(
        self,
        render: Callable[..., str],
        text: str,
        source: _Source,
        start_line: int,
    ) -> str:
        if not text.strip():
            return ""
        problems: list[tuple[str, str]] = []
        written: dict[str, str] = {}  # emitted URL -> URL as the author wrote it

        def resolve(url: str) -> str | None:
            result, problem = self._resolve(url)
            if problem is not None:
                problems.append((url, problem))
            if result is not None:
                written.setdefault(result, url)
            return result

        html = render(text, resolve, extra_schemes=(RESOURCE_SCHEME,))
        file = self.report.for_file(source.relpath)
        finder = _LineFinder(source.lines, start_line)
        for url, problem in problems:
            file.error(finder.find(url), problem)
        finder = _LineFinder(source.lines, start_line)
        # Parsing every fragment again is costly; only fragments with images need it.
        for src in images_missing_alt(html) if "<img" in html else ():
            if not src:
                continue  # its link was broken and already reported as an error
            file.warning(finder.find(written.get(src, src)), "image has no alt text")
        return html

    def _resolve(self, url: str) -> tuple[str | None, str | None]:
        parts = urlsplit(url)
        if parts.scheme == RESOURCE_SCHEME:
            slug = parts.path
            if self.resources is not None and slug not in self.resources:
                return None, f"no family resource is named '{slug}': {url}"
            return self.resource_url(slug), None
        # The sanitiser has already removed every scheme but these, http, https and mailto.
        if parts.scheme or parts.netloc or not parts.path:
            return url, None
        if parts.path.startswith("/"):
            return None, f"link must be relative to the course folder: {url}"
        target = posixpath.normpath(unquote(parts.path))
        suffix = f"#{parts.fragment}" if parts.fragment else ""
        if target == ".." or target.startswith("../"):
            return None, f"link points outside the course folder: {url}"
        if target in self.pages:
            return self.page_url(self.slug, self.pages[target]) + suffix, None
        if target in self.media:
            media = self.media[target]
            return self.media_url(self.slug, target, media.sha256) + suffix, None
        if target in self.files:
            return None, f"links may point only at pages (NN-name.md) or files in media/: {url}"
        return None, f"link target not found: {url}"


class _LineFinder:
    """Find the source line of each URL, scanning forward as the document is read."""

    def __init__(self, lines: list[str], start_line: int) -> None:
        self.lines = lines
        self.start = start_line
        self.cursor = start_line

    def find(self, url: str) -> int:
        # The URL must stand on its own, so a short target like "x" is not found inside words.
        pattern = re.compile(rf"(?<![\w./%-]){re.escape(url)}(?![\w./%-])") if url else None
        for first in (self.cursor, self.start):
            for number in range(first, len(self.lines) + 1):
                if pattern and pattern.search(self.lines[number - 1]):
                    self.cursor = number
                    return number
        # Reference-style definitions or HTML entities can hide the URL from a plain scan.
        return self.start


# --------------------------------------------------------------------------- questions


def _fenced(lines: Sequence[str]) -> Iterator[tuple[str, bool]]:
    """Yield each line with whether it sits inside (or opens/closes) a fenced code block."""
    fence: str | None = None
    for line in lines:
        match = _FENCE_RE.match(line)
        if fence is None:
            if match:
                fence = match.group("fence")
                yield line, True
                continue
            yield line, False
        else:
            closing = match["fence"] if match else ""
            if closing[:1] == fence[0] and len(closing) >= len(fence) and not line.strip(" \t`~"):
                fence = None
            yield line, True


@dataclass
class _Item:
    marker: str
    line: int
    text: list[str]
    continuation: list[str] = field(default_factory=list)


@dataclass
class _RawQuestion:
    title: str
    line: int
    body: list[tuple[int, str]] = field(default_factory=list)  # (file line, text)


def _split_questions(source: _Source) -> tuple[str, list[_RawQuestion]]:
    """Split a quiz or evaluation body into its intro and one section per ## heading."""
    intro: list[str] = []
    questions: list[_RawQuestion] = []
    body_lines = source.body.split("\n")
    for offset, (line, in_fence) in enumerate(_fenced(body_lines)):
        number = source.body_line + offset
        heading = None if in_fence else _QUESTION_HEADING_RE.match(line)
        if heading:
            questions.append(_RawQuestion(heading["text"].strip(), number))
        elif questions:
            questions[-1].body.append((number, line))
        else:
            intro.append(line)
    return "\n".join(intro), questions


def _parse_items(
    raw: _RawQuestion, file: _FileReport
) -> tuple[list[tuple[int, str]], list[_Item], list[str], int | None]:
    """Split one question section into stem lines, option items and explanation lines."""
    stem: list[tuple[int, str]] = []
    items: list[_Item] = []
    explanation: list[str] = []
    explanation_line: int | None = None
    state = "stem"
    previous_blank = True
    fence_flags = [in_fence for _line, in_fence in _fenced([text for _n, text in raw.body])]
    for (number, line), in_fence in zip(raw.body, fence_flags, strict=True):
        blank = not line.strip()
        option = None if in_fence else _OPTION_RE.match(line)
        if state == "stem":
            if option is None:
                stem.append((number, line))
                continue
            state = "options"
        if state == "options":
            if option is not None:
                items.append(_Item(option["marker"], number, [(option["text"] or "").strip()]))
            elif blank or line[:1] in (" ", "\t"):
                items[-1].continuation.append(line)
            elif _QUOTE_RE.match(line):
                state = "explanation"
                explanation_line = number
            elif _BULLET_RE.match(line):
                file.error(number, "each option needs a marker: ( ), (x), [ ], [x] or =")
            elif not previous_blank and not items[-1].continuation:
                # A lazy continuation line: the option's text simply wrapped.
                items[-1].text.append(line.strip())
            else:
                file.error(
                    number,
                    "unexpected text after the options; "
                    "an explanation must be a > blockquote after the list",
                )
                return stem, items, explanation, explanation_line
        if state == "explanation":
            if blank or _QUOTE_RE.match(line) or not previous_blank:
                explanation.append(_QUOTE_RE.sub("", line, count=1))
            else:
                file.error(
                    number, "unexpected text after the explanation; keep it inside the > blockquote"
                )
                return stem, items, explanation, explanation_line
        previous_blank = blank
    return stem, items, explanation, explanation_line


def _split_feedback(item: _Item) -> tuple[str, list[str], int]:
    """Return the option's text, its feedback lines and how far into the item they start."""
    block = textwrap.dedent("\n".join(item.continuation)).split("\n")
    first_quote = next((i for i, line in enumerate(block) if _QUOTE_RE.match(line)), None)
    text_lines = block if first_quote is None else block[:first_quote]
    text = "\n".join([*item.text, *text_lines]).strip()
    if first_quote is None:
        return text, [], 0
    feedback = [_QUOTE_RE.sub("", line, count=1) for line in block[first_quote:]]
    return text, feedback, first_quote + 1


def _compile_question(
    number: int,
    raw: _RawQuestion,
    page_kind: str,
    source: _Source,
    renderer: _Renderer,
    file: _FileReport,
) -> Question | None:
    stem_lines, items, explanation, explanation_line = _parse_items(raw, file)
    stem_text = "\n".join(text for _n, text in stem_lines).strip()
    stem_start = next((n for n, text in stem_lines if text.strip()), raw.line)
    if not items and not raw.title and not stem_text:
        file.error(raw.line, "empty question: write the question after ## and list its options")
        return None
    if not raw.title:
        file.error(raw.line, "question heading has no text")
        return None
    title = raw.title
    required = False
    if page_kind == "evaluation" and _REQUIRED_RE.search(title):
        title = _REQUIRED_RE.sub("", title)
        required = True
        if not title:
            file.error(raw.line, "question heading has no text")
            return None

    markers = {"(": "single", "[": "multiple", "=": "short"}
    kind = markers[items[0].marker[0]] if items else "text"
    for item in items:
        if markers[item.marker[0]] != kind:
            file.error(
                item.line, "question mixes ( ), [ ] and = options; use one kind per question"
            )
            return None
    correct = [item.marker[1:2] in ("x", "X") for item in items]

    ok = True
    if page_kind == "evaluation":
        marked = [item.line for item, mark in zip(items, correct, strict=True) if mark]
        if kind == "short" or marked:
            file.error((marked or [items[0].line])[0], "evaluations have no correct answers")
            ok = False
    elif kind == "text":
        file.error(raw.line, "question has no options (- ( ) or - [ ]) or answers (- = ...)")
        ok = False
    elif kind == "single" and sum(correct) != 1:
        file.error(raw.line, f"single-choice question needs exactly one (x); found {sum(correct)}")
        ok = False
    elif kind == "multiple" and not any(correct):
        file.error(raw.line, "select-all question needs at least one [x]")
        ok = False
    if len(items) > len(_OPTION_IDS):
        file.error(raw.line, f"question has more than {len(_OPTION_IDS)} options")
        ok = False

    options: list[Option] = []
    answers: list[str] = []
    for index, item in enumerate(items[: len(_OPTION_IDS)]):
        text, feedback, feedback_offset = _split_feedback(item)
        if not text:
            file.error(item.line, "option has no text")
            ok = False
            continue
        if kind == "short":
            if feedback:
                file.error(
                    item.line,
                    "answers (- =) take no feedback; "
                    "explain in a > blockquote after the list instead",
                )
                ok = False
            answers.append(text)
            continue
        feedback_html = renderer.markdown("\n".join(feedback), source, item.line + feedback_offset)
        options.append(
            Option(
                id=_OPTION_IDS[index],
                html=renderer.inline(text, source, item.line),
                text=text,
                correct=correct[index],
                feedback_html=feedback_html or None,
            )
        )
    if not ok:
        return None
    explanation_html = renderer.markdown(
        "\n".join(explanation), source, explanation_line or raw.line
    )
    return Question(
        id=f"q{number}",
        kind=kind,
        title=title,
        title_html=renderer.inline(title, source, raw.line),
        stem_html=renderer.markdown(stem_text, source, stem_start),
        options=tuple(options),
        answers=tuple(answers),
        explanation_html=explanation_html or None,
        line=raw.line,
        required=required,
    )


# --------------------------------------------------------------------------- pages


@dataclass
class _PageFile:
    filename: str
    number: int
    slug: str


def _page_files(
    files: Sequence[str], prefix: str, file_report: Callable[[str], _FileReport]
) -> list[_PageFile]:
    pages: list[_PageFile] = []
    for relpath in files:
        if "/" in relpath or relpath == COURSE_FILE:
            continue
        relative = f"{prefix}/{relpath}"
        match = PAGE_FILE_RE.fullmatch(relpath)
        if not relpath.endswith(".md"):
            file_report(relative).warning(1, "file ignored: put handouts and images in media/")
        elif match is None:
            file_report(relative).warning(
                1, "file name does not match NN-name.md, so it is not a page; ignored"
            )
        elif not SLUG_RE.fullmatch(match["name"]):
            file_report(relative).error(
                1, f"page name '{match['name']}' must match [a-z0-9-]+ (lower case, no spaces)"
            )
        elif len(match["name"]) > MAX_SLUG:
            file_report(relative).error(
                1, f"page name is {len(match['name'])} characters; at most {MAX_SLUG} are allowed"
            )
        else:
            pages.append(_PageFile(relpath, int(match["number"]), match["name"]))
    return sorted(pages, key=lambda page: (page.number, page.filename))


def _compile_page(
    page_file: _PageFile,
    position: int,
    source: _Source,
    course_passing_score: int,
    renderer: _Renderer,
    file: _FileReport,
) -> tuple[Page | None, int | None]:
    """Compile one page; also return the line of its ``kind: evaluation`` if it has one."""
    fields = _Fields(source.front, PAGE_KEYS, file)
    title = fields.text("title", required=True, max_length=MAX_TITLE)
    kind = fields.choice("kind", PAGE_KINDS) or ("lesson" if "kind" not in fields else None)
    minutes = fields.integer("minutes", low=1, high=MAX_PAGE_MINUTES)
    content_note = fields.text("content_note")
    required = fields.boolean("required")
    passing_score = fields.integer("passing_score", low=0, high=100)
    max_attempts = fields.integer("max_attempts", low=1, high=MAX_ATTEMPTS)
    shuffle = fields.boolean("shuffle")
    role = fields.choice("role", QUIZ_ROLES)
    if kind is None:
        return None, None
    if kind != "quiz":
        for key in QUIZ_ONLY_KEYS:
            if key in fields:
                file.error(fields.key_line(key), f"{key}: only quiz pages take this key")
    if kind != "lesson" and "required" in fields:
        file.error(fields.key_line("required"), "required: only lesson pages take this key")
    evaluation_line = fields.line("kind") if kind == "evaluation" else None

    html = ""
    questions: list[Question] = []
    if kind == "lesson":
        html = renderer.markdown(source.body, source, source.body_line)
    else:
        intro, raw_questions = _split_questions(source)
        html = renderer.markdown(intro, source, source.body_line)
        if not raw_questions:
            file.error(1, f"{kind} page has no questions: start each question with a ## heading")
        if len(raw_questions) > MAX_QUESTIONS:
            file.error(
                1,
                f"{kind} page has {len(raw_questions):,} questions; the limit is {MAX_QUESTIONS}: "
                "split them over several pages",
            )
            raw_questions = []
        for number, raw in enumerate(raw_questions, start=1):
            question = _compile_question(number, raw, kind, source, renderer, file)
            if question is not None:
                questions.append(question)
    if title is None:
        return None, evaluation_line
    quiz = kind == "quiz"
    page = Page(
        slug=page_file.slug,
        filename=page_file.filename,
        position=position,
        title=title,
        kind=kind,
        minutes=minutes,
        content_note=content_note,
        required=required if required is not None else True,
        html=html,
        questions=tuple(questions),
        passing_score=(passing_score if passing_score is not None else course_passing_score)
        if quiz
        else None,
        max_attempts=max_attempts if quiz else None,
        shuffle=bool(shuffle) if quiz else False,
        role=(role or "posttest") if quiz else None,
        # A final newline ends the last line; it does not start another.
        line_count=len(source.lines) - (source.lines[-1] == ""),
    )
    return page, evaluation_line


# --------------------------------------------------------------------------- course


def _read_objectives(fields: _Fields, file: _FileReport) -> list[str]:
    objectives: list[str] = []
    for node, value in fields.items("objectives") or []:
        if isinstance(value, str) and value.strip():
            objectives.append(value.strip())
        else:
            file.error(_line(node), "objectives: each objective must be text")
    return objectives


def _read_credits(
    fields: _Fields, file: _FileReport, lines: dict[str, int] | None = None
) -> list[Credit]:
    credits: list[Credit] = []
    seen: set[str] = set()
    for node, _value in fields.items("credits") or []:
        if not isinstance(node, yaml.MappingNode):
            file.error(_line(node), "credits: each credit needs 'type' and 'max'")
            continue
        credit = _Fields(node, CREDIT_KEYS, file)
        credit_type = credit.choice("type", CREDIT_TYPES)
        amount = credit.raw("max")
        if "type" not in credit or "max" not in credit:
            missing = "type" if "type" not in credit else "max"
            file.error(_line(node), f"credits: missing required key '{missing}'")
            continue
        maximum = _quarter_multiple(amount)
        if maximum is None:
            file.error(credit.line("max"), "max: must be a positive multiple of 0.25")
        elif maximum > MAX_CREDIT:
            file.error(credit.line("max"), f"max: must be at most {MAX_CREDIT}")
            maximum = None
        if credit_type is None:
            continue
        if credit_type in seen:
            file.error(credit.line("type"), f"credits: type '{credit_type}' is listed twice")
            continue
        seen.add(credit_type)
        if lines is not None:
            lines[f"credit:{credit_type}"] = _line(node)
        if maximum is not None:
            credits.append(Credit(credit_type, maximum))
    return credits


def _quarter_multiple(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or (amount * 4) % 1 != 0:
        return None
    return amount


def _read_course_fields(fields: _Fields, file: _FileReport) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": fields.text("title", required=True, max_length=MAX_TITLE),
        "summary": fields.text("summary", required=True),
        "language": "en",
        "estimated_minutes": fields.integer("estimated_minutes", low=1, high=MAX_COURSE_MINUTES),
        "release_date": fields.day("release_date"),
        "expiration_date": fields.day("expiration_date"),
        "valid_for_months": fields.integer("valid_for_months", low=1, high=MAX_VALID_MONTHS),
        "accreditation": fields.text("accreditation"),
        "content_note": fields.text("content_note"),
        "passing_score": fields.integer("passing_score", low=0, high=100),
        "designation": fields.text("designation"),
        "moc_statement": fields.text("moc_statement"),
        "ancc_statement": fields.text("ancc_statement"),
        "target_audience": fields.text("target_audience"),
        "review_date": fields.day("review_date"),
        "requirements": fields.text("requirements"),
        "learning_format": fields.choice("learning_format", tuple(LEARNING_FORMATS))
        or "enduring-material",
        "pars_activity_id": None,
        "lines": {key: fields.key_line(key) for key in fields.keys},
    }
    pars_id = fields.raw("pars_activity_id")
    if pars_id is not _MISSING:
        text = str(pars_id).strip() if isinstance(pars_id, int | str) else ""
        if isinstance(pars_id, bool) or not _PARS_ID_RE.fullmatch(text):
            file.error(
                fields.line("pars_activity_id"),
                "pars_activity_id: must be the activity's PARS ID, such as 201234567",
            )
        else:
            values["pars_activity_id"] = text
    language = fields.text("language", max_length=MAX_LANGUAGE)
    if language is not None:
        if _LANGUAGE_RE.fullmatch(language):
            values["language"] = language
        else:
            file.error(fields.line("language"), "language: must be a language tag like en or es-MX")

    audience: list[str] = []
    audience_items = fields.items("audience")
    for node, value in audience_items or []:
        choice = _check_choice(value, "audience", AUDIENCES, _line(node), file)
        if choice is not None and choice not in audience:
            audience.append(choice)
    if audience_items is not None and not audience_items:
        file.error(fields.line("audience"), "audience: list at least one audience")
    values["audience"] = tuple(audience) if audience_items else AUDIENCES

    objectives = _read_objectives(fields, file)
    values["objectives"] = tuple(objectives)
    values["credits"] = tuple(_read_credits(fields, file, values["lines"]))

    release, expiration = values["release_date"], values["expiration_date"]
    if release is not None and expiration is not None and expiration <= release:
        file.error(fields.line("expiration_date"), "expiration_date: must be after release_date")
    review = values["review_date"]
    if review is not None and release is not None and review < release:
        file.error(fields.line("review_date"), "review_date: must be on or after release_date")
    if review is not None and expiration is not None and expiration <= review:
        file.error(fields.line("expiration_date"), "expiration_date: must be after review_date")
    return values


def _read_disclosure(
    node: yaml.MappingNode, file: _FileReport, lines: dict[str, int]
) -> tuple[Disclosure, str | None, int]:
    """Read structured disclosures; return them, their notes (Markdown) and the notes' line."""
    fields = _Fields(node, DISCLOSURE_KEYS, file)
    people: list[Person] = []
    for index, (item, _value) in enumerate(fields.items("people") or []):
        lines[f"person:{index}"] = _line(item)
        if not isinstance(item, yaml.MappingNode):
            file.error(
                _line(item), "people: each person needs name, credentials, roles and relationships"
            )
            continue
        person = _Fields(item, PERSON_KEYS, file)
        name = person.text("name", required=False)
        if name is None and "name" not in person:
            file.error(_line(item), "people: missing required key 'name'")
        credentials = person.text("credentials") or ""
        roles: list[str] = []
        role_items = person.items("roles")
        for role_node, value in role_items or []:
            role = _check_choice(value, "roles", DISCLOSURE_ROLES, _line(role_node), file)
            if role is not None and role not in roles:
                roles.append(role)
        if "roles" not in person or (role_items is not None and not role_items):
            file.error(
                _line(item),
                f"people: list the roles of {name or 'this person'} "
                "(planner, author, reviewer or faculty)",
            )
        relationships: list[Relationship] = []
        if "relationships" not in person:
            file.error(
                _line(item),
                f"people: {name or 'this person'} needs 'relationships', "
                "a list of companies or 'none'",
            )
            lines[f"person:{index}:missing"] = _line(item)
        else:
            raw = person.raw("relationships")
            if isinstance(raw, str) and raw.strip().lower() == "none":
                pass
            elif isinstance(person.values["relationships"], yaml.SequenceNode):
                for rel_node, _v in person.items("relationships") or []:
                    if not isinstance(rel_node, yaml.MappingNode):
                        file.error(
                            _line(rel_node), "relationships: each needs 'company' and 'nature'"
                        )
                        continue
                    rel = _Fields(rel_node, RELATIONSHIP_KEYS, file)
                    company = rel.text("company", required=False)
                    nature = rel.text("nature", required=False)
                    if company is None or nature is None:
                        file.error(
                            _line(rel_node), "relationships: each needs 'company' and 'nature'"
                        )
                        continue
                    lines[f"person:{index}:company:{len(relationships)}"] = rel.line("company")
                    relationships.append(Relationship(company, nature))
                if not relationships and not (person.items("relationships") or []):
                    file.error(
                        person.line("relationships"),
                        "relationships: write 'none' rather than an empty list",
                    )
            else:
                file.error(
                    person.line("relationships"),
                    "relationships: must be a list of companies or 'none'",
                )
        if name is not None:
            people.append(Person(name, credentials, tuple(roles), tuple(relationships)))
    if "people" not in fields:
        file.error(
            _line(node), "disclosures: list the planners, authors and reviewers under 'people'"
        )
    for key in ("mitigation", "commercial_support", "notes", "people"):
        if key in fields:
            lines[f"disclosures.{key}"] = fields.key_line(key)
    disclosure = Disclosure(
        people=tuple(people),
        mitigation=fields.text("mitigation"),
        commercial_support=fields.text("commercial_support"),
    )
    notes = fields.text("notes")
    return disclosure, notes, fields.line("notes") if notes is not None else 1


def _read_cover(
    fields: _Fields,
    course_dir: Path,
    media: dict[str, MediaFile],
    media_url: MediaUrl,
    slug: str,
    file: _FileReport,
) -> Cover | None:
    """Check the cover image and its alt text; return the cover, or None without one."""
    alt = _read_cover_alt(fields, file)
    if "cover" not in fields:
        if alt is not None:
            file.error(fields.key_line("cover_alt"), "cover_alt: give a cover image first (cover)")
        return None
    written = fields.text("cover", max_length=MAX_MEDIA_PATH)
    if written is None:
        return None
    line = fields.line("cover")
    if alt is None and "cover_alt" not in fields:
        file.error(
            line,
            'cover needs alt text (cover_alt), or cover_alt: "" for a purely decorative image',
        )
    path = posixpath.normpath(written)
    if written.startswith("/") or path == ".." or path.startswith("../"):
        file.error(line, f"cover image {written} must be a file in the course's media/ folder")
        return None
    if path not in media:
        if (course_dir / path).is_file():
            file.error(line, f"cover image {written} must be in the course's media/ folder")
        else:
            file.error(line, f"cover image {written} not found")
        return None
    found = media[path]
    if found.content_type not in COVER_TYPES:
        file.error(line, f"cover image {written} is not an image: use PNG, JPEG, GIF, WebP or SVG")
        return None
    try:
        width, height = image_size(course_dir / path, found.content_type)
    except ImageSizeError as error:
        file.error(line, f"cover image {written} {error}")
        return None
    if alt is None:
        return None
    return Cover(
        path=path,
        src=media_url(slug, path, found.sha256),
        sha256=found.sha256,
        width=width,
        height=height,
        alt=alt,
    )


def _read_cover_alt(fields: _Fields, file: _FileReport) -> str | None:
    """Return the cover's alt text: "" when the author marked the image decorative."""
    value = fields.raw("cover_alt")
    if value is _MISSING:
        return None
    if isinstance(value, str) and not value.strip():
        return ""
    return fields.text("cover_alt", max_length=MAX_COVER_ALT)


def _media_files(course_dir: Path, files: Sequence[str]) -> dict[str, MediaFile]:
    media: dict[str, MediaFile] = {}
    for relpath in files:
        if not relpath.startswith(f"{MEDIA_DIR}/"):
            continue
        data = (course_dir / relpath).read_bytes()
        content_type = mimetypes.guess_type(relpath)[0] or "application/octet-stream"
        media[relpath] = MediaFile(
            relpath, hashlib.sha256(data).hexdigest(), len(data), content_type
        )
    return media


# --------------------------------------------------------------------------- editions

_KIND_NAMES = {
    "single": "a single-choice question",
    "multiple": "a select-all question",
    "short": "a short-answer question",
    "text": "a written-answer question",
}


def edition_files(files: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Return a course's edition files as {relpath: (stem, language)}; they are never pages."""
    found: dict[str, tuple[str, str]] = {}
    for relpath in files:
        match = EDITION_FILE_RE.fullmatch(relpath) if "/" not in relpath else None
        # Only editions of course.md or of a page: "notes.es.md" is ignored like "notes.md".
        if match is not None and (
            f"{match['stem']}.md" == COURSE_FILE or PAGE_FILE_RE.fullmatch(f"{match['stem']}.md")
        ):
            found[relpath] = (match["stem"], match["language"])
    return found


def is_source_file(name: str) -> bool:
    """Tell whether a file name at the top of a course folder is one of its Markdown sources."""
    return (
        name == COURSE_FILE
        or PAGE_FILE_RE.fullmatch(name) is not None
        or bool(edition_files([name]))
    )


@dataclass
class _Primary:
    """What editions translate: course.md's words and the primary pages, compiled."""

    prefix: str
    language: str
    values: dict[str, Any]
    has_overview: bool
    cover_alt: str | None  # None without a cover or with a decorative one
    disclosure_words: frozenset[str]  # which of DISCLOSURE_EDITION_KEYS course.md gives
    page_files: dict[str, _PageFile]  # by slug
    pages: dict[str, Page]  # by slug; pages that failed to compile are missing


def _compile_editions(
    course_dir: Path,
    primary: _Primary,
    found: dict[str, tuple[str, str]],
    renderer: _Renderer,
    report: _Report,
) -> dict[str, CourseEdition]:
    """Check and compile every edition of the course, pairing it with the primary."""
    by_language: dict[str, dict[str, str]] = {}
    for relpath, (stem, language) in found.items():
        by_language.setdefault(language, {})[stem] = relpath
    editions: dict[str, CourseEdition] = {}
    for language, stems in sorted(by_language.items()):
        edition = _compile_edition(course_dir, primary, language, stems, renderer, report)
        if edition is not None:
            editions[language] = edition
    return editions


def _compile_edition(
    course_dir: Path,
    primary: _Primary,
    language: str,
    stems: dict[str, str],
    renderer: _Renderer,
    report: _Report,
) -> CourseEdition | None:
    prefix = primary.prefix
    course_stem = COURSE_FILE.removesuffix(".md")
    course_relpath = stems.get(course_stem)
    if language == primary.language or len(language) > MAX_LANGUAGE:
        first = course_relpath or sorted(stems.values())[0]
        reason = (
            f"'{language}' is the course's own language (course.md: language: "
            f"{primary.language}); an edition is for another language"
            if language == primary.language
            else f"the language tag '{language}' is longer than {MAX_LANGUAGE} characters"
        )
        report.add(f"{prefix}/{first}", 1, f"this file's name makes it an edition, but {reason}")
        return None
    if course_relpath is None:
        for relpath in sorted(stems.values()):
            report.add(
                f"{prefix}/{relpath}",
                1,
                f"no course.{language}.md: an edition starts with course.{language}.md, "
                f"which gives the course's title and summary in '{language}'",
            )
        return None
    words = _compile_course_edition(course_dir, primary, language, course_relpath, renderer, report)

    translated = {}  # page slug -> edition relpath
    for stem, relpath in sorted(stems.items()):
        match = PAGE_FILE_RE.fullmatch(f"{stem}.md")
        if stem != course_stem and match is not None:
            translated.setdefault(match["name"], relpath)
    for slug, page_file in primary.page_files.items():
        if slug not in translated:
            stem = page_file.filename.removesuffix(".md")
            report.add(
                f"{prefix}/{page_file.filename}",
                1,
                f"page has no '{language}' edition: write {stem}.{language}.md "
                f"(course.{language}.md offers the course in '{language}', "
                "so every page needs its pair)",
            )

    # A primary page with its own errors may have dropped a question, so pairing against it
    # would report the author's one mistake again in every edition: fix the primary first.
    broken = {item.path for item in report.items if item.severity == "error"}
    pages: dict[str, PageEdition] = {}
    for stem, relpath in sorted(stems.items()):
        if stem == course_stem:
            continue
        file = report.for_file(f"{prefix}/{relpath}")
        match = PAGE_FILE_RE.fullmatch(f"{stem}.md")
        target = primary.page_files.get(match["name"]) if match is not None else None
        if target is None:
            file.error(
                1,
                f"no page {stem}.md for this edition to translate: "
                "a page in one language needs its pair in the other",
            )
            continue
        if target.filename != f"{stem}.md":
            file.error(
                1,
                f"this translates {target.filename}: name it "
                f"{target.filename.removesuffix('.md')}.{language}.md so the two pair up",
            )
            continue
        source = _read_source(course_dir / relpath, file.path, report)
        page = primary.pages.get(target.slug)
        if source is None or page is None:
            continue
        pair = f"{prefix}/{target.filename}" not in broken
        edition = _compile_page_edition(page, source, renderer, file, pair_questions=pair)
        if edition is not None:
            pages[target.slug] = edition
    if words is None:
        return None
    return CourseEdition(language=language, pages=pages, **words)


def _compile_course_edition(
    course_dir: Path,
    primary: _Primary,
    language: str,
    relpath: str,
    renderer: _Renderer,
    report: _Report,
) -> dict[str, Any] | None:
    """Check course.<language>.md against course.md; return its words."""
    file = report.for_file(f"{primary.prefix}/{relpath}")
    source = _read_source(course_dir / relpath, file.path, report)
    if source is None:
        return None
    fields = _Fields(source.front, COURSE_KEYS, file)
    for key in fields.keys:
        if key == "language":
            if fields.raw("language") != language:
                file.error(
                    fields.line("language"),
                    f"language: this is the '{language}' edition (its file name says so): "
                    f"write language: {language}, or leave the key out",
                )
        elif key not in COURSE_EDITION_KEYS:
            file.error(
                fields.key_line(key),
                f"`{key}` belongs in course.md; an edition only translates words",
            )
    words: dict[str, Any] = {
        "title": fields.text("title", required=True, max_length=MAX_TITLE),
        "summary": fields.text("summary", required=True),
    }
    objectives = _read_objectives(fields, file)
    wanted = len(primary.values.get("objectives") or ())
    if "objectives" in fields and len(objectives) != wanted:
        file.error(
            fields.line("objectives"),
            f"objectives: course.md lists {wanted} and this edition {len(objectives)}: "
            "translate each one, in the same order",
        )
    elif "objectives" not in fields and wanted:
        file.warning(
            1,
            f"objectives: course.md lists {wanted}; translate them here (until then "
            f"learners reading in '{language}' see them in '{primary.language}')",
        )
    words["objectives"] = tuple(objectives)
    for key in ("requirements", "accreditation", "content_note"):
        words[key] = fields.text(key)
        _pair_word(key, primary.values.get(key) is not None, fields, file, language, primary)
    words.update(_read_edition_disclosures(fields, source, language, primary, renderer, file))
    words["cover_alt"] = _read_cover_alt(fields, file) or None
    # A decorative cover (cover_alt: "") needs no translation, but may say so again.
    _pair_word(
        "cover_alt",
        primary.cover_alt is not None,
        fields,
        file,
        language,
        primary,
        wanted=bool(primary.cover_alt),
    )
    words["overview_html"] = renderer.markdown(source.body, source, source.body_line)
    if primary.has_overview and not words["overview_html"]:
        file.warning(
            source.body_line,
            "course.md has a description (its text after the front matter); "
            "translate it below this file's front matter",
        )
    if words["title"] is None or words["summary"] is None:
        return None
    return words


def _read_edition_disclosures(
    fields: _Fields,
    source: _Source,
    language: str,
    primary: _Primary,
    renderer: _Renderer,
    file: _FileReport,
) -> dict[str, Any]:
    """Read the disclosures' words of course.<language>.md; compile its notes like course.md's."""
    node = fields.values.get("disclosures")
    words: dict[str, Any] = {"commercial_support": None, "disclosures_html": None}
    if node is not None and not isinstance(node, yaml.MappingNode):
        file.error(
            fields.line("disclosures"),
            "disclosures: an edition translates only "
            + " and ".join(f"'{key}'" for key in DISCLOSURE_EDITION_KEYS)
            + ", written under disclosures:",
        )
        return words
    inner = _Fields(node, DISCLOSURE_KEYS, file)
    for key in inner.keys:
        if key not in DISCLOSURE_EDITION_KEYS:
            file.error(
                inner.key_line(key),
                f"`disclosures.{key}` belongs in course.md; an edition only translates words",
            )
    words["commercial_support"] = inner.text("commercial_support")
    notes = inner.text("notes")
    if notes is not None:
        words["disclosures_html"] = renderer.markdown(notes, source, inner.line("notes")) or None
    for key in DISCLOSURE_EDITION_KEYS:
        _pair_word(
            key,
            key in primary.disclosure_words,
            inner,
            file,
            language,
            primary,
            label=f"disclosures.{key}",
        )
    return words


def _pair_word(
    key: str,
    in_primary: bool,
    fields: _Fields,
    file: _FileReport,
    language: str,
    primary: _Primary,
    *,
    wanted: bool | None = None,
    label: str | None = None,
) -> None:
    """Report a word the edition translates that course.md lacks, or one it leaves out."""
    label = label or key
    if key in fields and not in_primary:
        file.error(fields.key_line(key), f"{label}: course.md has none to translate")
    elif key not in fields and (in_primary if wanted is None else wanted):
        file.warning(
            1,
            f"{label}: course.md has one; translate it here (until then learners reading in "
            f"'{language}' see it in '{primary.language}')",
        )


def _compile_page_edition(
    page: Page,
    source: _Source,
    renderer: _Renderer,
    file: _FileReport,
    *,
    pair_questions: bool = True,
) -> PageEdition | None:
    """Check a page's edition against the page; return its words."""
    fields = _Fields(source.front, PAGE_KEYS, file)
    title = fields.text("title", required=True, max_length=MAX_TITLE)
    content_note = fields.text("content_note")
    settings = {
        "kind": page.kind,
        "minutes": page.minutes,
        "required": page.required,
        "passing_score": page.passing_score,
        "max_attempts": page.max_attempts,
        "shuffle": page.shuffle,
        "role": page.role,
    }
    for key in fields.keys:
        if key in PAGE_EDITION_KEYS:
            continue
        value = fields.raw(key)
        if value != settings[key] or type(value) is not type(settings[key]):
            shown = "nothing" if settings[key] is None else repr(settings[key])
            file.error(
                fields.key_line(key),
                f"{key}: {page.filename} says {shown}; an edition only translates words, "
                f"so leave {key} out here",
            )
    if page.content_note and "content_note" not in fields:
        file.error(1, f"content_note: {page.filename} has a content note; translate it here")
    elif "content_note" in fields and not page.content_note:
        file.error(
            fields.key_line("content_note"),
            f"content_note: {page.filename} has no content note; add it there first",
        )

    questions: list[Question] = []
    if page.kind == "lesson":
        html = renderer.markdown(source.body, source, source.body_line)
        if page.html and not html:
            file.error(1, f"page has no text: translate the text of {page.filename} here")
    else:
        intro, raws = _split_questions(source)
        html = renderer.markdown(intro, source, source.body_line)
        compiled = [
            (raw, _compile_question(number, raw, page.kind, source, renderer, file))
            for number, raw in enumerate(raws[:MAX_QUESTIONS], start=1)
        ]
        end = len(source.lines) - (source.lines[-1] == "")
        if pair_questions:
            _pair_questions(page, compiled, end, file)
        questions = [question for _raw, question in compiled if question is not None]
    if title is None:
        return None
    return PageEdition(
        title=title, html=html, content_note=content_note, questions=tuple(questions)
    )


def _letters(question: Question) -> str:
    return ", ".join(option.id for option in question.options if option.correct) or "none"


def _pair_questions(
    page: Page,
    compiled: list[tuple[_RawQuestion, Question | None]],
    end_line: int,
    file: _FileReport,
) -> None:
    """Report each question that differs from its pair (same position) in the primary page."""
    theirs = {question.id: question for question in page.questions}
    where = page.filename
    for number, (raw, question) in enumerate(compiled, start=1):
        pair = theirs.get(f"q{number}")
        if pair is None:
            file.error(
                raw.line,
                f"question {number} has no pair in {where}, which has "
                f"{len(page.questions)}: each question needs its pair in the other language",
            )
            continue
        if question is None:
            continue
        if question.kind != pair.kind:
            file.error(
                raw.line,
                f"question {number} is {_KIND_NAMES[question.kind]} here but "
                f"{_KIND_NAMES[pair.kind]} in {where} (line {pair.line}): "
                "ask the same kind of question in every edition",
            )
            continue
        if question.kind in ("single", "multiple"):
            if len(question.options) != len(pair.options):
                file.error(
                    raw.line,
                    f"question {number} has {len(question.options)} options here and "
                    f"{len(pair.options)} in {where} (line {pair.line}): "
                    "give the same options, in the same order",
                )
            elif _letters(question) != _letters(pair):
                file.error(
                    raw.line,
                    f"question {number}: the correct options here ({_letters(question)}) "
                    f"differ from {where} (line {pair.line}: {_letters(pair)}); "
                    "mark the same letters",
                )
        if question.required != pair.required:
            marked, unmarked = (where, "here") if pair.required else ("here", where)
            file.error(
                raw.line,
                f"question {number} is marked (required) {'in ' if marked == where else ''}"
                f"{marked} but not {'in ' if unmarked == where else ''}{unmarked}: "
                "mark it the same way in every edition",
            )
    for pair in page.questions[len(compiled) :]:
        file.error(
            end_line,
            f"question {pair.id.removeprefix('q')} of {where} (line {pair.line}) is missing "
            "here: each question needs its pair in the other language",
        )


def _share_answers(
    pages: list[Page], editions: dict[str, CourseEdition]
) -> tuple[list[Page], dict[str, CourseEdition]]:
    """Let each short-answer question accept the answers of every edition, not just its own."""
    accepted: dict[tuple[str, str], list[str]] = {}
    everywhere = [(page.slug, page.questions) for page in pages] + [
        (slug, page.questions)
        for edition in editions.values()
        for slug, page in edition.pages.items()
    ]
    for slug, questions in everywhere:
        for question in questions:
            if question.kind == "short":
                accepted.setdefault((slug, question.id), []).extend(question.answers)

    def share(slug: str, question: Question) -> Question:
        if question.kind != "short":
            return question
        own = {answer.casefold() for answer in question.answers}
        others: list[str] = []
        for answer in accepted[(slug, question.id)]:
            if answer.casefold() not in own:
                own.add(answer.casefold())
                others.append(answer)
        return dataclasses.replace(question, also_accepts=tuple(others))

    shared_pages = [
        dataclasses.replace(page, questions=tuple(share(page.slug, q) for q in page.questions))
        for page in pages
    ]
    shared_editions = {
        language: dataclasses.replace(
            edition,
            pages={
                slug: dataclasses.replace(
                    page, questions=tuple(share(slug, q) for q in page.questions)
                )
                for slug, page in edition.pages.items()
            },
        )
        for language, edition in editions.items()
    }
    return shared_pages, shared_editions


def load_course(
    course_dir: str | Path,
    *,
    root: str | Path | None = None,
    media_url: MediaUrl = default_media_url,
    page_url: PageUrl = default_page_url,
    provider_name: str | None = None,
    resources: Container[str] | None = None,
) -> tuple[Course | None, list[Diagnostic]]:
    """Check and compile one course folder; the course is None if any error was found.

    `provider_name` is the accredited provider the credit statements must name (the site's
    LMS_PROVIDER_NAME); None skips that one check. `resources` are the family resources'
    slugs that `resource:` links may name; None skips that check.
    """
    course_dir = Path(course_dir)
    root = Path(root) if root is not None else course_dir.parent
    try:
        prefix = course_dir.relative_to(root).as_posix()
    except ValueError:
        prefix = course_dir.name
    slug = course_dir.name
    report = _Report()
    course_file = report.for_file(f"{prefix}/{COURSE_FILE}")

    if not course_dir.is_dir():
        course_file.error(1, f"course folder not found: {course_dir}")
        return None, report.sorted()
    if not SLUG_RE.fullmatch(slug):
        course_file.error(
            1, f"folder name '{_printable(slug)}' is not a valid slug: slug must match [a-z0-9-]+"
        )
    elif len(slug) > MAX_SLUG:
        course_file.error(
            1, f"folder name is {len(slug)} characters; a slug may have at most {MAX_SLUG}"
        )
    files, links = _walk(course_dir)
    unnamed = [relpath for relpath in files + links if not _is_utf8(relpath)]
    for relpath in unnamed:
        report.add(
            f"{prefix}/{_printable(relpath)}", 1, "file name is not valid UTF-8; rename the file"
        )
    files = [relpath for relpath in files if relpath not in unnamed]
    links = [relpath for relpath in links if relpath not in unnamed]
    for relpath in files:
        if relpath.startswith(f"{MEDIA_DIR}/") and len(relpath) > MAX_MEDIA_PATH:
            report.add(
                f"{prefix}/{relpath}",
                1,
                f"media path is {len(relpath):,} characters; at most {MAX_MEDIA_PATH} are allowed",
            )
    for relpath in links:
        report.add(f"{prefix}/{relpath}", 1, "symbolic links are not allowed in a course")
    for relpath in files:
        top = relpath.split("/", 1)[0]
        if "/" in relpath and top != MEDIA_DIR:
            report.add(
                f"{prefix}/{relpath}", 1, "file ignored: only media/ may hold folders", "warning"
            )
    if COURSE_FILE not in files:
        course_file.error(1, "missing course.md")
        return None, report.sorted()

    editions_found = edition_files(files)
    page_files = _page_files(
        [relpath for relpath in files if relpath not in editions_found], prefix, report.for_file
    )
    media = _media_files(course_dir, files)
    page_slugs = {page.filename: page.slug for page in page_files}
    # A link to another page's edition leads to that page, shown in the reader's language.
    for relpath, (stem, _language) in editions_found.items():
        if f"{stem}.md" in page_slugs:
            page_slugs.setdefault(relpath, page_slugs[f"{stem}.md"])
    renderer = _Renderer(
        slug=slug,
        files=set(files),
        media=media,
        pages=page_slugs,
        media_url=media_url,
        page_url=page_url,
        report=report,
        resources=resources,
    )

    course_source = _read_source(course_dir / COURSE_FILE, course_file.path, report)
    values: dict[str, Any] = {}
    overview_html = disclosures_html = ""
    disclosure: Disclosure | None = None
    bibliography: list[str] = []
    lines: dict[str, int] = {}
    cover: Cover | None = None
    featured = False
    if course_source is not None:
        fields = _Fields(course_source.front, COURSE_KEYS, course_file)
        values = _read_course_fields(fields, course_file)
        lines = values.pop("lines")
        disclosures_node = fields.values.get("disclosures")
        if isinstance(disclosures_node, yaml.MappingNode):
            disclosure, notes, notes_line = _read_disclosure(disclosures_node, course_file, lines)
            if notes is not None:
                disclosures_html = renderer.markdown(notes, course_source, notes_line)
        else:
            disclosures = fields.text("disclosures")
            if disclosures is not None:
                disclosures_html = renderer.markdown(
                    disclosures, course_source, fields.line("disclosures")
                )
        for node, value in fields.items("bibliography") or []:
            if isinstance(value, str) and value.strip():
                bibliography.append(renderer.inline(value.strip(), course_source, _line(node)))
            else:
                course_file.error(_line(node), "bibliography: each source must be text")
        overview_html = renderer.markdown(
            course_source.body, course_source, course_source.body_line
        )
        cover = _read_cover(fields, course_dir, media, media_url, slug, course_file)
        featured = bool(fields.boolean("featured"))
    passing_score = values.get("passing_score")
    passing_score = 80 if passing_score is None else passing_score

    if not page_files:
        course_file.error(1, "course has no pages: add files named like 01-introduction.md")
    if len(page_files) > MAX_PAGES:
        course_file.error(1, f"course has {len(page_files):,} pages; the limit is {MAX_PAGES}")
    pages: list[Page] = []
    slugs: dict[str, str] = {}
    evaluation: str | None = None
    for position, page_file in enumerate(page_files, start=1):
        relpath = f"{prefix}/{page_file.filename}"
        file = report.for_file(relpath)
        if page_file.slug in slugs:
            file.error(1, f"duplicate page slug '{page_file.slug}' (also {slugs[page_file.slug]})")
        slugs.setdefault(page_file.slug, page_file.filename)
        source = _read_source(course_dir / page_file.filename, relpath, report)
        if source is None:
            continue
        page, evaluation_line = _compile_page(
            page_file, position, source, passing_score, renderer, file
        )
        if evaluation_line is not None:
            if evaluation is not None:
                file.error(
                    evaluation_line,
                    f"kind: a course has one evaluation page, and {evaluation} is already one",
                )
            evaluation = evaluation or page_file.filename
        if page is not None:
            pages.append(page)

    editions: dict[str, CourseEdition] = {}
    if course_source is not None and editions_found:
        primary = _Primary(
            prefix=prefix,
            language=values["language"],
            values=values,
            has_overview=bool(overview_html),
            cover_alt=cover.alt if cover is not None else None,
            disclosure_words=frozenset(
                key
                for key, given in (
                    ("commercial_support", disclosure and disclosure.commercial_support),
                    ("notes", disclosures_html),
                )
                if given
            ),
            page_files={page.slug: page for page in reversed(page_files)},
            pages={page.slug: page for page in pages},
        )
        editions = _compile_editions(course_dir, primary, editions_found, renderer, report)
        pages, editions = _share_answers(pages, editions)

    if course_source is not None:
        candidate = Course(
            slug=slug,
            title=values["title"] or "",
            summary=values["summary"] or "",
            estimated_minutes=values["estimated_minutes"],
            release_date=values["release_date"],
            expiration_date=values["expiration_date"],
            objectives=values["objectives"],
            credits=values["credits"],
            accreditation=values["accreditation"],
            passing_score=passing_score,
            pages=tuple(pages),
            designation=values["designation"],
            moc_statement=values["moc_statement"],
            ancc_statement=values["ancc_statement"],
            pars_activity_id=values["pars_activity_id"],
            target_audience=values["target_audience"],
            review_date=values["review_date"],
            learning_format=values["learning_format"],
            requirements=values["requirements"],
            bibliography_html=tuple(bibliography),
            disclosure=disclosure,
        )
        # Accreditors' rules, for courses that offer continuing-education credit.
        report.items.extend(
            compliance.check_course(
                candidate,
                course_path=course_file.path,
                prefix=prefix,
                lines=lines,
                provider_name=provider_name,
            )
        )

    diagnostics = report.sorted()
    if report.has_errors or course_source is None:
        return None, diagnostics
    course = Course(
        slug=slug,
        title=values["title"],
        summary=values["summary"],
        audience=values["audience"],
        language=values["language"],
        estimated_minutes=values["estimated_minutes"],
        release_date=values["release_date"],
        expiration_date=values["expiration_date"],
        valid_for_months=values["valid_for_months"],
        # Checked across courses (unknown slugs, cycles) by check_prerequisites, not here.
        requires=tuple(slug for slug, _line in read_requires(course_dir / COURSE_FILE) or ()),
        objectives=values["objectives"],
        credits=values["credits"],
        accreditation=values["accreditation"],
        disclosures_html=disclosures_html or None,
        passing_score=passing_score,
        content_note=values["content_note"],
        overview_html=overview_html,
        pages=tuple(pages),
        media=media,
        content_hash=compute_content_hash(course_dir),
        designation=values["designation"],
        moc_statement=values["moc_statement"],
        ancc_statement=values["ancc_statement"],
        pars_activity_id=values["pars_activity_id"],
        target_audience=values["target_audience"],
        review_date=values["review_date"],
        learning_format=values["learning_format"],
        requirements=values["requirements"],
        bibliography_html=tuple(bibliography),
        disclosure=disclosure,
        cover=cover,
        featured=featured,
        editions=editions,
    )
    return course, diagnostics


# Below this much Markdown, starting worker processes costs more than compiling on one core.
PARALLEL_MIN_BYTES = 512 * 1024


def _source_bytes(folder: Path) -> int:
    """Return how many bytes of Markdown a course folder holds (its compile cost)."""
    return sum(path.stat().st_size for path in folder.rglob("*.md") if path.is_file())


def _compile_all(
    folders: Sequence[Path], workers: int, **options: Any
) -> list[tuple[Course | None, list[Diagnostic]]]:
    """Compile course folders, across `workers` processes when the work is worth it."""
    sizes = {folder: _source_bytes(folder) for folder in folders} if workers > 1 else {}
    if workers <= 1 or len(folders) < 2 or sum(sizes.values()) < PARALLEL_MIN_BYTES:
        return [load_course(folder, **options) for folder in folders]
    # Compiling is pure Python (Markdown, YAML, nh3): threads would share one core under the
    # GIL, processes use them all. "forkserver" forks from a clean process that has imported
    # the loader once, never from this one, which may hold database connections and threads.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["lms.content.loader"])
    # The biggest courses first, so that no worker is left with one large course at the end.
    order = sorted(folders, key=lambda folder: -sizes[folder])
    with ProcessPoolExecutor(max_workers=min(workers, len(folders)), mp_context=context) as pool:
        futures = {folder: pool.submit(load_course, folder, **options) for folder in order}
        return [futures[folder].result() for folder in folders]


def cpu_workers() -> int:
    """Return how many processes can compile at once here: one per usable core."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def check_courses(
    root: str | Path,
    *,
    media_url: MediaUrl = default_media_url,
    page_url: PageUrl = default_page_url,
    skip: Container[str] = (),
    provider_name: str | None = None,
    resources: Container[str] | None = None,
    workers: int = 1,
) -> tuple[list[Course], list[Diagnostic]]:
    """Check and compile every course folder under root, skipping names starting . or _.

    Folders named in `skip` take part in the duplicate-slug check but are not compiled (the
    publisher passes those whose content is already live). With `workers` above one, a large
    set of courses compiles in that many processes; the result is the same either way.
    """
    root = Path(root)
    if not root.is_dir():
        return [], [Diagnostic(".", 1, f"courses folder not found: {root}")]
    courses: list[Course] = []
    diagnostics: list[Diagnostic] = []
    seen: dict[str, str] = {}
    to_compile: list[tuple[Path, str | None]] = []
    # Valid names first, so that of "intro" and "Intro" the invalid one is the duplicate.
    folders = sorted(root.iterdir(), key=lambda path: (not SLUG_RE.fullmatch(path.name), path.name))
    for folder in folders:
        name = folder.name
        if name.startswith((".", "_")) or not folder.is_dir():
            continue
        if folder.is_symlink():
            diagnostics.append(Diagnostic(name, 1, "symbolic links are not allowed for courses"))
            continue
        if not _is_utf8(name):
            diagnostics.append(
                Diagnostic(_printable(name), 1, "folder name is not valid UTF-8; rename the folder")
            )
            continue
        # Two names that differ only by case collide on case-insensitive file systems and URLs.
        key = name.casefold()
        if name in skip and key not in seen:
            seen[key] = name
            continue
        to_compile.append((folder, seen.get(key)))
        seen.setdefault(key, name)
    compiled = _compile_all(
        [folder for folder, _ in to_compile],
        workers,
        root=root,
        media_url=media_url,
        page_url=page_url,
        provider_name=provider_name,
        resources=resources,
    )
    for (folder, duplicate_of), (course, found) in zip(to_compile, compiled, strict=True):
        diagnostics.extend(found)
        if duplicate_of is not None:
            diagnostics.append(
                Diagnostic(
                    f"{folder.name}/{COURSE_FILE}",
                    1,
                    f"duplicate slug '{folder.name.casefold()}' (also {duplicate_of})",
                )
            )
            continue
        if course is not None:
            courses.append(course)
    diagnostics.extend(check_prerequisites(root, seen.values()))
    courses.sort(key=lambda course: course.slug)
    diagnostics.sort(key=lambda item: (item.path, item.line))
    return courses, diagnostics


load_courses = check_courses
