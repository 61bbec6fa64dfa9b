"""Time checking and publishing a large generated corpus of courses.

Run from the repository root:

    .venv/bin/python -m bench.publish_corpus [--lessons 1000] [--courses 10]
        [--database-url URL] [--keep DIR] [--json] [--profile]

The corpus is generated from a seeded random.Random(42), so every run on every machine reads
the same bytes. Results go to stdout (a Markdown table, or JSON with --json); progress and the
optional profile go to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import platform
import pstats
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import markdown
import sqlalchemy
from sqlalchemy import event, func, inspect, select

from lms import create_app
from lms.content.loader import check_courses, cpu_workers
from lms.courses import services
from lms.courses.models import Course, CoursePage, CourseVersion, MediaBlob
from lms.extensions import db

REPO = Path(__file__).resolve().parent.parent
MIGRATIONS = REPO / "migrations"
SEED = 42
LESSON_TARGET_BYTES = 5000
QUESTIONS_PER_QUIZ = 10

T = TypeVar("T")


class BenchmarkError(RuntimeError):
    """A check the benchmark relies on failed, so its numbers would mean nothing."""


def _require(condition: bool, message: str) -> None:
    # Not `assert`: python -O would strip the checks and time a broken run.
    if not condition:
        raise BenchmarkError(message)


# --------------------------------------------------------------------------- vocabulary

TOPICS = [
    "A welcoming first moment",
    "Predictable routines in the clinic",
    "Privacy at the front desk",
    "Stress and the developing child",
    "Recognizing trauma responses",
    "Asking about adversity",
    "Responding to a disclosure",
    "Building resilience with families",
    "Caregiver well-being",
    "Secondary traumatic stress",
    "Calm responses at the counter",
    "Choice and control during exams",
    "Talking with adolescents",
    "Culture, identity and trust",
    "Working with interpreters",
    "Safety planning with families",
    "Sleep, feeding and regulation",
    "Play and co-regulation",
    "Partnering with schools",
    "Community violence and health",
    "Grief and loss in childhood",
    "Medical traumatic stress",
    "Foster and kinship care",
    "Reflective supervision",
    "Screening workflows that respect families",
    "Documentation that respects families",
    "Referrals that families follow",
    "Repair after a hard moment",
    "Team huddles",
    "Language that helps",
]
THEMES = [
    "Trauma-Informed Foundations",
    "The Trauma-Informed Front Desk",
    "Pediatric Primary Care",
    "Adolescent Health",
    "Early Childhood",
    "Caring for Caregivers",
    "Team Well-Being",
    "Screening and Referral",
    "Emergency and Urgent Care",
    "School-Based Health",
]
ACTORS = [
    "a front-desk colleague",
    "the nurse",
    "a medical assistant",
    "the pediatrician",
    "the care coordinator",
    "a new resident",
    "the social worker",
    "the clinic manager",
]
CHILDREN = [
    "a 4-year-old",
    "a toddler",
    "a 9-year-old",
    "an adolescent",
    "a school-age child",
    "a 6-year-old",
]
ACTIONS = [
    "explains what will happen next",
    "offers a choice about where to sit",
    "lowers their voice",
    "names the feeling they notice",
    "checks that the family has what they need",
    "pauses before the next step",
    "asks permission before touching",
    "uses the child's preferred name",
    "gives an honest estimate of the wait",
    "sits at the child's eye level",
]
EFFECTS = [
    "the room feels more predictable",
    "the child's shoulders often relax",
    "trust grows over repeated visits",
    "the caregiver can take in more information",
    "the visit usually runs more smoothly",
    "everyone has a way to say stop",
    "a frightening moment becomes manageable",
]
BEHAVIORS = [
    "freezing",
    "crying at the sight of the exam table",
    "refusing to answer",
    "laughing at an unexpected moment",
    "clinging to a caregiver",
    "sudden anger",
    "seeming far away",
]
SIGNALS = [
    "a raised voice",
    "a closed door",
    "an unexpected touch",
    "a long wait without explanation",
    "a uniform",
    "bright lights and beeping machines",
]
PRINCIPLES = [
    "safety",
    "trustworthiness and transparency",
    "peer support",
    "collaboration and mutuality",
    "empowerment, voice and choice",
    "attention to cultural, historical and gender issues",
]
RESEARCH = [
    "adverse childhood experiences",
    "toxic stress",
    "positive childhood experiences",
    "medical traumatic stress",
    "resilience",
]
SENTENCES = [
    "When {actor} {action}, {effect}.",
    "{Child} who has lived through frightening experiences may read {signal} as a threat.",
    "The principle of {principle} shows up in small habits that everyone can repeat.",
    "Small changes, such as when {actor} {action}, often matter more than a new policy.",
    "It is easy to mistake {behavior} for defiance, but it is often a stress response.",
    "Research on {research} describes risk across populations, not a fixed outcome.",
    "Families notice when {actor} {action}, even on a busy afternoon.",
    "For {child}, {signal} can be enough to bring back an earlier fear.",
    "Naming what you see, without judging it, helps {child} feel understood.",
    "A clinic that values {principle} makes it easy to ask questions and to say no.",
    "Most of the time we cannot tell who has been hurt, so we offer this care to everyone.",
    "If {child} reacts with {behavior}, slow down and offer a choice you can honor.",
    "Hope belongs next to risk: relationships and support make recovery possible.",
    "Follow the law where you work and your organization's policy for anything about safety.",
]
BULLETS = [
    "**Say what comes next.** A sentence of preview lowers uncertainty for {child}.",
    "**Offer a real choice.** Let the family choose the order of two steps.",
    "**Protect privacy.** Move sensitive questions away from the counter.",
    "**Watch for {behavior}.** Treat it as information, not as misbehavior.",
    "**Check in with yourself.** Notice your own stress before responding.",
    "**Keep promises small.** Only promise what you can deliver today.",
    "**Use plain words.** Avoid jargon, and check what the family understood.",
    "**Close the loop.** Tell the family who will follow up, and when.",
]
TABLE_ROWS = [
    ("A child hides behind a caregiver", "Pull the child forward", "Greet the caregiver first"),
    ("The wait runs long", "Say nothing", "Give an honest update"),
    ("A caregiver raises their voice", "Say *calm down*", "Acknowledge, then offer a step"),
    ("A teen won't talk", "Push for answers", "Offer time alone and a choice"),
    ("A form asks about trauma", "Hand it over silently", "Explain why you ask"),
    ("An exam needs touch", "Start without warning", "Ask, explain, then begin"),
    ("A family seems distracted", "Repeat louder", "Write down the next step"),
]
ADMONITIONS = [
    ("tip", "Try it today", "Before you do something to or for a family, say what will happen."),
    ("note", "Local policy comes first", "Your clinic's policy and local law decide the details."),
    ("warning", "If a child may be in danger", "Follow your clinic's emergency procedure now."),
    ("important", "Care for the carer", "Notice your own stress, and use the supports you have."),
    ("info", "Why this matters", "Predictability is one of the strongest buffers we can offer."),
]
SOURCES = [
    "Substance Abuse and Mental Health Services Administration. *SAMHSA's Concept of Trauma "
    "and Guidance for a Trauma-Informed Approach*. HHS Publication No. (SMA) 14-4884. 2014.",
    "Garner A, Yogman M. Preventing childhood toxic stress: partnering with families and "
    "communities to promote relational health. *Pediatrics*. 2021;148(2):e2021052582.",
    "Forkey H, Szilagyi M, Kelly ET, Duffee J. Trauma-informed care. *Pediatrics*. "
    "2021;148(2):e2021052580.",
    "Felitti VJ, Anda RF, et al. Relationship of childhood abuse and household dysfunction to "
    "many of the leading causes of death in adults. *Am J Prev Med*. 1998;14(4):245-258.",
    "National Child Traumatic Stress Network. "
    "[Trauma-informed care](https://www.nctsn.org/trauma-informed-care).",
    "Center on the Developing Child at Harvard University. "
    "[Toxic stress](https://developingchild.harvard.edu/science/key-concepts/toxic-stress/).",
]
SINGLE_RIGHT = [
    ("Pause, get to their eye level, explain what will happen and offer a choice", "Yes: "
     "predictability and choice restore a sense of safety."),
    ("Acknowledge what you notice and ask what would help right now", "Yes: naming the feeling "
     "and asking keeps the family in control."),
    ("Tell them honestly what you can do next, and by when", "Yes: transparency builds trust "
     "even when the answer is not what they hoped."),
]  # fmt: skip
SINGLE_WRONG = [
    ("Hold the child still so the step is over quickly", "Restraint can feel like a threat and "
     "may re-create a frightening experience."),
    ("Carry on without explaining, to save time", "Silence leaves the family guessing, which "
     "adds to their stress."),
    ("Tell them to calm down", "\"Calm down\" often feels dismissive; acknowledge the situation "
     "instead."),
    ("Skip the step without telling the family", "Skipping care silently is not transparent, "
     "and the step may still be needed."),
    ("Ask a colleague to take over without a word", "Handing off can help, but say what is "
     "happening so the family is not left guessing."),
]  # fmt: skip
SELECT_RIGHT = [
    ("Explaining each step before you do it", "Right: predictability supports safety."),
    ("Offering a choice about the order of the exam", "Right: choice restores some control."),
    ("Asking sensitive questions in a private room", "Right: privacy protects safety."),
    ("Telling the family who will call them, and when", "Right: closing the loop builds trust."),
]
SELECT_WRONG = [
    ("Reading a test result aloud at the counter", "This shares private information."),
    ("Starting an exam without saying what it involves", "Surprises undermine safety."),
    ("Promising a child to keep a secret about harm", "A promise you cannot keep hurts trust."),
]
SHORT_ANSWERS = [
    ("What is the fourth \"R\" of SAMHSA's trauma-informed approach?",
     ["resist re-traumatization", "resist retraumatization", "re-traumatization"],
     "The 4 Rs are realize, recognize, respond and resist re-traumatization."),
    ("How many categories of childhood adversity did the original ACE study ask about?",
     ["7", "seven"],
     "The 1998 study asked about seven categories; later waves added three more."),
    ("What number can people in the US call or text to reach the Suicide & Crisis Lifeline?",
     ["988"], "988 connects people to the Suicide & Crisis Lifeline."),
    ("Which stress hormone does the HPA axis release?", ["cortisol"],
     "Cortisol mobilizes energy and changes immune activity."),
    ("What one word describes stress that is strong, frequent or prolonged without support?",
     ["toxic", "toxic stress"], "Supportive relationships buffer it."),
]  # fmt: skip
LIKERT = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"]
COLORS = ["#e3f2fd", "#e8f5e9", "#fff8e1", "#fce4ec", "#ede7f6", "#e0f7fa"]


# --------------------------------------------------------------------------- corpus


@dataclass
class Corpus:
    """What was generated, for the report and for the edit step."""

    root: Path
    courses: int
    lessons: int
    pages: int
    lesson_files: list[Path] = field(default_factory=list)
    lesson_bytes: int = 0
    total_bytes: int = 0


def _slugify(text: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in text.lower()).split()
    return "-".join(words)


def _yaml_text(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar, so colons and quotes are safe.
    return json.dumps(text, ensure_ascii=False)


def _sentence(rng: random.Random) -> str:
    child = rng.choice(CHILDREN)
    text = rng.choice(SENTENCES).format(
        actor=rng.choice(ACTORS),
        action=rng.choice(ACTIONS),
        effect=rng.choice(EFFECTS),
        child=child,
        Child=child[0].upper() + child[1:],
        signal=rng.choice(SIGNALS),
        behavior=rng.choice(BEHAVIORS),
        principle=rng.choice(PRINCIPLES),
        research=rng.choice(RESEARCH),
    )
    # Some emphasis in most paragraphs, as real lessons have.
    roll = rng.random()
    if roll < 0.15:
        return f"**{text}**"
    if roll < 0.3:
        return f"*{text}*"
    return text


def _paragraph(rng: random.Random, sentences: tuple[int, int] = (3, 5)) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(*sentences)))


def _svg(rng: random.Random, title: str, labels: list[str]) -> str:
    boxes = []
    for index, label in enumerate(labels):
        x = 20 + index * 210
        boxes.append(
            f'  <rect x="{x}" y="40" width="180" height="110" rx="10" '
            f'fill="{rng.choice(COLORS)}" stroke="#37474f" stroke-width="2"/>\n'
            f'  <text x="{x + 90}" y="100" text-anchor="middle" '
            f'font-family="sans-serif" font-size="15" fill="#1a1a1a">{label}</text>\n'
        )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 660 190" width="660" '
        'height="190" role="img" aria-labelledby="t d">\n'
        f'  <title id="t">{title}</title>\n'
        f'  <desc id="d">Three boxes in a row: {", ".join(labels)}.</desc>\n'
        '  <rect x="0" y="0" width="660" height="190" fill="#ffffff"/>\n'
        f"{''.join(boxes)}</svg>\n"
    )


def _lesson(
    rng: random.Random,
    *,
    title: str,
    figure: str,
    alt: str,
    previous: str | None,
    following: str,
    quiz: str,
) -> str:
    front = [f"title: {_yaml_text(title)}", f"minutes: {rng.randint(5, 15)}"]
    if rng.random() < 0.1:
        front.append(
            "content_note: >-\n  This lesson mentions child abuse and neglect. You can continue "
            "now or\n  step away and return when you are ready."
        )
    if rng.random() < 0.05:
        front.append("required: false")
    principle = rng.choice(PRINCIPLES)
    parts = [
        f"By the end of this lesson you should be able to describe how *{principle}* shapes "
        f"everyday care, and to try one small change on your next shift.",
        "## Why it matters",
        _paragraph(rng),
        f"![{alt}]({figure})",
        _paragraph(rng),
        "## What it looks like in practice",
        _paragraph(rng, (2, 3)),
        "\n".join(
            "- " + item.format(child=rng.choice(CHILDREN), behavior=rng.choice(BEHAVIORS))
            for item in rng.sample(BULLETS, rng.randint(4, 6))
        ),
        "### A closer look",
        _paragraph(rng, (2, 4)),
        "| Situation | Instead of | Try |\n|---|---|---|\n"
        + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rng.sample(TABLE_ROWS, 4)),
    ]
    kind, heading, text = rng.choice(ADMONITIONS)
    parts.append(f'!!! {kind} "{heading}"\n    {text}\n    {_paragraph(rng, (1, 2))}')
    steps = [
        "Notice what the child and caregiver are showing you.",
        "Say what will happen next, in plain words.",
        "Offer a choice you can honor.",
        "Check what the family understood.",
    ]
    parts += ["## Putting it together", _paragraph(rng, (2, 3))]
    parts.append("\n".join(f"{n}. {step}" for n, step in enumerate(steps, start=1)))
    links = f"When you are ready, go on to [the next page]({following})"
    if previous is not None:
        links += f", or look back at [the previous lesson]({previous})"
    parts.append(f"{links}. The [check your understanding]({quiz}) quiz covers this lesson too.")
    footnote = rng.random() < 0.3
    if footnote:
        parts.append(
            "Adverse childhood experiences (ACEs) are common[^1], and so is recovery. "
            + _paragraph(rng, (1, 2))
        )
    body_so_far = len("\n\n".join(parts))
    # Extra case sections bring every lesson close to the target size, whatever the draw.
    case = 1
    while body_so_far < LESSON_TARGET_BYTES - 700:
        section = f"### Case {case}\n\n{_paragraph(rng, (3, 5))}"
        parts.append(section)
        body_so_far += len(section) + 2
        case += 1
    parts += [
        "## Reflection",
        f"Think of a recent visit. Where could {rng.choice(ACTORS)} have "
        f"{rng.choice(['paused', 'explained', 'offered a choice', 'checked in'])} a little more?",
        "## Sources",
        "\n".join(f"- {source}" for source in rng.sample(SOURCES, 3)),
    ]
    if footnote:
        parts.append(
            "[^1]: More than half of adults in the original ACE study reported at least one.\n\n"
            "*[ACEs]: Adverse childhood experiences"
        )
    return "---\n" + "\n".join(front) + "\n---\n\n" + "\n\n".join(parts) + "\n"


def _quiz(rng: random.Random, first_lesson: str) -> str:
    out = [
        "---",
        "title: Check your understanding",
        "kind: quiz",
        "role: posttest",
        "minutes: 10",
        "passing_score: 80",
        f"shuffle: {'true' if rng.random() < 0.5 else 'false'}",
        "---",
        "",
        f"Ten questions about the lessons, starting with [the first one]({first_lesson}). You "
        "need 80% to pass, and you can try as many times as you like.",
        "",
    ]
    kinds = ["single"] * 5 + ["multiple"] * 3 + ["short"] * 2
    rng.shuffle(kinds)
    for kind in kinds[:QUESTIONS_PER_QUIZ]:
        if kind == "single":
            child = rng.choice(CHILDREN)
            out += [
                f"## {child[0].upper() + child[1:]} reacts with {rng.choice(BEHAVIORS)} after "
                f"noticing {rng.choice(SIGNALS)}. What is the most trauma-informed first "
                "response?",
                "",
                f"The visit is running late, and {rng.choice(ACTORS)} is with you.",
                "",
            ]
            options = [(True, *rng.choice(SINGLE_RIGHT))]
            options += [(False, *item) for item in rng.sample(SINGLE_WRONG, 3)]
            rng.shuffle(options)
            for correct, text, feedback in options:
                out += [f"- ({'x' if correct else ' '}) {text}", f"  > {feedback}"]
            out += ["", f"> {_sentence(rng)}", ""]
        elif kind == "multiple":
            out += [
                f"## Which of these support {rng.choice(PRINCIPLES)}? Select all that apply.",
                "",
            ]
            options = [(True, *item) for item in rng.sample(SELECT_RIGHT, 2)]
            options += [(False, *item) for item in rng.sample(SELECT_WRONG, 2)]
            rng.shuffle(options)
            for correct, text, feedback in options:
                out += [f"- [{'x' if correct else ' '}] {text}", f"  > {feedback}"]
            out += ["", "> Small, predictable habits carry the principles into every visit.", ""]
        else:
            question, answers, explanation = rng.choice(SHORT_ANSWERS)
            out += [f"## {question}", ""]
            out += [f"- = {answer}" for answer in answers]
            out += ["", f"> {explanation}", ""]
    return "\n".join(out)


def _evaluation() -> str:
    out = ["---", "title: Evaluation", "kind: evaluation", "minutes: 5", "---", ""]
    out += ["Thank you for taking this course. Your answers help us improve it.", ""]
    for statement in (
        "The course met its stated objectives.",
        "The content was free of commercial bias.",
        "I intend to change something in my practice as a result of this course.",
    ):
        out += [f"## {statement}", ""] + [f"- ( ) {choice}" for choice in LIKERT] + [""]
    out += ["## Which parts were most useful? Choose any.", ""]
    out += [f"- [ ] {part}" for part in ("The lessons", "The figures", "The quiz")] + [""]
    out += ["## What will you do differently in your practice as a result of this course?", ""]
    return "\n".join(out)


def _course_file(rng: random.Random, title: str, first_lesson: str, lessons: int) -> str:
    objectives = "\n".join(
        f"  - Apply {principle} in everyday care." for principle in rng.sample(PRINCIPLES, 3)
    )
    return f"""---
title: {_yaml_text(title)}
summary: >-
  A generated benchmark course of {lessons} lessons about trauma-informed care,
  with a quiz and an evaluation.
audience:
  - trainee
  - clinic-staff
language: en
estimated_minutes: {lessons * 10 + 15}
release_date: 2026-01-15
expiration_date: 2029-01-14
objectives:
{objectives}
credits:
  - type: participation
    max: 1.0
accreditation: >-
  Certificate of participation from Example Pediatric Education Institute
  (a fictional provider used for demonstration). This is not CME.
disclosures: |
  **Financial relationships.** None.

  **Commercial support.** None.
passing_score: 80
---

{_paragraph(rng)}

| Part | What you will do |
|---|---|
| Lessons | Read {lessons} short lessons, starting with [the first one]({first_lesson}) |
| Quiz | Answer ten questions |
| Evaluation | Tell us what you thought |

Download the [pocket card](media/pocket-card.txt) to keep at your desk.
"""


def generate_corpus(root: Path, lessons: int, courses: int, rng: random.Random) -> Corpus:
    """Write `lessons` lessons spread over `courses` courses, each with a quiz and evaluation."""
    corpus = Corpus(root=root, courses=courses, lessons=lessons, pages=lessons + 2 * courses)
    base, extra = divmod(lessons, courses)
    for index in range(courses):
        count = base + (index < extra)
        theme = THEMES[index % len(THEMES)]
        folder = root / f"bench-{index + 1:02d}-{_slugify(theme)}"
        (folder / "media").mkdir(parents=True)
        width = max(2, len(str(count + 2)))
        names = [f"lesson-{n:04d}-{_slugify(TOPICS[n % len(TOPICS)])}" for n in range(count)]
        files = [f"{n + 1:0{width}d}-{name}.md" for n, name in enumerate(names)]
        quiz = f"{count + 1:0{width}d}-check-your-understanding.md"
        evaluation = f"{count + 2:0{width}d}-evaluation.md"
        first = files[0] if files else quiz
        title = f"{theme} (benchmark {index + 1})"
        (folder / "course.md").write_text(_course_file(rng, title, first, count))
        (folder / "media" / "pocket-card.txt").write_text(f"{title}\n\nSay what happens next.\n")
        for n, filename in enumerate(files):
            topic = TOPICS[n % len(TOPICS)]
            labels = [word.capitalize() for word in rng.sample(["notice", "name", "offer",
                      "explain", "pause", "check", "repair"], 3)]  # fmt: skip
            figure = f"media/figure-{n:04d}.svg"
            # Unique bytes per figure, so every one is a separate media blob, as in real courses.
            svg = _svg(rng, f"{topic}: figure {index + 1}.{n + 1}", labels)
            (folder / figure).write_text(svg)
            text = _lesson(
                rng,
                title=f"{topic}, part {n // len(TOPICS) + 1}",
                figure=figure,
                alt=f"Three boxes in a row, labelled {', '.join(labels)}: the steps of "
                f"{topic.lower()} that this lesson walks through.",
                previous=files[n - 1] if n else None,
                following=files[n + 1] if n + 1 < count else quiz,
                quiz=quiz,
            )
            path = folder / filename
            path.write_text(text)
            corpus.lesson_files.append(path)
            corpus.lesson_bytes += len(text.encode())
        (folder / quiz).write_text(_quiz(rng, first))
        (folder / evaluation).write_text(_evaluation())
    corpus.total_bytes = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    return corpus


# --------------------------------------------------------------------------- measuring


@dataclass
class Step:
    """One timed step and what it cost."""

    name: str
    seconds: float
    lessons: int
    sql_statements: int
    markdown_conversions: int
    peak_rss_mib: float

    @property
    def lessons_per_second(self) -> float:
        """Return lessons processed per wall-clock second."""
        return self.lessons / self.seconds if self.seconds else float("inf")

    @property
    def ms_per_lesson(self) -> float:
        """Return wall-clock milliseconds per lesson."""
        return self.seconds * 1000 / self.lessons

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict, rates included."""
        return {
            **asdict(self),
            "lessons_per_second": round(self.lessons_per_second, 1),
            "ms_per_lesson": round(self.ms_per_lesson, 3),
        }


def peak_rss_mib() -> float:
    """Return this process's peak resident set size in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class _Counters:
    """Count SQL statements and Markdown conversions while a step runs."""

    def __init__(self) -> None:
        self.statements = 0
        self.conversions = 0

    @contextmanager
    def installed(self, engine: sqlalchemy.Engine | None) -> Iterator[None]:
        original = markdown.Markdown.convert
        counters = self

        def counting_convert(instance: markdown.Markdown, source: str) -> str:
            counters.conversions += 1
            return original(instance, source)

        def count_statement(*_args: Any) -> None:
            counters.statements += 1

        # Counting conversions is what shows which steps do Markdown work and which do not.
        markdown.Markdown.convert = counting_convert  # type: ignore[method-assign]
        if engine is not None:
            event.listen(engine, "before_cursor_execute", count_statement)
        try:
            yield
        finally:
            markdown.Markdown.convert = original  # type: ignore[method-assign]
            if engine is not None:
                event.remove(engine, "before_cursor_execute", count_statement)


def timed(
    name: str,
    lessons: int,
    action: Callable[[], T],
    *,
    engine: sqlalchemy.Engine | None = None,
    profiler: cProfile.Profile | None = None,
) -> tuple[Step, T]:
    """Run `action` once and return its Step with the action's result."""
    counters = _Counters()
    print(f"... {name}", file=sys.stderr, flush=True)
    with counters.installed(engine):
        if profiler is not None:
            profiler.enable()
        start = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - start
        if profiler is not None:
            profiler.disable()
    step = Step(name, seconds, lessons, counters.statements, counters.conversions, peak_rss_mib())
    return step, result


# --------------------------------------------------------------------------- the run


def _app_config(database_url: str, courses_dir: Path) -> dict[str, Any]:
    return {
        "ENV_NAME": "testing",
        # Set here so the app never writes a development key into instance/.
        "SECRET_KEY": "bench-not-a-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "COURSES_DIR": str(courses_dir),
    }


def _publish(root: Path, max_media_bytes: int, workers: int = 1) -> services.PublishReport:
    report = services.publish_courses(root, max_media_bytes=max_media_bytes, workers=workers)
    db.session.commit()
    return report


def _outcomes(report: services.PublishReport) -> dict[str, list[str]]:
    outcomes: dict[str, list[str]] = {"published": [], "unchanged": [], "failed": []}
    for result in report.results:
        outcomes[result.outcome].append(result.slug)
    return outcomes


def _read_lessons() -> int:
    """Fetch the stored HTML of every current lesson, one query each, as the reader does."""
    keys = db.session.execute(
        select(CoursePage.version_id, CoursePage.slug)
        .join(Course, Course.current_version_id == CoursePage.version_id)
        .where(CoursePage.kind == "lesson")
        .order_by(CoursePage.version_id, CoursePage.position)
    ).all()
    total = 0
    for version_id, slug in keys:
        html = db.session.scalar(
            select(CoursePage.html).where(
                CoursePage.version_id == version_id, CoursePage.slug == slug
            )
        )
        total += len(html or "")
    return total


def run_benchmark(
    root: Path,
    corpus: Corpus,
    database_url: str,
    profiler: cProfile.Profile | None = None,
    workers: int = 1,
) -> tuple[list[Step], dict[str, Any]]:
    """Migrate a fresh database, then time checking and three publishes of the corpus."""
    n = corpus.lessons
    steps: list[Step] = []

    # Untimed: a corpus with errors would time the error path, not publishing.
    courses, diagnostics = check_courses(
        root, media_url=services.media_url, page_url=services.page_url
    )
    errors = [d for d in diagnostics if d.severity == "error"]
    _require(not errors, "generated corpus has errors:\n" + "\n".join(map(str, errors[:20])))
    _require(len(courses) == corpus.courses, f"expected {corpus.courses} courses")
    warnings = len(diagnostics) - len(errors)

    app = create_app(_app_config(database_url, root))
    with app.app_context():
        from flask_migrate import upgrade

        engine = db.engine
        existing = inspect(engine).get_table_names()
        _require(not existing, f"database is not empty ({len(existing)} tables); use a fresh one")
        # A root handler stops env.py from installing alembic.ini's INFO logging on stdout.
        logging.basicConfig(level=logging.WARNING)
        upgrade(directory=str(MIGRATIONS))
        limit = int(app.config["MAX_MEDIA_BYTES"])

        step, _result = timed(
            "1. check_courses (compile only, no database)",
            n,
            lambda: check_courses(root, media_url=services.media_url, page_url=services.page_url),
        )
        steps.append(step)
        if workers > 1:
            # The same work across processes, as `flask courses publish` does it; conversions
            # happen in the workers, so this process counts none.
            step, (parallel_courses, _) = timed(
                f"1b. check_courses in {workers} processes",
                n,
                lambda: check_courses(
                    root, media_url=services.media_url, page_url=services.page_url, workers=workers
                ),
            )
            _require(parallel_courses == courses, "compiling in processes changed the result")
            steps.append(step)
        # The profiler sees only this process: profile publishing compiled in it.
        publish_workers = 1 if profiler is not None else workers

        step, report = timed(
            f"2. first publish + commit (all new, {publish_workers} process"
            f"{'es' if publish_workers > 1 else ''})",
            n,
            lambda: _publish(root, limit, publish_workers),
            engine=engine,
            profiler=profiler,
        )
        if profiler is not None:
            step.name += " [profiled]"
        steps.append(step)
        outcomes = _outcomes(report)
        _require(
            len(outcomes["published"]) == corpus.courses,
            f"first publish: expected {corpus.courses} published, got {outcomes}",
        )
        pages = db.session.scalar(select(func.count(CoursePage.id)))
        _require(pages == corpus.pages, f"expected {corpus.pages} pages stored, found {pages}")
        blobs = db.session.scalar(select(func.count()).select_from(MediaBlob))

        step, report = timed(
            "3. publish again, nothing changed", n, lambda: _publish(root, limit), engine=engine
        )
        steps.append(step)
        outcomes = _outcomes(report)
        _require(
            not outcomes["published"] and not outcomes["failed"],
            f"second publish must publish nothing, got {outcomes}",
        )

        # Seeded: the same lesson is edited on every run.
        edited = random.Random(SEED).choice(corpus.lesson_files)
        with edited.open("a") as handle:
            handle.write("\nOne sentence added to time republishing an edited lesson.\n")
        step, report = timed(
            "4. one lesson edited, publish", n, lambda: _publish(root, limit), engine=engine
        )
        steps.append(step)
        outcomes = _outcomes(report)
        slug = edited.parent.name
        _require(
            outcomes["published"] == [slug] and not outcomes["failed"],
            f"edit: expected only {slug} published, got {outcomes}",
        )
        # Not services.version_count(): its bare join(Course) is ambiguous (two foreign keys).
        edited_versions = db.session.scalar(
            select(func.count(CourseVersion.id))
            .join(Course, Course.id == CourseVersion.course_id)
            .where(Course.slug == slug)
        )
        _require(edited_versions == 2, f"{slug} should now have 2 versions")
        versions = db.session.scalar(select(func.count(CourseVersion.id)))
        _require(versions == corpus.courses + 1, f"expected {corpus.courses + 1} versions")

        step, html_bytes = timed(
            "5. read stored HTML of every lesson (for comparison)",
            n,
            _read_lessons,
            engine=engine,
        )
        steps.append(step)
        _require(html_bytes > 0, "no lesson HTML was read back")

        facts = {
            "database": engine.dialect.name,
            "server_version": ".".join(map(str, engine.dialect.server_version_info or ())),
            "warnings": warnings,
            "media_blobs": blobs,
            "html_bytes": html_bytes,
            "edited": str(edited.relative_to(root)),
        }
        db.session.remove()
        engine.dispose()
    return steps, facts


# --------------------------------------------------------------------------- output


def markdown_table(steps: list[Step]) -> str:
    """Format the steps as a Markdown table."""
    lines = [
        "| Step | Seconds | Lessons/s | ms/lesson | SQL statements | Markdown conversions "
        "| Peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for step in steps:
        lines.append(
            f"| {step.name} | {step.seconds:.2f} | {step.lessons_per_second:,.0f} "
            f"| {step.ms_per_lesson:.2f} | {step.sql_statements:,} "
            f"| {step.markdown_conversions:,} | {step.peak_rss_mib:.0f} |"
        )
    return "\n".join(lines)


def _profile_text(profiler: cProfile.Profile, limit: int) -> str:
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer).strip_dirs()
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(limit)
    stats.sort_stats(pstats.SortKey.TIME).print_stats(limit)
    return buffer.getvalue()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.publish_corpus", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--lessons", type=int, default=1000, help="lessons in all (1000)")
    parser.add_argument("--courses", type=int, default=10, help="courses to spread them over")
    parser.add_argument(
        "--database-url",
        help="an EMPTY database to migrate and publish into (default: a temporary SQLite file)",
    )
    parser.add_argument("--keep", type=Path, help="write the corpus to this new folder and keep it")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument(
        "--workers",
        type=int,
        default=cpu_workers(),
        help="processes that compile at publish, as LMS_PUBLISH_WORKERS (default: one per core)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        nargs="?",
        const=25,
        metavar="N",
        help="profile step 2 with cProfile; print the top N functions to stderr",
    )
    args = parser.parse_args(argv)
    if args.courses < 1 or args.lessons < args.courses:
        parser.error("need at least one course and at least one lesson per course")
    if args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"{args.keep} is not empty")
    return args


def main(argv: list[str] | None = None) -> int:
    """Generate the corpus, run the benchmark and print the results."""
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    try:
        root = args.keep if args.keep is not None else scratch / "courses"
        root.mkdir(parents=True, exist_ok=True)
        database_url = args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}"
        print(f"... generating {args.lessons} lessons in {root}", file=sys.stderr, flush=True)
        corpus = generate_corpus(root, args.lessons, args.courses, random.Random(SEED))
        profiler = cProfile.Profile() if args.profile else None
        steps, facts = run_benchmark(root, corpus, database_url, profiler, args.workers)
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    summary = {
        "lessons": corpus.lessons,
        "courses": corpus.courses,
        "pages": corpus.pages,
        "mean_lesson_bytes": round(corpus.lesson_bytes / corpus.lessons),
        "corpus_bytes": corpus.total_bytes,
        **facts,
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "markdown": markdown.__version__,
        "cpus": os.cpu_count(),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }
    if profiler is not None:
        print(_profile_text(profiler, args.profile), file=sys.stderr)
    if args.json:
        print(json.dumps({**summary, "steps": [s.to_dict() for s in steps]}, indent=2))
        return 0
    database = f"{facts['database']} {facts['server_version']}".strip()
    print(
        f"{corpus.lessons} lessons in {corpus.courses} courses ({corpus.pages} pages, "
        f"mean lesson {summary['mean_lesson_bytes']:,} bytes, corpus "
        f"{corpus.total_bytes / 1e6:.1f} MB, {facts['media_blobs']} media files); "
        f"{database}; Python {summary['python']}, SQLAlchemy {summary['sqlalchemy']}, "
        f"{summary['cpus']} CPUs; checker warnings: {facts['warnings']}\n"
    )
    print(markdown_table(steps))
    print(f"\nPeak RSS: {summary['peak_rss_mib']:.0f} MiB. Edited lesson: {facts['edited']}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
