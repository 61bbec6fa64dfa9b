"""Course prerequisites (course.md `requires: [slugs]`): unknown slugs and cycles, path:line.

Read straight from every course.md, compiled or not, because a cycle can run through a course
whose content is already live (the publisher skips compiling those).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from lms.content.model import Diagnostic

COURSE_FILE = "course.md"


def read_requires(course_md: Path) -> list[tuple[str, int]] | None:
    """Return the slugs a course.md requires with their 1-based lines, or None without the key."""
    text = course_md.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        return None
    try:
        node = yaml.compose("\n".join(lines[1:end]))
    except yaml.YAMLError:
        return None  # the loader reports broken front matter
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if key.value == "requires":
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            return [(str(item.value), item.start_mark.line + 2) for item in items]
    return None


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """Return one cycle of requirements as slugs (first repeated last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(slug: str) -> list[str] | None:
        state[slug] = 1
        path.append(slug)
        for needed in graph.get(slug, ()):
            if state.get(needed) == 1:
                return [*path[path.index(needed) :], needed]
            if needed not in state and needed in graph and (found := visit(needed)):
                return found
        path.pop()
        state[slug] = 2
        return None

    for slug in sorted(graph):
        if slug not in state and (found := visit(slug)):
            return found
    return None


def check_prerequisites(root: Path, slugs: Iterable[str]) -> list[Diagnostic]:
    """Return errors for required slugs that are no course, and for requirement cycles."""
    known = set(slugs)
    graph: dict[str, list[str]] = {}
    lines: dict[tuple[str, str], int] = {}
    problems: list[Diagnostic] = []
    for slug in sorted(known):
        course_md = root / slug / COURSE_FILE
        if not course_md.is_file():
            continue
        required = read_requires(course_md) or []
        graph[slug] = []
        for needed, line in required:
            path = f"{slug}/{COURSE_FILE}"
            if needed == slug:
                problems.append(Diagnostic(path, line, "requires: a course cannot require itself"))
            elif needed not in known:
                problems.append(
                    Diagnostic(path, line, f"requires: there is no course '{needed}' to require")
                )
            else:
                graph[slug].append(needed)
                lines[slug, needed] = line
    cycle = find_cycle(graph)
    if cycle:
        first, second = cycle[0], cycle[1]
        problems.append(
            Diagnostic(
                f"{first}/{COURSE_FILE}",
                lines[first, second],
                "requires: courses cannot require each other in a circle: " + " -> ".join(cycle),
            )
        )
    return problems
