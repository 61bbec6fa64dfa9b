"""The reader: course outline, pages, previous/next, completing, resuming; "My learning"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from lms import dates
from lms.courses import editions, listing, outline
from lms.courses.models import Course, CoursePage, CourseVersion
from lms.courses.outline import Outline
from lms.extensions import db
from lms.i18n import current_language
from lms.progress import services
from lms.progress.forms import CompleteForm, ContinueForm, TimeForm
from lms.progress.models import Enrolment, PageProgress

bp = Blueprint("progress", __name__)

PageRenderer = Callable[["Reading", CoursePage, dict[str, Any]], str]
# How each kind of page is shown in the reader; other domains (quizzes) add their kinds.
PAGE_RENDERERS: dict[str, PageRenderer] = {}


@dataclass
class Reading:
    """Everything a reader page needs, loaded in a fixed number of queries.

    `pages` and `version` are in the reader's interface language when the course has that
    edition (see lms.courses.editions); ids, slugs and progress are the same in every language.
    `pages` come from the version's compiled outline (lms.courses.outline), shared by requests.
    """

    enrolment: Enrolment
    pages: list[CoursePage]
    done: set[int]
    # The learner's progress by page id: plain rows (page_id, completed_at,
    # content_note_acknowledged_at), read-only; services load entities when they write.
    rows: dict[int, Any]
    version: CourseVersion | None = None
    outline: Outline | None = None
    # The body of the page asked for, read with the enrolment (None: not asked, or no page).
    html: str | None = None
    html_slug: str | None = None
    # False when load_reading was told to skip the progress rows (`done` and `rows` empty).
    progress_read: bool = True

    def __post_init__(self) -> None:
        if self.version is None:
            self.version = self.enrolment.version

    def read_progress(self) -> None:
        """Read the learner's progress rows if load_reading skipped them (a page is shown)."""
        if self.progress_read:
            return
        found = db.session.execute(_PROGRESS, {"enrolment_id": self.enrolment.id})
        self.rows = {row.page_id: row for row in found}
        self.done = {page_id for page_id, row in self.rows.items() if row.completed_at is not None}
        self.progress_read = True

    @property
    def progress(self) -> services.Progress:
        if self.outline is not None:
            return services.Progress(self.outline.done_count(self.done), len(self.outline.counted))
        return services.measure_progress(self.pages, self.done)


def outline_of(course: Course, version: CourseVersion, language: str) -> Outline:
    """Return the version's outline as shown in `language`, compiled once and then cached."""

    def build() -> Outline:
        pages: list[Any] = list(outline.load_pages(version.id))
        words = None
        if editions.match_language([version.language], language) is None:
            # Another language than the course's own: its edition's words, if it has one.
            words = editions.edition_for(version, language)
            pages = [editions.page_in(page, words, version.language) for page in pages]
        return outline.build_outline(
            pages,
            language=words.language if words else version.language,
            href=lambda page_slug: url_for("progress.page", slug=course.slug, page_slug=page_slug),
            done_label=_("Done"),
            reading_label=_("Reading now"),
            counts=services.counts_towards_progress,
            words=words,
        )

    return outline.cache().get((*outline.version_key(version), language), build)


# The reader's queries, composed once (composing costs more CPU than running them).
_ENROLMENT = (
    select(Enrolment)
    .join(Course, Course.id == Enrolment.course_id)
    .options(joinedload(Enrolment.version), joinedload(Enrolment.course))
    .where(
        Course.slug == bindparam("slug"),
        Enrolment.user_id == bindparam("user_id"),
        Enrolment.ended_at.is_(None),
    )
)
_ENROLMENT_AND_BODY = _ENROLMENT.add_columns(CoursePage.html).outerjoin(
    CoursePage,
    (CoursePage.version_id == Enrolment.version_id) & (CoursePage.slug == bindparam("page_slug")),
)
# Plain rows, not entities: a page only reads them, and entities cost several times more CPU.
_PROGRESS = select(
    PageProgress.page_id, PageProgress.completed_at, PageProgress.content_note_acknowledged_at
).where(PageProgress.enrolment_id == bindparam("enrolment_id"))


def load_reading(
    slug: str, page_slug: str | None = None, *, progress: bool = True
) -> Reading | Response:
    """Return the signed-in learner's enrolment and pages, or a redirect to the course page.

    With `page_slug`, the page's body comes in the same query as the enrolment. Two queries
    in all (the enrolment, the learner's progress) once the version's outline is cached;
    one without `progress` (for a view that shows nothing of it: `done` and `rows` empty).

    :raise 404: when no course has the slug.
    """
    params = {"slug": slug, "user_id": current_user.id}
    html = None
    if page_slug is None:
        enrolment = db.session.scalar(_ENROLMENT, params)
    else:
        found = db.session.execute(_ENROLMENT_AND_BODY, {**params, "page_slug": page_slug}).first()
        enrolment, html = found if found is not None else (None, None)
    if enrolment is None:
        if db.session.scalar(select(Course.id).where(Course.slug == slug)) is None:
            abort(404)
        flash(_("Start the course first: its overview shows what it involves."), "info")
        return redirect(url_for("courses.detail", slug=slug))
    found_rows = db.session.execute(_PROGRESS, {"enrolment_id": enrolment.id}) if progress else []
    rows = {row.page_id: row for row in found_rows}
    done = {page_id for page_id, row in rows.items() if row.completed_at is not None}
    version = enrolment.version
    compiled = outline_of(enrolment.course, version, current_language().code)
    if compiled.words is not None:
        version = editions.version_in(version, compiled.words)
    return Reading(
        enrolment,
        compiled.pages,
        done,
        rows,
        version,
        compiled,
        html,
        page_slug if html else None,
        progress_read=progress,
    )


@bp.get("/courses/<slug>/learn")
@login_required
def resume(slug: str) -> Response:
    """Open the page where the learner left off."""
    reading = load_reading(slug)
    if isinstance(reading, Response):
        return reading
    page = services.resume_page(reading.enrolment, reading.pages, reading.done)
    return redirect(url_for("progress.page", slug=slug, page_slug=page.slug))


def find_page(reading: Reading, page_slug: str, kind: str | None = None) -> CoursePage:
    """Return the page of the learner's course version with this slug (and kind, if given).

    :raise 404: when there is no such page.
    """
    if reading.outline is not None:
        page = reading.outline.find(page_slug, kind)
    else:
        page = next(
            (p for p in reading.pages if p.slug == page_slug and kind in (None, p.kind)), None
        )
    if page is None:
        abort(404)
    return page


@bp.get("/courses/<slug>/learn/<page_slug>")
@login_required
def page(slug: str, page_slug: str) -> str | Response:
    """Show one page of the course, after its content note if it has one."""
    reading = load_reading(slug, page_slug)
    if isinstance(reading, Response):
        return reading
    page = find_page(reading, page_slug)
    row = reading.rows.get(page.id)
    needs_note = page.content_note and (row is None or row.content_note_acknowledged_at is None)
    previous, following = reading.outline.neighbours(page) if reading.outline else (None, None)
    context = {
        "reading": reading,
        "course": reading.enrolment.course,
        "version": reading.version,
        "page": page,
        "previous": previous,
        "next": following,
    }
    if needs_note:
        body = render_template("progress/content_note.html", form=ContinueForm(), **context)
    else:
        body = PAGE_RENDERERS.get(page.kind, render_lesson)(reading, page, context)
    # Reading writes nothing: the page's script reports the visit (reading time, POST .../time),
    # and completing or answering records the place; see services.note_place.
    return body


def page_html(page: CoursePage, reading: Reading | None = None) -> str:
    """Return a page's compiled HTML in the language shown (kept out of the outline query)."""
    translated = getattr(page, "edition_html", None)
    if translated is not None:
        return str(translated)
    if reading is not None and reading.html is not None and reading.html_slug == page.slug:
        return reading.html
    return db.session.scalar(select(CoursePage.html).where(CoursePage.id == page.id)) or ""


def render_lesson(reading: Reading, page: CoursePage, context: dict[str, Any]) -> str:
    """Render a lesson with its "mark complete and continue" form."""
    # The form is drawn from the template alone (a CSRF token and a button): building a
    # CompleteForm per read cost about 5% of the page. Submitting validates CompleteForm.
    return render_template(
        "progress/page.html",
        html=page_html(page, reading),
        completed=page.id in reading.done,
        **context,
    )


@bp.post("/courses/<slug>/learn/<page_slug>/continue")
@login_required
def acknowledge_note(slug: str, page_slug: str) -> Response:
    """Continue past a content note to the page."""
    reading = load_reading(slug)
    if isinstance(reading, Response):
        return reading
    page = find_page(reading, page_slug)
    if not ContinueForm().validate_on_submit():
        abort(400)
    services.acknowledge_content_note(reading.enrolment, page)
    db.session.commit()
    return redirect(url_for("progress.page", slug=slug, page_slug=page.slug))


@bp.post("/courses/<slug>/learn/<page_slug>/complete")
@login_required
def complete(slug: str, page_slug: str) -> Response:
    """Mark a lesson complete and go on to the next page."""
    # Completing reads the page's own progress row under the enrolment's lock; the reading's
    # progress rows would go unused.
    reading = load_reading(slug, progress=False)
    if isinstance(reading, Response):
        return reading
    page = find_page(reading, page_slug)
    form = CompleteForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.complete_page(reading.enrolment, page, form.seconds.data or 0)
    except services.ProgressError as error:
        flash(str(error), "error")
        return redirect(url_for("progress.page", slug=slug, page_slug=page.slug))
    db.session.commit()
    later = [p for p in reading.pages if p.position > page.position]
    if later:
        return redirect(url_for("progress.page", slug=slug, page_slug=later[0].slug))
    flash(_("You have reached the end of the course pages."), "success")
    return redirect(url_for("courses.detail", slug=slug))


@bp.post("/courses/<slug>/learn/<page_slug>/time")
@login_required
def record_time(slug: str, page_slug: str) -> tuple[str, int] | Response:
    """Add reading time reported by the page's script (for the learner's own record)."""
    reading = load_reading(slug)
    if isinstance(reading, Response):
        return "", 404
    page = find_page(reading, page_slug)
    form = TimeForm()
    if not form.validate_on_submit():
        return "", 400
    services.add_time(reading.enrolment, page, form.seconds.data)
    db.session.commit()
    return "", 204


# My learning's courses, composed once (composing costs more CPU than running it).
_MY_ENROLMENTS = (
    select(Enrolment)
    .options(joinedload(Enrolment.version), joinedload(Enrolment.course))
    .where(Enrolment.user_id == bindparam("user_id"), Enrolment.ended_at.is_(None))
    .order_by(Enrolment.last_visited_at.desc().nulls_last(), Enrolment.enrolled_at.desc())
)


@bp.get("/my-learning")
@login_required
def my_learning() -> str:
    """List every course the learner has started, with progress and a way back in."""
    enrolments = list(db.session.scalars(_MY_ENROLMENTS, {"user_id": current_user.id}))
    from lms.organizations.services import assigned_anything, statuses_for
    from lms.paths import services as path_services

    # Each course's title in the reader's language when it has that edition.
    language = current_language().code
    facts = listing.version_facts(
        e.version
        for e in enrolments
        if editions.match_language([e.version.language], language) is None
    )
    found = {version_id: kept.editions for version_id, kept in facts.items()}
    shown = [
        editions.shown(e, version=listing.shown_in(e.version, found[e.version_id], language))
        if found.get(e.version_id)
        else e
        for e in enrolments
    ]
    # Most learners have nothing assigned: one query says so. Both lists of what is assigned
    # start from the learner's organisations: read them once when both are needed.
    courses_assigned, paths_assigned = assigned_anything(current_user.id)
    orgs_of = (
        path_services.organizations_of([current_user.id])
        if courses_assigned and paths_assigned
        else None
    )
    today = dates.today()
    return render_template(
        "progress/my_learning.html",
        enrolments=shown,
        # The pages that count come from each version's compiled outline (no query once kept).
        progress=services.progress_for_enrolments(
            enrolments,
            totals={
                e.version_id: len(outline_of(e.course, e.version, language).counted)
                for e in enrolments
            },
        ),
        assigned=statuses_for([current_user], today=today, orgs_of=orgs_of)[current_user.id]
        if courses_assigned
        else [],
        assigned_paths=[
            (row, path_services.path_steps(row.path, user_id=current_user.id, language=language))
            for row in path_services.path_statuses_for(
                [current_user], today=today, orgs_of=orgs_of
            )[current_user.id]
        ]
        if paths_assigned
        else [],
    )
