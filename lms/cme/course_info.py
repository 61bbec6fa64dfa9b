"""What the course page tells a learner before they start, from the version's actual rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lms.cme import rules
from lms.courses.models import CoursePage, CourseVersion


@dataclass(frozen=True)
class CourseInfo:
    """The pass mark, the post-tests and the steps to credit of one course version."""

    post_tests: tuple[tuple[str, int, int | None], ...]
    steps: tuple[str, ...]

    @property
    def pass_mark(self) -> int | None:
        """Return the passing score of the first post-test, or None without one."""
        return self.post_tests[0][1] if self.post_tests else None


def course_info(version: CourseVersion, pages: Sequence[CoursePage]) -> CourseInfo:
    """Return how a learner earns this version's credit, read from its pages and settings."""
    post_tests = tuple(
        (
            page.title,
            int(page.settings.get("passing_score") or version.passing_score),
            page.settings.get("max_attempts"),
        )
        for page in pages
        if page.kind == "quiz" and page.settings.get("role") != "pretest"
    )
    evaluations = [page for page in pages if page.kind == "evaluation"]
    credit_rules = rules.CreditRules(
        lessons=sum(1 for page in pages if page.kind == "lesson" and page.required),
        post_tests=post_tests,
        has_evaluation=bool(evaluations),
        required_questions=sum(q.required for page in evaluations for q in page.questions),
        credits=tuple((credit.type, credit.max) for credit in version.credits),
    )
    return CourseInfo(post_tests=post_tests, steps=tuple(rules.credit_steps(credit_rules)))
