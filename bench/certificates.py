"""Time printing certificates as PDF.

Run from the repository root:

    .venv/bin/python -m bench.certificates [--count 1000] [--json]

Renders N certificates with varied names, courses, credit types and accreditation statements,
generated from a seeded random.Random(42) so every run prints the same documents, inside an
app context on an in-memory database (rendering reads no database). Each PDF is read back with
pypdf, outside the timed part, to check it has one page and the holder's name. After each
certificate a bare one-page document (a heading and four paragraphs, WeasyPrint's defaults)
is rendered and timed too, so the ratio of the medians holds on a busy machine. Results go to
stdout (a Markdown table, or JSON with --json); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import weasyprint
from weasyprint.document import Document

from lms import create_app
from lms.certificates import pdf
from lms.certificates.documents import CertificateDocument

SEED = 42

GIVEN = [
    "Amara", "Zoë", "Łukasz", "José", "Nguyễn Thị", "Siobhán", "Søren", "Aoife", "Mohammed",
    "Priya", "Chidinma", "Björn", "Ana Lucía", "François", "Wei", "Kateřina", "Olusegun",
    "María José", "Dmitri", "Aleksandra",
]  # fmt: skip
FAMILY = [
    "Okafor", "Łukasiewicz-Ñúñez", "O'Brien", "Müller-Schmidt", "García Márquez", "Kowalczyk",
    "Nakamura", "Van der Berg", "Al-Rashid", "Fitzgerald-Okonkwo", "Dvořák", "Østergaard",
    "Hernández", "Chukwuemeka", "de la Cruz y Villanueva", "Smith",
]  # fmt: skip
SUFFIXES = ["", "", "", "", ", MD", ", RN", ", MD, MPH", ", DNP, APRN, CPNP-PC"]
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
TOPICS = [
    "A welcoming first moment",
    "Predictable routines in the clinic",
    "Asking about adversity",
    "Responding to a disclosure",
    "Secondary traumatic stress",
    "Choice and control during exams",
    "Working with interpreters",
    "Medical traumatic stress",
]
ACCME = (
    "The Example Pediatric Education Institute is accredited by the Accreditation Council for "
    "Continuing Medical Education (ACCME) to provide continuing medical education for "
    "physicians.\nThe Example Pediatric Education Institute designates this enduring material "
    "for a maximum of {amount} AMA PRA Category 1 Credit(s)™. Physicians should claim only the "
    "credit commensurate with the extent of their participation in the activity."
)
MOC = (
    "Successful completion of this CME activity, which includes participation in the "
    "evaluation component, enables the participant to earn up to {amount} MOC points in the "
    "American Board of Pediatrics' (ABP) Maintenance of Certification (MOC) program. It is the "
    "CME activity provider's responsibility to submit participant completion information to "
    "ACCME for the purpose of granting ABP MOC credit."
)
ANCC = (
    "The Example Pediatric Education Institute is accredited as a provider of nursing "
    "continuing professional development by the American Nurses Credentialing Center's "
    "Commission on Accreditation. This activity provides {amount} contact hour(s)."
)
JOINT = (
    " In support of improving patient care, this activity has been planned and implemented by "
    "the Example Pediatric Education Institute and its partners, which are jointly accredited "
    "by the ACCME, the Accreditation Council for Pharmacy Education (ACPE), and the ANCC, to "
    "provide continuing education for the healthcare team. Disclosures: none of the planners, "
    "faculty or reviewers of this activity has a relevant financial relationship with an "
    "ineligible company; all were mitigated before the activity began."
)
STATEMENTS = {"ama-pra-1": ACCME, "abp-moc-2": MOC, "ancc-contact-hours": ANCC}
CREDIT_TYPES = ["ama-pra-1", "ama-pra-1", "abp-moc-2", "ancc-contact-hours", "participation"]
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class BenchmarkError(RuntimeError):
    """A check the benchmark relies on failed, so its numbers would mean nothing."""


def _require(condition: bool, message: str) -> None:
    # Not `assert`: python -O would strip the checks and time a broken run.
    if not condition:
        raise BenchmarkError(message)


# --------------------------------------------------------------------------- documents


def _certificate_id(rng: random.Random) -> str:
    chars = "".join(rng.choice(ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN)
    if rng.random() < 0.2:
        given += " " + rng.choice(GIVEN)
    name = f"{given} {rng.choice(FAMILY)}{rng.choice(SUFFIXES)}"
    # A few names a form would still accept but a layout must survive.
    roll = rng.random()
    if roll < 0.02:
        name = f"<b>{name}</b> {{{{ 7*7 }}}}"
    elif roll < 0.05:
        name = " ".join(f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}" for _ in range(5))[:120]
    return name


def make_documents(count: int, rng: random.Random) -> list[CertificateDocument]:
    """Return `count` varied certificates, the same ones for the same generator state."""
    documents = []
    for _ in range(count):
        credit_type = rng.choice(CREDIT_TYPES)
        amount = Decimal(rng.randint(1, 12)) * Decimal("0.25")
        statement = STATEMENTS.get(credit_type)
        accreditation = None
        if statement is not None:
            accreditation = statement.format(amount=amount.normalize())
            # About a quarter carry a joint-accreditation paragraph, for 740 to 920 characters.
            if rng.random() < 0.25:
                accreditation += "\n" + JOINT.strip()
        certificate_id = _certificate_id(rng)
        roll = rng.random()
        documents.append(
            CertificateDocument(
                certificate_id=certificate_id,
                holder_name=_name(rng),
                course_title=f"{rng.choice(THEMES)}: {rng.choice(TOPICS)}",
                completion_date=date(2025, 1, 1) + timedelta(days=rng.randrange(730)),
                credit_type=credit_type,
                amount=amount,
                accreditation=accreditation,
                provider_name="Example Pediatric Education Institute",
                verification_url=f"https://lms.example.org/certificates/{certificate_id}",
                status="revoked" if roll < 0.02 else "superseded" if roll < 0.05 else "valid",
            )
        )
    return documents


# --------------------------------------------------------------------------- measuring


@dataclass
class Stages:
    """Seconds spent in each part of rendering, summed over all certificates."""

    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    paused: bool = False  # while the bare yardstick renders

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """Return `function`, timed under `name`."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            if self.paused:
                return function(*args, **kwargs)
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed


@contextmanager
def stage_timers() -> Iterator[Stages]:
    """Time the template, the QR code, parsing, layout and PDF writing while the block runs."""
    stages = Stages()
    patches: list[tuple[Any, str, Any]] = [
        (pdf, "render_template", "1. Jinja template"),
        (pdf, "qr_data_uri", "2. QR code (segno PNG)"),
        (weasyprint.HTML, "__init__", "3. HTML parsing (HTML())"),
        (weasyprint.HTML, "render", "4. WeasyPrint layout (HTML.render)"),
        (Document, "write_pdf", "5. PDF writing (Document.write_pdf)"),
    ]
    originals = [(owner, attribute, getattr(owner, attribute)) for owner, attribute, _ in patches]
    for owner, attribute, name in patches:
        setattr(owner, attribute, stages.wrap(name, getattr(owner, attribute)))
    try:
        yield stages
    finally:
        for owner, attribute, original in originals:
            setattr(owner, attribute, original)


def peak_rss_mib() -> float:
    """Return this process's peak resident set size in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mib() -> float | None:
    """Return this process's resident set size now, in MiB (Linux only)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


# The yardstick: a bare one-page document (a heading and four short paragraphs in the default
# font, no images, no tags), rendered with WeasyPrint's defaults right after each certificate.
BARE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bare</title>
<style>@page { size: letter landscape; margin: 0.35in } body { text-align: center }</style>
</head><body><h1>Certificate of Completion</h1><p>This certifies that</p><p><b>%(name)s</b></p>
<p>completed</p><p>%(course)s</p></body></html>"""


def bare_pdf(doc: CertificateDocument) -> bytes:
    """Render the bare one-page document with the certificate's name and course title."""
    values = {"name": html.escape(doc.holder_name), "course": html.escape(doc.course_title)}
    return weasyprint.HTML(string=BARE % values).write_pdf()


def _check(data: bytes, doc: CertificateDocument) -> None:
    reader = pypdf.PdfReader(io.BytesIO(data))
    _require(len(reader.pages) == 1, f"{doc.certificate_id}: {len(reader.pages)} pages")
    text = "".join(reader.pages[0].extract_text().split())
    _require("".join(doc.holder_name.split()) in text, f"{doc.certificate_id}: holder name missing")
    _require(doc.certificate_id in text, f"{doc.certificate_id}: id missing")


def run_benchmark(count: int) -> dict[str, Any]:
    """Render `count` certificates and return the timings and facts of the run."""
    documents = make_documents(count + 1, random.Random(SEED))
    # Recorded because on a shared machine other work moves the numbers more than our changes.
    load_before = os.getloadavg()[0]
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench", "ENV_NAME": "testing"}
    )
    with app.app_context():
        # The first render loads fonts and WeasyPrint's stylesheets; timed on its own.
        start = time.perf_counter()
        _check(pdf.render_certificate_pdf(documents[0]), documents[0])
        cold = time.perf_counter() - start
        rss_warm = current_rss_mib()

        durations: list[float] = []
        bare: list[float] = []
        sizes: list[int] = []
        bare_pdf(documents[0])  # warm, as the first certificate was
        print(f"... rendering {count} certificates", file=sys.stderr, flush=True)
        with stage_timers() as stages:
            wall_start = time.perf_counter()
            for index, doc in enumerate(documents[1:], start=1):
                start = time.perf_counter()
                data = pdf.render_certificate_pdf(doc)
                durations.append(time.perf_counter() - start)
                sizes.append(len(data))
                # Interleaved, so that other work on the machine slows both alike.
                stages.paused = True
                start = time.perf_counter()
                bare_pdf(doc)
                bare.append(time.perf_counter() - start)
                stages.paused = False
                # Outside the timed call, but inside the wall clock: reported separately.
                _check(data, doc)
                if index % 100 == 0:
                    print(f"... {index}", file=sys.stderr, flush=True)
            wall = time.perf_counter() - wall_start

    rendered = sum(durations)
    layouts = stages.calls.get("4. WeasyPrint layout (HTML.render)", 0)
    return {
        "certificates": count,
        "cold_first_ms": cold * 1000,
        "render_seconds": rendered,
        "wall_seconds_with_checks": wall,
        "mean_ms": rendered / count * 1000,
        "median_ms": statistics.median(durations) * 1000,
        "bare_median_ms": statistics.median(bare) * 1000,
        "ratio_to_bare": statistics.median(durations) / statistics.median(bare),
        "p95_ms": _percentile(durations, 95) * 1000,
        "max_ms": max(durations) * 1000,
        "per_second": count / rendered,
        "layouts": layouts,
        "denser_layouts": layouts - count,
        "median_pdf_kib": statistics.median(sizes) / 1024,
        "rss_after_first_mib": rss_warm,
        "peak_rss_mib": peak_rss_mib(),
        "stages": {
            name: {"seconds": seconds, "ms_per_certificate": seconds / count * 1000}
            for name, seconds in sorted(stages.seconds.items())
        },
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "python": platform.python_version(),
        "weasyprint": weasyprint.__version__,
        "cpus": os.cpu_count(),
    }


def _percentile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


# --------------------------------------------------------------------------- output


def markdown_tables(result: dict[str, Any]) -> str:
    """Format the results as two Markdown tables: per certificate, and per stage."""
    lines = [
        "| Certificates | Total (s) | Mean (ms) | Median (ms) | p95 (ms) | Max (ms) "
        "| Per second | First, cold (ms) | Denser re-layouts | Median PDF (KiB) | Peak RSS (MiB) "
        "| Bare document, median (ms) | Median x bare |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {result['certificates']:,} | {result['render_seconds']:.1f} "
        f"| {result['mean_ms']:.1f} | {result['median_ms']:.1f} | {result['p95_ms']:.1f} "
        f"| {result['max_ms']:.1f} | {result['per_second']:.1f} "
        f"| {result['cold_first_ms']:.0f} | {result['denser_layouts']:,} "
        f"| {result['median_pdf_kib']:.1f} | {result['peak_rss_mib']:.0f} "
        f"| {result['bare_median_ms']:.1f} | {result['ratio_to_bare']:.2f} |",
        "",
        "| Stage | Seconds | ms/certificate | Share |",
        "|---|---:|---:|---:|",
    ]
    total = result["render_seconds"]
    rows = [(name, stage["seconds"]) for name, stage in result["stages"].items()]
    rows.append(("6. everything else", total - sum(seconds for _, seconds in rows)))
    for name, seconds in rows:
        lines.append(
            f"| {name} | {seconds:.2f} | {seconds / result['certificates'] * 1000:.2f} "
            f"| {seconds / total * 100:.0f}% |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.certificates", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--count", type=int, default=1000, help="certificates to render (1000)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Render the certificates and print the results."""
    args = parse_args(argv)
    try:
        result = run_benchmark(args.count)
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{result['certificates']:,} certificates; Python {result['python']}, WeasyPrint "
        f"{result['weasyprint']}, {result['cpus']} CPUs; wall time including the pypdf "
        f"checks {result['wall_seconds_with_checks']:.1f} s; RSS after the first render "
        f"{result['rss_after_first_mib'] or 0:.0f} MiB; 1-minute load average "
        f"{result['load_average'][0]} before, {result['load_average'][1]} after.\n"
    )
    print(markdown_tables(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
