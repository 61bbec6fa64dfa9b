"""Read `paths/<slug>.md` (and `<slug>.es.md`), check them against the courses, compile once.

A path file is front matter (title, summary, the ordered `courses`, an optional participation
certificate) plus a Markdown description. Problems are reported as `path:line: severity:
message`, the path relative to the paths folder, like the courses' checker.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lms.content.loader import _Fields, _line, _read_source, _Report
from lms.content.markdown import render_markdown
from lms.content.model import Diagnostic
from lms.content.prerequisites import COURSE_FILE, find_cycle, read_requires
from lms.content.sources import EDITION_RE, primary_sources

PATH_KEYS = ("title", "summary", "language", "courses", "certificate", "certificate_title")
EDITION_KEYS = ("title", "summary", "language", "certificate_title")
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_TITLE = 300
MAX_COURSES = 50


@dataclass
class CompiledPath:
    """A checked path, ready to store: its words, its courses in order, its certificate."""

    slug: str
    title: str
    summary: str
    language: str
    course_slugs: list[str]
    body_html: str
    certificate_title: str | None  # None: the path gives no certificate
    content_hash: str
    editions: dict[str, dict[str, Any]] = field(default_factory=dict)


def course_requirements(courses_root: Path) -> dict[str, list[str]]:
    """Return every course folder's slug with the slugs its course.md requires."""
    found: dict[str, list[str]] = {}
    if not courses_root.is_dir():
        return found
    for folder in sorted(courses_root.iterdir()):
        course_md = folder / COURSE_FILE
        if folder.name.startswith((".", "_")) or not course_md.is_file():
            continue
        found[folder.name] = [slug for slug, _line in read_requires(course_md) or []]
    return found


def _hash(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        name = path.name.encode()
        data = path.read_bytes()
        digest.update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _check_courses(
    node: yaml.Node | None, requirements: dict[str, list[str]], file: Any
) -> list[str]:
    """Return the path's course slugs, reporting each problem at its item's line."""
    if not isinstance(node, yaml.SequenceNode):
        line = _line(node) if node is not None else 1
        file.error(line, "courses: list the path's course slugs, one per line, in order")
        return []
    if not node.value:
        file.error(_line(node), "courses: a path needs at least one course")
        return []
    if len(node.value) > MAX_COURSES:
        file.error(_line(node), f"courses: at most {MAX_COURSES} courses in one path")
        return []
    slugs: list[str] = []
    lines: dict[str, int] = {}
    for item in node.value:
        slug = item.value if isinstance(item, yaml.ScalarNode) else None
        if not isinstance(slug, str) or not slug.strip():
            file.error(_line(item), "courses: each item must be a course slug")
            continue
        slug = slug.strip()
        if slug in lines:
            file.error(_line(item), f"courses: '{slug}' is listed twice (also line {lines[slug]})")
            continue
        if slug not in requirements:
            file.error(_line(item), f"courses: there is no course '{slug}'")
            continue
        lines[slug] = _line(item)
        slugs.append(slug)
    position = {slug: index for index, slug in enumerate(slugs)}
    graph = {slug: [r for r in requirements[slug] if r in position] for slug in slugs}
    cycle = find_cycle(graph)
    if cycle:
        file.error(
            lines[cycle[0]],
            "courses: these courses require each other in a circle: " + " -> ".join(cycle),
        )
        return slugs
    for slug in slugs:
        for needed in requirements[slug]:
            if needed in position and position[needed] > position[slug]:
                file.error(
                    lines[slug],
                    f"courses: '{slug}' requires '{needed}', which comes later in this path;"
                    f" list '{needed}' first",
                )
            elif needed not in position:
                file.warning(
                    lines[slug],
                    f"courses: '{slug}' requires '{needed}', which is not in this path;"
                    " learners must complete it first",
                )
    return slugs


def load_path(
    path: Path, *, root: Path, requirements: dict[str, list[str]]
) -> tuple[CompiledPath | None, list[Diagnostic]]:
    """Check and compile one path file with its editions."""
    report = _Report()
    relpath = path.relative_to(root).as_posix()
    file = report.for_file(relpath)
    slug = path.name.removesuffix(".md")
    if not SLUG_RE.fullmatch(slug):
        file.error(1, "file name: use lowercase letters, digits and hyphens, ending in .md")
        return None, report.sorted()
    source = _read_source(path, relpath, report)
    if source is None:
        return None, report.sorted()
    fields = _Fields(source.front, PATH_KEYS, file)
    title = fields.text("title", required=True, max_length=MAX_TITLE)
    summary = fields.text("summary", required=True)
    language = fields.text("language", max_length=20) or "en"
    if "courses" in fields:
        slugs = _check_courses(fields.values["courses"], requirements, file)
    else:
        file.error(1, "missing required key 'courses'")
        slugs = []
    kind = fields.choice("certificate", ("participation",))
    certificate_title = fields.text("certificate_title", max_length=MAX_TITLE)
    if certificate_title and kind is None:
        file.error(
            fields.line("certificate_title"), "certificate_title: add certificate: participation"
        )
    if kind and not certificate_title:
        certificate_title = title
    body_html = render_markdown(source.body) if source.body.strip() else ""
    editions_found = [
        p
        for p in sorted(root.glob(f"{slug}.*.md"))
        if (m := EDITION_RE.fullmatch(p.name)) and m["slug"] == slug
    ]
    editions: dict[str, dict[str, Any]] = {}
    for edition_path in editions_found:
        language_tag = EDITION_RE.fullmatch(edition_path.name)["language"]  # type: ignore[index]
        edition_rel = edition_path.relative_to(root).as_posix()
        edition_file = report.for_file(edition_rel)
        edition = _read_source(edition_path, edition_rel, report)
        if edition is None:
            continue
        words = _Fields(edition.front, EDITION_KEYS, edition_file)
        stated = words.text("language", max_length=20)
        if stated is not None and stated != language_tag:
            edition_file.error(
                words.line("language"), f"language: the file name says '{language_tag}'"
            )
        editions[language_tag] = {
            "title": words.text("title", required=True, max_length=MAX_TITLE) or title,
            "summary": words.text("summary", required=True) or summary,
            "certificate_title": words.text("certificate_title", max_length=MAX_TITLE),
            "body_html": render_markdown(edition.body) if edition.body.strip() else "",
        }
    if report.has_errors or title is None or summary is None:
        return None, report.sorted()
    compiled = CompiledPath(
        slug=slug,
        title=title,
        summary=summary,
        language=language,
        course_slugs=slugs,
        body_html=body_html,
        certificate_title=certificate_title if kind else None,
        content_hash=_hash([path, *editions_found]),
        editions=editions,
    )
    return compiled, report.sorted()


def check_paths(
    root: str | Path, courses_root: str | Path
) -> tuple[list[CompiledPath], list[Diagnostic]]:
    """Check and compile every `<slug>.md` under root against the course folders."""
    root, courses_root = Path(root), Path(courses_root)
    if not root.is_dir():
        return [], [Diagnostic(".", 1, f"paths folder not found: {root}")]
    requirements = course_requirements(courses_root)
    paths: list[CompiledPath] = []
    diagnostics: list[Diagnostic] = []
    for path in primary_sources(root):
        compiled, found = load_path(path, root=root, requirements=requirements)
        diagnostics.extend(found)
        if compiled is not None:
            paths.append(compiled)
    diagnostics.sort(key=lambda item: (item.path, item.line))
    return paths, diagnostics
