"""The pack's charts: scores in, SVG text out, the same bytes every run.

matplotlib is imported inside `render_charts` (it is slow to import and only the report needs it)
and always with the Agg backend, so no display is ever needed; its warnings about folders it cannot
write (HOME unset or not writable) are kept off the user's screen (`_pyplot`). Determinism: a fixed `svg.hashsalt`
for element ids, no date in the metadata, text kept as text. The colours are the pack's
(`pipeline.pack.palette`, Okabe-Ito for ratings, bands and statuses); no chart relies on colour
alone: every coloured mark also carries a text label, a pattern (a rating's hatching, a band's) or a
shape, and bars are outlined so they stand out from the white page.

What each chart counts comes from `pipeline.pack.chart_figures`, which also says it in words: each SVG is an
image (`role="img"`) named by its heading and described by that text alternative.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import textwrap
import warnings
from dataclasses import dataclass
from statistics import mean
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from pipeline import catalogue, values
from pipeline.catalogue import HIGH, LOW, MEDIUM
from pipeline.check.score import ACTION_KEYS, AMBER, GREEN, NOT_ASSESSED, OUT_OF_SCOPE, RAG_ORDER, RED, PartnershipScore
from pipeline.config import Config
from pipeline.pack.palette import (
    ACTION_COLOURS,
    BAND_COLOURS,
    BLUE,
    CHART_GRID,
    CHART_INK,
    CHART_LINE,
    CHART_MUTED,
    MOVEMENT,
    NETWORK_LINK,
    ORANGE,
    ORGANISATION,
    PARTNERSHIP,
    RAG_COLOURS,
    WHITE,
)
from pipeline.pack.chart_figures import (
    analysis,
    chart_figures,
    charted,
    completeness_rating,
    in_scope,
    marks_movement,
    money_label,
    strategy_risk_words,
)
from pipeline.pack.tables import PLOTTED_RAGS
from pipeline.formats import average_score, percent
from pipeline.values import shortened

#: A rating's hatching, so a segment or bar says its rating without its colour (as the legend shows).
RAG_HATCHES = {RED: "xx", AMBER: "..", GREEN: None, OUT_OF_SCOPE: "--", NOT_ASSESSED: "//"}
#: The heat map's bands are hatched too, as well as coloured light to dark.
BAND_HATCHES = {LOW: None, MEDIUM: "..", HIGH: "//"}
MARKERS = {RED: "^", AMBER: "s", GREEN: "o"}
#: Bars are outlined in ink: the pale Okabe-Ito colours (amber, grey) are under 3:1 against white.
OUTLINE = {"edgecolor": CHART_INK, "linewidth": 0.6}
#: A label laid on a coloured or hatched mark sits on white, so it reads at full contrast.
ON_WHITE = {"boxstyle": "round,pad=0.18", "facecolor": WHITE, "edgecolor": "none"}

#: Chart names (the file names under charts/) with the heading the pack shows above each (`chart_title`
#: counts the strategy's risks in it).
CHART_TITLES = {
    "risk_heat_map": "Risks by likelihood and impact",
    "strategy_risks_ranked": "The strategy's {count} risks, ranked",
    "action_status": "Improvement actions by status",
    "completeness_by_section": "Checklist completeness by section",
    "rag_by_service_area": "Rating by service area",
    "resources_vs_assurance": "Resources committed against assurance",
}


def chart_title(name: str) -> str:
    """The heading of a chart, with the strategy's risks counted as the catalogue has them."""
    return CHART_TITLES[name].format(**strategy_risk_words())


def _pyplot():
    """matplotlib's pyplot with the Agg backend. matplotlib finds its configuration and cache folders as
    it is imported; where it cannot write them (HOME unset or not writable) it logs "mkdir -p failed..."
    and "Matplotlib created a temporary cache directory..." and uses a temporary folder it removes at
    exit. No library's text reaches the user's screen, so its warnings are not shown while it is imported
    (it keeps only its font list there: the charts are the same bytes either way)."""
    logger = logging.getLogger("matplotlib")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    finally:
        logger.setLevel(level)
    return plt


def render_charts(
    scores: Iterable[PartnershipScore],
    config: Config,
    comparison: Any = None,
    strategy: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Every chart of the pack as SVG text, by name (see CHART_TITLES).

    What the charts draw is the analysis across partnerships (`strategy`, from
    `pipeline.pack.tables.strategy_questions`, computed here when not given), as their words and data
    tables say it. With a `comparison` (pipeline.cycle.compare.Comparison) the heat map also marks where
    each of the strategy's risks moved since last year; without one every chart is exactly as before.
    """
    plt = _pyplot()
    scores = charted(scores)
    assessed = in_scope(scores)
    strategy = strategy if strategy is not None else analysis(scores, config)
    figures = chart_figures(scores, config, comparison, strategy)
    drawers: dict[str, Callable] = {
        "risk_heat_map": lambda fig: _risk_heat_map(fig, strategy["heat_map"], config, comparison),
        "strategy_risks_ranked": lambda fig: _strategy_risks(fig, strategy["risks_ranked"]),
        "action_status": lambda fig: _action_status(fig, strategy["actions"]),
        "completeness_by_section": lambda fig: _completeness(fig, strategy["sections"], len(assessed), config),
        "rag_by_service_area": lambda fig: _rag_by_area(fig, strategy["rag_by_service_area"]),
        "resources_vs_assurance": lambda fig: _resources(fig, strategy["resources"], config, strategy.get("money")),
    }
    money = strategy.get("money")
    sizes = {
        "strategy_risks_ranked": (8, 5.2),
        "resources_vs_assurance": (8, 4.8 + (1.3 + 0.3 * len(money) if money else 0)),
        "rag_by_service_area": (8, max(3.0, 1.4 + 0.42 * len(strategy["rag_by_service_area"]))),
        "risk_heat_map": (10.4, 6.0) if comparison else (6.4, 5.2),
    }
    charts = {}
    with _drawing(plt):
        for name, draw in drawers.items():
            fig = plt.figure(figsize=sizes.get(name, (8, 4)))
            try:
                draw(fig)
                title = chart_title(name)
                svg = _unique_ids(_svg(fig, title), name)
                charts[name] = described(svg, name, title, figures[name].summary)
            finally:
                plt.close(fig)
    return charts


@contextlib.contextmanager
def _drawing(plt) -> Iterator[None]:
    """The charts' style, and quiet about a character its font lacks (a name in Chinese, an emoji):
    the SVG keeps its text as text, which the reader's browser draws in a font that has it, and the
    run's console is for the policy team, not for matplotlib's warnings."""
    with plt.rc_context(_STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        yield


_STYLE = {
    "svg.hashsalt": "partnership-review",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.edgecolor": CHART_LINE,
    "axes.labelcolor": CHART_INK,
    "xtick.color": CHART_INK,
    "ytick.color": CHART_INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
}


def _svg(fig, title: str) -> str:
    buffer = io.StringIO()
    fig.savefig(
        buffer,
        format="svg",
        bbox_inches="tight",
        metadata={"Date": None, "Creator": "Partnership review", "Title": title},
    )
    text = buffer.getvalue()
    # The XML declaration and DOCTYPE are for a file, not for SVG inlined in HTML.
    return text[text.index("<svg") :]


def described(svg: str, name: str, title: str, summary: str) -> str:
    """The chart as one image for screen readers: `role="img"`, named by its heading (<title>) and
    described by its text alternative (<desc>), in place of matplotlib's bare <title>."""
    svg = re.sub(r"\s*<title>.*?</title>", "", svg, count=1, flags=re.S)
    start = svg.index(">")
    return (
        f'{svg[:start]} role="img" aria-labelledby={quoteattr(name + "-title")} '
        f"aria-describedby={quoteattr(name + '-desc')}>\n <title id={quoteattr(name + '-title')}>{escape(title)}"
        f"</title>\n <desc id={quoteattr(name + '-desc')}>{escape(summary)}</desc>{svg[start + 1 :]}"
    )


_ID_USE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _unique_ids(svg: str, prefix: str) -> str:
    """Every id in the chart, and every reference to one, prefixed with the chart's name: matplotlib
    numbers ids per figure (text_1, legend_1, ...), and the pack holds six charts in one document."""
    return _ID_USE.sub(lambda match: f"{match.group(1)}{prefix}-{match.group(2)}", svg)


def _empty(ax, message: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", color=CHART_MUTED, fontsize=11, transform=ax.transAxes)


def _risk_heat_map(fig, counts: Mapping[tuple[int, int], int], config: Config, comparison: Any = None) -> None:

    moved = marks_movement(comparison)
    if moved:
        ax, zoom = fig.subplots(1, 2, gridspec_kw={"width_ratios": (1, 1), "wspace": 0.25})
    else:
        ax = fig.add_subplot()
    _band_cells(ax, config)
    for likelihood in catalogue.RISK_RATINGS:
        for impact in catalogue.RISK_RATINGS:
            count = counts.get((likelihood, impact), 0)
            ax.text(
                likelihood,
                impact,
                str(count) if count else "\u00b7",
                ha="center",
                va="center",
                fontsize=13 if count else 10,
                fontweight="bold" if count else "normal",
                color=CHART_INK,
                bbox=ON_WHITE if count else None,
            )
    _rating_axes(ax)
    total = sum(counts.values())
    ax.set_title(
        f"Number of rated risks in each cell ({total} across all partnerships)", fontsize=10.5, fontweight="normal"
    )
    (low, _, low_max), (medium, _, medium_max), (high, _, _) = config.scoring.risk_bands()
    # Beside the map alone; below it when the enlargement stands beside it, so both stay large in print.
    place = (
        {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2), "ncol": 3}
        if moved
        else {"loc": "upper left", "bbox_to_anchor": (1.02, 1)}
    )
    ax.legend(
        handles=[
            _band_patch(low, f"{low} (score 1\u2013{low_max})"),
            _band_patch(medium, f"{medium} ({low_max + 1}\u2013{medium_max})"),
            _band_patch(high, f"{high} (over {medium_max})"),
        ],
        title="Band (likelihood \u00d7 impact)",
        **place,
        frameon=False,
        fontsize=9,
        title_fontsize=9,
    )
    if moved:
        _risk_movements(fig, ax, zoom, comparison, config)


def _band_patch(band: str, label: str):
    from matplotlib.patches import Patch

    return Patch(
        facecolor=BAND_COLOURS[band],
        hatch=BAND_HATCHES[band],
        hatchcolor=WHITE,
        edgecolor=CHART_INK,
        linewidth=0.6,
        label=label,
    )


def _band_cells(ax, config: Config) -> None:
    """The grid of likelihood by impact, each cell in its band's colour and hatching."""
    from matplotlib.patches import Rectangle

    for likelihood in catalogue.RISK_RATINGS:
        for impact in catalogue.RISK_RATINGS:
            band = config.scoring.risk_band(likelihood * impact)
            ax.add_patch(
                Rectangle(
                    (likelihood - 0.5, impact - 0.5),
                    1,
                    1,
                    facecolor=BAND_COLOURS[band],
                    hatch=BAND_HATCHES[band],
                    hatchcolor=WHITE,
                    edgecolor=WHITE,
                    linewidth=2,
                )
            )


def _plain_cells(ax) -> None:
    """The grid of likelihood by impact, every cell alike."""
    from matplotlib.patches import Rectangle

    for likelihood in catalogue.RISK_RATINGS:
        for impact in catalogue.RISK_RATINGS:
            ax.add_patch(
                Rectangle((likelihood - 0.5, impact - 0.5), 1, 1, facecolor=CHART_GRID, edgecolor=WHITE, linewidth=2)
            )


def _rating_axes(ax, limits: tuple[float, float, float, float] | None = None) -> None:
    ratings = catalogue.RISK_RATINGS
    x0, x1, y0, y1 = limits or (0.5, len(ratings) + 0.5, 0.5, len(ratings) + 0.5)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    names = dict(catalogue.ANSWER_MEANINGS["Likelihood and Impact"])
    xs = [rating for rating in ratings if x0 <= rating <= x1]
    ys = [rating for rating in ratings if y0 <= rating <= y1]
    ax.set_xticks(xs, [f"{rating}\n{names[str(rating)]}" for rating in xs], fontsize=8.5)
    ax.set_yticks(ys, [f"{rating} {names[str(rating)]}" for rating in ys], fontsize=8.5)
    ax.tick_params(length=0)
    ax.set_xlabel("Likelihood")
    ax.set_ylabel("Impact")


def _risk_movements(fig, ax, zoom, comparison: Any, config: Config) -> None:
    """Where each of the strategy's risks moved: on an enlarged part of the heat map (marked on the
    whole map by a dashed frame), last year's average (likelihood, impact) as a hollow circle, this
    year's as a filled one, an arrow between them, and the risk's ref beside this year's mark, put
    where it overlaps no other label, mark or arrow (with a leader line when pushed away)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    risks = [risk for risk in comparison.risks if risk.then or risk.now]
    points = [point for risk in risks for point in (risk.then, risk.now) if point]
    limits = _zoom_limits(points)
    x0, x1, y0, y1 = limits
    ax.add_patch(
        Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=MOVEMENT, linewidth=1.4, linestyle="--", zorder=4)
    )
    since = str(comparison.previous_year or "last year")
    ax.set_title(
        ax.get_title(loc="left") + "\n(dashed frame: the part enlarged at right)", fontsize=10, fontweight="normal"
    )

    # A plain grid: an average likelihood and an average impact do not make the average score, whose band
    # the ranked risks and the movement table give, so band colours here would contradict them.
    _plain_cells(zoom)
    _rating_axes(zoom, limits)
    zoom.set_title(
        f"Where each of the strategy's {strategy_risk_words()['count']} risks moved since {since}\n"
        "(average likelihood and impact of the partnerships that rated it)",
        fontsize=10,
        fontweight="normal",
    )
    for risk in risks:
        if risk.then and risk.now and risk.then != risk.now:
            zoom.annotate(
                "",
                xy=risk.now,
                xytext=risk.then,
                zorder=4,
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": MOVEMENT,
                    "linewidth": 1.5,
                    "mutation_scale": 13,
                    "shrinkA": 4,
                    "shrinkB": 4.5,
                },
            )
        if risk.then:
            zoom.plot(
                *risk.then,
                marker="o",
                markersize=7,
                markerfacecolor=WHITE,
                markeredgecolor=MOVEMENT,
                markeredgewidth=1.5,
                zorder=5,
                linestyle="none",
            )
        if risk.now:
            zoom.plot(
                *risk.now,
                marker="o",
                markersize=7.5,
                color=MOVEMENT,
                markeredgecolor=WHITE,
                markeredgewidth=0.8,
                zorder=6,
                linestyle="none",
            )

    # Label placement in inches, so it does not depend on how far the enlargement goes.
    zoom.apply_aspect()
    box = zoom.get_position()
    width_in, height_in = fig.get_size_inches()
    scale = (box.width * width_in / (x1 - x0), box.height * height_in / (y1 - y0))  # inches per data unit
    obstacles = [(point[0] * scale[0], point[1] * scale[1]) for point in points]
    for risk in risks:
        if risk.then and risk.now:
            for step in range(1, 12):
                share = step / 12
                obstacles.append(
                    (
                        (risk.then[0] + (risk.now[0] - risk.then[0]) * share) * scale[0],
                        (risk.then[1] + (risk.now[1] - risk.then[1]) * share) * scale[1],
                    )
                )
    bounds = (x0 * scale[0], x1 * scale[0], y0 * scale[1], y1 * scale[1])
    placed: list[tuple[float, float, float]] = []
    renderer = fig.canvas.get_renderer()
    for risk in sorted(risks, key=lambda item: item.ref):
        anchor = risk.now or risk.then
        tail = risk.then if risk.now and risk.then else None
        label = risk.ref if risk.now else f"{risk.ref} (not rated now)"
        spot, far = _free_spot(
            (anchor[0] * scale[0], anchor[1] * scale[1]),
            (tail[0] * scale[0], tail[1] * scale[1]) if tail else None,
            obstacles,
            placed,
            bounds,
            _label_half_width(zoom, label, renderer),
        )
        at = (spot[0] / scale[0], spot[1] / scale[1])
        if far:  # the leader line under every label, so none is crossed by another's leader
            zoom.annotate(
                "",
                anchor,
                xytext=at,
                textcoords="data",
                zorder=6.5,
                annotation_clip=False,
                arrowprops={"arrowstyle": "-", "color": MOVEMENT, "linewidth": 0.7, "shrinkA": 0, "shrinkB": 3},
            )
        zoom.annotate(
            label,
            anchor,
            xytext=at,
            textcoords="data",
            ha="center",
            va="center",
            fontsize=8.5,
            fontweight="bold",
            color=CHART_INK,
            zorder=7,
            annotation_clip=False,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": WHITE, "edgecolor": MOVEMENT, "linewidth": 0.7},
        )
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            markersize=7,
            markerfacecolor=WHITE,
            markeredgecolor=MOVEMENT,
            markeredgewidth=1.5,
            linestyle="none",
            label=f"Average in {since}",
        ),
        Line2D([], [], marker="o", markersize=7.5, color=MOVEMENT, linestyle="none", label="Average now"),
        Line2D([], [], color=MOVEMENT, linewidth=1.5, marker=">", markevery=[1], label="Move since then"),
    ]
    from matplotlib.legend import Legend

    zoom.add_artist(
        Legend(
            zoom,
            handles,
            [handle.get_label() for handle in handles],
            title="Strategy risks {first}\u2013{last}".format(**strategy_risk_words()),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.2),
            ncol=3,
            frameon=False,
            fontsize=9,
            title_fontsize=9,
        )
    )


def _zoom_limits(points) -> tuple[float, float, float, float]:
    """A square part of the grid holding every point with a margin, at least one cell across."""
    xs, ys = [point[0] for point in points], [point[1] for point in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) + 0.7
    span = min(max(span, 1.2), 5.0)
    limits = []
    for values_ in (xs, ys):
        centre = (max(values_) + min(values_)) / 2
        low = min(max(centre - span / 2, 0.5), 5.5 - span)
        limits += [round(low, 3), round(low + span, 3)]
    return tuple(limits)


#: Half the size of a label box ("R01") and the clearance kept around marks, in inches.
_LABEL_HALF, _CLEAR = (0.18, 0.09), 0.06
_OFFSETS = [
    (dx * radius, dy * radius)
    # Past 0.84 inches only when the nearer spots are taken: many risks at one point, or long labels.
    for radius in (0.24, 0.36, 0.5, 0.66, 0.84, 1.02, 1.2, 1.4, 1.6, 1.8, 2.0)
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (0.71, 0.71), (-0.71, 0.71), (0.71, -0.71), (-0.71, -0.71))
]


def _label_half_width(ax, label: str, renderer) -> float:
    """Half the width of a movement label's box as it will be drawn, in inches, at least `_LABEL_HALF`'s."""
    probe = ax.text(0, 0, label, fontsize=8.5, fontweight="bold", bbox={"boxstyle": "round,pad=0.15"})
    width = probe.get_window_extent(renderer).width / ax.figure.dpi
    probe.remove()
    return max(_LABEL_HALF[0], width / 2 + 0.03)


def _free_spot(anchor, tail, obstacles, placed, bounds, half_w=_LABEL_HALF[0]) -> tuple[tuple[float, float], bool]:
    """Where to put a label `half_w` inches half-wide for the mark at `anchor` (all in inches): the
    nearest spot clear of every label placed, mark and arrow, inside the frame, preferring the side away
    from the arrow's tail. A label wider than "R01" sits as far beyond its mark, not on it."""
    half_h = _LABEL_HALF[1]
    wider = half_w - _LABEL_HALF[0]
    away = (anchor[0] - tail[0], anchor[1] - tail[1]) if tail else (0.0, 0.0)
    candidates = sorted(
        enumerate(_OFFSETS), key=lambda item: (item[0] // 8, item[1][0] * away[0] + item[1][1] * away[1] < 0)
    )
    x0, x1, y0, y1 = bounds
    for _, (dx, dy) in candidates:
        x, y = anchor[0] + dx + (wider if dx > 0 else -wider if dx < 0 else 0.0), anchor[1] + dy
        if not (x0 + half_w <= x <= x1 - half_w and y0 + half_h <= y <= y1 - half_h):
            continue
        if any(abs(x - px) < half_w + other + 0.02 and abs(y - py) < 2 * half_h + 0.02 for px, py, other in placed):
            continue
        if any(abs(x - ox) < half_w + _CLEAR and abs(y - oy) < half_h + _CLEAR for ox, oy in obstacles):
            continue
        placed.append((x, y, half_w))
        return (x, y), abs(dx) + abs(dy) > 0.3
    spot = (anchor[0] + _OFFSETS[0][0] + wider, anchor[1])
    placed.append((*spot, half_w))
    return spot, False


def _strategy_risks(fig, rows: Sequence[Mapping[str, Any]]) -> None:
    ax = fig.add_subplot()
    if not any(row["rated"] for row in rows):
        _empty(ax, "No partnership has rated the strategy's risks yet")
        return
    labels = [f"{row['ref']}  " + "\n".join(textwrap.wrap(row["text"], 48)) for row in rows]
    averages = [row["average"] for row in rows]
    positions = list(range(len(rows)))[::-1]
    ax.barh(
        positions,
        averages,
        color=[BAND_COLOURS[row["band"]] for row in rows],
        hatch=[BAND_HATCHES[row["band"]] for row in rows],
        hatchcolor=WHITE,
        height=0.65,
        **OUTLINE,
    )
    top = max(averages) if averages else 1
    for position, row in zip(positions, rows):
        average, count, band = row["average"], row["rated"], row["band"]
        text = f"{average_score(average)} {band}  (rated by {count})" if count else "not rated"
        ax.text(average + top * 0.015, position, text, va="center", fontsize=8.5, color=CHART_INK)
    ax.set_yticks(positions, labels, fontsize=8.5)
    ax.set_xlim(0, top * 1.45)
    ax.set_xlabel("Average risk score (likelihood \u00d7 impact, 1 to 25)")
    ax.tick_params(axis="y", length=0)


def _action_status(fig, by_status: Mapping[str, int]) -> None:
    ax = fig.add_subplot()
    counts = [by_status[key] for key in ACTION_KEYS]
    if not any(counts):
        _empty(ax, "No improvement actions recorded")
        return
    labels = ["Not started", "In progress", "Complete", "Overdue\n(not complete, past due)"]
    bars = ax.bar(labels, counts, color=[ACTION_COLOURS[key] for key in ACTION_KEYS], width=0.6, **OUTLINE)
    for bar, count in zip(bars, counts):
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            bar.get_height(),
            f"{count}",
            ha="center",
            va="bottom",
            fontsize=11,
            fontweight="bold",
            color=CHART_INK,
        )
    ax.set_ylabel("Number of actions")
    ax.set_ylim(0, max(counts) * 1.18)
    ax.set_title(
        f"{sum(counts[:3])} actions across all partnerships; overdue ones are also counted under their status",
        fontsize=9.5,
        fontweight="normal",
        color=CHART_MUTED,
    )
    ax.yaxis.get_major_locator().set_params(integer=True)


def _completeness(fig, sections: Sequence[tuple[str, float]], partnerships: int, config: Config) -> None:
    ax = fig.add_subplot()
    if not partnerships:
        _empty(ax, "No assessed partnership in scope")
        return
    names = [name for name, _ in sections]
    averages = [value for _, value in sections]
    positions = list(range(len(names)))[::-1]
    rules = config.rag
    ratings = [completeness_rating(value, config) for value in averages]
    ax.barh(
        positions,
        [value * 100 for value in averages],
        color=[RAG_COLOURS[rag] for rag in ratings],
        hatch=[RAG_HATCHES[rag] for rag in ratings],
        hatchcolor=WHITE,
        height=0.65,
        **OUTLINE,
    )
    for position, value in zip(positions, averages):
        ax.text(value * 100 + 1, position, percent(value), va="center", fontsize=9, color=CHART_INK)
    numbered = [f"{number}. {name}" for number, name in enumerate(names, start=1)]
    ax.set_yticks(positions, numbered, fontsize=9)
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 20, 40, 60, 80, 100], ["0%", "20%", "40%", "60%", "80%", "100%"])
    for threshold, label in (
        (rules.red_completeness_below, "Red below"),
        (rules.amber_completeness_below, "Amber below"),
    ):
        ax.axvline(threshold * 100, color=CHART_MUTED, linestyle="--", linewidth=1)
        ax.text(
            threshold * 100,
            len(names) - 0.35,
            f"{label} {percent(threshold)}",
            ha="center",
            va="bottom",
            fontsize=8,
            color=CHART_MUTED,
        )
    ax.set_xlabel(f"Questions answered, average of {values.counted(partnerships, 'assessed partnership')} in scope")
    ax.tick_params(axis="y", length=0)


def _rag_by_area(fig, by_area: Sequence[Mapping[str, Any]]) -> None:
    ax = fig.add_subplot()
    if not by_area:
        _empty(ax, "No workbooks")
        return
    areas = [row["service_area"] for row in by_area]
    counts = {rag: [row["counts"][rag] for row in by_area] for rag in RAG_ORDER}
    positions = list(range(len(areas)))[::-1]
    left = [0] * len(areas)
    for rag in RAG_ORDER:
        if not any(counts[rag]):
            continue
        ax.barh(
            positions,
            counts[rag],
            left=left,
            color=RAG_COLOURS[rag],
            label=rag,
            height=0.65,
            hatch=RAG_HATCHES[rag],
            hatchcolor=CHART_INK if rag == NOT_ASSESSED else WHITE,
            **OUTLINE,
        )
        for position, start, count in zip(positions, left, counts[rag]):
            if count:
                ax.text(
                    start + count / 2,
                    position,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=CHART_INK,
                    fontweight="bold",
                    bbox=ON_WHITE,
                )
        left = [start + count for start, count in zip(left, counts[rag])]
    ax.set_yticks(positions, ["\n".join(textwrap.wrap(area, 32)) for area in areas], fontsize=9)
    ax.set_xlabel("Number of partnerships")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="y", length=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9, title="Rating", title_fontsize=9)


#: What a resources panel says when no partnership on it commits anything, or none gives the amount.
_NOTHING_COMMITTED = {
    "funding": "No council funding:\nevery partnership here\ngives £0",
    "officer_days": "No officer time:\nevery partnership here\ngives 0 days",
}
_NOTHING_GIVEN = {
    "funding": "No partnership here gives\nits annual council funding",
    "officer_days": "No partnership here gives\nits officer time",
}


def _resources(fig, plotted: Sequence[Any], config: Config, money: Sequence[Any] | None = None) -> None:
    from matplotlib.ticker import MaxNLocator

    if money:
        grid = fig.add_gridspec(2, 2, height_ratios=(4.8, 1.3 + 0.3 * len(money)))
        funding_ax = fig.add_subplot(grid[0, 0])
        days_ax = fig.add_subplot(grid[0, 1], sharex=funding_ax)
        bar_labels = _money(fig.add_subplot(grid[1, :]), money)
    else:
        funding_ax, days_ax = fig.subplots(1, 2, sharex=True)
        bar_labels = []
    if not plotted:
        _empty(funding_ax, "No assessed partnership has an assurance score")
        days_ax.set_axis_off()
        _fit_bar_labels(bar_labels)
        return
    to_label = []
    for ax, attribute, label in (
        (funding_ax, "funding", "Annual council funding (£)"),
        (days_ax, "officer_days", "Officer time (days per year)"),
    ):
        # A partnership whose amount is blank or cannot be read has no point in that panel (not a 0).
        shown = [item for item in plotted if getattr(item, attribute) is not None]
        for rag in PLOTTED_RAGS:
            marker = MARKERS[rag]
            points = [item for item in shown if item.rag == rag]
            ax.scatter(
                [item.checklist_assurance * 100 for item in points],
                [getattr(item, attribute) for item in points],
                marker=marker,
                s=POINT_AREA,
                color=RAG_COLOURS[rag],
                edgecolor=WHITE,
                linewidth=POINT_EDGE,
                label=rag,
                zorder=3,
            )
        xs = [item.checklist_assurance * 100 for item in plotted]
        ys = [getattr(item, attribute) or 0 for item in plotted]
        low = max(0.0, min(min(xs), config.rag.amber_assurance_below * 100) - 8)
        ax.set_xlim(low, 104)
        # Whole pounds and whole days only: a range of a few pounds (or none) gave "£0 £0 £0 £1 £1"
        # and days of 0.2, 0.4 ..., amounts nobody entered.
        ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
        top = max(ys)
        ax.set_ylim(-0.04 * max(top, 1), max(top, 1) * 1.2)
        if not top:
            ax.set_yticks([0])
            ax.text(
                0.5,
                0.55,
                _NOTHING_COMMITTED[attribute] if shown else _NOTHING_GIVEN[attribute],
                ha="center",
                va="center",
                fontsize=9,
                color=CHART_MUTED,
                transform=ax.transAxes,
                bbox=ON_WHITE,
            )
        to_label.append(
            (
                ax,
                shown,
                [item.checklist_assurance * 100 for item in shown],
                [getattr(item, attribute) for item in shown],
            )
        )
        ax.axvline(config.rag.amber_assurance_below * 100, color=CHART_MUTED, linestyle="--", linewidth=1)
        ax.set_ylabel(label)
        ax.set_xlabel("Checklist assurance (%)")
        ax.grid(axis="y", color=CHART_GRID, zorder=0)
    funding_ax.yaxis.set_major_formatter(lambda value, _: f"£{value:,.0f}")
    fig.suptitle(
        textwrap.fill(
            f"Each point is a partnership. Labelled by ID where the label has room, up to {MAX_LABELS} in each "
            f"panel: those below the Amber assurance threshold (dashed, {percent(config.rag.amber_assurance_below)}) "
            "first, then the largest commitments. The chart's table lists every partnership.",
            118,
        ),
        fontsize=9,
        color=CHART_MUTED,
        x=0.02,
        ha="left",
    )
    days_ax.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9, title="Rating", title_fontsize=9
    )
    fig.tight_layout()
    _fit_bar_labels(bar_labels)
    for ax, shown, xs, ys in to_label:  # once the layout is fixed, so labels are placed where they will show
        _label_points(ax, shown, xs, ys, config)


#: The money panel's two parts: the council's funding, and the partners' money beside it (hatched).
COUNCIL_MONEY, PARTNERS_MONEY = BLUE, ORANGE


def _money(ax, bars: Sequence[Any]) -> list:
    """The resources chart's money panel: for the partnerships with most money, the council's funding
    and the partners' money end to end, each bar labelled with the partners' money per council pound,
    or shortly why not (`money_label`; the data table says it in full). Returns the
    bars' labels, for `_fit_bar_labels` once the figure is laid out."""
    positions = list(range(len(bars)))[::-1]
    council = [item.funding or 0.0 for item in bars]
    partners = [item.partners_money or 0.0 for item in bars]
    ax.barh(positions, council, color=COUNCIL_MONEY, height=0.62, label="Council funding", **OUTLINE)
    ax.barh(
        positions,
        partners,
        left=council,
        color=PARTNERS_MONEY,
        hatch="//",
        hatchcolor=WHITE,
        height=0.62,
        label="Partners' money",
        **OUTLINE,
    )
    top = max(one + other for one, other in zip(council, partners))
    labels = []
    for position, item, one, other in zip(positions, bars, council, partners):
        labels.append(
            ax.text(one + other + top * 0.01, position, money_label(item), va="center", fontsize=8, color=CHART_INK)
        )
    ax.set_yticks(positions, [item.id for item in bars], fontsize=8.5)
    ax.set_xlim(0, top * 1.3)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.xaxis.set_major_formatter(lambda value, _: f"£{value:,.0f}")
    ax.set_xlabel("Money a year (£): the council's, then the partners'")
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color=CHART_GRID, zorder=0)
    ax.set_axisbelow(True)
    ax.set_title(
        f"Council funding and partners' money a year, the {values.counted(len(bars), 'partnership')} with most\n"
        "(labelled: partners' money per council pound)",
        fontsize=9.5,
        fontweight="normal",
        color=CHART_INK,
        loc="left",
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9, title="Money", title_fontsize=9)
    return labels


#: Room kept between a bar's label and the right edge of its panel, in pixels.
_LABEL_ROOM = 4


def _fit_bar_labels(labels: Sequence[Any]) -> None:
    """Widen the money panel's scale so each bar's label ends inside the panel: a label past its edge ran
    under the legend beside it ("partners' money not kn"). A label's width is fixed in pixels, its start
    in pounds, so the scale that fits them all is worked out from the panel's width once laid out."""
    if not labels:
        return
    ax = labels[0].axes
    renderer = ax.figure.canvas.get_renderer()
    width = ax.get_window_extent(renderer).width
    low, high = ax.get_xlim()
    needed = high
    for label in labels:
        room = max(width - label.get_window_extent(renderer).width - _LABEL_ROOM, width * 0.2)
        needed = max(needed, low + (label.get_position()[0] - low) * width / room)
    ax.set_xlim(low, needed)


#: At most this many partnerships are labelled in each panel of the resources chart, so labels stay legible.
MAX_LABELS = 12
#: The resources chart's points: each marker's area (points squared) and the white edge round it (points).
POINT_AREA, POINT_EDGE = 46, 0.6
#: The size of a point's label (points), and the room kept round it clear of other labels and points (pixels).
LABEL_SIZE, LABEL_CLEAR = 6.5, 0.5


def _by_notability(items: Sequence[Any], xs: list[float], ys: list[float], config: Config) -> list[int]:
    """The points in the order they are offered a label: below the assurance threshold first, then the
    largest commitments."""
    threshold = config.rag.amber_assurance_below * 100
    return sorted(range(len(items)), key=lambda index: (xs[index] >= threshold, -ys[index], items[index].id))


#: Where a label may sit beside its point, in points from it (nearest first): right, left, above,
#: below, then the four corners; each a little further out if those are taken.
_LABEL_SPOTS = tuple(
    (dx * step, dy * step, ha, va)
    # The farthest spots stay under 20 pixels (at the figure's 100 dpi) from the point, still read as its label.
    for step in (1, 2, 2.8)
    for dx, dy, ha, va in (
        (5, 0, "left", "center"),
        (-5, 0, "right", "center"),
        (0, 5, "center", "bottom"),
        (0, -5, "center", "top"),
        (4, 4, "left", "bottom"),
        (-4, 4, "right", "bottom"),
        (4, -4, "left", "top"),
        (-4, -4, "right", "top"),
    )
)
#: How much of a label's width (height) lies left of (below) its spot, by its alignment.
_SHIFT = {"left": 0.0, "center": 0.5, "right": 1.0, "bottom": 0.0, "top": 1.0}


class _Taken:
    """The boxes (x0, y0, x1, y1, in pixels) no label may touch, filed by the squares of a coarse grid
    they cover, so a box is checked against its neighbours only: a panel may hold a thousand points."""

    CELL = 32.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[int, float, float, float, float]]] = {}
        self.count = 0

    def _squares(self, box) -> Iterator[tuple[int, int]]:
        x0, y0, x1, y1 = (int(value // self.CELL) for value in box)
        return ((column, row) for column in range(x0, x1 + 1) for row in range(y0, y1 + 1))

    def add(self, box) -> None:
        entry = (self.count, *box)
        self.count += 1
        for square in self._squares(box):
            self.cells.setdefault(square, []).append(entry)

    def touching(self, box, clear: float = LABEL_CLEAR) -> set[int]:
        """The boxes that come within `clear` pixels of `box`, by the order they were added."""
        x0, y0, x1, y1 = box
        return {
            entry[0]
            for square in self._squares((x0 - clear, y0 - clear, x1 + clear, y1 + clear))
            for entry in self.cells.get(square, ())
            if x0 - clear < entry[3] and entry[1] < x1 + clear and y0 - clear < entry[4] and entry[2] < y1 + clear
        }


def _distance(box, point) -> float:
    """How far a point is from a box, in pixels (0 inside it)."""
    x, y = point
    return ((max(box[0] - x, 0, x - box[2])) ** 2 + (max(box[1] - y, 0, y - box[3])) ** 2) ** 0.5


def _label_points(ax, items: Sequence[Any], xs: list[float], ys: list[float], config: Config) -> None:
    """Label points with their partnership IDs, offered in `_by_notability`'s order, up to `MAX_LABELS`:
    each at the first of `_LABEL_SPOTS` where its label, measured as it will be drawn, stays in the panel
    and touches no other label, no point and nothing the panel already says. A point that has no such
    spot, or that another partnership's point covers (its label could name either), is not labelled: the
    chart's data table gives every partnership."""
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    scale = ax.figure.dpi / 72  # pixels in a point
    half = (POINT_AREA**0.5 + POINT_EDGE) / 2 * scale  # half the side of the square round a marker
    centres = [tuple(ax.transData.transform((x, y))) for x, y in zip(xs, ys)]
    taken, points = _Taken(), _Taken()
    for x, y in centres:
        points.add((x - half, y - half, x + half, y + half))
        taken.add((x - half, y - half, x + half, y + half))
    for text in ax.texts:
        taken.add(tuple(text.get_window_extent(renderer).extents))

    def fits(box, index: int) -> bool:
        inside = frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] and box[3] <= frame.y1
        if not inside or taken.touching(box):
            return False
        # Read as the label of the point nearest it: no other partnership's point as near as its own.
        own = _distance(box, centres[index])
        near = points.touching(box, clear=own)
        return all(_distance(box, centres[other]) > own for other in near if other != index)

    probe = ax.text(0, 0, "", fontsize=LABEL_SIZE)
    labelled = 0
    for index in _by_notability(items, xs, ys, config):
        if labelled == MAX_LABELS:
            break
        x, y = centres[index]
        if len(points.touching((x, y, x, y), clear=0)) > 1:  # another partnership's marker covers its centre
            continue
        probe.set_text(items[index].id)
        size = probe.get_window_extent(renderer)
        width, height = size.width, size.height
        for dx, dy, ha, va in _LABEL_SPOTS:
            left = x + dx * scale - _SHIFT[ha] * width
            bottom = y + dy * scale - _SHIFT[va] * height
            if not fits((left, bottom, left + width, bottom + height), index):
                continue
            note = ax.annotate(
                items[index].id,
                (xs[index], ys[index]),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=LABEL_SIZE,
                color=CHART_MUTED,
                annotation_clip=False,
            )
            drawn = tuple(note.get_window_extent(renderer).extents)
            if fits(drawn, index):  # as measured once drawn, not only as worked out
                taken.add(drawn)
                labelled += 1
                break
            note.remove()
    probe.remove()


# --- Shared partner organisations ------------------------------------------------------------------

NETWORK_CHART = "shared_organisations"
NETWORK_TITLE = "Partner organisations shared between partnerships"
#: The picture names at most this many organisations, those on most partnerships; the table lists all.
NETWORK_ORGANISATIONS = 15
#: Up to this many partnerships are drawn one by one; beyond it, partnerships joined to the same drawn
#: organisations are drawn as one group ("12 partnerships"), the biggest `NETWORK_GROUPS` groups.
NETWORK_PARTNERSHIPS = 40
NETWORK_GROUPS = 30


@dataclass(frozen=True)
class NetworkPicture:
    """What the network picture draws, computed once for the drawing, its words and its table."""

    organisations: tuple[tuple[str, int], ...]  # (name, partnerships it sits on), left column, top first
    nodes: tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...]  # (label, partnerships, organisations)
    grouped: bool  # True when a node is a group of partnerships
    not_drawn: int  # partnerships joined to a drawn organisation but in no drawn group


def network_picture(network: Any) -> NetworkPicture:
    """The top of the network (pipeline.portfolio.duplication.Network): the organisations on most
    partnerships, and the partnerships they sit on, one by one or grouped when there are many."""
    shown = network.shared[:NETWORK_ORGANISATIONS]
    joined: dict[str, list[int]] = {}
    for index, organisation in enumerate(shown):
        for label in organisation.partnerships:
            joined.setdefault(label, []).append(index)
    names = {member.label: member.name for member in network.members}
    if len(joined) <= NETWORK_PARTNERSHIPS:
        nodes = [
            (shortened(f"{label} {names.get(label, '')}".strip(), 44), (label,), tuple(indices))
            for label, indices in joined.items()
        ]
        grouped, not_drawn = False, 0
    else:
        groups: dict[tuple[int, ...], list[str]] = {}
        for label, indices in joined.items():
            groups.setdefault(tuple(indices), []).append(label)
        ordered = sorted(groups.items(), key=lambda pair: (-len(pair[1]), pair[0]))
        nodes = [
            (_group_label(sorted(labels)), tuple(sorted(labels)), indices)
            for indices, labels in ordered[:NETWORK_GROUPS]
        ]
        grouped, not_drawn = True, sum(len(labels) for _, labels in ordered[NETWORK_GROUPS:])
    # Each partnership beside the organisations it joins, so few lines cross.
    nodes.sort(key=lambda node: (mean(node[2]), node[0]))
    return NetworkPicture(
        tuple((item.name, len(item.partnerships)) for item in shown), tuple(nodes), grouped, not_drawn
    )


def _group_label(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return shortened(f"{len(labels)} partnerships: {', '.join(labels)}", 44)


def render_network(network: Any) -> str:
    """The network picture as SVG: organisations (squares, left) joined to the partnerships they sit
    on (circles, right). Same bytes every run: every position is computed here, none is random."""
    plt = _pyplot()
    import networkx as nx

    picture = network_picture(network)
    rows = max(len(picture.organisations), len(picture.nodes), 1)
    with _drawing(plt):
        fig = plt.figure(figsize=(8, 1.4 + 0.3 * rows))
        try:
            ax = fig.add_subplot()
            ax.set_axis_off()
            if not picture.organisations:
                _empty(ax, "No partner organisation sits on more than one partnership")
            else:
                _draw_network(ax, picture, rows, nx)
            return _unique_ids(_svg(fig, NETWORK_TITLE), NETWORK_CHART)
        finally:
            plt.close(fig)


def _draw_network(ax, picture: NetworkPicture, rows: int, nx) -> None:
    graph = nx.Graph()
    position: dict[tuple[str, int], tuple[float, float]] = {}

    def column(count: int) -> list[float]:
        # Spread over the same height whatever the column's length, top first.
        return [
            rows - 1 - index * ((rows - 1) / (count - 1) if count > 1 else 0) - (0 if count > 1 else (rows - 1) / 2)
            for index in range(count)
        ]

    for index, y in enumerate(column(len(picture.organisations))):
        position[("organisation", index)] = (0.0, y)
    for index, y in enumerate(column(len(picture.nodes))):
        position[("partnership", index)] = (1.0, y)
        for organisation in picture.nodes[index][2]:
            graph.add_edge(("organisation", organisation), ("partnership", index))
    graph.add_nodes_from(position)
    nx.draw_networkx_edges(graph, position, ax=ax, edge_color=NETWORK_LINK, width=0.8, alpha=0.9)
    most = max(count for _, count in picture.organisations)
    organisations = [("organisation", index) for index in range(len(picture.organisations))]
    nx.draw_networkx_nodes(
        graph,
        position,
        nodelist=organisations,
        ax=ax,
        node_shape="s",
        node_color=ORGANISATION,
        edgecolors=WHITE,
        node_size=[40 + 160 * count / most for _, count in picture.organisations],
    )
    sizes = [len(node[1]) for node in picture.nodes]
    nx.draw_networkx_nodes(
        graph,
        position,
        nodelist=[("partnership", index) for index in range(len(picture.nodes))],
        ax=ax,
        node_shape="o",
        node_color=PARTNERSHIP,
        edgecolors=CHART_INK,
        linewidths=0.5,
        node_size=[30 + 120 * size / max(sizes) for size in sizes],
    )
    for index, (name, count) in enumerate(picture.organisations):
        x, y = position[("organisation", index)]
        ax.text(x - 0.05, y, f"{shortened(name, 38)} ({count})", ha="right", va="center", fontsize=8.5, color=CHART_INK)
    for index, (label, _, _) in enumerate(picture.nodes):
        x, y = position[("partnership", index)]
        ax.text(x + 0.05, y, label, ha="left", va="center", fontsize=8.5, color=CHART_INK)
    ax.set_xlim(-1.05, 2.05)
    ax.set_ylim(-0.8, rows - 0.2)
    ax.text(
        0.0,
        rows - 0.35,
        "Organisation (partnerships it sits on)",
        ha="right",
        va="bottom",
        fontsize=9,
        fontweight="bold",
        color=CHART_INK,
    )
    ax.text(
        1.0,
        rows - 0.35,
        "Partnership groups" if picture.grouped else "Partnership",
        ha="left",
        va="bottom",
        fontsize=9,
        fontweight="bold",
        color=CHART_INK,
    )
