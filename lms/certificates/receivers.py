"""What certificates do when other domains announce something; connected by the app factory."""

from __future__ import annotations

from flask_babel import ngettext

from lms.accounts.models import User
from lms.accounts.signals import name_changed
from lms.certificates.services import (
    lessons_left,
    record_completion,
    reissue_after_name_change,
)
from lms.courses.models import CoursePage
from lms.progress.models import Enrolment
from lms.progress.signals import page_completed


@page_completed.connect
def _complete_when_done(
    enrolment: Enrolment,
    *,
    pages: list[CoursePage] | None = None,
    done: set[int] | None = None,
    **_: object,
) -> None:
    if pages is not None and done is not None and lessons_left(pages, done):
        # Not complete: record_completion would only look up an existing completion to
        # return it, and the signal has no use for it (most lessons marked are not the last).
        return
    record_completion(enrolment, pages=pages, done=done)


@name_changed.connect
def _reissue_in_new_name(user: User, **_: object) -> str | None:
    # Certificates print the name: a new name gets new ones; the old stay verifiable.
    reissued = reissue_after_name_change(user)
    if not reissued:
        return None
    return ngettext(
        "%(num)d certificate was reissued with your new name; "
        "the old one stays verifiable as superseded.",
        "%(num)d certificates were reissued with your new name; "
        "the old ones stay verifiable as superseded.",
        len(reissued),
    )
