"""A profile's small trend: its rating, checklist completeness and assurance over the years, as SVG.

One small picture per profile with two or more years (issue 16: "each profile shows its rating,
checklist completeness and assurance over the years as a small trend"). It is written here as SVG
text rather than drawn with matplotlib: a pack of 1,000 profiles would spend most of a minute
making figures, while this is a few lines of arithmetic per profile; the same entries give the
same bytes. The picture does not carry meaning by colour alone: completeness is a solid line with
round marks, assurance a dashed line with square marks, both named in the legend, every point
labelled with its percentage, and each year's rating written under the year. It is an image for
screen readers (`role="img"`), named by its <title> (which also names it as a figure in the tagged
PDF) and described by the figures in words (<desc>); the profile's table keeps the same figures.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from pipeline.config import Rag
from pipeline.formats import percent_rated
from pipeline.pack.palette import BLUE, CHART_INK, CHART_LINE, CHART_MUTED, VERMILLION, WHITE

#: The picture's size in SVG units (it scales to the width it is given) and its plot area.
WIDTH, HEIGHT = 320, 174
LEFT, RIGHT, TOP, PLOT = 42, 18, 44, 76
INK, MUTED, GRID = CHART_INK, CHART_MUTED, CHART_LINE
#: Completeness and assurance: two Okabe-Ito colours, told apart by line and mark as well.
COMPLETENESS, ASSURANCE = BLUE, VERMILLION


#: What the trend draws of each year: completeness a solid line, assurance a dashed one.
DRAWN = ("checklist_completeness", "checklist_assurance")


def shown(entry: Mapping[str, Any], key: str, rag: Rag) -> str:
    """A year's figure (`key`, one of `DRAWN`) as the pack shows it beside a rating under `rag`'s
    thresholds (`formats.percent_beside`: 89.7%, not 90%, for a figure below 90%)."""
    return percent_rated(entry.get(key), rag, "completeness" if key == DRAWN[0] else "assurance")


def has_points(entries) -> bool:
    """Whether any year gives a figure the trend draws (none does for one out of scope every year)."""
    return any(entry.get(key) is not None for entry in entries for key in DRAWN)


def trend_svg(
    entries: Sequence[Mapping[str, Any]], *, ident: str, title: str, description: str, rag: Rag = Rag()
) -> str:
    """The trend of a partnership's history entries ({year, rag, checklist_completeness,
    checklist_assurance}, oldest first) as inline SVG; `ident` makes its ids unique in the pack, and
    its figures are labelled as `shown` under `rag`."""
    years = len(entries)
    span = WIDTH - LEFT - RIGHT - 24
    xs = [LEFT + 12 + (span * index / (years - 1) if years > 1 else span / 2) for index in range(years)]

    def y(value: float) -> float:
        return TOP + PLOT * (1 - value)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby={quoteattr(ident + "-title")} '
        f'aria-describedby={quoteattr(ident + "-desc")} font-family="DejaVu Sans, Arial, sans-serif">',
        f"<title id={quoteattr(ident + '-title')}>{escape(title)}</title>",
        f"<desc id={quoteattr(ident + '-desc')}>{escape(description)}</desc>",
        # Its own white ground, as the other charts have: on a dark page (high contrast, dark mode) its
        # dark text would otherwise be drawn on black.
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{WHITE}"/>',
    ]
    # Legend, across the top.
    parts.append(
        f'<line x1="4" y1="12" x2="26" y2="12" stroke="{COMPLETENESS}" stroke-width="2"/>{_circle(15, 12)}'
        f'<text x="32" y="16" font-size="12" fill="{INK}">Checklist completeness</text>'
        f'<line x1="192" y1="12" x2="214" y2="12" stroke="{ASSURANCE}" stroke-width="2" '
        f'stroke-dasharray="5 3"/>{_square(203, 12)}'
        f'<text x="220" y="16" font-size="12" fill="{INK}">Assurance</text>'
    )
    # The percentage axis: 0%, 50% and 100%.
    for value in (0.0, 0.5, 1.0):
        parts.append(
            f'<line x1="{LEFT}" y1="{_n(y(value))}" x2="{WIDTH - RIGHT}" y2="{_n(y(value))}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{_n(y(value) + 4)}" font-size="11" fill="{MUTED}" '
            f'text-anchor="end">{value * 100:.0f}%</text>'
        )
    # Each year the higher of the two is labelled above its mark and the lower below (completeness
    # above when they are equal), so the two labels never sit on each other.
    completeness, assurance = DRAWN
    higher = [(entry.get(completeness) or 0) >= (entry.get(assurance) or 0) for entry in entries]
    for key, colour, dashed, mark, first in (
        (completeness, COMPLETENESS, False, _circle, True),
        (assurance, ASSURANCE, True, _square, False),
    ):
        points = [(x, entry.get(key)) for x, entry in zip(xs, entries)]
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        for (x0, v0), (x1, v1) in zip(points, points[1:]):
            if v0 is not None and v1 is not None:  # a year without the figure breaks the line
                parts.append(
                    f'<line x1="{_n(x0)}" y1="{_n(y(v0))}" x2="{_n(x1)}" y2="{_n(y(v1))}" stroke="{colour}" '
                    f'stroke-width="2"{dash}/>'
                )
        for (x, value), top, entry in zip(points, higher, entries):
            if value is None:
                continue
            parts.append(mark(x, y(value), colour))
            label_y = y(value) - 8 if top == first else y(value) + 17
            parts.append(
                f'<text x="{_n(x)}" y="{_n(label_y)}" font-size="11" fill="{INK}" '
                f'text-anchor="middle">{escape(shown(entry, key, rag))}</text>'
            )
    # Each year, with its rating in words beneath.
    base = TOP + PLOT + 32
    for x, entry in zip(xs, entries):
        rating = entry.get("rag") or "no rating"
        at, anchor = _within_width(x, rating)
        parts.append(
            f'<text x="{_n(x)}" y="{base}" font-size="12" fill="{INK}" text-anchor="middle">'
            f"{escape(str(entry['year']))}</text>"
            f'<text x="{_n(at)}" y="{base + 15}" font-size="12" font-weight="bold" fill="{INK}" '
            f'text-anchor="{anchor}">{escape(rating)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _n(value: float) -> str:
    """A coordinate to one decimal place, without a trailing '.0' (the same text every run)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


#: About the width of a character of the ratings' bold 12-unit text (DejaVu Sans Bold), to keep them whole.
_BOLD_CHARACTER = 7.6


def _within_width(x: float, text: str) -> tuple[float, str]:
    """Where to anchor a label centred on `x` so that it stays inside the picture: 'Out of scope' under
    the last year ran off its right edge ('Out of scop')."""
    half = len(text) * _BOLD_CHARACTER / 2
    if x + half > WIDTH - 2:
        return WIDTH - 2, "end"
    if x - half < 2:
        return 2, "start"
    return x, "middle"


def _circle(x: float, y: float, colour: str = COMPLETENESS) -> str:
    return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{colour}" stroke="{WHITE}" stroke-width="1"/>'


def _square(x: float, y: float, colour: str = ASSURANCE) -> str:
    return (
        f'<rect x="{_n(x - 4)}" y="{_n(y - 4)}" width="8" height="8" fill="{colour}" stroke="{WHITE}" '
        f'stroke-width="1"/>'
    )
