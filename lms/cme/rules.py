"""Pure rules: MOC once per day, board-reporting deadlines, and how to earn a course's credit.

No database and no Flask app: callers load what a rule needs and pass it in. Every sentence
returned for learners is a whole sentence, translated with gettext into the current locale
(English outside an app context).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

# ACCME and the ABP expect learner completions in PARS within 30 days of completion, and no
# later than December 1 of the year the activity was completed (docs/cme.md).
REPORT_WITHIN_DAYS = 30
WARN_DAYS_BEFORE = 7

MSG_MOC_ONCE_PER_DAY = _l(
    "You have already received ABP MOC points for this activity on this day. The American "
    "Board of Pediatrics gives MOC credit for an activity at most once per day."
)  # lazy: read in the locale of whoever is shown it


def moc_once_per_day_problem(credited_days: Collection[date], completed_on: date) -> str | None:
    """Return why MOC credit cannot be given for a completion on `completed_on`, or None.

    `credited_days` are the completion days on which the diplomate already has MOC credit for
    the same PARS activity.
    """
    return str(MSG_MOC_ONCE_PER_DAY) if completed_on in credited_days else None


def report_deadline(completed_on: date) -> date:
    """Return the last day to report a MOC completion: 30 days, and before December 1."""
    deadline = completed_on + timedelta(days=REPORT_WITHIN_DAYS)
    december_first = date(completed_on.year, 12, 1)
    if completed_on <= december_first:
        deadline = min(deadline, december_first)
    return deadline


@dataclass(frozen=True)
class Due:
    """An unreported MOC completion and how close its reporting deadline is."""

    claim_id: int
    full_name: str
    course_slug: str
    completed_on: date
    deadline: date
    overdue: bool


def due_warnings(
    unreported: Sequence[tuple[int, str, str, date]],
    today: date,
    *,
    warn_days: int = WARN_DAYS_BEFORE,
) -> list[Due]:
    """Return the unreported completions whose deadline is within `warn_days` or past.

    `unreported` holds (claim id, learner name, course slug, completion day); the result is
    ordered by deadline, most urgent first.
    """
    warnings = []
    for claim_id, name, slug, completed_on in unreported:
        deadline = report_deadline(completed_on)
        if (deadline - today).days <= warn_days:
            warnings.append(Due(claim_id, name, slug, completed_on, deadline, today > deadline))
    return sorted(warnings, key=lambda due: (due.deadline, due.claim_id))


@dataclass(frozen=True)
class CreditRules:
    """What a course version asks of a learner before they can claim its credit."""

    lessons: int  # required lessons
    post_tests: tuple[tuple[str, int, int | None], ...]  # (title, passing score, max attempts)
    has_evaluation: bool
    required_questions: int
    credits: tuple[tuple[str, Decimal], ...]  # (label, maximum)


def credit_steps(rules: CreditRules) -> list[str]:
    """Return how to earn the course's credit, one whole sentence per step, in order."""
    steps: list[str] = []
    if rules.lessons == 1:
        steps.append(gettext("Read the lesson."))
    elif rules.lessons:
        steps.append(
            ngettext(
                "Read all %(num)d required lessons.",
                "Read all %(num)d required lessons.",
                rules.lessons,
            )
        )
    for title, score, attempts in rules.post_tests:
        # The title is the course's own ("post-test"); the score a whole percentage.
        if attempts is None:
            steps.append(
                gettext(
                    "Pass the %(title)s with a score of %(score)s%% or higher. "
                    "You can take it as many times as you need.",
                    title=title,
                    score=score,
                )
            )
        elif attempts == 1:
            steps.append(
                gettext(
                    "Pass the %(title)s with a score of %(score)s%% or higher. "
                    "You have one attempt.",
                    title=title,
                    score=score,
                )
            )
        else:
            steps.append(
                ngettext(
                    "Pass the %(title)s with a score of %(score)s%% or higher. "
                    "You have up to %(num)d attempts.",
                    "Pass the %(title)s with a score of %(score)s%% or higher. "
                    "You have up to %(num)d attempts.",
                    attempts,
                    title=title,
                    score=score,
                )
            )
    if rules.has_evaluation and rules.required_questions:
        steps.append(
            gettext("Submit the course evaluation, answering the questions marked required.")
        )
    elif rules.has_evaluation:
        steps.append(gettext("Submit the course evaluation."))
    if rules.credits:
        steps.append(
            gettext(
                "Claim your credit on the course's Credit and certificate page, only for the "
                "time you spent. Your certificate is ready as soon as you claim."
            )
        )
    return steps
