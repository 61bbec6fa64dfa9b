"""Screenshots of the key pages of a lived-in site, on a desktop and on a phone, for the docs.

`scripts/screenshots` runs this module with LMS_SCREENSHOTS_DIR=docs/screenshots to regenerate
the pictures the README shows. Without that variable they go to pytest's tmp_path, so the normal
suite checks that every page still renders and can be pictured, without touching the repository.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.organizations.models import Organization
from lms.quizzes.models import QuizAttempt
from tests.browser.test_reader_browser import sign_in
from tests.site_pages import build_site
from tests.test_certificates import version_of
from tests.test_quizzes import CME, FRONT_DESK, quiz_page, start_attempt

SIZES = {"desktop": (1280, 800), "phone": (375, 667)}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Shot:
    """One picture: its file name, who looks, the address and the heading that proves it loaded."""

    name: str
    role: str
    path: str
    heading: str


def screenshots_dir(tmp_path: Path) -> Path:
    """Return the folder named by LMS_SCREENSHOTS_DIR, or this test's tmp_path."""
    folder = Path(os.environ.get("LMS_SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def png_size(path: Path) -> tuple[int, int]:
    """Return a PNG file's width and height, read from its header."""
    data = path.read_bytes()[:24]
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def save_small(page: Page, path: Path) -> None:
    """Take the first screen of the page and store it as a compact palette PNG."""
    page.screenshot(path=path, animations="disabled", caret="hide")
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def lived_in_site(client, auth, make_user, publish) -> tuple[dict[str, User], list[Shot]]:
    """Build the sample site, add a MOC-ready physician and an open quiz, and list the shots."""
    site = build_site(client, auth, make_user, publish)
    users = {role: user for role, user in site.users.items() if user is not None}
    learner = users["learner"]
    learner.abp_id, learner.birth_month, learner.birth_day = "1234567", 3, 7  # MOC is offered
    db.session.commit()

    # Sofía has the front-desk check-in quiz open, so a question can be pictured.
    auth.login_as(learner)
    front_desk_quiz = quiz_page(FRONT_DESK)
    client.post(f"/courses/{FRONT_DESK}/learn/{front_desk_quiz.slug}/continue")
    open_attempt = start_attempt(client, front_desk_quiz, FRONT_DESK)
    auth.logout()

    passed = db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.user_id == learner.id, QuizAttempt.page_id == quiz_page(CME).id
        )
    )
    # Pictures that change only when the pages do: the author's question order, a fixed id.
    for attempt in db.session.scalars(select(QuizAttempt)):
        questions = [q for q in attempt.page.questions if q.id in attempt.question_order]
        attempt.question_order = [q.id for q in questions]
        attempt.option_order = {q.id: [o.id for o in q.options] for q in questions}
    certificate = db.session.scalar(select(Certificate))
    certificate.public_id = "7K3M-Q9TX-R2WD-5HNB"
    certificate = certificate.public_id
    db.session.commit()
    clinic_id = db.session.scalar(select(Organization.id))
    cme = version_of(CME)
    lesson = next(p for p in version_of(FRONT_DESK).pages if p.kind == "lesson")
    shots = [
        Shot("home", "anonymous", "/", "Learning to recognize and respond to childhood trauma"),
        Shot("catalog", "anonymous", "/courses", "Courses"),
        Shot("course", "anonymous", f"/courses/{CME}", cme.title),
        Shot("lesson", "learner", f"/courses/{FRONT_DESK}/learn/{lesson.slug}", lesson.title),
        Shot("quiz-question", "learner", open_attempt, f"{front_desk_quiz.title}: attempt 1"),
        Shot(
            "quiz-result",
            "learner",
            f"/courses/{CME}/quiz/{quiz_page(CME).slug}/attempts/{passed.id}",
            "You scored 100%",
        ),
        Shot("credit-claim", "learner", f"/courses/{CME}/credit", "Credit and certificate"),
        Shot("certificate", "learner", f"/certificates/{certificate}", "Your certificate"),
        Shot("my-learning", "learner", "/my-learning", "My learning"),
        Shot(
            "team",
            "manager",
            f"/organizations/{clinic_id}",
            "Northside Pediatric and Family Health Clinic",
        ),
        Shot("admin-reports", "admin", "/admin/reports", "Reports"),
        Shot("authoring", "author", "/authoring", "Authoring"),
    ]
    return users, shots


def test_screenshots_of_the_key_pages_on_a_desktop_and_a_phone(
    page: Page, live_server: str, app, client, auth, make_user, publish, tmp_path: Path
):
    folder = screenshots_dir(tmp_path)
    app.config["BASE_URL"] = "https://learn.example.org"  # not the test server's random port
    users, shots = lived_in_site(client, auth, make_user, publish)

    signed_in_as = "anonymous"
    for shot in sorted(shots, key=lambda s: s.role):
        if shot.role != signed_in_as:
            page.context.clear_cookies()
            if shot.role != "anonymous":
                sign_in(page, live_server, users[shot.role].email)
                expect(page.get_by_text("Welcome back")).to_be_visible()
            signed_in_as = shot.role
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(live_server + shot.path)
            assert response is not None and response.ok, f"{shot.path} answered {response}"
            expect(page.get_by_role("heading", name=shot.heading).first).to_be_visible()
            save_small(page, folder / f"{shot.name}-{size}.png")

    names = sorted(p.name for p in folder.glob("*.png"))
    expected = sorted(f"{s.name}-{size}.png" for s in shots for size in SIZES)
    assert set(expected) <= set(names), set(expected) - set(names)
    for name in expected:
        path = folder / name
        size = name.removesuffix(".png").rsplit("-", 1)[1]
        assert png_size(path) == SIZES[size], name
        assert path.stat().st_size < 400_000, f"{name} is {path.stat().st_size} bytes"
