"""The REST API's endpoints (/api/v1): thin views over queries scoped by the token's reach."""

from __future__ import annotations

import hashlib
import json as jsonlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, request
from flask_smorest import Blueprint, abort
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from lms import dates
from lms.accounts.models import User
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.certificates.pdf import render_certificate_pdf
from lms.courses.models import Course
from lms.database import utcnow
from lms.extensions import db, limiter
from lms.organizations import services as organizations
from lms.organizations.models import Assignment, Membership, Organization
from lms.progress.models import Enrolment, PageProgress
from lms.webinars.attendance_models import WebinarAttendance
from lms.webinars.models import Webinar, WebinarRegistration

from . import schemas, services
from .models import ApiToken

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="The LMS REST API")
F = TypeVar("F", bound=Callable[..., Any])
BEARER = "bearerAuth"


# --- authentication, scopes, limits -------------------------------------------------------------


def rate_limit_key() -> str:
    """Return the key API limits count under: the token's hash, else the caller's address."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "api-token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()
    return "api-address:" + (request.remote_addr or "unknown")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(bp)


@bp.before_request
def authenticate() -> None:
    """Find the request's bearer token; a session cookie alone is never enough."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        abort(401, message="Send an API token: Authorization: Bearer <token>.")
    token = services.find_active_token(raw.strip(), utcnow())
    if token is None:
        abort(401, message="The token is unknown, expired or revoked.")
    g.api_token = token
    g.api_token_id = token.id
    g.api_reach = services.reach_of(token)


@bp.after_request
def keep_out_of_shared_caches(response: Response) -> Response:
    """Let only the caller's own client keep API answers, and only after asking (ETags)."""
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def token() -> ApiToken:
    """Return the token of the current API request."""
    return g.api_token


def reach() -> services.Reach:
    """Return what the current API request's token may see."""
    return g.api_reach


def scope_required(scope: str) -> Callable[[F], F]:
    """Let through only tokens holding `scope` (403 problem otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if scope not in token().scope_set:
                abort(403, message=f"This token lacks the {scope} scope.")
            return view(*args, **kwargs)

        # OpenAPI 3.1 lets a bearer scheme name the roles an operation needs: here, its scope.
        return bp.doc(security=[{BEARER: [scope]}])(wrapped)  # type: ignore[return-value]

    return decorator


def record_api_use(response: Response) -> Response:
    """Log the request under its token: one compact row per API request (app-wide hook)."""
    token_id = g.pop("api_token_id", None)
    if token_id is None:
        return response
    # The view committed its own work (if any); end its read transaction before writing, so
    # this short write never holds a lock across the view's queries.
    db.session.rollback()
    services.record_use(token_id, request.method, request.path, response.status_code, utcnow())
    db.session.commit()
    return response


# --- pagination, filters, ETags ---------------------------------------------------------------


# Cursors are opaque to clients (they change if this mask changes); every string of 16 hex
# digits is one, so a client never gets an error for a cursor it was handed, only a page.
CURSOR_MASK = 0x5DEECE66D2B1A3F7


def encode_cursor(last_id: int) -> str:
    """Return an opaque cursor pointing after `last_id`."""
    return format(last_id ^ CURSOR_MASK, "016x")


def decode_cursor(cursor: str) -> int:
    """Return the id a cursor points after (any 16 hex digits: the schema checked that)."""
    return min((int(cursor, 16) ^ CURSOR_MASK), schemas.MAX_ID)


def paginate(query: Select, id_column: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Return one page of `query`, ordered by id, after the cursor."""
    if "cursor" in args:
        query = query.where(id_column > decode_cursor(args["cursor"]))
    limit = args["limit"]
    rows = list(db.session.scalars(query.order_by(id_column).limit(limit + 1)).unique())
    items = rows[:limit]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(items[-1].id) if more else None}


def filtered(query: Select, at: Any, user_column: Any, args: dict[str, Any]) -> Select:
    """Apply the token's reach and the since/until/organization filters."""
    query = query.where(reach().users(user_column))
    if "since" in args:
        query = query.where(at >= args["since"])
    if "until" in args:
        query = query.where(at < args["until"])
    if "organization_id" in args:
        organization_id = args["organization_id"]
        if not reach().allows_organization(organization_id):
            abort(404, message="No such organization.")
        members = select(Membership.user_id).where(Membership.organization_id == organization_id)
        query = query.where(user_column.in_(members))
    return query


def with_etag(data: Any, schema: type[Any]) -> Response:
    """Return `data` as JSON with a strong ETag, or 304 when the client has it already."""
    body = jsonlib.dumps(schema().dump(data), sort_keys=True, separators=(",", ":"))
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    return response.make_conditional(request)


def _since_until(args: dict[str, Any], at: Any, query: Select) -> Select:
    if "since" in args:
        query = query.where(at >= args["since"])
    if "until" in args:
        query = query.where(at < args["until"])
    return query


ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "For If-None-Match"}}


def single(schema: type[Any]) -> Callable[[F], F]:
    """Document a single resource: 200 with an ETag, 304 for If-None-Match, 404."""

    def decorator(func: F) -> F:
        func = bp.alt_response(304, description="Not modified: the ETag sent is current")(func)
        func = bp.alt_response(404, response="NOT_FOUND")(func)
        return bp.response(200, schema, headers=ETAG_HEADER)(func)

    return decorator


COMMON = (401, "UNAUTHORIZED"), (403, "FORBIDDEN"), (429, "TOO_MANY_REQUESTS")


def documented(func: Callable[..., Any]) -> Callable[..., Any]:
    """Document the errors every operation may answer with."""
    for code, name in COMMON:
        func = bp.alt_response(code, response=name)(func)
    return func


# --- users --------------------------------------------------------------------------------------


def _admin_only() -> None:
    if not reach().everything:
        abort(403, message="Only a site admin's personal token may read people.")


@bp.get("/users")
@documented
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.UserOut, "UserPage"))
@scope_required("read:users")
def list_users(args: dict[str, Any]) -> dict[str, Any]:
    """List people (site admins' tokens only)."""
    _admin_only()
    return paginate(filtered(select(User), User.created_at, User.id, args), User.id, args)


@bp.get("/users/<int:user_id>")
@documented
@single(schemas.UserOut)
@scope_required("read:users")
def get_user(user_id: int) -> Response:
    """Show one person (site admins' tokens only)."""
    _admin_only()
    return with_etag(db.get_or_404(User, user_id), schemas.UserOut)


# --- organizations ------------------------------------------------------------------------------


def _organization_or_404(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None or not reach().allows_organization(organization.id):
        abort(404, message="No such organization.")
    return organization


@bp.get("/organizations")
@documented
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.OrganizationOut, "OrganizationPage"))
@scope_required("read:organizations")
def list_organizations(args: dict[str, Any]) -> dict[str, Any]:
    """List the organizations this token may see."""
    query = select(Organization).where(reach().organizations())
    query = _since_until(args, Organization.created_at, query)
    if "organization_id" in args:
        query = query.where(Organization.id == args["organization_id"])
    return paginate(query, Organization.id, args)


@bp.get("/organizations/<int:organization_id>")
@documented
@single(schemas.OrganizationOut)
@scope_required("read:organizations")
def get_organization(organization_id: int) -> Response:
    """Show one organization."""
    return with_etag(_organization_or_404(organization_id), schemas.OrganizationOut)


@bp.get("/organizations/<int:organization_id>/members")
@documented
@bp.alt_response(404, response="NOT_FOUND")
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.MemberOut, "MemberPage"))
@scope_required("read:organizations")
def list_members(args: dict[str, Any], organization_id: int) -> dict[str, Any]:
    """List an organization's members and managers."""
    organization = _organization_or_404(organization_id)
    query = (
        select(Membership)
        .options(joinedload(Membership.user))
        .where(Membership.organization_id == organization.id)
    )
    return paginate(_since_until(args, Membership.joined_at, query), Membership.id, args)


# --- assignments --------------------------------------------------------------------------------


def _assignments_in_reach() -> Select:
    query = select(Assignment).options(joinedload(Assignment.course))
    if reach().everything:
        return query
    ids = reach().organization_ids
    return query.where(
        (Assignment.owner_organization_id.in_(ids))
        | (Assignment.organization_id.in_(ids))
        | (reach().users(Assignment.user_id) & Assignment.user_id.is_not(None))
    )


@bp.get("/assignments")
@documented
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.AssignmentOut, "AssignmentPage"))
@scope_required("read:assignments")
def list_assignments(args: dict[str, Any]) -> dict[str, Any]:
    """List assignments to the organizations and people this token may see."""
    query = _since_until(args, Assignment.assigned_at, _assignments_in_reach())
    if "organization_id" in args:
        organization = _organization_or_404(args["organization_id"])
        query = query.where(
            (Assignment.organization_id == organization.id)
            | (Assignment.owner_organization_id == organization.id)
        )
    return paginate(query, Assignment.id, args)


@bp.get("/assignments/<int:assignment_id>")
@documented
@single(schemas.AssignmentOut)
@scope_required("read:assignments")
def get_assignment(assignment_id: int) -> Response:
    """Show one assignment."""
    assignment = db.session.scalar(_assignments_in_reach().where(Assignment.id == assignment_id))
    if assignment is None:
        abort(404, message="No such assignment.")
    return with_etag(assignment, schemas.AssignmentOut)


@bp.post("/assignments")
@documented
@bp.alt_response(400, response="BAD_REQUEST")
@bp.alt_response(404, response="NOT_FOUND")
@bp.arguments(schemas.AssignmentIn, as_kwargs=False)
@bp.response(201, schemas.AssignmentOut)
@scope_required("write:assignments")
def create_assignment(data: dict[str, Any]) -> Assignment:
    """Assign a course to one organization or one person this token may see."""
    course = db.session.scalar(select(Course).where(Course.slug == data["course_slug"]))
    if course is None:
        abort(404, message="No such course.")
    organization = user = None
    if "organization_id" in data:
        organization = _organization_or_404(data["organization_id"])
    if "user_id" in data:
        user = db.session.scalar(
            select(User).where(User.id == data["user_id"], reach().users(User.id))
        )
        if user is None:
            abort(404, message="No such person.")
    owner = organization
    if owner is None and token().organization_id is not None:
        owner = token().organization
    try:
        assignment = organizations.assign_course(
            course,
            due_date=data["due_date"],
            actor=token().user,
            organization=organization,
            user=user,
            owner=owner,
            today=dates.today(),
            recur_months=data.get("recur_months"),
        )
    except organizations.OrganizationError as error:
        abort(400, message=str(error))
    db.session.commit()
    return assignment


# --- enrolments and progress, completions -------------------------------------------------------


@bp.get("/enrolments")
@documented
@bp.alt_response(404, response="NOT_FOUND")
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.EnrolmentOut, "EnrolmentPage"))
@scope_required("read:progress")
def list_enrolments(args: dict[str, Any]) -> dict[str, Any]:
    """List enrollments with each one's progress (pages completed)."""
    query = select(Enrolment).options(joinedload(Enrolment.course), joinedload(Enrolment.version))
    page = paginate(
        filtered(query, Enrolment.enrolled_at, Enrolment.user_id, args), Enrolment.id, args
    )
    ids = [enrolment.id for enrolment in page["items"]]
    done = dict(
        db.session.execute(
            select(PageProgress.enrolment_id, func.count())
            .where(PageProgress.enrolment_id.in_(ids), PageProgress.completed_at.is_not(None))
            .group_by(PageProgress.enrolment_id)
        ).all()
    )
    for enrolment in page["items"]:
        enrolment.pages_completed = done.get(enrolment.id, 0)
    return page


@bp.get("/completions")
@documented
@bp.alt_response(404, response="NOT_FOUND")
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.CompletionOut, "CompletionPage"))
@scope_required("read:completions")
def list_completions(args: dict[str, Any]) -> dict[str, Any]:
    """List course completions."""
    query = select(Completion).options(
        joinedload(Completion.course), joinedload(Completion.version)
    )
    return paginate(
        filtered(query, Completion.completed_at, Completion.user_id, args), Completion.id, args
    )


# --- claims and certificates --------------------------------------------------------------------


@bp.get("/claims")
@documented
@bp.alt_response(404, response="NOT_FOUND")
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.ClaimOut, "ClaimPage"))
@scope_required("read:certificates")
def list_claims(args: dict[str, Any]) -> dict[str, Any]:
    """List credit claims."""
    query = filtered(select(CreditClaim), CreditClaim.claimed_at, CreditClaim.user_id, args)
    return paginate(query, CreditClaim.id, args)


@bp.get("/certificates")
@documented
@bp.alt_response(404, response="NOT_FOUND")
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.CertificateOut, "CertificatePage"))
@scope_required("read:certificates")
def list_certificates(args: dict[str, Any]) -> dict[str, Any]:
    """List certificates as issued."""
    query = filtered(select(Certificate), Certificate.issued_at, Certificate.user_id, args)
    return paginate(query, Certificate.id, args)


def _certificate_or_404(public_id: str) -> Certificate:
    certificate = db.session.scalar(
        select(Certificate).where(
            Certificate.public_id == public_id[:32], reach().users(Certificate.user_id)
        )
    )
    if certificate is None:
        abort(404, message="No such certificate.")
    return certificate


@bp.get("/certificates/<public_id>")
@documented
@single(schemas.CertificateDetailOut)
@scope_required("read:certificates")
def get_certificate(public_id: str) -> Response:
    """Show one certificate with its public verification record."""
    from lms.certificates.views import _public_record, verification_url

    certificate = _certificate_or_404(public_id)
    certificate.verification = _public_record(certificate)
    certificate.verification_url = verification_url(certificate.public_id)
    return with_etag(certificate, schemas.CertificateDetailOut)


@bp.get("/certificates/<public_id>/pdf")
@documented
@bp.alt_response(404, response="NOT_FOUND")
@bp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="application/pdf",
    description="The certificate as PDF",
)
@scope_required("read:certificates")
def get_certificate_pdf(public_id: str) -> Response:
    """Download a certificate as PDF, printed from what was stored when it was issued."""
    from lms.certificates.views import document_for

    certificate = _certificate_or_404(public_id)
    pdf = render_certificate_pdf(document_for(certificate, "en"), locale="en_US")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{public_id}.pdf"'},
    )


# --- webinars -----------------------------------------------------------------------------------


@bp.get("/webinars")
@documented
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.WebinarOut, "WebinarPage"))
@scope_required("read:webinars")
def list_webinars(args: dict[str, Any]) -> dict[str, Any]:
    """List webinars (public facts: title, times, status)."""
    return paginate(_since_until(args, Webinar.starts_at, select(Webinar)), Webinar.id, args)


def _webinar_or_404(webinar_id: int) -> Webinar:
    webinar = db.session.get(Webinar, webinar_id)
    if webinar is None:
        abort(404, message="No such webinar.")
    return webinar


@bp.get("/webinars/<int:webinar_id>")
@documented
@single(schemas.WebinarOut)
@scope_required("read:webinars")
def get_webinar(webinar_id: int) -> Response:
    """Show one webinar."""
    return with_etag(_webinar_or_404(webinar_id), schemas.WebinarOut)


@bp.get("/webinars/<int:webinar_id>/registrations")
@documented
@bp.alt_response(404, response="NOT_FOUND")
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.RegistrationOut, "RegistrationPage"))
@scope_required("read:webinars")
def list_registrations(args: dict[str, Any], webinar_id: int) -> dict[str, Any]:
    """List a webinar's registrations by people this token may see."""
    webinar = _webinar_or_404(webinar_id)
    query = select(WebinarRegistration).where(WebinarRegistration.webinar_id == webinar.id)
    query = filtered(query, WebinarRegistration.created_at, WebinarRegistration.user_id, args)
    return paginate(query, WebinarRegistration.id, args)


@bp.get("/webinars/<int:webinar_id>/attendance")
@documented
@bp.alt_response(404, response="NOT_FOUND")
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.AttendanceOut, "AttendancePage"))
@scope_required("read:webinars")
def list_attendance(args: dict[str, Any], webinar_id: int) -> dict[str, Any]:
    """List a webinar's attendance records for people this token may see."""
    webinar = _webinar_or_404(webinar_id)
    query = select(WebinarAttendance).where(WebinarAttendance.webinar_id == webinar.id)
    query = filtered(query, WebinarAttendance.recorded_at, WebinarAttendance.user_id, args)
    return paginate(query, WebinarAttendance.id, args)
