"""The `data` of each webhook event: plain functions from records to JSON-ready dicts."""

from __future__ import annotations

from typing import Any

from lms.accounts.models import User
from lms.certificates.models import Certificate, Completion
from lms.links import external_url
from lms.organizations.models import Assignment
from lms.paths.models import PathCompletion


def learner(user: User) -> dict[str, Any]:
    """Return who the event is about: the receiver (an HR or credentialing system) matches on it."""
    return {"id": user.id, "email": user.email, "name": user.full_name}


def completion(record: Completion) -> dict[str, Any]:
    """Return a completion's data."""
    return {
        "completion": {
            "id": record.id,
            "completed_at": record.completed_at.isoformat().replace("+00:00", "Z"),
            "course": {
                "slug": record.course.slug,
                "title": record.version.title,
                "version": record.version.number,
            },
        },
        "learner": learner(record.user),
    }


def certificate(record: Certificate) -> dict[str, Any]:
    """Return a certificate's data, with the public address that verifies it."""
    return {
        "id": record.public_id,
        "status": record.status,
        "issued_at": record.issued_at.isoformat().replace("+00:00", "Z"),
        "course_slug": record.course_slug,
        "course_title": record.course_title,
        "version": record.version_number,
        "credit_type": record.credit_type,
        "amount": str(record.amount),
        "valid_until": record.valid_until.isoformat() if record.valid_until else None,
        "verify_url": external_url("certificates.verify", public_id=record.public_id),
    }


def path_certificate(record: PathCompletion) -> dict[str, Any]:
    """Return a learning path certificate's data, shaped like a course certificate's."""
    return {
        "id": record.certificate_id,
        "status": record.status,
        "issued_at": record.completed_at.isoformat().replace("+00:00", "Z"),
        "kind": "learning-path",
        "path_slug": record.path.slug,
        "path_title": record.certificate_title or record.path_title,
        "credit_type": "participation",
        "amount": str(record.hours),
        "valid_until": None,
        "verify_url": external_url("certificates.verify", public_id=record.certificate_id),
    }


def overdue(assignment: Assignment, user: User) -> dict[str, Any]:
    """Return an overdue assignment's data."""
    return {
        "assignment": {
            "id": assignment.id,
            "course_slug": assignment.course.slug,
            "due_date": assignment.due_date.isoformat(),
            "organization_id": assignment.owner_organization_id or assignment.organization_id,
        },
        "learner": learner(user),
    }
