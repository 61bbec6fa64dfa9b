"""What the API reads and returns, as marshmallow schemas (also its OpenAPI components)."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

MAX_ID = 2**31 - 1  # the largest id the database's integer columns hold
# Amounts and scores are exact decimals, sent as strings ("1.50") so no client rounds them.
DECIMAL = {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}


class ListArgs(Schema):
    """Cursor pagination and the filters every list takes."""

    cursor = fields.String(
        validate=validate.Regexp(r"^[0-9a-f]{16}$"),
        metadata={
            "description": "The `next_cursor` of the previous page (opaque).",
            "pattern": "^[0-9a-f]{16}$",
        },
    )
    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Items per page, 1 to 100."},
    )
    since = fields.AwareDateTime(
        default_timezone=UTC, metadata={"description": "Only items at or after this time."}
    )
    until = fields.AwareDateTime(
        default_timezone=UTC, metadata={"description": "Only items before this time."}
    )
    organization_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Only items concerning this organization's members."},
    )


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """Return a schema for one page of `item`s."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next_cursor": fields.String(
                required=True, allow_none=True, metadata={"description": "null on the last page"}
            ),
        },
        name=name,
    )


class UserOut(Schema):
    """A person's account."""

    id = fields.Integer(required=True)
    email = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.String(required=True)
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)


class OrganizationOut(Schema):
    """An organization (clinic, residency program, agency)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    chapter_id = fields.Integer(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class MemberOut(Schema):
    """A person's membership of an organization."""

    id = fields.Integer(required=True)
    organization_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    full_name = fields.String(required=True, attribute="user.full_name")
    email = fields.String(required=True, attribute="user.email")
    role = fields.String(required=True)
    joined_at = fields.AwareDateTime(required=True)


class AssignmentOut(Schema):
    """A course assigned to a person or an organization, due by a date."""

    id = fields.Integer(required=True)
    course_slug = fields.String(required=True, attribute="course.slug")
    organization_id = fields.Integer(required=True, allow_none=True)
    user_id = fields.Integer(required=True, allow_none=True)
    owner_organization_id = fields.Integer(required=True, allow_none=True)
    due_date = fields.Date(required=True)
    assigned_at = fields.AwareDateTime(required=True)
    recur_months = fields.Integer(required=True, allow_none=True)


class AssignmentIn(Schema):
    """A new assignment: one course, to one organization or one person."""

    # A slug is lowercase letters, digits and hyphens: saying so in the document keeps clients
    # (and schemathesis) from sending text no slug can match, such as a NUL character.
    course_slug = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=100), validate.Regexp(r"^[a-z0-9-]+$")],
        metadata={"pattern": "^[a-z0-9-]+$"},
    )
    organization_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    user_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    due_date = fields.Date(required=True)
    recur_months = fields.Integer(validate=validate.Range(min=1, max=120))


class EnrolmentOut(Schema):
    """A person's enrollment in a course, with their progress."""

    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    course_slug = fields.String(required=True, attribute="course.slug")
    version_number = fields.Integer(required=True, attribute="version.number")
    enrolled_at = fields.AwareDateTime(required=True)
    last_visited_at = fields.AwareDateTime(required=True, allow_none=True)
    pages_completed = fields.Integer(required=True)
    pages_completed_at = fields.AwareDateTime(required=True, allow_none=True)


class CompletionOut(Schema):
    """A course completed by a person."""

    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    course_slug = fields.String(required=True, attribute="course.slug")
    version_number = fields.Integer(required=True, attribute="version.number")
    completed_at = fields.AwareDateTime(required=True)
    quiz_score = fields.Decimal(required=True, allow_none=True, as_string=True, metadata=DECIMAL)


class ClaimOut(Schema):
    """Credit claimed for a completion or a webinar."""

    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    completion_id = fields.Integer(required=True, allow_none=True)
    webinar_id = fields.Integer(required=True, allow_none=True)
    credit_type = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True, metadata=DECIMAL)
    claimed_at = fields.AwareDateTime(required=True)
    attested = fields.Boolean(required=True)


class CertificateOut(Schema):
    """A certificate as issued."""

    id = fields.Integer(required=True)
    public_id = fields.String(required=True)
    user_id = fields.Integer(required=True)
    claim_id = fields.Integer(required=True)
    holder_name = fields.String(required=True)
    course_slug = fields.String(required=True)
    course_title = fields.String(required=True)
    credit_type = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True, metadata=DECIMAL)
    status = fields.String(required=True)
    issued_at = fields.AwareDateTime(required=True)
    completion_date = fields.Date(required=True)
    valid_until = fields.Date(required=True, allow_none=True)
    revoked_at = fields.AwareDateTime(required=True, allow_none=True)


class CertificateDetailOut(CertificateOut):
    """A certificate with its public verification record and links."""

    verification = fields.Dict(
        required=True, metadata={"description": "The record /verify/{public_id}.json shows."}
    )
    verification_url = fields.String(required=True)


class WebinarOut(Schema):
    """A live webinar."""

    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    timezone = fields.String(required=True)
    status = fields.String(required=True)
    capacity = fields.Integer(required=True, allow_none=True)


class RegistrationOut(Schema):
    """A person's registration for a webinar."""

    id = fields.Integer(required=True)
    webinar_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    status = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class AttendanceOut(Schema):
    """One source's record of a person's attendance at a webinar."""

    id = fields.Integer(required=True)
    webinar_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    source = fields.String(required=True)
    minutes = fields.Integer(required=True)
    recorded_at = fields.AwareDateTime(required=True)
