"""Read the family resources folder, check it against the authoring format and compile it.

The folder holds one Markdown file per resource and language, and a media/ folder:

    resources/calm-routines.md       the primary edition: every setting, in its language
    resources/calm-routines.es.md    its pair in Spanish: only the words
    resources/media/routines.pdf     a printable handout

Like courses, nothing here raises on bad content: each problem is a Diagnostic at the file and
line to fix, and a resource with any error (in either edition) does not compile.
"""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import re
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lms.content.loader import (
    MAX_SLUG,
    MAX_TITLE,
    SLUG_RE,
    _check_choice,
    _Fields,
    _FileReport,
    _line,
    _LineFinder,
    _printable,
    _read_source,
    _Report,
    _Source,
    _walk,
)
from lms.content.markdown import images_missing_alt, render_markdown
from lms.content.model import Diagnostic, MediaFile

# The fixed vocabularies. Their words for readers live in lms/resources/vocabulary.py.
RESOURCE_TYPES = ("article", "infographic", "tip-sheet", "video")
TOPICS = (
    "toxic-stress",
    "resilience",
    "routines",
    "talking-with-children",
    "self-care-for-caregivers",
    "play-and-connection",
    "big-feelings",
    "sleep",
)
AGE_RANGES = ("0-5", "6-12", "13-18")
LANGUAGES = ("en", "es")
HANDOUT_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/webp")

MEDIA_DIR = "media"
RESOURCE_FILE_RE = re.compile(r"(?P<slug>[^./]+)(?:\.(?P<language>[a-z]{2,3}))?\.md")

PRIMARY_KEYS = (
    "title",
    "summary",
    "type",
    "topics",
    "ages",
    "reading_level",
    "language",
    "pair",
    "handout",
    "handout_alt",
    "video_url",
)
# A pair says its own words; type, topics and ages are one resource's and come from the primary.
EDITION_KEYS = ("title", "summary", "reading_level", "handout", "handout_alt", "video_url")
MAX_SUMMARY = 400  # two plain sentences
MAX_ALT = 500
MAX_URL = 2000

ResourceUrl = Callable[[str], str]
"""``resource_url(slug)`` gives the address of a resource, in the reader's language."""
MediaUrl = Callable[[str, str], str]
"""``media_url(relpath, sha256)`` gives the address of a file under media/."""


def default_resource_url(slug: str) -> str:
    """Return the public address of a resource, which picks the reader's language."""
    return f"/resources/{slug}"


def default_media_url(relpath: str, sha256: str) -> str:
    """Return the address a media file is served from (the courses' media route)."""
    return f"/media/{sha256}/{relpath.rsplit('/', 1)[-1]}"


@dataclass(frozen=True)
class Handout:
    """A printable file that goes with a resource, and the words that stand in for it."""

    media: MediaFile
    alt: str


@dataclass(frozen=True)
class ResourceEdition:
    """One language's edition of a family resource, compiled."""

    slug: str
    language: str
    title: str
    summary: str
    kind: str
    topics: tuple[str, ...]
    ages: tuple[str, ...]
    reading_level: int
    body_html: str
    pair_language: str | None = None
    video_url: str | None = None
    handout: Handout | None = None


@dataclass
class Resource:
    """A family resource: its editions (one per language) and the hash of its files."""

    slug: str
    editions: list[ResourceEdition] = field(default_factory=list)
    content_hash: str = ""
    media: list[MediaFile] = field(default_factory=list)


def resource_slugs(root: Path) -> set[str]:
    """Return the slug of every resource file under `root`, broken or not (for lesson links)."""
    if not root.is_dir():
        return set()
    return {
        match["slug"]
        for path in root.iterdir()
        if path.is_file() and (match := RESOURCE_FILE_RE.fullmatch(path.name))
    }


def _media(root: Path, files: Sequence[str]) -> dict[str, MediaFile]:
    media: dict[str, MediaFile] = {}
    for relpath in files:
        if relpath.startswith(f"{MEDIA_DIR}/"):
            data = (root / relpath).read_bytes()
            content_type = mimetypes.guess_type(relpath)[0] or "application/octet-stream"
            media[relpath] = MediaFile(
                relpath, hashlib.sha256(data).hexdigest(), len(data), content_type
            )
    return media


@dataclass
class _Context:
    prefix: str
    media: dict[str, MediaFile]
    slugs: Container[str]
    media_url: MediaUrl
    resource_url: ResourceUrl
    report: _Report


def _render_body(source: _Source, context: _Context) -> str:
    file = context.report.for_file(source.relpath)
    problems: list[tuple[str, str]] = []
    written: dict[str, str] = {}  # emitted URL -> URL as the author wrote it

    def resolve(url: str) -> str | None:
        result, problem = _resolve(url)
        if problem is not None:
            problems.append((url, problem))
        if result is not None:
            written.setdefault(result, url)
        return result

    def _resolve(url: str) -> tuple[str | None, str | None]:
        parts = urlsplit(url)
        if parts.scheme == "resource":
            slug = parts.path
            if slug not in context.slugs:
                return None, f"no resource is named '{slug}': {url}"
            return context.resource_url(slug), None
        if parts.scheme or parts.netloc or not parts.path:
            return url, None
        target = posixpath.normpath(unquote(parts.path))
        if target in context.media:
            return context.media_url(target, context.media[target].sha256), None
        return None, f"link target not found (use media/... or resource:slug): {url}"

    html = render_markdown(source.body, resolve, extra_schemes=("resource",))
    finder = _LineFinder(source.lines, source.body_line)
    for url, problem in problems:
        file.error(finder.find(url), problem)
    if "<img" in html:
        for src in images_missing_alt(html):
            # Families read these on phones with screen readers: alt text is not optional here.
            file.error(finder.find(written.get(src, src)), "image has no alt text")
    if not source.body.strip():
        file.error(
            source.body_line,
            "the resource has no text: write it below the front matter (for a video or an "
            "infographic, its text alternative)",
        )
    return html


def _read_handout(
    fields: _Fields, file: _FileReport, context: _Context
) -> tuple[Handout | None, bool]:
    """Return the handout, and whether reading it went without errors."""
    path = fields.text("handout", max_length=300)
    alt = fields.text("handout_alt", max_length=MAX_ALT)
    if path is None:
        if "handout_alt" in fields:
            file.error(fields.line("handout_alt"), "handout_alt: there is no handout to describe")
            return None, False
        return None, "handout" not in fields
    relpath = posixpath.normpath(path)
    media = context.media.get(relpath)
    if media is None:
        file.error(fields.line("handout"), f"handout: file not found: {path} (put it in media/)")
        return None, False
    if media.content_type not in HANDOUT_TYPES:
        file.error(
            fields.line("handout"),
            f"handout: must be a PDF, PNG, JPEG or WebP file, not {media.content_type}",
        )
        return None, False
    if alt is None:
        file.error(
            fields.line("handout"),
            "handout: missing alt text: add 'handout_alt:' with what the handout shows or says, "
            "for readers who cannot see it",
        )
        return None, False
    return Handout(media, alt), True


def _read_video_url(fields: _Fields, file: _FileReport) -> str | None:
    url = fields.text("video_url", max_length=MAX_URL)
    if url is not None and urlsplit(url).scheme != "https":
        file.error(fields.line("video_url"), "video_url: must be an https:// address")
        return None
    return url


def _read_words(fields: _Fields, file: _FileReport, context: _Context) -> dict[str, object]:
    reading_level = fields.integer("reading_level", low=1, high=12)
    if reading_level is None and "reading_level" not in fields:
        file.error(1, "missing required key 'reading_level' (a US school grade, 1 to 12)")
    handout, _ok = _read_handout(fields, file, context)
    return {
        "title": fields.text("title", required=True, max_length=MAX_TITLE),
        "summary": fields.text("summary", required=True, max_length=MAX_SUMMARY),
        "reading_level": reading_level,
        "handout": handout,
        "video_url": _read_video_url(fields, file),
    }


def _read_list(fields: _Fields, key: str, choices: Sequence[str], file: _FileReport) -> list[str]:
    items = fields.items(key)
    if items is None:
        if key not in fields:
            file.error(1, f"missing required key '{key}' (one or more of {', '.join(choices)})")
        return []
    if not items:
        file.error(fields.line(key), f"{key}: list at least one of {', '.join(choices)}")
    found: list[str] = []
    for node, value in items:
        if isinstance(value, int) and key == "ages":
            value = str(value)
        choice = _check_choice(value, key, choices, _line(node), file)
        if choice is not None and choice not in found:
            found.append(choice)
    return found


def _compile_resource(
    slug: str, files: dict[str | None, str], root: Path, context: _Context
) -> Resource | None:
    """Compile one resource's files ({language or None: relpath}); None if any has errors."""
    report = context.report
    before = len([d for d in report.items if d.severity == "error"])
    primary_relpath = files.get(None)
    if primary_relpath is None:
        for language, relpath in files.items():
            report.add(
                f"{context.prefix}/{relpath}",
                1,
                f"this is the {language} edition of '{slug}', but {slug}.md is missing: "
                "every resource needs a primary edition with its settings",
            )
        return None
    file = report.for_file(f"{context.prefix}/{primary_relpath}")
    if not SLUG_RE.fullmatch(slug) or len(slug) > MAX_SLUG:
        file.error(1, f"file name '{_printable(slug)}.md' must be a slug: [a-z0-9-]+, at most 100")
    source = _read_source(root / primary_relpath, file.path, report)
    if source is None:
        return None
    fields = _Fields(source.front, PRIMARY_KEYS, file)
    words = _read_words(fields, file, context)
    kind = fields.choice("type", RESOURCE_TYPES)
    if kind is None and "type" not in fields:
        file.error(1, f"missing required key 'type' (one of {', '.join(RESOURCE_TYPES)})")
    topics = _read_list(fields, "topics", TOPICS, file)
    ages = _read_list(fields, "ages", AGE_RANGES, file)
    language = fields.choice("language", LANGUAGES)
    if language is None and "language" not in fields:
        file.error(1, f"missing required key 'language' (one of {', '.join(LANGUAGES)})")
    pair = fields.choice("pair", LANGUAGES)
    if kind == "video" and words["video_url"] is None and "video_url" not in fields:
        file.error(fields.line("type"), "type: a video needs 'video_url:' with its address")
    if kind == "infographic" and words["handout"] is None and "handout" not in fields:
        file.error(fields.line("type"), "type: an infographic needs 'handout:', the image itself")
    body_html = _render_body(source, context)
    editions_found = {lang: path for lang, path in files.items() if lang is not None}
    if pair is not None:
        if pair == language:
            file.error(fields.line("pair"), f"pair: '{pair}' is this edition's own language")
        elif pair not in editions_found:
            file.error(
                fields.line("pair"),
                f"pair: the {pair} edition is declared but {slug}.{pair}.md is missing",
            )
    for other, relpath in editions_found.items():
        if other != pair:
            hint = (
                f"add 'pair: {other}' to {slug}.md"
                if other != language
                else f"{slug}.md is already in {other}"
            )
            report.add(
                f"{context.prefix}/{relpath}",
                1,
                f"this edition has no declared pair: {hint}",
            )
    editions: list[ResourceEdition] = []
    shared = {"slug": slug, "kind": kind or "", "topics": tuple(topics), "ages": tuple(ages)}
    if language is not None:
        editions.append(
            ResourceEdition(
                language=language,
                body_html=body_html,
                pair_language=pair if pair in editions_found and pair != language else None,
                **shared,  # type: ignore[arg-type]
                **words,  # type: ignore[arg-type]
            )
        )
    if pair is not None and pair in editions_found and pair != language:
        relpath = editions_found[pair]
        pair_file = report.for_file(f"{context.prefix}/{relpath}")
        pair_source = _read_source(root / relpath, pair_file.path, report)
        if pair_source is not None:
            pair_fields = _Fields(pair_source.front, EDITION_KEYS, pair_file)
            pair_words = _read_words(pair_fields, pair_file, context)
            if kind == "video" and pair_words["video_url"] is None:
                pair_words["video_url"] = words["video_url"]
            if (
                kind == "infographic"
                and pair_words["handout"] is None
                and "handout" not in pair_fields
            ):
                pair_file.error(1, "an infographic's pair needs its own 'handout:' image")
            editions.append(
                ResourceEdition(
                    language=pair,
                    body_html=_render_body(pair_source, context),
                    pair_language=language,
                    **shared,  # type: ignore[arg-type]
                    **pair_words,  # type: ignore[arg-type]
                )
            )
    if len([d for d in report.items if d.severity == "error"]) > before:
        return None
    digest = hashlib.sha256()
    used = [e.handout.media for e in editions if e.handout is not None]
    for relpath in sorted(files.values()):
        digest.update(relpath.encode() + b"\0" + (root / relpath).read_bytes() + b"\0")
    for media in used:
        digest.update(media.path.encode() + b"\0" + media.sha256.encode())
    return Resource(slug, editions, digest.hexdigest(), used)


def check_resources(
    root: str | Path,
    *,
    media_url: MediaUrl = default_media_url,
    resource_url: ResourceUrl = default_resource_url,
) -> tuple[list[Resource], list[Diagnostic]]:
    """Check and compile every resource under `root`; broken resources are left out."""
    root = Path(root)
    prefix = root.name
    report = _Report()
    if not root.is_dir():
        return [], [Diagnostic(prefix, 1, f"resources folder not found: {root}")]
    files, links = _walk(root)
    for relpath in links:
        report.add(f"{prefix}/{relpath}", 1, "symbolic links are not allowed for resources")
    grouped: dict[str, dict[str | None, str]] = {}
    for relpath in files:
        if relpath.startswith(f"{MEDIA_DIR}/"):
            continue
        match = RESOURCE_FILE_RE.fullmatch(relpath)
        if match is None:
            if relpath.endswith(".md"):
                report.add(
                    f"{prefix}/{_printable(relpath)}",
                    1,
                    "file name must be <slug>.md or <slug>.<language>.md, like calm-routines.es.md",
                )
            continue
        grouped.setdefault(match["slug"], {})[match["language"]] = relpath
    context = _Context(
        prefix=prefix,
        media=_media(root, files),
        slugs=set(grouped),
        media_url=media_url,
        resource_url=resource_url,
        report=report,
    )
    resources = [
        resource
        for slug in sorted(grouped)
        if (resource := _compile_resource(slug, grouped[slug], root, context)) is not None
    ]
    return resources, report.sorted()
