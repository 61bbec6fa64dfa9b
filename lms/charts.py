"""Server-rendered SVG charts that work under a strict CSP and without colour vision.

No scripts and no `style` attributes: only SVG presentation attributes, so the charts need
neither 'unsafe-inline' nor a third-party service. Those attributes hold the light theme's
colours; classes on the same elements let the site's stylesheet recolour them for the dark
theme (CSS rules take precedence over presentation attributes). Each chart is an `<svg role="img">`
labelled by its `<title>` and a `<desc>` that states every value in words, and every bar
carries its label and value as visible text. Emphasised bars differ by hatching, an outline
and a text note, never by colour alone. Every label is escaped: authors and learners write
them.
"""

from __future__ import annotations

import hashlib
import math
import re
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

# 5.8:1 against white: bars need 3:1 (WCAG 1.4.11).
BAR_FILL = "#2f6f6a"
# 9.2:1 against white: text needs 4.5:1 (WCAG 1.4.3); also outlines and hatching.
INK = "#1f4f4b"
# The unfilled part of a bar; decorative, the printed value carries the information.
TRACK_FILL = "#e6eeed"
# What a missing value reads as, in English; charts show _no_data(), its translation.
NO_DATA = "no data"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

PAD = 16

# Horizontal bar chart geometry, in viewBox units (roughly CSS pixels at full width).
H_WIDTH = 640
H_LABEL_SIZE = 14
H_LINE = 18
H_LABEL_CHARS = 72  # about what fits in the width at 14px
H_BAR = 22
H_ROW_GAP = 14
H_VALUE_SPACE = 170  # room right of the longest bar for "100% (correct)"
H_BAR_SPACE = H_WIDTH - 2 * PAD - H_VALUE_SPACE

# Column chart geometry.
C_SLOT = 64
C_COLUMN = 40
C_PLOT = 200
C_SIZE = 12
C_LINE = 15
C_LABEL_CHARS = 9  # "Sept 2025" fits under one column
C_MIN_WIDTH = 320

# Characters XML 1.0 forbids; pasted text sometimes carries them and they would break parsing.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Bar:
    """One labelled value of a chart; None means there is no data for it."""

    label: str
    value: float | None
    emphasis: bool = False


def _text(value: str) -> str:
    return str(escape(_NOT_XML.sub("", value)))


def _no_data() -> str:
    return _("no data")  # NO_DATA, translated


def _number(value: float) -> str:
    # en_US and es_US (CLDR) both group thousands with "," and mark decimals with ".".
    text = f"{value:,.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _known(value: float | None) -> float | None:
    # NaN or infinity would draw nonsense; to a reader it is simply missing.
    return value if value is not None and math.isfinite(value) else None


def format_value(value: float | None, unit: str = "") -> str:
    """Format a chart value for people: one decimal at most, its unit, or "no data"."""
    value = _known(value)
    if value is None:
        return _no_data()
    if not unit:
        return _number(value)
    # "40%" but "3 hours": only the percent sign sits against the number.
    return f"{_number(value)}{unit}" if unit == "%" else f"{_number(value)} {unit}"


def _chart_id(kind: str, title: str, bars: Sequence[Bar]) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:40].strip("-")
    # Hashing the data too keeps two charts with the same title on one page apart.
    key = repr((kind, title, [(bar.label, bar.value, bar.emphasis) for bar in bars]))
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"chart-{slug or 'chart'}-{digest}"


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(_NOT_XML.sub("", text), width) or [""]


def _lines(lines: Sequence[str], *, x: float, y: float, size: int, step: int, anchor: str) -> str:
    spans = "".join(
        f'<tspan x="{x:g}" dy="{0 if n == 0 else step}">{_text(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" fill="{INK}" '
        f'text-anchor="{anchor}">{spans}</text>'
    )


def _describe(bars: Sequence[Bar], unit: str, note: str) -> str:
    if not bars:
        return _("No data.")
    parts = [
        f"{bar.label}: {format_value(bar.value, unit)}" + (f" {note}" if bar.emphasis else "")
        for bar in bars
    ]
    return "; ".join(parts) + "."


def _open(chart_id: str, kind: str, width: float, height: float, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart chart-{kind}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {width:g} {height:g}" font-family="{FONT_FAMILY}">'
        f'<title id="{chart_id}-title">{_text(title)}</title>'
        f'<desc id="{chart_id}-desc">{_text(desc)}</desc>'
    )


def _hatch(chart_id: str) -> str:
    return (
        f'<defs><pattern id="{chart_id}-hatch" width="8" height="8" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect class="chart-ink" width="8" height="8" fill="{INK}"/>'
        '<rect class="chart-gap" width="3" height="8" fill="#ffffff"/>'
        "</pattern></defs>"
    )


def _bar_rect(
    chart_id: str, x: float, y: float, width: float, height: float, emphasis: bool
) -> str:
    if emphasis:
        paint = (
            f'class="chart-outline" fill="url(#{chart_id}-hatch)" stroke="{INK}" stroke-width="2"'
        )
    else:
        paint = f'class="chart-fill" fill="{BAR_FILL}"'
    return f'<rect x="{x:g}" y="{y:g}" width="{width:g}" height="{height:g}" {paint}/>'


def horizontal_bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    max_value: float = 100,
    unit: str = "%",
    emphasis_note: str | None = None,
) -> Markup:
    """Render labelled horizontal bars, each with its value printed after it, as SVG."""
    # "(correct)" unless told otherwise, in the language of the page.
    emphasis_note = emphasis_note if emphasis_note is not None else _("(correct)")
    if not max_value > 0:
        raise ValueError("max_value must be positive")
    chart_id = _chart_id("bar", title, bars)
    parts: list[str] = []
    y = float(PAD)
    for bar in bars:
        lines = _wrap(bar.label, H_LABEL_CHARS)
        parts.append(
            _lines(lines, x=PAD, y=y + H_LABEL_SIZE, size=H_LABEL_SIZE, step=H_LINE, anchor="start")
        )
        bar_y = y + len(lines) * H_LINE + 4
        parts.append(
            f'<rect class="chart-track" x="{PAD}" y="{bar_y:g}" width="{H_BAR_SPACE}" '
            f'height="{H_BAR}" fill="{TRACK_FILL}"/>'
        )
        value = _known(bar.value)
        # Out-of-range values still print as given; only the drawn length is clamped.
        share = 0.0 if value is None else min(max(value / max_value, 0.0), 1.0)
        width = round(share * H_BAR_SPACE, 2)
        if value is not None:
            parts.append(_bar_rect(chart_id, PAD, bar_y, width, H_BAR, bar.emphasis))
        label = format_value(value, unit) + (f" {emphasis_note}" if bar.emphasis else "")
        # Right after the bar's end, or after the track for "no data" so it never reads as 0.
        value_x = PAD + (H_BAR_SPACE if value is None else width) + 8
        parts.append(
            _lines([label], x=value_x, y=bar_y + 16, size=H_LABEL_SIZE, step=0, anchor="start")
        )
        y = bar_y + H_BAR + H_ROW_GAP
    if not bars:
        parts.append(
            _lines([_no_data()], x=PAD, y=y + 14, size=H_LABEL_SIZE, step=0, anchor="start")
        )
        y += H_LINE + H_ROW_GAP
    height = y - H_ROW_GAP + PAD
    desc = _describe(bars, unit, emphasis_note)
    return _assemble(chart_id, "bar", H_WIDTH, height, title, desc, bars, parts)


def column_chart(
    points: Sequence[Bar],
    *,
    title: str,
    unit: str = "",
    emphasis_note: str | None = None,
) -> Markup:
    """Render values over time as labelled columns, each value printed above it, as SVG."""
    # "(current)" unless told otherwise, in the language of the page.
    emphasis_note = emphasis_note if emphasis_note is not None else _("(current)")
    chart_id = _chart_id("column", title, points)
    values = [_known(point.value) for point in points]
    # Columns are scaled to the largest value, so the tallest one fills the plot.
    top = max((value for value in values if value is not None and value > 0), default=1.0)
    label_lines = [
        _wrap(point.label, C_LABEL_CHARS)
        + (_wrap(emphasis_note, C_LABEL_CHARS) if point.emphasis else [])
        for point in points
    ]
    most_lines = max((len(lines) for lines in label_lines), default=1)
    width = max(C_MIN_WIDTH, 2 * PAD + len(points) * C_SLOT)
    value_space = C_LINE + 6
    baseline = PAD + value_space + C_PLOT
    height = baseline + 6 + most_lines * C_LINE + PAD
    parts = [
        f'<line x1="{PAD}" y1="{baseline}" x2="{width - PAD}" y2="{baseline}" '
        f'stroke="{INK}" stroke-width="1"/>'
    ]
    for n, (point, value, lines) in enumerate(zip(points, values, label_lines, strict=True)):
        centre = PAD + n * C_SLOT + C_SLOT / 2
        column = 0.0 if value is None else round(max(value, 0.0) / top * C_PLOT, 2)
        if value is not None:
            parts.append(
                _bar_rect(
                    chart_id,
                    centre - C_COLUMN / 2,
                    baseline - column,
                    C_COLUMN,
                    column,
                    point.emphasis,
                )
            )
        parts.append(
            _lines(
                [format_value(value, unit)],
                x=centre,
                y=baseline - column - 6,
                size=C_SIZE,
                step=0,
                anchor="middle",
            )
        )
        parts.append(
            _lines(
                lines, x=centre, y=baseline + 6 + C_SIZE, size=C_SIZE, step=C_LINE, anchor="middle"
            )
        )
    if not points:
        parts.append(
            _lines([_no_data()], x=width / 2, y=baseline - 6, size=C_SIZE, step=0, anchor="middle")
        )
    desc = _describe(points, unit, emphasis_note)
    return _assemble(chart_id, "column", width, height, title, desc, points, parts)


def _assemble(
    chart_id: str,
    kind: str,
    width: float,
    height: float,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    parts: list[str],
) -> Markup:
    hatch = _hatch(chart_id) if any(bar.emphasis for bar in bars) else ""
    svg = _open(chart_id, kind, width, height, title, desc) + hatch + "".join(parts) + "</svg>"
    # Safe: all outside text reached `svg` through `_text`, which escapes it; numbers and
    # ids are formatted here, and the ids keep only [a-z0-9-].
    return Markup(svg)  # noqa: S704
