"""Accreditors' rules for courses that offer continuing-education credit, as checker errors.

Pure functions over a compiled course and the lines its keys were written on, so that each
rule can be tested without files or an app. The loader calls `check_course` for every course;
a course that offers only a certificate of participation (or nothing) gets only the checks that
apply to anything it chooses to state (structured disclosures). Where each rule comes from is
in docs/cme.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from lms.content.model import CME_CREDIT_TYPES, LEARNING_FORMATS, Course, Credit, Diagnostic

# An enduring material must be reviewed at least every three years (ACCME enduring-material
# policy); credit may not be offered past the third anniversary of the last review.
MAX_REVIEW_YEARS = 3
AMA_PHRASE = "AMA PRA Category 1 Credit"
COMMENSURATE = "commensurate with the extent of their participation"
ABP_NAME = "American Board of Pediatrics"
ANCC_NAME = "American Nurses Credentialing Center"
_MAXIMUM_RE = re.compile(r"maximum of\s+(?P<amount>[0-9]+(?:\.[0-9]+)?)", re.IGNORECASE)
_POINTS_RE = re.compile(r"up to\s+(?P<amount>[0-9]+(?:\.[0-9]+)?)\s+MOC point", re.IGNORECASE)
# Disclosures name ineligible companies in plain text: no links, images, markup or logos.
_NOT_PLAIN = re.compile(r"https?:|www\.|[<>\[\]!*_`]|\]\(")


@dataclass(frozen=True)
class Where:
    """Where a course's files are, for pointing diagnostics at them."""

    course_path: str  # "<slug>/course.md"
    prefix: str  # "<slug>"
    lines: Mapping[str, int]  # course.md key -> line; "credit:<type>" -> line of its entry

    def line(self, *keys: str) -> int:
        """Return the line of the first key present, else 1."""
        return next((self.lines[key] for key in keys if key in self.lines), 1)


Rule = Callable[[Course, Where, str | None], Iterator[Diagnostic]]


def quarter_hours(minutes: int) -> Decimal:
    """Return minutes as hours rounded to the nearest quarter (60 minutes = 1.0)."""
    return (Decimal(minutes) / 15).quantize(Decimal(1), rounding="ROUND_HALF_UP") / 4


def cme_credits(course: Course) -> list[Credit]:
    """Return the continuing-education credits a course offers (not participation)."""
    return [credit for credit in course.credits if credit.type in CME_CREDIT_TYPES]


def _credit(course: Course, credit_type: str) -> Credit | None:
    return next((c for c in course.credits if c.type == credit_type), None)


def _error(where: Where, line: int, message: str) -> Diagnostic:
    return Diagnostic(where.course_path, line, message, "error")


def _amount(text: str | None, pattern: re.Pattern[str]) -> Decimal | None:
    match = pattern.search(text or "")
    if match is None:
        return None
    try:
        return Decimal(match["amount"])
    except InvalidOperation:
        return None


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # February 29
        return day.replace(year=day.year + years, day=28)


# --- rules for every credit-bearing course --------------------------------------------------


def rule_objectives(course: Course, where: Where, provider: str | None) -> Iterator[Diagnostic]:
    """A credit-bearing course lists at least one learning objective."""
    if not course.objectives:
        yield _error(
            where,
            where.line("objectives", _first_cme_key(course)),
            "objectives: credit-bearing courses list at least one learning objective",
        )


def rule_target_audience(
    course: Course, where: Where, provider: str | None
) -> Iterator[Diagnostic]:
    """A credit-bearing course states its target audience."""
    if not course.target_audience:
        yield _error(
            where,
            where.line(_first_cme_key(course)),
            "target_audience: credit-bearing courses state who the activity is for",
        )


def rule_estimated_time(course: Course, where: Where, provider: str | None) -> Iterator[Diagnostic]:
    """The estimated time is given; for AMA credit it agrees with the maximum (a warning)."""
    if course.estimated_minutes is None:
        yield _error(
            where,
            where.line(_first_cme_key(course)),
            "estimated_minutes: credit-bearing courses state how long they take",
        )
        return
    ama = _credit(course, "ama-pra-1")
    if ama is not None and quarter_hours(course.estimated_minutes) != ama.max:
        yield Diagnostic(
            where.course_path,
            where.line("estimated_minutes"),
            f"estimated_minutes: {course.estimated_minutes} minutes is "
            f"{quarter_hours(course.estimated_minutes)} hours, but ama-pra-1 max is {ama.max}; "
            "the designated credit should match the time most physicians take",
            "warning",
        )


def rule_dates(course: Course, where: Where, provider: str | None) -> Iterator[Diagnostic]:
    """Release, last review and termination dates are given; termination within 3 years."""
    anchor = where.line(_first_cme_key(course))
    missing = [
        key
        for key, value in (
            ("release_date", course.release_date),
            ("review_date", course.review_date),
            ("expiration_date", course.expiration_date),
        )
        if value is None
    ]
    for key in missing:
        what = {
            "release_date": "the date of original release",
            "review_date": "the date of the most recent review",
            "expiration_date": "the termination date, after which credit ends",
        }[key]
        yield _error(where, anchor, f"{key}: credit-bearing courses give {what}")
    if course.review_date is not None and course.expiration_date is not None:
        limit = _years_after(course.review_date, MAX_REVIEW_YEARS)
        if course.expiration_date > limit:
            yield _error(
                where,
                where.line("expiration_date"),
                f"expiration_date: must be no more than {MAX_REVIEW_YEARS} years after "
                f"review_date ({limit.isoformat()} at the latest)",
            )


def rule_structured_disclosures(
    course: Course, where: Where, provider: str | None
) -> Iterator[Diagnostic]:
    """Credit-bearing courses disclose every planner, author and reviewer, structured."""
    if course.disclosure is None:
        yield _error(
            where,
            where.line("disclosures", _first_cme_key(course)),
            "disclosures: credit-bearing courses list people (name, credentials, roles, "
            "relationships) rather than free text; see docs/authoring.md",
        )
        return
    roles = {role for person in course.disclosure.people for role in person.roles}
    for role in ("planner", "author"):
        if role not in roles:
            yield _error(
                where,
                where.line("disclosures.people", "disclosures"),
                f"disclosures: list at least one {role} under people",
            )
    for index, person in enumerate(course.disclosure.people):
        if not person.credentials:
            yield _error(
                where,
                where.line(f"person:{index}"),
                f"people: give the credentials of {person.name} (such as MD, FAAP or MSW)",
            )


def rule_disclosure_mitigation(
    course: Course, where: Where, provider: str | None
) -> Iterator[Diagnostic]:
    """Relationships need a mitigation statement; companies are named in plain text only."""
    if course.disclosure is None:
        return
    if course.disclosure.has_relationships and not course.disclosure.mitigation:
        yield _error(
            where,
            where.line("disclosures.people", "disclosures"),
            "disclosures: relevant financial relationships are listed, so add 'mitigation': "
            "how they were mitigated",
        )
    for index, person in enumerate(course.disclosure.people):
        for number, relationship in enumerate(person.relationships):
            if _NOT_PLAIN.search(relationship.company):
                yield _error(
                    where,
                    where.line(f"person:{index}:company:{number}", f"person:{index}"),
                    "company: name ineligible companies in plain text only "
                    "(no links, logos or markup)",
                )


def rule_accreditation(course: Course, where: Where, provider: str | None) -> Iterator[Diagnostic]:
    """AMA and MOC credit need the provider's accreditation statement."""
    if not course.accreditation:
        credit = "ama-pra-1" if _credit(course, "ama-pra-1") else "abp-moc-2"
        yield _error(
            where,
            where.line(f"credit:{credit}"),
            f"{credit}: add the accreditation statement (accreditation:)",
        )


def rule_post_test(course: Course, where: Where, provider: str | None) -> Iterator[Diagnostic]:
    """AMA and MOC credit need a post-test with a passing score (the minimum performance)."""
    posttests = [p for p in course.pages if p.kind == "quiz" and p.role == "posttest"]
    credit = "ama-pra-1" if _credit(course, "ama-pra-1") else "abp-moc-2"
    if not posttests:
        yield _error(
            where,
            where.line(f"credit:{credit}"),
            f"{credit}: add a post-test (a page with kind: quiz) that learners must pass",
        )
    for page in posttests:
        if not page.passing_score:
            yield Diagnostic(
                f"{where.prefix}/{page.filename}",
                1,
                "passing_score: a post-test for credit needs a passing score above 0",
            )


def rule_evaluation(course: Course, where: Where, provider: str | None) -> Iterator[Diagnostic]:
    """Credit-bearing courses have an evaluation with at least one required question."""
    evaluations = [p for p in course.pages if p.kind == "evaluation"]
    if not evaluations:
        yield _error(
            where,
            where.line(_first_cme_key(course)),
            f"{cme_credits(course)[0].type}: add an evaluation page (kind: evaluation); "
            "credit needs a submitted evaluation",
        )
        return
    for page in evaluations:
        if not any(question.required for question in page.questions):
            yield Diagnostic(
                f"{where.prefix}/{page.filename}",
                page.questions[0].line if page.questions else 1,
                "mark at least one question required by ending its heading with (required); "
                "an empty evaluation must not earn credit",
            )


# --- AMA PRA Category 1 Credit --------------------------------------------------------------


def rule_designation(course: Course, where: Where, provider: str | None) -> Iterator[Diagnostic]:
    """The AMA designation statement names provider, format, maximum and the claim sentence."""
    ama = _credit(course, "ama-pra-1")
    if ama is None:
        return
    text = course.designation
    if not text:
        yield _error(
            where,
            where.line("credit:ama-pra-1"),
            "ama-pra-1: add the AMA credit designation statement (designation:)",
        )
        return
    line = where.line("designation")
    folded = " ".join(text.split())
    if provider and provider not in folded:
        yield _error(where, line, f"designation: must name the accredited provider, {provider}")
    format_name = LEARNING_FORMATS.get(course.learning_format, course.learning_format)
    if format_name not in folded.lower():
        yield _error(where, line, f"designation: must name the learning format, '{format_name}'")
    if AMA_PHRASE not in folded:
        yield _error(where, line, f"designation: must name '{AMA_PHRASE}(s)™'")
    maximum = _amount(folded, _MAXIMUM_RE)
    if maximum is None or maximum != ama.max:
        yield _error(
            where,
            line,
            f"designation: must say 'a maximum of {ama.max}', the ama-pra-1 max in credits",
        )
    if COMMENSURATE not in folded:
        yield _error(
            where,
            line,
            "designation: must say 'Physicians should claim only the credit commensurate with "
            "the extent of their participation in the activity.'",
        )


def rule_bibliography(course: Course, where: Where, provider: str | None) -> Iterator[Diagnostic]:
    """Enduring materials for AMA credit give bibliographic sources (a warning)."""
    if _credit(course, "ama-pra-1") and not course.bibliography_html:
        yield Diagnostic(
            where.course_path,
            where.line("credit:ama-pra-1"),
            "bibliography: list sources for further study (the AMA asks enduring materials "
            "to give them where appropriate)",
            "warning",
        )


# --- ABP MOC Part 2 -------------------------------------------------------------------------


def rule_moc(course: Course, where: Where, provider: str | None) -> Iterator[Diagnostic]:
    """MOC needs a PARS activity ID, the ABP statement, and points equal to the AMA credits."""
    moc = _credit(course, "abp-moc-2")
    if moc is None:
        return
    line = where.line("credit:abp-moc-2")
    if not course.pars_activity_id:
        yield _error(where, line, "abp-moc-2: add the activity's PARS ID (pars_activity_id:)")
    statement = " ".join((course.moc_statement or "").split())
    if not statement:
        yield _error(where, line, "abp-moc-2: add the ABP MOC statement (moc_statement:)")
    else:
        if ABP_NAME not in statement or "MOC" not in statement:
            yield _error(
                where,
                where.line("moc_statement"),
                f"moc_statement: must name the {ABP_NAME} (ABP) Maintenance of Certification "
                "(MOC) program",
            )
        if _amount(statement, _POINTS_RE) != moc.max:
            yield _error(
                where,
                where.line("moc_statement"),
                f"moc_statement: must say 'up to {moc.max} MOC points', the abp-moc-2 max",
            )
    ama = _credit(course, "ama-pra-1")
    if ama is not None and ama.max != moc.max:
        yield _error(
            where,
            line,
            f"abp-moc-2: max must equal the ama-pra-1 max ({ama.max}); ABP MOC points equal "
            "the CME credits awarded",
        )


def rule_moc_feedback(course: Course, where: Where, provider: str | None) -> Iterator[Diagnostic]:
    """For MOC, every option of every post-test question carries its own feedback."""
    if _credit(course, "abp-moc-2") is None:
        return
    for page in course.pages:
        if page.kind != "quiz" or page.role != "posttest":
            continue
        for question in page.questions:
            if question.kind == "short":
                if not question.explanation_html:
                    yield Diagnostic(
                        f"{where.prefix}/{page.filename}",
                        question.line,
                        "abp-moc-2: explain the answer (a > blockquote after the answers)",
                    )
                continue
            missing = [option.id for option in question.options if not option.feedback_html]
            if missing:
                yield Diagnostic(
                    f"{where.prefix}/{page.filename}",
                    question.line,
                    "abp-moc-2: every option needs its own feedback; "
                    f"option(s) {', '.join(missing)} have none",
                )


# --- ANCC contact hours ---------------------------------------------------------------------


def rule_ancc(course: Course, where: Where, provider: str | None) -> Iterator[Diagnostic]:
    """ANCC needs the provider's statement and contact hours at 60 minutes = 1."""
    ancc = _credit(course, "ancc-contact-hours")
    if ancc is None:
        return
    line = where.line("credit:ancc-contact-hours")
    statement = " ".join((course.ancc_statement or "").split())
    if not statement:
        yield _error(
            where, line, "ancc-contact-hours: add the provider's ANCC statement (ancc_statement:)"
        )
    elif ANCC_NAME not in statement:
        yield _error(
            where, where.line("ancc_statement"), f"ancc_statement: must name the {ANCC_NAME}"
        )
    if course.estimated_minutes is not None:
        hours = quarter_hours(course.estimated_minutes)
        if ancc.max != hours:
            yield _error(
                where,
                line,
                f"ancc-contact-hours: max must be {hours}: {course.estimated_minutes} minutes "
                "at 60 minutes = 1 contact hour",
            )


# --- the checker ----------------------------------------------------------------------------


def _first_cme_key(course: Course) -> str:
    credits = cme_credits(course)
    return f"credit:{credits[0].type}" if credits else "credits"


# Rules for every course offering continuing-education credit, then per credit type.
CREDIT_RULES: tuple[Rule, ...] = (
    rule_objectives,
    rule_target_audience,
    rule_estimated_time,
    rule_dates,
    rule_structured_disclosures,
    rule_evaluation,
)
AMA_OR_MOC_RULES: tuple[Rule, ...] = (rule_accreditation, rule_post_test)
TYPE_RULES: tuple[Rule, ...] = (
    rule_designation,
    rule_bibliography,
    rule_moc,
    rule_moc_feedback,
    rule_ancc,
)
# Whatever a course states about disclosures must be complete, credit or not.
ALWAYS_RULES: tuple[Rule, ...] = (rule_disclosure_mitigation,)


def check_course(
    course: Course,
    *,
    course_path: str,
    prefix: str,
    lines: Mapping[str, int],
    provider_name: str | None = None,
) -> list[Diagnostic]:
    """Return every accreditation problem of a compiled course; empty when it complies."""
    where = Where(course_path, prefix, lines)
    rules: list[Rule] = list(ALWAYS_RULES)
    if cme_credits(course):
        rules += CREDIT_RULES
        if _credit(course, "ama-pra-1") or _credit(course, "abp-moc-2"):
            rules += AMA_OR_MOC_RULES
        rules += TYPE_RULES
    return [diagnostic for rule in rules for diagnostic in rule(course, where, provider_name)]
