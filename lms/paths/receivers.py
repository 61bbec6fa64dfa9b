"""What paths do when other domains announce something; connected by the app factory."""

from __future__ import annotations

from flask import current_app

from lms.certificates.models import Completion
from lms.certificates.signals import completion_recorded
from lms.paths.services import record_path_completions


@completion_recorded.connect
def _complete_paths(completion: Completion, **_: object) -> None:
    # The course this completion finishes may be the last of a path.
    record_path_completions(
        completion.user_id,
        completion.course.slug,
        provider_name=current_app.config["PROVIDER_NAME"],
    )
