"""Whether a learner has completed a course and may claim a type and amount of credit.

Pure code over plain records: the caller loads progress, the profile and earlier claims for
one course version. Every string returned here is shown to learners as is, so each one says
plainly what is missing or what to do next, without blame.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from lms.content.model import CREDIT_TYPES
from lms.dates import long_date

# Mirrors lms.accounts.models.Profession; kept as strings so this module needs no database.
PROFESSIONS: tuple[str, ...] = (
    "pediatric-trainee",
    "physician",
    "nurse",
    "social-worker",
    "clinic-staff",
    "other",
)

# Messages are lazy (`_l`) so that each reads in the locale of the page that shows it; they are
# turned into str where they are returned, because callers join and compare them.
# How each credit type reads inside a sentence ("You have already claimed ..."): whole sentences
# per type, so that translations can agree in gender and number.
_NOT_OFFERED: dict[str, str] = {
    "ama-pra-1": _l("This course does not offer AMA PRA Category 1 Credit™."),
    "abp-moc-2": _l("This course does not offer ABP MOC Part 2 points."),
    "ancc-contact-hours": _l("This course does not offer ANCC contact hours."),
    "participation": _l("This course does not offer a certificate of participation."),
}  # type: ignore[dict-item]
_ALREADY_CLAIMED: dict[str, str] = {
    "ama-pra-1": _l(
        "You have already claimed AMA PRA Category 1 Credit™ for this course. "
        "A claim cannot be changed or raised later."
    ),
    "abp-moc-2": _l(
        "You have already claimed ABP MOC Part 2 points for this course. "
        "A claim cannot be changed or raised later."
    ),
    "ancc-contact-hours": _l(
        "You have already claimed ANCC contact hours for this course. "
        "A claim cannot be changed or raised later."
    ),
    "participation": _l(
        "You have already claimed a certificate of participation for this course. "
        "A claim cannot be changed or raised later."
    ),
}  # type: ignore[dict-item]
# Credit claimed on an earlier completion of the same version: a retake repeats the activity,
# which earns its credit once.
_CLAIMED_ON_EARLIER_COMPLETION: dict[str, str] = {
    "ama-pra-1": _l(
        "You already claimed AMA PRA Category 1 Credit™ for this version of the course when you "
        "completed it before. Credit is given once per version, so a retake cannot claim it again."
    ),
    "abp-moc-2": _l(
        "You already claimed ABP MOC Part 2 points for this version of the course when you "
        "completed it before. Credit is given once per version, so a retake cannot claim it again."
    ),
    "ancc-contact-hours": _l(
        "You already claimed ANCC contact hours for this version of the course when you "
        "completed it before. Credit is given once per version, so a retake cannot claim it again."
    ),
}  # type: ignore[dict-item]

# A profile can be out of date, so point to the fix rather than imply the learner is wrong.
_PROFESSION_HINT = _l("If your profession has changed, you can update it in your profile.")
_NOT_FOR_PROFESSION: dict[str, str] = {
    "ama-pra-1": _l("AMA PRA Category 1 Credit™ is for physicians and pediatric trainees."),
    "abp-moc-2": _l("ABP MOC Part 2 points are for physicians."),
    "ancc-contact-hours": _l("ANCC contact hours are for nurses."),
}  # type: ignore[dict-item]
# What an ABP MOC claim still needs, by (ABP ID, birth month, birth day) missing.
_MISSING_MOC: dict[tuple[bool, bool, bool], str] = {
    (True, False, False): _l("Add your ABP ID to your profile to claim MOC points."),
    (True, True, True): _l(
        "Add your ABP ID and birth month and day to your profile to claim MOC points."
    ),
    (True, True, False): _l("Add your ABP ID and birth month to your profile to claim MOC points."),
    (True, False, True): _l("Add your ABP ID and birth day to your profile to claim MOC points."),
    (False, True, True): _l("Add your birth month and day to your profile to claim MOC points."),
    (False, True, False): _l("Add your birth month to your profile to claim MOC points."),
    (False, False, True): _l("Add your birth day to your profile to claim MOC points."),
}  # type: ignore[dict-item]
_ELIGIBLE: dict[str, frozenset[str]] = {
    "ama-pra-1": frozenset({"physician", "pediatric-trainee"}),
    "abp-moc-2": frozenset({"physician"}),
    "ancc-contact-hours": frozenset({"nurse"}),
    "participation": frozenset(PROFESSIONS),
}

# Longest amount text worth reading: anything longer is a typo or a paste, not an amount.
_MAX_AMOUNT_CHARS = 32
# Plain decimals only: exponents ("1e3") and words ("NaN", "Infinity") are not amounts.
_AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
# Days in each month, with February 29 allowed: the ABP matches on month and day only.
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_MSG_DISCLOSURES = _l("Read and acknowledge the disclosures at the start of the course.")
_MSG_EVALUATION = _l("Submit the course evaluation.")
_MSG_NOT_COMPLETE = _l("Credit can be claimed once every part of the course is complete.")
_MSG_UNKNOWN_TYPE = _l("This course does not offer that kind of credit.")
_MSG_AMOUNT_MISSING = _l("Enter the amount of credit you are claiming as a number, such as 0.75.")
_MSG_AMOUNT_NOT_POSITIVE = _l("Enter an amount greater than 0.")
_MSG_AMOUNT_STEP = _l("Enter the amount in steps of 0.25, such as 0.5 or 0.75.")
_MSG_ATTESTATION = _l(
    "Confirm that the amount you are claiming matches the time you spent on the course."
)
_MSG_MOC_CONSENT = _l(
    "To claim MOC points, agree to let us report your completion to the "
    "American Board of Pediatrics."
)
# The claim form shows these next to the boxes they are about.
ATTESTATION_MESSAGE = _MSG_ATTESTATION  # lazy: str() them where they are shown
MOC_CONSENT_MESSAGE = _MSG_MOC_CONSENT


@dataclass(frozen=True)
class CourseState:
    """What the learner has done in one course version."""

    # True when the course has no disclosures: there is nothing to acknowledge.
    disclosures_acknowledged: bool
    lessons_total: int  # required lessons only
    lessons_done: int  # required lessons only
    quizzes: tuple[tuple[str, bool], ...]  # (title, passed) for every graded quiz but pre-tests
    has_evaluation: bool
    evaluation_submitted: bool
    has_credits: bool

    def __post_init__(self) -> None:
        if self.lessons_total < 0 or not 0 <= self.lessons_done <= self.lessons_total:
            raise ValueError(
                f"lessons_done must be 0..lessons_total, got {self.lessons_done} "
                f"of {self.lessons_total}"
            )


@dataclass(frozen=True)
class LearnerProfile:
    """The parts of a learner's profile that decide which credit they can claim."""

    profession: str  # one of PROFESSIONS
    abp_id: str | None
    birth_month: int | None  # 1-12
    birth_day: int | None  # 1-31, valid for the month when both are given

    def __post_init__(self) -> None:
        if self.profession not in PROFESSIONS:
            raise ValueError(f"unknown profession {self.profession!r}")
        if self.birth_month is not None and not 1 <= self.birth_month <= 12:
            raise ValueError(f"birth_month must be 1-12, got {self.birth_month}")
        if self.birth_day is not None:
            days = _DAYS_IN_MONTH[self.birth_month - 1] if self.birth_month is not None else 31
            if not 1 <= self.birth_day <= days:
                raise ValueError(f"birth_day must be 1-{days}, got {self.birth_day}")


@dataclass(frozen=True)
class CreditOption:
    """One type of credit the course offers, and whether this learner can claim it."""

    credit_type: str
    max: Decimal
    available: bool
    reason: str | None  # why it is not available, for the learner; None when available


@dataclass(frozen=True)
class ClaimRequest:
    """What the learner asked for on the claim form."""

    credit_type: str
    amount: Decimal | None  # None when the text could not be read as a number
    attested: bool
    consent_to_report: bool  # to the ABP; only abp-moc-2 needs it


def completion_problems(state: CourseState) -> list[str]:
    """Return what the learner still needs to do to complete the course; empty when complete."""
    problems: list[str] = []
    if not state.disclosures_acknowledged:
        problems.append(str(_MSG_DISCLOSURES))
    if state.lessons_done < state.lessons_total:
        problems.append(
            ngettext(
                "%(done)s of %(num)d lesson is complete.",
                "%(done)s of %(num)d lessons are complete.",
                state.lessons_total,
                done=state.lessons_done,
            )
        )
    for title, passed in state.quizzes:
        # The quiz's title comes from the course ("post-test"), in the course's language.
        message = gettext("Pass the %(title)s.", title=title)
        # Two quizzes with one title would otherwise read as a repeated sentence.
        if not passed and message not in problems:
            problems.append(message)
    # A credit course without an evaluation page is an authoring gap, not the learner's to fix.
    if state.has_credits and state.has_evaluation and not state.evaluation_submitted:
        problems.append(str(_MSG_EVALUATION))
    return problems


def credit_options(
    offered: Sequence[tuple[str, Decimal]], profile: LearnerProfile
) -> list[CreditOption]:
    """Return each credit type the course offers, in order, and whether the learner can claim it."""
    options: list[CreditOption] = []
    seen: set[str] = set()
    for credit_type, maximum in offered:
        if credit_type not in CREDIT_TYPES:
            raise ValueError(f"unknown credit type {credit_type!r}")
        if credit_type in seen:
            raise ValueError(f"credit type {credit_type!r} is offered twice")
        if not maximum.is_finite() or maximum <= 0:
            raise ValueError(f"max for {credit_type!r} must be positive, got {maximum}")
        seen.add(credit_type)
        reason = _unavailable_reason(credit_type, profile)
        options.append(CreditOption(credit_type, maximum, reason is None, reason))
    return options


def claim_problems(
    request: ClaimRequest,
    *,
    offered: Sequence[tuple[str, Decimal]],
    profile: LearnerProfile,
    already_claimed: Collection[str],
    today: date,
    release_date: date | None,
    expiration_date: date | None,
    completed: bool,
    claimed_earlier: Collection[str] = (),
) -> list[str]:
    """Return why this claim cannot be accepted; empty when it can.

    `already_claimed` holds the types claimed for this completion, `claimed_earlier` the
    credit types claimed for the same version on an earlier completion (before a retake).
    """
    if release_date is not None and expiration_date is not None and release_date > expiration_date:
        raise ValueError(f"release_date {release_date} is after expiration_date {expiration_date}")
    options = {option.credit_type: option for option in credit_options(offered, profile)}
    option = options.get(request.credit_type)

    # These are things the form cannot fix, so when any applies, asking the learner to also
    # correct the amount or tick boxes would only add noise.
    blockers: list[str] = []
    if not completed:
        blockers.append(str(_MSG_NOT_COMPLETE))
    if option is None:
        blockers.append(str(_NOT_OFFERED.get(request.credit_type, _MSG_UNKNOWN_TYPE)))
    elif option.reason is not None:
        blockers.append(option.reason)
    if option is not None and request.credit_type in already_claimed:
        blockers.append(str(_ALREADY_CLAIMED[request.credit_type]))
    elif option is not None and request.credit_type in claimed_earlier:
        blockers.append(str(_CLAIMED_ON_EARLIER_COMPLETION[request.credit_type]))
    # Both dates are inclusive: credit opens on the release date and closes after expiration.
    if release_date is not None and today < release_date:
        blockers.append(
            gettext("Credit for this course opens on %(date)s.", date=long_date(release_date))
        )
    if expiration_date is not None and today > expiration_date:
        blockers.append(
            gettext("Credit for this course closed on %(date)s.", date=long_date(expiration_date))
        )
    if blockers or option is None:
        return blockers

    problems = _amount_problems(request.amount, option.max)
    if not request.attested:
        problems.append(str(_MSG_ATTESTATION))
    if request.credit_type == "abp-moc-2" and not request.consent_to_report:
        problems.append(str(_MSG_MOC_CONSENT))
    return problems


def claimed_earlier_message(credit_type: str) -> str:
    """Return why credit claimed on an earlier completion of the version cannot be claimed again."""
    return str(_CLAIMED_ON_EARLIER_COMPLETION[credit_type])


def parse_amount(text: str) -> Decimal | None:
    """Read a plain decimal such as "0.75" from form text; return None when it is not one."""
    text = text.strip()
    if len(text) > _MAX_AMOUNT_CHARS or not _AMOUNT.fullmatch(text):
        return None
    return Decimal(text)


def is_quarter_step(amount: Decimal) -> bool:
    """Return whether amount is a whole multiple of 0.25 (zero and negatives included)."""
    if not amount.is_finite():
        return False
    # Fraction is exact; Decimal arithmetic rounds to 28 digits and would pass 0.25000...01.
    return (Fraction(amount) * 4).denominator == 1


def _format_amount(amount: Decimal) -> str:
    # Authors write "1" or "1.00"; learners read one style, with at least one decimal place.
    text = f"{amount.normalize():f}"
    return text if "." in text else f"{text}.0"


def _unavailable_reason(credit_type: str, profile: LearnerProfile) -> str | None:
    if profile.profession not in _ELIGIBLE[credit_type]:
        return f"{_NOT_FOR_PROFESSION[credit_type]} {_PROFESSION_HINT}"
    if credit_type == "abp-moc-2":
        # The ABP matches a report to a diplomate by ID, birth month and birth day together.
        missing = (
            not (profile.abp_id and profile.abp_id.strip()),
            profile.birth_month is None,
            profile.birth_day is None,
        )
        if any(missing):
            return str(_MISSING_MOC[missing])
    return None


def _amount_problems(amount: Decimal | None, maximum: Decimal) -> list[str]:
    if amount is None or not amount.is_finite():
        return [str(_MSG_AMOUNT_MISSING)]
    if amount <= 0:
        return [str(_MSG_AMOUNT_NOT_POSITIVE)]
    problems: list[str] = []
    if amount > maximum:
        problems.append(
            gettext("The most you can claim is %(amount)s.", amount=_format_amount(maximum))
        )
    if not is_quarter_step(amount):
        problems.append(str(_MSG_AMOUNT_STEP))
    return problems


# One credit (or MOC point, or hour of participation) stands for one hour of learning.
SECONDS_PER_CREDIT = 3600
# A claim more than this many times the recorded time is shown to admins to look at.
FAR_ABOVE_FACTOR = 2


def far_above_recorded(amount: Decimal, recorded_seconds: int) -> bool:
    """Return whether a claim is far above the time the site recorded (never a reason to refuse)."""
    return amount * SECONDS_PER_CREDIT > FAR_ABOVE_FACTOR * max(recorded_seconds, 0)


def describe_seconds(seconds: int) -> str:
    """Return a recorded time as people read it: "less than a minute", "1 hour 5 minutes"."""
    minutes = max(seconds, 0) // 60
    if minutes < 1:
        return gettext("less than a minute")
    hours, minutes = divmod(minutes, 60)
    hours_text = ngettext("%(num)d hour", "%(num)d hours", hours)
    minutes_text = ngettext("%(num)d minute", "%(num)d minutes", minutes)
    if not minutes:
        return hours_text
    if not hours:
        return minutes_text
    # "1 hour 5 minutes": one message, so a language can join the two its own way.
    return gettext("%(hours)s %(minutes)s", hours=hours_text, minutes=minutes_text)
