"""Owe a webhook delivery for each event, in the event's own transaction (the outbox)."""

from __future__ import annotations

from lms.accounts.models import User
from lms.certificates.models import Certificate, Completion
from lms.certificates.signals import (
    certificate_issued,
    certificate_reissued,
    certificate_revoked,
    completion_recorded,
    path_certificate_revoked,
)
from lms.organizations.models import Assignment, ReminderLog
from lms.organizations.signals import assignment_overdue
from lms.paths.models import PathCompletion
from lms.webhooks import payloads
from lms.webhooks.services import record_webhook_event


@completion_recorded.connect
def _completion(completion: Completion, **_: object) -> None:
    record_webhook_event(
        "completion.recorded",
        f"completion.recorded.{completion.id}",
        payloads.completion(completion),
    )


@certificate_issued.connect
def _issued(certificate: Certificate, **_: object) -> None:
    record_webhook_event(
        "certificate.issued",
        f"certificate.issued.{certificate.public_id}",
        {
            "certificate": payloads.certificate(certificate),
            "learner": payloads.learner(certificate.user),
        },
    )


@certificate_revoked.connect
def _revoked(certificate: Certificate, **_: object) -> None:
    record_webhook_event(
        "certificate.revoked",
        f"certificate.revoked.{certificate.public_id}",
        {
            "certificate": payloads.certificate(certificate),
            "learner": payloads.learner(certificate.user),
        },
    )


@path_certificate_revoked.connect
def _path_revoked(completion: PathCompletion, **_: object) -> None:
    # The same event as a course certificate's: subscribers care that a certificate stopped
    # standing; the payload says it was a learning path's.
    record_webhook_event(
        "certificate.revoked",
        f"certificate.revoked.{completion.certificate_id}",
        {
            "certificate": payloads.path_certificate(completion),
            "learner": payloads.learner(completion.user),
        },
    )


@certificate_reissued.connect
def _reissued(certificate: Certificate, *, replacement: Certificate, **_: object) -> None:
    record_webhook_event(
        "certificate.reissued",
        f"certificate.reissued.{certificate.public_id}",
        {
            "certificate": payloads.certificate(certificate),
            "replacement": payloads.certificate(replacement),
            "learner": payloads.learner(certificate.user),
        },
    )


@assignment_overdue.connect
def _overdue(assignment: Assignment, *, user: User, log: ReminderLog, **_: object) -> None:
    record_webhook_event(
        "assignment.overdue", f"assignment.overdue.{log.id}", payloads.overdue(assignment, user)
    )
