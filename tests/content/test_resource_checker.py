"""Checking the family resources folder: every mistake an author can make, at its file and line."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from lms.content.resources import check_resources

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources"

PRIMARY = """\
---
title: Bedtime that feels safe
summary: A calm, steady bedtime helps children sleep and feel secure.
type: tip-sheet
topics: [sleep, routines]
ages: ["0-5"]
reading_level: 4
language: en
pair: es
---

## Try this

- Dim the lights.
"""
PAIR = """\
---
title: Una hora de dormir que se siente segura
summary: Una rutina tranquila a la hora de dormir ayuda a los niños a sentirse seguros.
reading_level: 4
---

## Pruebe esto

- Baje las luces.
"""


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    root = tmp_path / "resources"
    (root / "media").mkdir(parents=True)
    (root / "bedtime.md").write_text(PRIMARY)
    (root / "bedtime.es.md").write_text(PAIR)
    return root


def problems(root: Path) -> list[str]:
    return [str(d) for d in check_resources(root)[1]]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_sample_library_is_clean_and_every_resource_has_both_languages():
    resources, diagnostics = check_resources(SAMPLES)

    assert [str(d) for d in diagnostics] == []
    assert len(resources) >= 6
    for resource in resources:
        assert sorted(e.language for e in resource.editions) == ["en", "es"], resource.slug
        english, spanish = sorted(resource.editions, key=lambda e: e.language)
        assert english.pair_language == "es" and spanish.pair_language == "en"
        assert spanish.topics == english.topics and spanish.ages == english.ages


def test_a_pair_compiles_with_the_primarys_settings_and_its_own_words(library):
    (resource,), diagnostics = check_resources(library)

    assert diagnostics == []
    spanish = next(e for e in resource.editions if e.language == "es")
    assert spanish.title == "Una hora de dormir que se siente segura"
    assert spanish.kind == "tip-sheet" and spanish.topics == ("sleep", "routines")
    assert "<h2" in spanish.body_html and "Baje las luces" in spanish.body_html


def test_an_unknown_topic_is_reported_with_a_suggestion(library):
    edit(library / "bedtime.md", "topics: [sleep, routines]", "topics: [sleep, routine]")

    assert problems(library) == [
        "resources/bedtime.md:5: error: topics: unknown value 'routine' (did you mean "
        "'routines'?); expected one of toxic-stress, resilience, routines, "
        "talking-with-children, self-care-for-caregivers, play-and-connection, big-feelings, sleep"
    ]
    assert check_resources(library)[0] == []


def test_an_unknown_age_range_and_type_are_errors(library):
    edit(library / "bedtime.md", 'ages: ["0-5"]', 'ages: ["0-3"]')
    edit(library / "bedtime.md", "type: tip-sheet", "type: poster")

    found = problems(library)
    assert any(
        p.startswith("resources/bedtime.md:4: error: type: unknown value 'poster'") for p in found
    )
    assert any(
        p.startswith("resources/bedtime.md:6: error: ages: unknown value '0-3'") for p in found
    )


def test_a_declared_pair_that_is_missing_is_reported_at_the_pair_line(library):
    (library / "bedtime.es.md").unlink()

    assert problems(library) == [
        "resources/bedtime.md:9: error: pair: the es edition is declared but bedtime.es.md "
        "is missing"
    ]


def test_an_edition_the_primary_does_not_declare_is_reported(library):
    edit(library / "bedtime.md", "pair: es\n", "")

    assert problems(library) == [
        "resources/bedtime.es.md:1: error: this edition has no declared pair: add 'pair: es' "
        "to bedtime.md"
    ]


def test_an_edition_without_its_primary_is_reported(library):
    (library / "bedtime.md").unlink()

    assert problems(library) == [
        "resources/bedtime.es.md:1: error: this is the es edition of 'bedtime', but bedtime.md "
        "is missing: every resource needs a primary edition with its settings"
    ]


def test_a_pair_may_not_change_the_topics(library):
    edit(library / "bedtime.es.md", "reading_level: 4\n", "reading_level: 4\ntopics: [sleep]\n")

    (problem,) = problems(library)
    assert problem.startswith("resources/bedtime.es.md:5: error: unknown key 'topics'")


def test_a_handout_without_alt_text_is_an_error(library):
    (library / "media" / "bedtime.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    edit(library / "bedtime.md", "pair: es\n", "pair: es\nhandout: media/bedtime.pdf\n")

    assert problems(library) == [
        "resources/bedtime.md:10: error: handout: missing alt text: add 'handout_alt:' with "
        "what the handout shows or says, for readers who cannot see it"
    ]


def test_a_handout_with_alt_text_is_kept_with_its_file(library):
    (library / "media" / "bedtime.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    edit(
        library / "bedtime.md",
        "pair: es\n",
        'pair: es\nhandout: media/bedtime.pdf\nhandout_alt: "The four bedtime steps, printable."\n',
    )

    (resource,), diagnostics = check_resources(library)
    assert diagnostics == []
    english = next(e for e in resource.editions if e.language == "en")
    assert english.handout is not None
    assert english.handout.alt == "The four bedtime steps, printable."
    assert english.handout.media.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("handout", "message"),
    [
        ("media/missing.pdf", "handout: file not found: media/missing.pdf (put it in media/)"),
        ("media/notes.txt", "handout: must be a PDF, PNG, JPEG or WebP file, not text/plain"),
    ],
)
def test_a_handout_must_be_a_printable_file_that_exists(library, handout, message):
    (library / "media" / "notes.txt").write_text("notes")
    edit(
        library / "bedtime.md",
        "pair: es\n",
        f'pair: es\nhandout: {handout}\nhandout_alt: "Words."\n',
    )

    assert problems(library) == [f"resources/bedtime.md:10: error: {message}"]


def test_an_image_without_alt_text_in_the_text_is_an_error(library):
    (library / "media" / "moon.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    edit(library / "bedtime.md", "- Dim the lights.", "- Dim the lights.\n\n![](media/moon.png)")

    assert problems(library) == ["resources/bedtime.md:16: error: image has no alt text"]


def test_a_link_to_another_resource_must_name_one(library):
    edit(library / "bedtime.md", "- Dim the lights.", "- Read [this](resource:bedtim).")

    assert problems(library) == [
        "resources/bedtime.md:14: error: no resource is named 'bedtim': resource:bedtim"
    ]
    edit(library / "bedtime.md", "resource:bedtim)", "resource:bedtime)")
    (resource,), _ = check_resources(library)
    assert 'href="/resources/bedtime"' in resource.editions[0].body_html


def test_an_infographic_needs_its_picture_and_a_video_its_https_address(library):
    edit(library / "bedtime.md", "type: tip-sheet", "type: infographic")
    assert (
        "resources/bedtime.md:4: error: type: an infographic needs 'handout:', the image itself"
        in problems(library)
    )

    edit(library / "bedtime.md", "type: infographic", "type: video")
    edit(library / "bedtime.md", "pair: es\n", "pair: es\nvideo_url: http://video.example/x\n")
    assert "resources/bedtime.md:10: error: video_url: must be an https:// address" in problems(
        library
    )


def test_an_empty_text_and_missing_keys_are_reported(library):
    (library / "bedtime.md").write_text(
        textwrap.dedent(
            """\
            ---
            title: Bedtime
            pair: es
            ---
            """
        )
    )

    found = problems(library)
    for key in ("summary", "type", "topics", "ages", "language", "reading_level"):
        assert any(f"missing required key '{key}'" in p for p in found), key
    assert any("the resource has no text" in p for p in found)


def test_a_broken_resource_does_not_stop_the_others(library):
    shutil.copy(SAMPLES / "calm-routines.md", library / "calm-routines.md")
    shutil.copy(SAMPLES / "calm-routines.es.md", library / "calm-routines.es.md")
    (library / "bedtime.es.md").unlink()

    resources, diagnostics = check_resources(library)
    assert [r.slug for r in resources] == ["calm-routines"]
    assert len(diagnostics) == 1
