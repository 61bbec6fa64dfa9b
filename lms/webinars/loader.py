"""Read `webinars/<slug>.md` (and `<slug>.es.md`), check them, and compile them once.

A webinar file is front matter plus a Markdown description, like a course's course.md. The
front-matter readers, structured disclosures and accreditation rules are the courses' own
(lms.content.loader, lms.content.compliance), so a live activity meets the same CME rules as
an enduring course, with the learning format "live activity". Problems are reported as
`path:line: severity: message`, the path relative to the webinars folder.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from lms.content import compliance
from lms.content.loader import (
    _MISSING,
    DISCLOSURE_EDITION_KEYS,
    _Fields,
    _line,
    _read_credits,
    _read_disclosure,
    _read_objectives,
    _read_source,
    _Report,
    _Source,
)
from lms.content.markdown import render_inline, render_markdown
from lms.content.model import AUDIENCES, CME_CREDIT_TYPES, Course, Diagnostic
from lms.content.sources import EDITION_RE, primary_sources
from lms.webinars import times

WEBINAR_KEYS = (
    "title",
    "summary",
    "start",
    "end",
    "timezone",
    "language",
    "capacity",
    "join_url",
    "recording_url",
    "course",
    "attendance_code",
    "presenters",
    "objectives",
    "audience",
    "target_audience",
    "credits",
    "accreditation",
    "designation",
    "moc_statement",
    "ancc_statement",
    "pars_activity_id",
    "disclosures",
)
EDITION_KEYS = (
    "title",
    "summary",
    "language",
    "objectives",
    "target_audience",
    "presenters",  # only each presenter's bio, in the same order
    "disclosures",  # only its words: commercial_support and notes
)
PRESENTER_KEYS = ("name", "credentials", "bio")
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_WALL_CLOCK_RE = re.compile(r"(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})[ T](?P<time>[0-9]{2}:[0-9]{2})")
_CODE_RE = re.compile(r"[A-Za-z0-9-]{4,40}")
MAX_CAPACITY = 100_000
MAX_URL = 2000
MAX_TITLE = 300
MAX_HOURS = 12
# Rules of lms.content.compliance that apply to a live activity (no post-test, dates of
# review or bibliography: those are enduring-material rules; the evaluation is the claim's).
LIVE_RULES = (
    compliance.rule_disclosure_mitigation,
    compliance.rule_objectives,
    compliance.rule_target_audience,
    compliance.rule_estimated_time,
    compliance.rule_structured_disclosures,
)
LIVE_CREDIT_RULES = (
    compliance.rule_accreditation,
    compliance.rule_designation,
    compliance.rule_moc,
    compliance.rule_ancc,
)


@dataclass
class CompiledWebinar:
    """A webinar file checked and compiled, ready to publish."""

    slug: str
    title: str
    summary: str
    language: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    capacity: int | None
    join_url: str
    recording_url: str | None
    course_slug: str | None
    attendance_code: str | None
    body_html: str
    source_path: str
    meta: dict[str, Any] = field(default_factory=dict)


def _wall_clock(fields: _Fields, key: str) -> datetime | None:
    value = fields.raw(key, required=True)
    if value is _MISSING:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        return value
    if isinstance(value, str) and (match := _WALL_CLOCK_RE.fullmatch(value.strip())):
        try:
            return datetime.fromisoformat(f"{match['day']} {match['time']}")
        except ValueError:
            pass
    fields.file.error(
        fields.line(key),
        f"{key}: must be a local date and time written YYYY-MM-DD HH:MM (the zone goes in "
        "timezone:)",
    )
    return None


def _https_url(fields: _Fields, key: str, *, required: bool) -> str | None:
    value = fields.text(key, required=required, max_length=MAX_URL)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc:
        fields.file.error(fields.line(key), f"{key}: must be an https:// address")
        return None
    return value


def _read_presenters(fields: _Fields) -> list[dict[str, Any]]:
    presenters: list[dict[str, Any]] = []
    items = fields.items("presenters")
    if items is None:
        fields.file.error(1, "missing required key 'presenters'")
        return presenters
    for node, _value in items:
        if not isinstance(node, yaml.MappingNode):
            fields.file.error(_line(node), "presenters: each presenter needs name and credentials")
            continue
        person = _Fields(node, PRESENTER_KEYS, fields.file)
        name = person.text("name", required=False)
        if name is None:
            fields.file.error(_line(node), "presenters: missing required key 'name'")
            continue
        bio = person.text("bio")
        presenters.append(
            {
                "name": name,
                "credentials": person.text("credentials") or "",
                "bio_html": render_inline(bio) if bio else "",
                "line": _line(node),
            }
        )
    if not items:
        fields.file.error(fields.line("presenters"), "presenters: list at least one presenter")
    return presenters


def _check_times(
    fields: _Fields, starts: datetime | None, ends: datetime | None, zone_name: str | None
) -> tuple[datetime, datetime] | None:
    if zone_name is not None and not times.is_zone(zone_name):
        fields.file.error(
            fields.line("timezone"),
            f"timezone: unknown time zone '{zone_name}'; use an IANA name such as America/Chicago",
        )
        return None
    if starts is None or ends is None or zone_name is None:
        return None
    moments = []
    for key, wall in (("start", starts), ("end", ends)):
        moment = times.to_utc(wall, zone_name)
        # A wall-clock time skipped when clocks spring forward does not exist in the zone.
        if times.local(moment, zone_name).replace(tzinfo=None) != wall:
            fields.file.error(
                fields.line(key),
                f"{key}: {wall:%Y-%m-%d %H:%M} does not exist in {zone_name} (clocks change then)",
            )
            return None
        moments.append(moment)
    start_at, end_at = moments
    if end_at <= start_at:
        fields.file.error(fields.line("end"), "end: must be after start")
        return None
    if end_at - start_at > timedelta(hours=MAX_HOURS):
        fields.file.error(fields.line("end"), f"end: a session lasts at most {MAX_HOURS} hours")
        return None
    return start_at, end_at


def _compliance(
    compiled: CompiledWebinar,
    fields: _Fields,
    credits: list[Any],
    disclosure: Any,
    values: dict[str, Any],
    lines: dict[str, int],
    provider_name: str | None,
) -> list[Diagnostic]:
    minutes = int((compiled.ends_at - compiled.starts_at).total_seconds() // 60)
    course = Course(
        slug=compiled.slug,
        title=compiled.title,
        summary=compiled.summary,
        language=compiled.language,
        estimated_minutes=minutes,
        objectives=tuple(values["objectives"]),
        credits=tuple(credits),
        accreditation=values["accreditation"],
        designation=values["designation"],
        moc_statement=values["moc_statement"],
        ancc_statement=values["ancc_statement"],
        pars_activity_id=values["pars_activity_id"],
        target_audience=values["target_audience"],
        learning_format="live-activity",
        disclosure=disclosure,
    )
    where = compliance.Where(compiled.source_path, compiled.source_path, lines)
    rules: list[Any] = [compliance.rule_disclosure_mitigation]
    cme = [credit for credit in credits if credit.type in CME_CREDIT_TYPES]
    if cme:
        rules += LIVE_RULES[1:]
        if any(credit.type in ("ama-pra-1", "abp-moc-2") for credit in cme):
            rules.append(compliance.rule_accreditation)
        rules += LIVE_CREDIT_RULES[1:]
    found = [d for rule in rules for d in rule(course, where, provider_name)]
    if cme and disclosure is not None:
        # Presenters control the content of a live session: each is disclosed as faculty.
        faculty = {p.name for p in disclosure.people if "faculty" in p.roles}
        for presenter in compiled.meta["presenters"]:
            if presenter["name"] not in faculty:
                found.append(
                    Diagnostic(
                        compiled.source_path,
                        presenter["line"],
                        f"presenters: disclose {presenter['name']} under disclosures.people "
                        "with the role faculty",
                    )
                )
    return found


def load_webinar(
    path: Path, *, root: Path, provider_name: str | None = None
) -> tuple[CompiledWebinar | None, list[Diagnostic]]:
    """Check and compile one webinar file and its editions; None when it has errors."""
    report = _Report()
    relpath = path.relative_to(root).as_posix()
    slug = path.name.removesuffix(".md")
    file = report.for_file(relpath)
    if not SLUG_RE.fullmatch(slug) or len(slug) > 100:
        file.error(1, "file name must be lowercase letters, digits and dashes, ending in .md")
        return None, report.sorted()
    source = _read_source(path, relpath, report)
    if source is None:
        return None, report.sorted()
    fields = _Fields(source.front, WEBINAR_KEYS, file)
    lines = {key: fields.key_line(key) for key in fields.keys}
    title = fields.text("title", required=True, max_length=MAX_TITLE)
    summary = fields.text("summary", required=True)
    zone_name = fields.text("timezone", required=True, max_length=times.MAX_ZONE_LENGTH)
    moments = _check_times(
        fields, _wall_clock(fields, "start"), _wall_clock(fields, "end"), zone_name
    )
    language = fields.text("language", max_length=20) or "en"
    capacity = fields.integer("capacity", low=1, high=MAX_CAPACITY)
    join_url = _https_url(fields, "join_url", required=True)
    recording_url = _https_url(fields, "recording_url", required=False)
    course_slug = fields.text("course", max_length=100)
    if course_slug is not None and not SLUG_RE.fullmatch(course_slug):
        file.error(fields.line("course"), "course: must be the folder name of a course")
    code = fields.text("attendance_code", max_length=40)
    if code is not None and not _CODE_RE.fullmatch(code):
        file.error(
            fields.line("attendance_code"),
            "attendance_code: 4 to 40 letters, digits or dashes",
        )
    audience: list[str] = []
    for node, value in fields.items("audience") or []:
        if value in AUDIENCES and value not in audience:
            audience.append(value)
        else:
            file.error(_line(node), f"audience: must be one of {', '.join(AUDIENCES)}")
    values = {
        "objectives": _read_objectives(fields, file),
        "target_audience": fields.text("target_audience"),
        "accreditation": fields.text("accreditation"),
        "designation": fields.text("designation"),
        "moc_statement": fields.text("moc_statement"),
        "ancc_statement": fields.text("ancc_statement"),
        "pars_activity_id": fields.text("pars_activity_id", max_length=40),
    }
    credits = _read_credits(fields, file, lines)
    presenters = _read_presenters(fields)
    disclosure, notes_html = None, ""
    if "disclosures" in fields:
        node = fields.values["disclosures"]
        if isinstance(node, yaml.MappingNode):
            disclosure, notes, _notes_line = _read_disclosure(node, file, lines)
            notes_html = render_markdown(notes) if notes else ""
        else:
            file.error(fields.line("disclosures"), "disclosures: must list people (see docs)")
    body_html = _render_body(source, file)
    if report.has_errors or moments is None or None in (title, summary, zone_name, join_url):
        return None, report.sorted()
    compiled = CompiledWebinar(
        slug=slug,
        title=title or "",
        summary=summary or "",
        language=language,
        starts_at=moments[0],
        ends_at=moments[1],
        timezone=zone_name or "",
        capacity=capacity,
        join_url=join_url or "",
        recording_url=recording_url,
        course_slug=course_slug,
        attendance_code=code,
        body_html=body_html,
        source_path=relpath,
        meta={
            "presenters": presenters,
            "objectives": values["objectives"],
            "audience": audience or list(AUDIENCES),
            "target_audience": values["target_audience"],
            "credits": [credit.to_dict() for credit in credits],
            "learning_format": "live-activity",
            "accreditation": values["accreditation"],
            "designation": values["designation"],
            "moc_statement": values["moc_statement"],
            "ancc_statement": values["ancc_statement"],
            "pars_activity_id": values["pars_activity_id"],
            "disclosure": disclosure.to_dict() if disclosure is not None else None,
            "disclosures_html": notes_html,
            "editions": {},
        },
    )
    for diagnostic in _compliance(
        compiled, fields, credits, disclosure, values, lines, provider_name
    ):
        report.items.append(diagnostic)
    _load_editions(path, root, compiled, report)
    for presenter in compiled.meta["presenters"]:
        presenter.pop("line", None)
    if report.has_errors:
        return None, report.sorted()
    return compiled, report.sorted()


def _render_body(source: _Source, file: Any) -> str:
    def resolve(url: str) -> str | None:
        # A webinar has no folder of its own: links go to other sites (or mailto:).
        if urlsplit(url).scheme in ("https", "http", "mailto"):
            return url
        file.error(source.body_line, f"links must be full https:// addresses: {url}")
        return None

    return render_markdown(source.body, resolve) if source.body.strip() else ""


def _load_editions(path: Path, root: Path, compiled: CompiledWebinar, report: _Report) -> None:
    for edition_path in sorted(path.parent.glob(f"{compiled.slug}.*.md")):
        match = EDITION_RE.fullmatch(edition_path.name)
        if match is None or match["slug"] != compiled.slug:
            continue
        relpath = edition_path.relative_to(root).as_posix()
        file = report.for_file(relpath)
        source = _read_source(edition_path, relpath, report)
        if source is None:
            continue
        fields = _Fields(source.front, EDITION_KEYS, file)
        language = match["language"]
        stated = fields.text("language", max_length=20)
        if stated is not None and stated != language:
            file.error(fields.line("language"), f"language: the file name says '{language}'")
        objectives = _read_objectives(fields, file)
        if objectives and len(objectives) != len(compiled.meta["objectives"]):
            file.error(
                fields.line("objectives"),
                "objectives: translate every objective of the primary file, in the same order",
            )
        bios = []
        for node, _value in fields.items("presenters") or []:
            bio = (
                _Fields(node, ("bio",), file).text("bio")
                if isinstance(node, yaml.MappingNode)
                else None
            )
            bios.append(render_inline(bio) if bio else "")
        if bios and len(bios) != len(compiled.meta["presenters"]):
            file.error(
                fields.line("presenters"), "presenters: give a bio for every presenter, in order"
            )
        disclosure_words: dict[str, str | None] = {}
        if "disclosures" in fields and isinstance(fields.values["disclosures"], yaml.MappingNode):
            words = _Fields(fields.values["disclosures"], DISCLOSURE_EDITION_KEYS, file)
            notes = words.text("notes")
            disclosure_words = {
                "commercial_support": words.text("commercial_support"),
                "disclosures_html": render_markdown(notes) if notes else None,
            }
        compiled.meta["editions"][language] = {
            "title": fields.text("title", required=True, max_length=MAX_TITLE) or compiled.title,
            "summary": fields.text("summary", required=True) or compiled.summary,
            "objectives": objectives or compiled.meta["objectives"],
            "target_audience": fields.text("target_audience"),
            "bios": bios,
            "body_html": _render_body(source, file),
            **disclosure_words,
        }


def check_webinars(
    root: str | Path, *, provider_name: str | None = None
) -> tuple[list[CompiledWebinar], list[Diagnostic]]:
    """Check and compile every `<slug>.md` under root (editions `<slug>.<lang>.md` with it)."""
    root = Path(root)
    if not root.is_dir():
        return [], [Diagnostic(".", 1, f"webinars folder not found: {root}")]
    webinars: list[CompiledWebinar] = []
    diagnostics: list[Diagnostic] = []
    for path in primary_sources(root):
        webinar, found = load_webinar(path, root=root, provider_name=provider_name)
        diagnostics.extend(found)
        if webinar is not None:
            webinars.append(webinar)
    diagnostics.sort(key=lambda item: (item.path, item.line))
    return webinars, diagnostics


def new_attendance_code() -> str:
    """Return a short code a presenter can read out: easy to say, hard to guess."""
    alphabet = "ACDEFGHJKMNPQRTUVWXY34679"  # no look-alikes (0/O, 1/I/L, 5/S, 8/B, 2/Z)
    return "".join(secrets.choice(alphabet) for _ in range(6))


def credit_amount(meta: dict[str, Any], credit_type: str) -> Decimal | None:
    """Return the most credit of a type a webinar offers, or None."""
    for credit in meta.get("credits", ()):
        if credit["type"] == credit_type:
            return Decimal(credit["max"])
    return None
