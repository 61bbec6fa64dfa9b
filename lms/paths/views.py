"""Learning path pages and the path certificate's PDF."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.certificates.documents import CertificateDocument
from lms.certificates.pdf import render_certificate_pdf
from lms.dates import utc_day
from lms.i18n import current_language
from lms.links import external_url
from lms.paths import services
from lms.paths.models import LearningPath, PathCompletion
from lms.security import personal_data

bp = Blueprint("paths", __name__, cli_group="paths")


def get_path_or_404(slug: str) -> LearningPath:
    """Return the published path with this slug.

    :raise 404: when no path has it.
    """
    path = services.find_path(slug) if len(slug) <= 100 else None
    if path is None:
        abort(404)
    return path


@bp.get("/paths/<slug>")
def detail(slug: str) -> str:
    """Show a path's courses in order, with the learner's progress in each and the path's."""
    path = get_path_or_404(slug)
    language = current_language().code
    user_id = current_user.id if current_user.is_authenticated else None
    steps = services.path_steps(path, user_id=user_id, language=language)
    completions = services.path_completions_of(user_id, path.id) if user_id else []
    completion = completions[-1] if completions else None
    if path.withdrawn_at is not None and completion is None:
        # Out of the catalog, as a withdrawn course: only those who completed it still see it.
        abort(404)
    return render_template(
        "paths/detail.html",
        path=path,
        words=path.words(language),
        steps=steps,
        done=sum(step.status == "completed" for step in steps),
        completion=completion,
        earlier=completions[:-1],
    )


def path_document(completion: PathCompletion, language: str) -> CertificateDocument:
    """Return what a path certificate prints, from the snapshot kept at completion."""
    words = completion.path.words(language)
    title = (
        words["certificate_title"]
        if words["certificate_title"] and words["language"] == language
        else completion.certificate_title
    )
    return CertificateDocument(
        certificate_id=completion.certificate_id or "",
        holder_name=completion.holder_name or "",
        course_title=title or completion.path_title,
        completion_date=utc_day(completion.completed_at),
        credit_type="participation",
        amount=completion.hours or 0,
        accreditation=None,
        provider_name=completion.provider_name or current_app.config["PROVIDER_NAME"],
        verification_url=external_url(
            "certificates.verify", public_id=completion.certificate_id or ""
        ),
        content_language=words["language"] if title == words["certificate_title"] else "en",
        status=completion.status,
    )


@bp.get("/paths/<slug>/certificate.pdf")
@login_required
@personal_data
def certificate(slug: str) -> Response:
    """Download the learner's certificate of participation in a completed path.

    The latest completion's, or an earlier one's named by `?certificate=<id>` (annual
    retraining leaves one per year).
    """
    path = get_path_or_404(slug)
    wanted = request.args.get("certificate")
    completions = services.path_completions_of(current_user.id, path.id)
    if wanted is not None:
        completions = [c for c in completions if c.certificate_id == wanted]
    completion = completions[-1] if completions else None
    if completion is None or completion.certificate_id is None:
        abort(404)
    language = current_language()
    pdf = render_certificate_pdf(path_document(completion, language.code), locale=language.locale)
    filename = f"certificate-{completion.certificate_id}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
