"""The pack's colours, all of them: the charts (`pipeline.pack.charts`) draw with these, and the
stylesheet (report_templates/pack.css.j2) is rendered with `STYLESHEET`, so no colour is written twice.

Ratings, bands and action statuses take the Okabe-Ito colours, which people with the common
colour-vision deficiencies can tell apart. Neither the charts nor the page rely on colour alone: a
chart also hatches, labels or shapes each mark, and the page writes each rating as a word, in black on
its colour (white on the Okabe-Ito vermillion or bluish green is below the 4.5:1 contrast WCAG asks of
text). Text in a colour of its own (worse, better, overdue) takes a darker shade that reaches 4.5:1.
"""

from __future__ import annotations

from pipeline.catalogue import (
    AMBER,
    COMPLETE,
    GREEN,
    HIGH,
    IN_PROGRESS,
    LOW,
    MEDIUM,
    NOT_ASSESSED,
    NOT_STARTED,
    OUT_OF_SCOPE,
    RED,
)
from pipeline.check.score import OVERDUE

# --- Okabe-Ito, and the two greys of the ratings that are not a judgement ---------------------------
ORANGE = "#E69F00"
BLUISH_GREEN = "#009E73"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREY = "#999999"
LIGHT_GREY = "#DDDDDD"

WHITE = "#fff"
BLACK = "#000"
#: A grey just off white: the charts' grid lines, the stripes of the page's "Not assessed" badge.
FAINT_GREY = "#eee"

#: The RAG ratings, and the greys of the two ratings that are not a judgement.
RAG_COLOURS = {RED: VERMILLION, AMBER: ORANGE, GREEN: BLUISH_GREEN, OUT_OF_SCOPE: GREY, NOT_ASSESSED: LIGHT_GREY}
#: The risk bands, light to dark (each step at least 1.5:1 apart in contrast); text on each in ink
#: (`CHART_INK`, the page's `TEXT`) reads at 5:1 or more.
BAND_COLOURS = {LOW: "#E8F6F0", MEDIUM: "#F2BE56", HIGH: "#E07B39"}
#: The improvement actions by status.
ACTION_COLOURS = {NOT_STARTED: GREY, IN_PROGRESS: BLUE, COMPLETE: BLUISH_GREEN, OVERDUE: VERMILLION}

# --- The charts' own ---------------------------------------------------------------------------------
#: Labels, ticks and the outline of every bar.
CHART_INK = "#222222"
#: Notes, threshold lines and a chart's "nothing to show" message.
CHART_MUTED = "#666666"
#: The axes' lines, and the leader lines from a label to its point.
CHART_LINE = "#BBBBBB"
CHART_GRID = FAINT_GREY
#: Where each of the strategy's risks moved since last year, on the heat map: apart from every band.
MOVEMENT = BLUE
#: The shared-partners network: organisations, partnerships and the links between them.
ORGANISATION, PARTNERSHIP, NETWORK_LINK = BLUE, ORANGE, "#9AA7B0"

# --- The page's own ------------------------------------------------------------------------------------
TEXT = "#1f2328"
TEXT_MUTED = "#5b636b"
#: Table rules and the frame of a bar.
RULE = "#d0d7de"
#: Tiles, table heads and the empty part of a bar.
PALE = "#f4f6f8"
#: Headings, links, the focus ring and the filled part of a bar.
ACCENT = "#0b4f8a"
#: Words that say worse (overdue, "No", a rise in risk) or better, darker than vermillion and bluish
#: green so that they read at 4.5:1 on white.
WORSE_TEXT = "#9A3B00"
BETTER_TEXT = "#00664A"
#: The background of the note on a workbook that could not be assessed.
NOTICE = "#fff4e5"

#: The stylesheet's colours by the names pack.css.j2 gives them.
STYLESHEET = {
    "ink": TEXT,
    "muted": TEXT_MUTED,
    "rule": RULE,
    "pale": PALE,
    "accent": ACCENT,
    "red": RAG_COLOURS[RED],
    "amber": RAG_COLOURS[AMBER],
    "green": RAG_COLOURS[GREEN],
    "grey": RAG_COLOURS[OUT_OF_SCOPE],
    "light": RAG_COLOURS[NOT_ASSESSED],
    "stripe": FAINT_GREY,
    "band_low": BAND_COLOURS[LOW],
    "band_medium": BAND_COLOURS[MEDIUM],
    "band_high": BAND_COLOURS[HIGH],
    "worse": WORSE_TEXT,
    "better": BETTER_TEXT,
    "notice": NOTICE,
    "white": WHITE,
    "black": BLACK,
}
