"""What each chart of the pack shows, in numbers and in words.

One computation per chart, which `pipeline.pack.charts` draws and the pack also gives to those who cannot
see the drawing: a text alternative that says what the chart shows (the heat map's counts by band,
the ranked risks, the totals), carried by the SVG itself, and a data table a screen reader can walk.
The figures across partnerships (the heat map, the ranked risks, RAG by service area, the resources
chart) are those of the pandas tables (`pipeline.pack.tables.strategy_questions`), which results.json
records too: computed once, drawn, worded and tabled from the same numbers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from pipeline import catalogue
from pipeline.formats import days, days_said, money, pounds, average_score
from pipeline.values import counted, in_words
from pipeline.config import Config
from pipeline.portfolio.leverage import FUNDING, unreadable
from pipeline.check.score import (
    AMBER,
    COMPLETE,
    GREEN,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    RAG_ORDER,
    RED,
    PartnershipScore,
    percent,
)

#: At most this many partnerships are named in a sentence; the table names them all.
NAMED_IN_TEXT = 12


@dataclass(frozen=True)
class Table:
    """A chart's data: `columns` names every column, the first being the rows' headers; each row
    starts with its header."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Figures:
    summary: str  # the text alternative: what the chart shows, in sentences
    table: Table


# --- The numbers each chart draws ------------------------------------------------------------------


def charted(scores: Iterable[PartnershipScore]) -> list[PartnershipScore]:
    """The workbooks the charts count: each Partnership ID once, as the headline figures count them."""
    return [item for item in scores if item.counted]


def in_scope(scores: Iterable[PartnershipScore]) -> list[PartnershipScore]:
    """The partnerships most charts count: assessed and in scope."""
    return [item for item in scores if item.assessed and item.in_scope]


def completeness_rating(value: float, config: Config) -> str:
    """The rating the completeness thresholds alone would give: Red, Amber or Green."""
    rules = config.rag
    return RED if value < rules.red_completeness_below else AMBER if value < rules.amber_completeness_below else GREEN


# --- In words and tables ---------------------------------------------------------------------------


def strategy_risk_words() -> dict[str, str]:
    """How the pack counts and names the strategy's risks, from the catalogue: `count` ('nine'), `first`
    and `last` ('R01', 'R09'). A risk added to the catalogue changes every title, caption and sentence
    that counts them; those written as templates take these as placeholders ('{count}')."""
    return {"count": in_words(len(catalogue.RISKS)), "first": catalogue.RISKS[0].ref, "last": catalogue.RISKS[-1].ref}


def chart_figures(
    scores: Iterable[PartnershipScore],
    config: Config,
    comparison: Any = None,
    strategy: Mapping[str, Any] | None = None,
) -> dict[str, Figures]:
    """Every chart's text alternative and data table, by chart name (as `pipeline.pack.charts.CHART_TITLES`).

    `strategy` is the analysis across partnerships (`pipeline.pack.tables.strategy_questions`), computed
    here when not given."""
    scores = charted(scores)
    counted = in_scope(scores)
    strategy = strategy if strategy is not None else analysis(scores, config)
    return {
        "risk_heat_map": _heat_map(strategy["heat_map"], config, comparison),
        "strategy_risks_ranked": _strategy_risks(strategy["risks_ranked"]),
        "action_status": _actions(strategy["actions"]),
        "completeness_by_section": _completeness(strategy["sections"], len(counted), config),
        "rag_by_service_area": _by_area(strategy["rag_by_service_area"]),
        "resources_vs_assurance": _resources(
            strategy["resources"], config, strategy.get("leverage"), strategy.get("money")
        ),
    }


def analysis(scores: Sequence[PartnershipScore], config: Config) -> dict[str, Any]:
    """The analysis across partnerships of these scores (`pipeline.pack.tables.strategy_questions`)."""
    from pipeline.pack.tables import partnerships_frame, strategy_questions

    return strategy_questions(partnerships_frame(scores), config, scores)


def _listed(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _rating_names() -> dict[int, str]:
    return {int(number): words.lower() for number, words in catalogue.ANSWER_MEANINGS["Likelihood and Impact"]}


def marks_movement(comparison: Any) -> bool:
    """Whether the heat map marks the risks' movement: a comparison in which some risk has a position
    both last year and this year. With none there is no move to draw (a year in which no return in
    scope rated a risk drew last year's nine positions alone, their labels piled on one point)."""
    return comparison is not None and any(risk.then and risk.now for risk in comparison.risks)


def _no_movement(comparison: Any) -> str:
    """Why the heat map draws no movement, when there is a comparison and some risk is rated in one year."""
    if comparison is None or marks_movement(comparison) or not any(risk.then or risk.now for risk in comparison.risks):
        return ""
    since = str(comparison.previous_year or "last year")
    return (
        f" No risk is rated both this year and in {since}, so no movement is drawn; the Risk movement table "
        "gives each one's average score in the year it was rated."
    )


def _heat_map(counts: Mapping[tuple[int, int], int], config: Config, comparison: Any) -> Figures:
    names = _rating_names()
    ratings = catalogue.RISK_RATINGS
    band = {
        (likelihood, impact): config.scoring.risk_band(likelihood * impact)
        for likelihood in ratings
        for impact in ratings
    }
    table = Table(
        "Rated risks by impact (rows) and likelihood (columns), with the band of each cell",
        ("Impact", *(f"Likelihood {number} ({names[number]})" for number in ratings)),
        tuple(
            (
                f"{impact} ({names[impact]})",
                *(f"{counts.get((likelihood, impact), 0)} ({band[likelihood, impact]})" for likelihood in ratings),
            )
            for impact in reversed(ratings)
        ),
    )
    total = sum(counts.values())
    if not total:
        return Figures("No partnership in scope has rated a risk yet." + _no_movement(comparison), table)
    by_band = Counter()
    for cell, count in counts.items():
        by_band[band[cell]] += count
    (low, _, low_max), (medium, _, medium_max), (high, _, _) = config.scoring.risk_bands()
    text = [
        f"{counted(total, 'rated risk')} of the partnerships in scope, counted by likelihood and impact "
        f"(each 1 to 5): {by_band[low]} {low} (score 1 to {low_max}), {by_band[medium]} {medium} "
        f"({low_max + 1} to {medium_max}) and {by_band[high]} {high} (over {medium_max})."
    ]
    # The cell most risks share (the higher score, then the higher likelihood, when two share it).
    (likelihood, impact), most = max(counts.items(), key=lambda pair: (pair[1], pair[0][0] * pair[0][1], pair[0]))
    text.append(f"The most common rating is likelihood {likelihood} and impact {impact} ({counted(most, 'risk')}).")
    highest = sorted((cell for cell in counts if band[cell] == high), key=lambda cell: (-cell[0] * cell[1], cell))
    if highest:
        text.append(
            f"The {high} risks: "
            + "; ".join(f"{counts[cell]} at likelihood {cell[0]} and impact {cell[1]}" for cell in highest)
            + "."
        )
    moves = [risk for risk in comparison.risks if risk.then or risk.now] if marks_movement(comparison) else []
    if moves:
        since = str(comparison.previous_year or "last year")
        direction = Counter(risk.direction for risk in moves)
        refs = {key: [risk.ref for risk in moves if risk.direction == key] for key in ("up", "down")}
        said = [
            f"{len(refs[key])} moved {word} ({', '.join(refs[key])})"
            for key, word in (("up", "up, rated worse"), ("down", "down, rated better"))
            if refs[key]
        ]
        if direction["no change"]:
            said.append(f"{direction['no change']} stayed level")
        if direction["not comparable"]:
            said.append(f"{direction['not comparable']} cannot be compared (rated in one year only)")
        text.append(
            f"Beside the map, an enlarged part of it shows where each of the strategy's risks sits on "
            f"average now and in {since}: {_listed(said)}. The Risk movement table gives each one's "
            f"average score then and now."
        )
    return Figures(" ".join(text) + _no_movement(comparison), table)


def _strategy_risks(rows: Sequence[Mapping[str, Any]]) -> Figures:
    words = strategy_risk_words()
    table = Table(
        f"The strategy's {words['count']} risks ranked by average score",
        ("Risk", "Rank", "Average score (1 to 25)", "Band", "Partnerships that rated it"),
        tuple(
            (
                f"{row['ref']} {row['text']}",
                str(rank) if row["rated"] else "\u2014",  # a risk nobody rated has no place in the ranking
                average_score(row["average"]) if row["rated"] else "not rated",
                row["band"] if row["rated"] else "\u2014",
                str(row["rated"]),
            )
            for rank, row in enumerate(rows, start=1)
        ),
    )
    rated = [row for row in rows if row["rated"]]
    if not rated:
        return Figures("No partnership in scope has rated the strategy's risks yet.", table)
    top = rated[0]
    text = [
        f"The strategy's {words['count']} risks ranked by their average score (likelihood \u00d7 impact, 1 to "
        f"25) across the partnerships in scope that rated them. Highest: {top['ref']}, {top['text'].rstrip('.')}, "
        f"{average_score(top['average'])} ({top['band']}, rated by {counted(top['rated'], 'partnership')})."
    ]
    if len(rated) > 1:
        text.append(
            "Then "
            + "; ".join(
                f"{row['ref']}, {row['text'].rstrip('.')}, {average_score(row['average'])} ({row['band']})"
                for row in rated[1:]
            )
            + "."
        )
    unrated = [row["ref"] for row in rows if not row["rated"]]
    if unrated:
        text.append(f"Not rated by any partnership: {', '.join(unrated)}.")
    return Figures(" ".join(text), table)


def _actions(counts: Mapping[str, int]) -> Figures:
    total = sum(counts[key] for key in (NOT_STARTED, IN_PROGRESS, COMPLETE))
    table = Table(
        "Improvement actions by status",
        ("Status", "Actions"),
        (
            (NOT_STARTED, str(counts[NOT_STARTED])),
            (IN_PROGRESS, str(counts[IN_PROGRESS])),
            (COMPLETE, str(counts[COMPLETE])),
            ("All actions", str(total)),
            ("Overdue (also counted under their status)", str(counts[OVERDUE])),
        ),
    )
    if not total:
        return Figures("No improvement actions recorded.", table)
    return Figures(
        f"{counted(total, 'improvement action')} across the partnerships in scope: {counts[NOT_STARTED]} not "
        f"started, {counts[IN_PROGRESS]} in progress and {counts[COMPLETE]} complete. {counts[OVERDUE]} "
        f"{'is' if counts[OVERDUE] == 1 else 'are'} overdue (due before the as-of date and not complete), also "
        f"counted under {'its' if counts[OVERDUE] == 1 else 'their'} status.",
        table,
    )


def _completeness(averages: Sequence[tuple[str, float]], partnerships: int, config: Config) -> Figures:
    rules = config.rag
    words = {
        RED: f"below the Red threshold ({percent(rules.red_completeness_below)})",
        AMBER: f"below the Amber threshold ({percent(rules.amber_completeness_below)})",
        GREEN: f"at or above the Amber threshold ({percent(rules.amber_completeness_below)})",
    }
    table = Table(
        "Average share of each checklist section answered",
        ("Section", "Questions answered (average)", "Against the thresholds"),
        tuple(
            (f"{number}. {name}", percent(value), words[completeness_rating(value, config)])
            for number, (name, value) in enumerate(averages, start=1)
        ),
    )
    if not partnerships:
        return Figures("No assessed partnership in scope.", table)
    below = Counter(completeness_rating(value, config) for _, value in averages)
    text = [
        f"The average share of each checklist section's questions answered, across "
        f"{counted(partnerships, 'assessed partnership')} in scope: "
        + "; ".join(f"{number}. {name} {percent(value)}" for number, (name, value) in enumerate(averages, start=1))
        + "."
    ]
    text.append(
        f"{counted(below[RED] + below[AMBER], 'section')} below the Amber threshold of "
        f"{percent(rules.amber_completeness_below)}, {below[RED]} of them below the Red threshold of "
        f"{percent(rules.red_completeness_below)}."
    )
    return Figures(" ".join(text), table)


def _by_area(areas: Sequence[Mapping[str, Any]]) -> Figures:
    table = Table(
        "Partnerships by lead service area and rating",
        ("Service area", *RAG_ORDER, "Total"),
        tuple(
            (row["service_area"], *(str(row["counts"][rag]) for rag in RAG_ORDER), str(row["total"])) for row in areas
        ),
    )
    partnerships = sum(row["total"] for row in areas)  # each Partnership ID once
    if not partnerships:
        return Figures("No partnerships.", table)
    parts = [
        f"{row['service_area']}: " + ", ".join(f"{count} {rag}" for rag, count in row["counts"].items() if count)
        for row in areas
    ]
    out = sum(
        row["counts"].get(catalogue.OUT_OF_SCOPE, 0) for row in areas
    )  # entries, not partnerships under the strategy
    counts = (
        f"{counted(partnerships, 'register entry', 'register entries')} ({counted(partnerships - out, 'partnership')} "
        f"and {out} out of scope, not partnerships under the strategy)"
        if out
        else counted(partnerships, "partnership")
    )
    return Figures(
        f"{counts} by the service area that leads each "
        f"({counted(len(areas), 'area')}) and by rating. " + "; ".join(parts) + ".",
        table,
    )


def _resources(points: Sequence[Any], config: Config, total: Any = None, bars: Sequence[Any] | None = None) -> Figures:
    """The resources chart's words and table; with the leverage `total` (pipeline.portfolio.leverage)
    and its money panel's `bars`, the partners' money and what it is per council pound too."""
    from pipeline.pack.context import pounds  # here: context imports the charts, which import this

    points = sorted(points, key=lambda item: (item.checklist_assurance, item.id, item.file))
    columns = ("Partnership", "Rating", "Checklist assurance", "Annual council funding", "Officer days a year")
    rows = [
        (
            f"{item.id} {item.name}".strip(),
            item.rag,
            percent(item.checklist_assurance),
            money(item.funding),
            days(item.officer_days),
        )
        for item in points
    ]
    if total is not None:
        columns += ("Partners' money a year", "Partners' money per council £1")
        rows = [
            (
                *row,
                money(item.partners_money) if item.partners_money is not None else "\u2014",
                pounds(item.leverage) if item.leverage is not None else f"none: {item.leverage_reason}",
            )
            for row, item in zip(rows, points)
        ]
    table = Table(
        "Partnerships by checklist assurance, with what the council commits to each"
        + (" and what the other partners put in" if total is not None else ""),
        columns,
        tuple(rows),
    )
    if not points:
        return Figures("No assessed partnership has an assurance score.", table)
    threshold = config.rag.amber_assurance_below
    low = [item for item in points if item.checklist_assurance < threshold]
    text = [
        f"Each of the {counted(len(points), 'partnership')} rated Red, Amber or Green with an assurance "
        f"score is a point placed by its checklist assurance (across) against its annual council funding "
        f"(left panel) and officer days a year (right panel)."
    ]
    if low:
        named = [
            f"{item.id} ({percent(item.checklist_assurance)}, {money(item.funding)}, {days_said(item.officer_days)})"
            for item in low[:NAMED_IN_TEXT]
        ]
        more = f" and {len(low) - NAMED_IN_TEXT} more (see the table)" if len(low) > NAMED_IN_TEXT else ""
        text.append(
            f"{len(low)} {'is' if len(low) == 1 else 'are'} below the Amber assurance threshold of "
            f"{percent(threshold)}: {'; '.join(named)}{more}."
        )
    else:
        text.append(f"None is below the Amber assurance threshold of {percent(threshold)}.")
    for attribute, what, shown in (
        ("funding", "money", money),
        ("officer_days", "officer time", days_said),
    ):
        top = max(points, key=lambda item: (getattr(item, attribute) or 0, item.id))
        if getattr(top, attribute):
            text.append(
                f"The largest commitment of {what} is {top.id} ({shown(getattr(top, attribute))}, "
                f"assurance {percent(top.checklist_assurance)})."
            )
        elif any(getattr(item, attribute) is not None for item in points):
            # As the panel says, in place of an axis of £0 £0 £1 or of fractions of a day.
            text.append(f"None of them has council {what} committed: each that gives it gives {shown(0)}.")
        else:
            text.append(f"None of them gives its council {what}.")
    if total is not None:
        text.append(_leverage_words(total, bars or (), money, pounds))
    return Figures(" ".join(text), table)


def leverage_summary(total: Any, money: Any, pounds: Any) -> str:
    """What partners put in for each council pound, in total, over exactly the partnerships that have
    the figure (those the council funds that say what the partners put in), and the partners' money of
    those that say it with no council funding to set it against. The pack says it under the resources
    chart and beside it."""
    if total.partnerships:
        words = [
            f"Across the {counted(total.partnerships, 'partnership')} that the council funds and that say "
            f"what the other partners put in, partners put in {pounds(total.value)} for each £1 of council "
            f"funding ({money(total.partners)} against {money(total.council)} a year)."
        ]
    else:
        words = [
            "No partnership that the council funds says what the other partners put in, so what partners "
            "put in for each council pound cannot be worked out."
        ]
    if total.partners_only:
        words.append(
            f"{'A further' if total.partnerships else 'Yet'} {counted(total.partners_only, 'partnership')} "
            f"{'says' if total.partners_only == 1 else 'say'} what the other partners put in "
            f"({money(total.partners_only_money)} a year) but give{'s' if total.partners_only == 1 else ''} "
            "no council funding to set it against (none, or a figure not given or that cannot be read), so no "
            "figure per council pound."
        )
    return " ".join(words)


def money_label(item: Any) -> str:
    """A bar of the resources chart's money panel labelled: partners' money per council pound, or
    shortly why there is none (the data table says it in full)."""
    if item.leverage is not None:
        return f"{pounds(item.leverage)} per council £1"
    if item.partners_money is None:
        return "partners' money not known"
    if item.funding == 0:
        return "no council funding"
    return (
        "council funding cannot be read" if item.leverage_reason == unreadable(FUNDING) else "council funding not given"
    )


def _leverage_words(total: Any, bars: Sequence[Any], money: Any, pounds: Any) -> str:
    """The money panel in words: what partners put in for each council pound, in total and for the
    partnerships drawn, and how many have no figure."""
    words = [leverage_summary(total, money, pounds)]
    if total.without:
        words.append(
            f"{'In all, ' if total.partners_only else ''}{counted(total.without, 'partnership')} "
            f"{'has' if total.without == 1 else 'have'} no such figure; the table says why for each."
        )
    if bars:
        each = [
            f"{item.id} {money(item.funding)} and "
            + (
                f"{money(item.partners_money)} ({pounds(item.leverage)})"
                if item.leverage is not None
                else f"{money(item.partners_money)} ({money_label(item)})"
                if item.partners_money is not None
                else money_label(item)
            )
            for item in bars[:NAMED_IN_TEXT]
        ]
        more = f" and {len(bars) - NAMED_IN_TEXT} more" if len(bars) > NAMED_IN_TEXT else ""
        words.append(
            f"The lower panel shows the {counted(len(bars), 'partnership')} with most money a year, the "
            f"council's funding then the partners' money (hatched), labelled with partners' money per "
            f"council pound where the council funds it: {'; '.join(each)}{more}."
        )
    return " ".join(words)
