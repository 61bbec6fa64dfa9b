"""The catalog, course pages, enrolling, and media files."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from lms import dates
from lms.courses import catalog, changes, editions, listing, prerequisites
from lms.courses.forms import CatalogSearchForm, StartForm
from lms.courses.models import Course, CourseVersion, MediaBlob
from lms.extensions import db
from lms.i18n import current_language
from lms.paths import services as path_services
from lms.progress import retakes
from lms.progress import services as progress
from lms.progress.views import outline_of

bp = Blueprint("courses", __name__, cli_group="courses")

# Media is content-addressed: a URL's bytes never change, so browsers may keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
# Served as they are (images, PDFs, text); anything else is offered as a download.
INLINE_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml",
    "application/pdf", "text/plain", "audio/mpeg", "video/mp4",
}  # fmt: skip


# Composed once (composing costs more CPU than running it).
_COURSE = (
    select(Course)
    .options(joinedload(Course.current_version))
    .where(Course.slug == bindparam("slug"))
)


def get_course_or_404(slug: str) -> Course:
    """Return the published course with this slug and its current version.

    :raise 404: when no course has the slug or it has never been published.
    """
    course = db.session.scalar(_COURSE, {"slug": slug})
    if course is None or course.current_version is None:
        abort(404)
    return course


@bp.app_template_filter("amount")
def amount_filter(value: object) -> str:
    """Format a credit amount in templates."""
    return catalog.format_amount(value)  # type: ignore[arg-type]


# The catalog's query, composed once (composing costs more CPU than running it).
_CATALOG = (
    select(CourseVersion)
    .join(Course, Course.current_version_id == CourseVersion.id)
    .where(Course.withdrawn_at.is_(None))
    .order_by(CourseVersion.title)
    .options(joinedload(CourseVersion.course))
)


@bp.get("/courses")
def index() -> str:
    """List the open courses, for the learner's audience unless they ask for all."""
    form = CatalogSearchForm(request.args)
    versions = list(db.session.scalars(_CATALOG))
    facts = listing.version_facts(versions)
    found = {v.id: facts[v.id].editions for v in versions}
    languages = {v.id: [v.language, *sorted(found.get(v.id, {}))] for v in versions}
    interface = current_language().code
    offered = sorted({tag for tags in languages.values() for tag in tags})
    form.language.choices = [("", _("All languages"))] + [
        (tag, editions.language_name(tag, interface)) for tag in offered
    ]
    form.validate()
    # A language no course is in (or a made-up one) filters nothing: the page says so.
    wanted = form.language.data if form.language.data in offered else None
    unknown_language = bool(request.args.get("language")) and wanted is None
    cards = {v.id: listing.shown_in(v, found.get(v.id, {}), interface) for v in versions}
    if form.q.data and not form.q.errors:
        # Any edition's title matches: a Spanish reader searches in Spanish.
        words = form.q.data.strip().casefold()
        versions = [
            v
            for v in versions
            if words in v.title.casefold()
            or words in cards[v.id].title.casefold()
            or any(words in e.get("title", "").casefold() for e in found.get(v.id, {}).values())
        ]
    if wanted is not None:
        versions = [v for v in versions if editions.match_language(languages[v.id], wanted)]
    today = dates.today()
    is_staff = current_user.is_authenticated and current_user.has_role("author")
    audience = (
        catalog.audience_for(current_user.profession) if current_user.is_authenticated else None
    )
    shown = [
        v
        for v in versions
        if (is_staff or catalog.availability(v.release_date, v.expiration_date, today) == "open")
        and (form.all.data or catalog.suits(v.audience, audience))
    ]
    hidden = len([v for v in versions if v not in shown]) if not form.all.data else 0
    if any(cards[v.id] is not v for v in shown):
        # Alphabetical by the titles the reader sees, not by those of the primary editions.
        shown.sort(key=lambda v: cards[v.id].title.casefold())
    shown_ids = [v.id for v in shown]
    required = prerequisites.prerequisites_for(
        {v.id: facts[v.id].requires for v in shown}, user_id=None, language=interface
    )
    return render_template(
        "courses/index.html",
        form=form,
        requires=required,
        # A kept card shows what it requires: part of its key, since those courses change.
        card_requires={
            v.id: tuple((item.language, item.title) for item in required.get(v.id, ()))
            for v in shown
        },
        # The learning paths' section is kept per path version; drawn, it reads the paths.
        path_keys=path_services.published_path_keys(),
        paths=lambda: [(p, p.words(interface)) for p in path_services.published_paths()],
        versions=[cards[v.id] for v in shown],
        # Read only when a card is drawn, not when it is kept (lms.layout.kept).
        credits=listing.OnFirstRead(lambda: listing.credits_by_version(shown_ids)),
        language_names=listing.OnFirstRead(
            lambda: {
                v.id: [editions.language_name(tag, interface) for tag in languages[v.id]]
                for v in shown
            }
        ),
        offered=offered,
        unknown_language=unknown_language,
        hidden=hidden,
        audience=audience,
        today=today,
        availability=catalog.availability,
    )


@bp.get("/courses/<slug>")
def detail(slug: str) -> str:
    """Show what a course involves before starting: time, pass mark, credit, disclosures."""
    course = get_course_or_404(slug)
    enrolment = None
    if current_user.is_authenticated:
        enrolment = progress.find_enrolment(current_user, course)
    if course.withdrawn_at is not None and enrolment is None:
        abort(404)
    version = enrolment.version if enrolment else course.current_version
    language = current_language().code
    # The version's pages as shown in this language, compiled once per version (no query).
    pages = outline_of(course, version, language).pages
    course_progress = None
    completed = offer = carried = None
    titles: dict[str, str] = {}
    titles_language = None
    if enrolment is not None:
        done = progress.completed_page_ids(enrolment)
        course_progress = progress.measure_progress(pages, done)
        completed = retakes.is_completed(enrolment)
        current = course.current_version
        if (
            current is not None
            and current.id != enrolment.version_id
            and not completed
            and enrolment.kept_over_version_id != current.id
        ):
            # Part-way through an older version: offer the new one, saying what changed and
            # which pages keep their progress (retakes.move_to_version carries them over).
            old_pages, new_pages = (
                changes.digests(enrolment.version_id),
                changes.digests(current.id),
            )
            offer = changes.describe(changes.compare(old_pages, new_pages))
            read = {page.slug for page in pages if page.id in done}
            carried = changes.carryover(old_pages, new_pages, read)
            words = editions.edition_for(current, language)
            titles = {**changes.page_titles(current.id), **words.page_titles}
            titles_language = words.language if words.page_titles else current.language
    current = course.current_version
    # What the current version requires (read once per version and kept).
    required = prerequisites.prerequisites_for(
        {current.id: list(listing.version_facts([current])[current.id].requires)},
        user_id=current_user.id if current_user.is_authenticated else None,
        language=language,
    )[current.id]
    shown = editions.version_shown(version, language)
    return render_template(
        "courses/detail.html",
        course=course,
        version=shown,
        pages=pages,
        enrolment=enrolment,
        progress=course_progress,
        newer=enrolment is not None and enrolment.version_id != course.current_version_id,
        completed=completed,
        offer=offer,
        carried=carried,
        titles=titles,
        titles_language=titles_language,
        current_number=course.current_version.number if course.current_version else None,
        state=catalog.availability(version.release_date, version.expiration_date, dates.today()),
        form=StartForm(),
        prerequisites=required,
        unmet=prerequisites.unmet(required),
    )


@bp.post("/courses/<slug>/start")
@login_required
def start(slug: str) -> Response:
    """Enrol the learner (acknowledging the disclosures shown) and open the first page."""
    course = get_course_or_404(slug)
    if not StartForm().validate_on_submit():
        abort(400)
    version = course.current_version
    state = catalog.availability(version.release_date, version.expiration_date, dates.today())
    if course.withdrawn_at is not None or (state != "open" and not current_user.has_role("author")):
        flash(_("This course is not open for new learners."), "error")
        return redirect(url_for("courses.detail", slug=slug))
    required = prerequisites.prerequisites_for(
        prerequisites.required_slugs([version.id]),
        user_id=current_user.id,
        language=current_language().code,
    )[version.id]
    if prerequisites.unmet(required) and progress.find_enrolment(current_user, course) is None:
        flash(_("Complete the courses this one requires before you start it."), "error")
        return redirect(url_for("courses.detail", slug=slug), code=303)
    progress.enrol(current_user, course, version)
    db.session.commit()
    return redirect(url_for("progress.resume", slug=slug))


@bp.get("/media/<sha256>/<path:name>")
def media(sha256: str, name: str) -> Response:
    """Serve a course media file by its content hash, cached for good."""
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        abort(404)
    blob = db.session.get(MediaBlob, sha256)  # the bytes load only when read (deferred)
    if blob is None:
        abort(404)
    if request.if_none_match and sha256 in request.if_none_match:
        response = Response(status=304)
        response.set_etag(sha256)
        response.headers["Cache-Control"] = IMMUTABLE
        return response
    content_type = blob.content_type
    if content_type == "text/markdown":
        content_type = "text/plain"
    response = Response(blob.data, mimetype=content_type)
    if content_type.startswith("text/"):
        response.headers["Content-Type"] = f"{content_type}; charset=utf-8"
    response.set_etag(sha256)
    response.headers["Cache-Control"] = IMMUTABLE
    filename = name.rsplit("/", 1)[-1]
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{_ascii(filename)}"'
    # An SVG is a document that could carry script: give it no powers of its own.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    return response


def _ascii(filename: str) -> str:
    return "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )


def _reopen(slug: str, verb: Callable[..., object]) -> Response:
    course = get_course_or_404(slug)
    if not StartForm().validate_on_submit():
        abort(400)
    version = course.current_version
    state = catalog.availability(version.release_date, version.expiration_date, dates.today())
    if course.withdrawn_at is not None or (state != "open" and not current_user.has_role("author")):
        flash(_("This course is not open for new learners."), "error")
        return redirect(url_for("courses.detail", slug=slug))
    try:
        verb(current_user, course, version)
    except progress.ProgressError as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(url_for("courses.detail", slug=slug))
    db.session.commit()
    return redirect(url_for("progress.resume", slug=slug))


@bp.post("/courses/<slug>/start-again")
@login_required
def start_again(slug: str) -> Response:
    """Take a completed course again on its current version; earlier records stay."""
    return _reopen(slug, retakes.start_again)


@bp.post("/courses/<slug>/move-to-new-version")
@login_required
def move_to_new_version(slug: str) -> Response:
    """Leave an older version part-way and start the current one; earlier records stay."""
    return _reopen(slug, retakes.move_to_version)


@bp.post("/courses/<slug>/keep-version")
@login_required
def keep_version(slug: str) -> Response:
    """Keep taking the version started rather than moving to the newer one."""
    course = get_course_or_404(slug)
    if not StartForm().validate_on_submit():
        abort(400)
    enrolment = progress.find_enrolment(current_user, course)
    if enrolment is None or course.current_version is None:
        flash(_("Start the course first: its overview shows what it involves."), "info")
        return redirect(url_for("courses.detail", slug=slug))
    retakes.keep_version(enrolment, course.current_version)
    db.session.commit()
    flash(_("You are keeping the version you started."), "success")
    return redirect(url_for("courses.detail", slug=slug))
