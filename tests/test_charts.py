"""SVG charts: well-formed, accessible, CSP-safe and escaping whatever authors write."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from markupsafe import Markup, escape

from lms.charts import (
    BAR_FILL,
    INK,
    NO_DATA,
    Bar,
    column_chart,
    format_value,
    horizontal_bar_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
XSS = "<script>alert(1)</script>"

BARS = [
    Bar("Grounding techniques", 62.5, emphasis=True),
    Bar("Ignore the trigger", 25.0),
    Bar("Ask why they are upset", 12.5),
    Bar("Never seen", None),
]
MONTHS = [Bar("Jan 2025", 4), Bar("Feb 2025", None), Bar("Mar 2025", 11, emphasis=True)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted XML


def texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def contrast(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def bar_chart(bars: list[Bar] = BARS, **kwargs: object) -> str:
    return horizontal_bar_chart(bars, title="How learners answered Q1", **kwargs)  # type: ignore[arg-type]


def months_chart(points: list[Bar] = MONTHS) -> str:
    return column_chart(points, title="Completions by month", unit="learners")


CHARTS = [pytest.param(bar_chart, id="bar"), pytest.param(months_chart, id="column")]


@pytest.mark.parametrize("render", CHARTS)
def test_chart_is_an_image_labelled_by_its_title_and_desc(render: Callable[[], str]) -> None:
    root = parse(render())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 ")
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert title_id.endswith("-title") and desc_id.endswith("-desc")
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    assert title.text in {"How learners answered Q1", "Completions by month"}


@pytest.mark.parametrize("render", CHARTS)
def test_chart_is_csp_safe(render: Callable[[], str]) -> None:
    svg = render()
    assert "style=" not in svg and "<script" not in svg.lower()
    assert "<style" not in svg and "javascript:" not in svg
    for element in parse(svg).iter():
        assert not any(name.lower().startswith("on") for name in element.attrib)
        # Only local references: no fonts, images or links from elsewhere.
        assert not any("http" in value for name, value in element.attrib.items() if name != "xmlns")


@pytest.mark.parametrize("render", CHARTS)
def test_chart_colours_meet_contrast_on_white(render: Callable[[], str]) -> None:
    assert contrast(BAR_FILL) >= 3 and contrast(INK) >= 4.5
    root = parse(render())
    text_fills = {element.get("fill") for element in root.iter(f"{SVG}text")}
    assert text_fills == {INK}
    rect_fills = {element.get("fill") for element in root.iter(f"{SVG}rect")}
    bar_fills = {fill for fill in rect_fills if fill and fill.startswith("#") and fill != "#ffffff"}
    # The pale track is decoration: the bars drawn on it are BAR_FILL or the INK hatching.
    assert bar_fills <= {BAR_FILL, INK, "#e6eeed"}


def test_bar_chart_shows_every_label_and_value_as_text() -> None:
    shown = texts(parse(bar_chart()))
    for label in ("Grounding techniques", "Ignore the trigger", "Ask why they are upset"):
        assert label in shown
    assert "62.5% (correct)" in shown
    assert {"25%", "12.5%", NO_DATA} <= set(shown)


def test_bar_chart_desc_lists_every_value_in_words() -> None:
    desc = parse(bar_chart()).find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == (
        "Grounding techniques: 62.5% (correct); Ignore the trigger: 25%; "
        "Ask why they are upset: 12.5%; Never seen: no data."
    )


def test_bar_lengths_follow_values_and_missing_values_draw_no_bar() -> None:
    root = parse(bar_chart())
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("fill") != "#e6eeed"]
    drawn = [r for r in rects if r.get("height") == "22"]
    widths = [float(r.get("width", "0")) for r in drawn]
    # Three bars with data; "Never seen" has none, not a zero-length one.
    assert len(widths) == 3
    assert widths[0] == pytest.approx(widths[1] * 2.5) == pytest.approx(widths[2] * 5)


def test_emphasis_is_hatched_outlined_and_named_not_only_coloured() -> None:
    root = parse(bar_chart())
    pattern = root.find(f"{SVG}defs/{SVG}pattern")
    assert pattern is not None
    hatched = [r for r in root.iter(f"{SVG}rect") if r.get("fill", "").startswith("url(")]
    assert len(hatched) == 1
    assert hatched[0].get("fill") == f"url(#{pattern.get('id')})"
    assert hatched[0].get("stroke") == INK
    assert sum("(correct)" in text for text in texts(root)) == 1


def test_emphasis_note_can_be_changed_and_no_hatch_without_emphasis() -> None:
    svg = bar_chart([Bar("You", 80, emphasis=True)], emphasis_note="(your score)")
    assert "80% (your score)" in texts(parse(svg))
    plain = bar_chart([Bar("A", 80)])
    assert "<pattern" not in plain and "(correct)" not in plain


def test_labels_are_escaped() -> None:
    svg = horizontal_bar_chart([Bar(XSS, 50), Bar('A & B "quoted"', 10)], title=XSS)
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    root = parse(svg)
    # Escaped, so it round-trips as plain text rather than becoming markup.
    assert XSS in texts(root) and 'A & B "quoted"' in texts(root)
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == XSS
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))


def test_column_labels_are_escaped() -> None:
    svg = column_chart([Bar(XSS, 3)], title="Months", unit="<b>")
    assert "<script" not in svg and "<b>" not in svg
    assert f"{XSS}" in "".join(texts(parse(svg)))


def test_characters_xml_forbids_are_dropped_so_the_chart_still_parses() -> None:
    root = parse(horizontal_bar_chart([Bar("Bell\x07 and null\x00", 5)], title="Odd\x0b"))
    assert "Bell and null" in texts(root)


def test_long_labels_wrap_without_losing_words() -> None:
    label = " ".join(f"word{n}" for n in range(40))
    root = parse(bar_chart([Bar(label, 30)]))
    label_text = next(t for t in root.iter(f"{SVG}text") if "word0" in "".join(t.itertext()))
    lines = [span.text or "" for span in label_text.iter(f"{SVG}tspan")]
    assert len(lines) > 1
    assert " ".join(lines) == label


def test_values_beyond_the_scale_print_as_given_but_draw_within_it() -> None:
    root = parse(bar_chart([Bar("Over", 150), Bar("Under", -10)]))
    assert {"150%", "-10%"} <= set(texts(root))
    track, over, _track, under = list(root.iter(f"{SVG}rect"))
    assert over.get("width") == track.get("width")
    assert under.get("width") == "0"


def test_custom_scale_and_unit() -> None:
    root = parse(bar_chart([Bar("Hours", 3, emphasis=False)], max_value=4, unit="hours"))
    assert "3 hours" in texts(root)
    with pytest.raises(ValueError, match="max_value"):
        bar_chart(max_value=0)


def test_empty_charts_say_no_data() -> None:
    for svg in (bar_chart([]), months_chart([])):
        root = parse(svg)
        desc = root.find(f"{SVG}desc")
        assert desc is not None and desc.text == "No data."
        assert NO_DATA in texts(root)


def test_column_chart_puts_months_in_order_with_values_above() -> None:
    root = parse(months_chart())
    shown = texts(root)
    assert {"4 learners", "11 learners", NO_DATA} <= set(shown)
    assert "Mar 2025(current)" in shown  # month and note on two lines of one label
    month_x = [
        float(t.get("x", "0"))
        for t in root.iter(f"{SVG}text")
        if "".join(t.itertext()).startswith(("Jan", "Feb", "Mar"))
    ]
    assert month_x == sorted(month_x) and len(month_x) == 3
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == "Jan 2025: 4 learners; Feb 2025: no data; Mar 2025: 11 learners (current)."


def test_column_heights_scale_to_the_largest_value_and_missing_draws_nothing() -> None:
    root = parse(column_chart([Bar("A", 5), Bar("B", None), Bar("C", 10)], title="T"))
    heights = [float(r.get("height", "0")) for r in root.iter(f"{SVG}rect")]
    assert heights == [100.0, 200.0]


def test_column_chart_of_zeros_draws_flat_columns() -> None:
    root = parse(column_chart([Bar("A", 0), Bar("B", 0)], title="T"))
    assert [r.get("height") for r in root.iter(f"{SVG}rect")] == ["0", "0"]
    assert texts(root).count("0") == 2


def test_ids_are_deterministic_valid_and_distinct() -> None:
    assert bar_chart() == bar_chart()
    ids = {
        parse(svg).find(f"{SVG}title").get("id")  # type: ignore[union-attr]
        for svg in (
            bar_chart(),
            bar_chart(BARS[:2]),
            horizontal_bar_chart(BARS, title="Another"),
            column_chart(BARS, title="How learners answered Q1"),
            horizontal_bar_chart(BARS, title="Évaluation: ça va?"),
            horizontal_bar_chart(BARS, title="!!!"),
        )
    }
    assert len(ids) == 6
    for chart_id in ids:
        assert re.fullmatch(r"chart-[a-z0-9-]+-[0-9a-f]{8}-title", chart_id or "")
    assert any(chart_id.startswith("chart-evaluation-ca-va-") for chart_id in ids if chart_id)


def test_returns_markup_that_is_not_escaped_again() -> None:
    svg = bar_chart()
    assert isinstance(svg, Markup)
    assert escape(svg) == svg


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (62.5, "%", "62.5%"),
        (66.666, "%", "66.7%"),
        (100.0, "%", "100%"),
        (-0.01, "%", "0%"),
        (1234.0, "", "1,234"),
        (3, "hours", "3 hours"),
        (None, "%", NO_DATA),
        (float("nan"), "%", NO_DATA),
        (float("inf"), "", NO_DATA),
    ],
)
def test_format_value(value: float | None, unit: str, expected: str) -> None:
    assert format_value(value, unit) == expected
