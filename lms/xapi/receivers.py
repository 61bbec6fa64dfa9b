"""Record xAPI statements when other domains announce learning, in the same transaction."""

from __future__ import annotations

from lms.accounts.models import User
from lms.certificates.models import Certificate, Completion
from lms.certificates.signals import certificate_issued, completion_recorded
from lms.courses.models import CoursePage
from lms.database import utcnow
from lms.progress.models import Enrolment
from lms.progress.signals import page_recorded
from lms.quizzes.models import QuizAttempt
from lms.quizzes.signals import attempt_submitted
from lms.webinars.models import Webinar
from lms.webinars.signals import attendance_recorded
from lms.xapi import services

# Each receiver returns at once when no learning record store is configured: building a
# statement reads the learner, the page, the version and every answer, only for `record` to
# make nothing (a quiz submission read three more rows for it).


@page_recorded.connect
def _page(enrolment: Enrolment, *, page: CoursePage, **_: object) -> None:
    if not services.enabled():
        return
    # Reading a page writes nothing (no writes on GET): a lesson is "experienced" when the
    # learner marks it complete. Quizzes have their own statements.
    if page.is_lesson:
        services.record_page(enrolment, page, utcnow())


@attempt_submitted.connect
def _attempt(attempt: QuizAttempt, **_: object) -> None:
    if not services.enabled():
        return
    services.record_attempt(attempt)


@completion_recorded.connect
def _completion(completion: Completion, **_: object) -> None:
    if not services.enabled():
        return
    services.record_completion(completion)


@attendance_recorded.connect
def _attendance(webinar: Webinar, *, user: User, minutes: int, **_: object) -> None:
    if not services.enabled():
        return
    services.record_attendance(webinar, user, minutes, utcnow())


@certificate_issued.connect
def _certificate(certificate: Certificate, **_: object) -> None:
    if not services.enabled():
        return
    services.record_certificate(certificate)
