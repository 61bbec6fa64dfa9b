"""The Spanish catalogue stays complete, current, compiled and right; no template text is unmarked.

Each check prints what to fix as `path:line: text`. `scripts/translations` refreshes the
catalogue and compiles it; docs/translations.md says how to mark strings and translate them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "lms" / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGUAGES = ["es"]
TEMPLATES = ROOT / "lms" / "templates"

# Text a template may show as it is, in every language: symbols, names of things, formats.
ALLOWED_TEXT = {
    "·",
    "©",
    "–",
    "—",
    "PDF",
    "CSV",
    "XLSX",
    "JSON",
    "NPI",
    "ABP",
    "ID",
    "OK",
    "SHA-256",
    "English",
    "Español",
}
# Attributes whose values people read or hear.
VISIBLE_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "data-label"}
LETTERS = re.compile(r"[^\W\d_]")
IDENTIFIER = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)+")  # an id or class, as in a block


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def _msgid(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


# --- extraction, as scripts/translations runs it, but keeping where each string comes from ---


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """Return what `pybabel extract` finds in the code now, with each string's locations."""
    out = tmp_path_factory.mktemp("extract") / "messages.pot"
    subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_ngettext:1,2",
            "--sort-output",
            "--omit-header",
            "--width",
            "100",
            "-o",
            str(out),
            "lms",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return read_catalog(out)


def where(message: Message | None) -> str:
    if message is None or not message.locations:
        return "lms/translations/es/LC_MESSAGES/messages.po"
    path, line = message.locations[0]
    return f"lms/{path}:{line}"


def _ids(catalog: Catalog) -> set[str]:
    return {_msgid(m) for m in catalog if m.id}


def test_the_catalogue_is_not_stale(extracted):
    template = read_catalog(POT)
    missing = sorted(_ids(extracted) - _ids(template))
    obsolete = sorted(_ids(template) - _ids(extracted))
    assert (missing, obsolete) == ([], []), "run scripts/translations"
    for language in LANGUAGES:
        catalog = read_catalog(po_path(language), language)
        assert _ids(catalog) == _ids(template), f"run scripts/translations ({language})"


# --- (a) complete -------------------------------------------------------------------------


def untranslated(catalog: Catalog, extracted: Catalog | None = None) -> list[str]:
    """Return `path:line: msgid` for each message without a translation, or marked fuzzy."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            origin = extracted.get(message.id) if extracted is not None else None
            reason = "fuzzy" if message.fuzzy else "untranslated"
            problems.append(f"{where(origin)}: {reason}: {_msgid(message)}")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language, extracted):
    problems = untranslated(read_catalog(po_path(language), language), extracted)
    assert problems == [], "\n".join(problems)


def test_the_completeness_check_catches_gaps():
    catalog = Catalog(locale="es")
    catalog.add("Done", "Listo")
    catalog.add("Later", "")
    catalog.add("Maybe", "Quizás", flags={"fuzzy"})
    catalog.add(("%(num)d page", "%(num)d pages"), ("%(num)d página", "", ""))
    found = untranslated(catalog)
    assert [line.split(": ", 1)[1] for line in found] == [
        "untranslated: Later",
        "fuzzy: Maybe",
        "untranslated: %(num)d page",
    ]


# --- (c) compiled ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language):
    source = read_catalog(po_path(language), language)
    with (po_path(language).with_suffix(".mo")).open("rb") as file:
        compiled = read_mo(file)

    def translations(catalog: Catalog) -> dict[object, object]:
        def key(value: object) -> object:
            return value if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]

        return {
            key(m.id): key(m.string)
            for m in catalog
            if m.id and not m.fuzzy and all([m.string] if isinstance(m.string, str) else m.string)
        }

    assert translations(compiled) == translations(source), "run scripts/translations to compile"


# --- (d) placeholders -----------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{(\w+)\}")


def placeholders(text: str) -> set[str]:
    """Return the named placeholders in a message: `%(name)s` and `{name}`."""
    return {a or b for a, b in PLACEHOLDER.findall(text)}


COUNTS = {"num", "count"}  # ngettext's count: the singular form may say "one" instead


def placeholder_problems(catalog: Catalog) -> list[str]:
    """Return a line for each translation whose placeholders differ from the English ones."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = (placeholders(text) for text in message.id)
            every = singular | plural
            first, *others = message.string
            fits = [(first, lambda found, e=every: e - COUNTS <= found <= e)]
            fits += [(text, lambda found, p=plural: found == p) for text in others]
        else:
            english = placeholders(message.id)
            fits = [(message.string, lambda found, e=english: found == e)]
        for text, ok in fits:
            if text and not ok(placeholders(text)):
                problems.append(
                    f"{_msgid(message)!r}: {sorted(placeholders(text))} in {text!r} "
                    "differ from the English placeholders"
                )
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_english_placeholders(language):
    problems = placeholder_problems(read_catalog(po_path(language), language))
    assert problems == [], "\n".join(problems)


def test_the_placeholder_check_catches_a_wrong_name():
    catalog = Catalog(locale="es")
    catalog.add("Hello, %(name)s", "Hola, %(nombre)s")
    catalog.add("Saved %(title)s.", "Se guardó %(title)s.")
    catalog.add("Due %(date)s", "Vence")
    catalog.add(("%(num)d day", "%(num)d days"), ("%(num)d día", "%(num)s días", "%(n)d días"))
    catalog.add(("Check this answer", "Check these %(num)d answers"), ("Revise esta", "", ""))
    problems = placeholder_problems(catalog)
    assert len(problems) == 3
    assert "Hello, %(name)s" in problems[0] and "nombre" in problems[0]
    assert "Due %(date)s" in problems[1]
    assert "'n'" in problems[2]


# --- (e) nothing unmarked in templates ------------------------------------------------------

TRANS_BLOCK = re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", re.S)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


SEPARATOR = "\x1f"  # where a Jinja tag was: the texts on either side are checked apart


def _blank(match: re.Match[str]) -> str:
    # Keep the newlines, so that line numbers still point at the template.
    return SEPARATOR + re.sub(r"[^\n]", " ", match.group())[1:]


DYNAMIC_TAG = re.compile(r"(</?)\{\{.*?\}\}")  # `<{{ heading }}>`: a tag whose name varies


def without_jinja(source: str) -> str:
    """Return a template's text with every Jinja tag, expression and comment blanked out."""
    source = DYNAMIC_TAG.sub(lambda m: m[1] + "div" + " " * (len(m[0]) - len(m[1]) - 3), source)
    return JINJA.sub(_blank, TRANS_BLOCK.sub(_blank, source))


def shown_untranslated(text: str) -> bool:
    """Return whether a piece of template text has words that no gettext call wraps."""
    text = " ".join(text.split())
    return (
        bool(LETTERS.search(text)) and text not in ALLOWED_TEXT and not IDENTIFIER.fullmatch(text)
    )


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name, value in attrs:
            shown = name in VISIBLE_ATTRIBUTES or (
                name == "value"
                and tag == "input"
                and values.get("type") in ("submit", "button", "reset")
            )
            if shown and value:
                self._report(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._report(data)

    def _report(self, text: str) -> None:
        for piece in text.split(SEPARATOR):
            if shown_untranslated(piece):
                self.found.append((self.getpos()[0], " ".join(piece.split())))


def unmarked_strings(path: Path) -> list[str]:
    """Return `path:line: text` for each user-visible text a template shows untranslated."""
    text = without_jinja(path.read_text(encoding="utf-8"))
    name = path.relative_to(ROOT)
    if path.suffix == ".txt":  # an email: every line is read
        return [
            f"{name}:{number}: {piece.strip()}"
            for number, line in enumerate(text.splitlines(), start=1)
            for piece in line.split(SEPARATOR)
            if shown_untranslated(piece)
        ]
    finder = _TextFinder()
    finder.feed(text)
    finder.close()
    return [f"{name}:{line}: {found}" for line, found in finder.found]


def all_templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt"))


def test_templates_show_no_unmarked_text():
    problems = [line for path in all_templates() for line in unmarked_strings(path)]
    assert problems == [], "mark these with _() or {% trans %}:\n" + "\n".join(problems)


def test_the_template_checker_finds_unmarked_text(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    page = tmp_path / "page.html"
    page.write_text(
        "{% extends 'base.html' %}\n"
        "{% block content %}<h1>{{ _('Marked') }}</h1>\n"
        "<p>Left in English</p>{# a comment #}\n"
        '<img src="x.png" alt="A photo"> <a title="{{ _(\'Fine\') }}">·</a>\n'
        "{% trans %}A whole marked sentence{% endtrans %}\n"
        '<input type="submit" name="go" value="Go now"> <button value="x">{{ _("Go") }}</button>\n'
        "<script>var untouched = 'text';</script>{% endblock %}\n",
        encoding="utf-8",
    )
    assert unmarked_strings(page) == [
        "page.html:3: Left in English",
        "page.html:4: A photo",
        "page.html:6: Go now",
    ]
