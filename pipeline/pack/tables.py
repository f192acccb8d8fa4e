"""The year's batch as tidy pandas tables, and the analysis across partnerships done on them.

Two tables hold the batch (`pandas` is imported here only, inside the functions, so that
`partnerships --help` never loads it):

- `answers_frame`: one row per answer cell of every assessed workbook (`ANSWER_COLUMNS`): the file,
  sheet and cell, the Partnership ID, the row's Ref (a question, area, risk or objective; blank on
  the Register, whose rows are named by their field), the field (the column's header, or the
  Register's field label) and the value: a date or a figure the review reads as that date or number
  (`catalogue.Field.read`), anything else as typed, blank as "". It is written as `answers.csv` beside the pack for
  analysts and dashboards.
- `partnerships_frame`: one row per workbook with its scores, rating, tier, resources and objectives.

The analysis across partnerships (RAG by service area, the strategy's risks, significance tiers, the
objectives matrix) reads `partnerships_frame`, and what the partnerships answered to each checklist
section and improvement area reads `answers_given`; each function returns plain rows the pack shows.
Per-workbook reading stays on python-calamine (see README, "Why python-calamine"): pandas is for the
batch, once it is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from pipeline import catalogue, values
from pipeline.catalogue import COMPLETE
from pipeline.check.score import ACTION_KEYS, RAG_ORDER, PartnershipScore
from pipeline.check.validation_report import neutralise
from pipeline.config import Config
from pipeline.findings import display_value
from pipeline.portfolio.leverage import Leverage, leverage_total
from pipeline.records import Workbook

if TYPE_CHECKING:
    import pandas

ANSWERS_FILE = "answers.csv"
ANSWER_COLUMNS = ("file", "sheet", "cell", "partnership_id", "ref", "field", "value")


# --- The answers table ------------------------------------------------------------------------------


def answer_rows(workbook: Workbook) -> Iterator[tuple[object, ...]]:
    """Every answer cell of one assessed workbook, in sheet order (the template's), then row, then column:
    its value a number (int or float) where the review reads one, else text."""
    pid = workbook.partnership_id

    def row(sheet: str, cell: str, ref: str, field: str, value: object) -> tuple[object, ...]:
        return (workbook.file, sheet, cell, pid, ref, field, _shown(value))

    register = sorted(workbook.register.values(), key=lambda entry: entry.row)
    yield from (
        row(catalogue.REGISTER.name, entry.cell(), "", entry.field.label, _as_read(entry.field, entry.value))
        for entry in register
    )
    for objective in workbook.objectives:
        yield row(
            catalogue.OBJECTIVES_SHEET.name,
            objective.cell("Contributes"),
            objective.ref,
            "Contributes",
            objective.contributes,
        )
        yield row(catalogue.OBJECTIVES_SHEET.name, objective.cell("How"), objective.ref, "How", objective.how)
    for question in workbook.checklist:
        for header, value in (
            ("Status", question.status),
            ("Evidence", question.evidence),
            ("Evidence location", question.evidence_location),
        ):
            yield row(catalogue.CHECKLIST.name, question.cell(header), question.question.ref, header, value)
    for area in workbook.improvement:
        for header, value in (
            ("Answer", area.answer),
            ("Action", area.action),
            ("Action owner", area.owner),
            ("Due date", _as_date(area.due)),
            ("Action status", area.action_status),
        ):
            yield row(catalogue.IMPROVEMENT.name, area.cell(header), area.area.ref, header, value)
    for risk in workbook.risks:
        own = () if risk.is_strategy_risk else (("Risk", risk.text),)
        for header, value in (
            *own,
            ("Likelihood", _as_rating(risk.likelihood)),
            ("Impact", _as_rating(risk.impact)),
            ("Mitigation", risk.mitigation),
            ("Owner", risk.owner),
        ):
            yield row(catalogue.RISKS_SHEET.name, risk.cell(header), risk.ref, header, value)


def _as_read(field: catalogue.Field, value: object) -> object:
    """A Register answer as the review reads it, when it reads it (`catalogue.Field.read`), else as typed."""
    read = field.read(value)
    return value if read is None else read


def _as_date(value: object) -> object:
    read = values.date(value)
    return read if isinstance(read, dt.date) else value


def _as_rating(value: object) -> object:
    """A Likelihood or Impact as the review reads it ('3' typed as text is 3), else as typed."""
    read = values.rating(value, catalogue.RISK_RATINGS)
    return read if isinstance(read, int) else value


def _shown(value: object) -> object:
    """A value as answers.csv gives it: a number as a number (a whole one an int), a date ISO (a
    date-time at midnight as its date), anything else as text."""
    if values.is_number(value):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    return display_value(value)


def answers_frame(workbooks: Iterable[Workbook]) -> "pandas.DataFrame":
    """One row per answer cell of every assessed workbook, by file name, then as `answer_rows`."""
    import pandas

    rows = [
        item
        for workbook in sorted(workbooks, key=lambda item: item.file)
        if workbook.assessed
        for item in answer_rows(workbook)
    ]
    return pandas.DataFrame(rows, columns=list(ANSWER_COLUMNS), dtype=object)


def answers_csv(frame: "pandas.DataFrame") -> bytes:
    """The answers table as CSV bytes: UTF-8, '\\n' line ends, one line to an answer (a long answer's lines
    joined by spaces: Excel's and Power BI's text import, Power Query, end a row at every line break,
    even inside quotes, unless told otherwise), formula-like text neutralised as in the validation report
    (a number is never a formula: -2500 stays -2500); the same batch gives the same bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    # Column by column: only the columns that can hold what an officer typed need neutralising.
    columns = [
        [
            display_value(value) if values.is_number(value) else neutralise(values.one_line(str(value)))
            for value in frame[name].tolist()
        ]
        if name in _TYPED
        else frame[name].tolist()
        for name in frame.columns
    ]
    writer.writerows(zip(*columns))
    return buffer.getvalue().encode("utf-8")


#: Columns holding text an officer typed (a file name, an ID, an own risk's Ref, an answer).
_TYPED = frozenset({"file", "partnership_id", "ref", "value"})


# --- The partnerships table -------------------------------------------------------------------------


def partnerships_frame(
    scores: Sequence[PartnershipScore], leverage: Mapping[str, Leverage] | None = None
) -> "pandas.DataFrame":
    """One row per workbook, in the scores' order, with what the analysis across partnerships needs;
    with `leverage` (pipeline.portfolio.leverage.leverage_by_file) each one's partners' money, its
    partners' money per council pound and why there is none (otherwise those columns are blank)."""
    import pandas

    leverage = leverage or {}
    nothing = Leverage(None, None, None, None)
    rows = [
        {
            "file": score.file,
            "partnership_id": score.id,
            "name": score.name,
            "service_area": score.service_area or "(service area not given)",
            "assessed": score.assessed,
            "in_scope": score.in_scope,
            "counted": score.counted,
            "rag": score.rag,
            "significance": score.significance,
            "performance_method": score.performance_method,
            "proportionate": score.proportionate,
            "objectives_stated": score.objectives is not None,
            "objectives_answered": score.objectives_answered,
            "objectives_supports_none": score.objectives_said is not None and score.objectives_said.supports_none,
            "objectives_lists_none": score.objectives_said is not None and score.objectives_said.lists_none,
            "objectives": tuple(score.objectives or ()),
            "objectives_not_listed": score.objectives_said.not_listed if score.objectives_said else (),
            "objectives_unanswered": score.objectives_said.blank_or_invalid if score.objectives_said else (),
            "funding": score.funding,
            "officer_days": score.officer_days,
            "councillor_days": score.councillor_days,
            "checklist_completeness": score.checklist_completeness,
            "checklist_assurance": score.checklist_assurance,
            "high_risks": score.high_risks,
            "high_unmitigated": score.high_unmitigated,
            **{ACTIONS + key: score.actions[key] for key in ACTION_KEYS},
            **{SECTION + name: score.section_completeness.get(name) for name in catalogue.SECTION_NAMES},
            "partners_money": leverage.get(score.file, nothing).partners,
            "leverage": leverage.get(score.file, nothing).value,
            "leverage_reason": leverage.get(score.file, nothing).reason,
        }
        for score in scores
    ]
    columns = [
        "file",
        "partnership_id",
        "name",
        "service_area",
        "assessed",
        "in_scope",
        "counted",
        "rag",
        "significance",
        "performance_method",
        "proportionate",
        "objectives_stated",
        "objectives_answered",
        "objectives_supports_none",
        "objectives_lists_none",
        "objectives",
        "objectives_not_listed",
        "objectives_unanswered",
        "funding",
        "officer_days",
        "councillor_days",
        "checklist_completeness",
        "checklist_assurance",
        "high_risks",
        "high_unmitigated",
        *(ACTIONS + key for key in ACTION_KEYS),
        *(SECTION + name for name in catalogue.SECTION_NAMES),
        "partners_money",
        "leverage",
        "leverage_reason",
    ]
    # Typed, so that the filters on them still filter when there are no rows (a column of no values
    # is read as one of objects, and a frame indexed by that takes it for a list of column names).
    return pandas.DataFrame(rows, columns=columns).astype(dict.fromkeys(_FLAGS, bool))


#: The columns of `partnerships_frame` that are True or False for every partnership.
_FLAGS = (
    "assessed",
    "in_scope",
    "counted",
    "objectives_stated",
    "objectives_answered",
    "objectives_supports_none",
    "objectives_lists_none",
)


#: The partnerships table's columns of improvement actions by status (and overdue), and of each
#: checklist section's completeness: the prefix, then the status or the section's name.
ACTIONS, SECTION = "actions: ", "section: "


def counted_partnerships(frame: "pandas.DataFrame") -> "pandas.DataFrame":
    """The partnerships in the year's figures: assessed, in scope, each Partnership ID once."""
    return frame[frame["assessed"] & frame["in_scope"] & frame["counted"]]


# --- Analysis across partnerships -------------------------------------------------------------------


def rag_by_service_area(frame: "pandas.DataFrame") -> list[dict[str, Any]]:
    """Per service area, how many of its partnerships have each rating (each ID once). Areas are
    named alike ignoring case and spaces ('communities' is Communities), under their commonest spelling."""
    partnerships = frame[frame["counted"]]
    if partnerships.empty:
        return []
    partnerships = partnerships.assign(area=partnerships["service_area"].map(values.folded))
    spellings = partnerships.groupby("area")["service_area"].agg(_commonest)
    table = (
        partnerships.assign(service_area=partnerships["area"].map(spellings))
        .pivot_table(index="service_area", columns="rag", values="file", aggfunc="count", fill_value=0)
        .reindex(columns=list(RAG_ORDER), fill_value=0)
    )
    table = table.loc[sorted(table.index, key=str.casefold)]  # as the chart orders them
    return [
        {"service_area": area, "counts": {rag: int(row[rag]) for rag in RAG_ORDER}, "total": int(row.sum())}
        for area, row in table.iterrows()
    ]


def _commonest(spellings: "pandas.Series") -> str:
    """The spelling most partnerships use; on a tie, the first in sorted order."""
    counts = spellings.value_counts()
    return min(counts.index, key=lambda spelling: (-counts[spelling], spelling))


def significance_table(frame: "pandas.DataFrame", config: Config) -> list[dict[str, Any]]:
    """Per tier, in the configuration's order: partnerships, council money and officer days, and how
    many use a method not proportionate to the tier."""
    counted = counted_partnerships(frame)
    grouped = counted.groupby("significance", sort=False)
    rows = []
    for tier in config.tiers:
        group = grouped.get_group(tier.name) if tier.name in grouped.groups else counted.iloc[0:0]
        rows.append(
            {
                "tier": tier.name,
                "partnerships": len(group),
                "funding": float(group["funding"].fillna(0).sum()),
                "officer_days": float(group["officer_days"].fillna(0).sum()),
                # How many give each (optional answers): the sums cover these alone.
                "funding_given": int(group["funding"].notna().sum()),
                "officer_days_given": int(group["officer_days"].notna().sum()),
                "not_proportionate": int((group["proportionate"] == False).sum()),  # noqa: E712 - None is not False
                "no_method": int((group["performance_method"] == "").sum()),
                "methods": tier.methods,
            }
        )
    return rows


def objectives_matrix(frame: "pandas.DataFrame", config: Config) -> dict[str, Any]:
    """Partnerships x the council's objectives, for the partnerships in the year's figures.

    `rows`: each partnership stating its objectives and answering any, with Yes per objective it
    contributes to and the objectives its sheet does not list (`not_listed`: neither Yes nor No);
    `objectives`: per objective, the partnerships contributing and their council money and officer
    days (a partnership's whole money counts under each objective it supports, so the objectives'
    sums may add up to more than the total), and how many partnerships' sheets do not list it;
    `none`: partnerships that answered No to every objective (an exception: the strategy asks that
    partnerships support the council's objectives); `unanswered`: those whose sheet lists some of the objectives and
    answers none of them, Yes or No (they have not said); `other_list`: those whose sheet, made with
    another list, lists none of them (objectives.other_list: they could not say); `not_listed`: those
    whose sheet lists some of them but not all, with the refs it leaves out; `unsupported`:
    objectives no partnership says it supports, of those some partnership answered on its sheet;
    `not_stated`: partnerships whose workbook does not ask (template version 1)."""
    import pandas

    counted = counted_partnerships(frame)
    stated = counted[counted["objectives_stated"]]
    refs = [item.ref for item in config.objectives]
    long = stated[["file", "objectives", "funding", "officer_days"]].explode("objectives").dropna(subset=["objectives"])
    long = long[long["objectives"].isin(refs)]
    wide = (
        pandas.crosstab(long["file"], long["objectives"])
        .reindex(index=stated["file"], columns=refs, fill_value=0)
        .fillna(0)
        .astype(bool)
    )
    totals = long.groupby("objectives").agg(
        partnerships=("file", "nunique"),
        funding=("funding", lambda series: float(series.fillna(0).sum())),
        officer_days=("officer_days", lambda series: float(series.fillna(0).sum())),
        funding_given=("funding", "count"),
        officer_days_given=("officer_days", "count"),
    )
    by_file = stated.set_index("file")
    answered = by_file["objectives_answered"]
    not_listed = by_file["objectives_not_listed"]
    # Left blank (or not Yes or No) on a sheet that answers others: not a No, and not said to be one.
    left_blank = {file: by_file.at[file, "objectives_unanswered"] if answered[file] else () for file in by_file.index}
    objectives = []
    for item in config.objectives:
        have = item.ref in totals.index
        objectives.append(
            {
                "ref": item.ref,
                "title": item.title,
                "partnerships": int(totals.at[item.ref, "partnerships"]) if have else 0,
                "funding": float(totals.at[item.ref, "funding"]) if have else 0.0,
                "officer_days": float(totals.at[item.ref, "officer_days"]) if have else 0.0,
                "funding_given": int(totals.at[item.ref, "funding_given"]) if have else 0,
                "officer_days_given": int(totals.at[item.ref, "officer_days_given"]) if have else 0,
                "not_listed": sum(item.ref in refs_left_out for refs_left_out in not_listed),
                # The IDs of the partnerships that left it blank (or not Yes or No) on a sheet answering others.
                "unanswered": [
                    by_file.at[file, "partnership_id"] for file in by_file.index if item.ref in left_blank[file]
                ],
            }
        )
    # The objectives some partnership could have said Yes to: it answered its sheet, and they were on it.
    asked = {ref for file in by_file.index if answered[file] for ref in refs if ref not in not_listed[file]}

    def named(file: str) -> dict[str, Any]:
        return {"file": file, "id": by_file.at[file, "partnership_id"], "name": by_file.at[file, "name"]}

    return {
        "refs": refs,
        # One that answered nothing is `unanswered`, not a row of blanks (which would read "does not").
        "rows": [
            {
                **named(file),
                "cells": [bool(wide.at[file, ref]) for ref in refs],
                "not_listed": list(not_listed[file]),
                "unanswered": list(left_blank[file]),
            }
            for file in wide.index
            if answered[file]
        ],
        "objectives": objectives,
        "none": [named(file) for file in wide.index if by_file.at[file, "objectives_supports_none"]],
        "unanswered": [
            named(file) for file in wide.index if not answered[file] and not by_file.at[file, "objectives_lists_none"]
        ],
        "other_list": [named(file) for file in wide.index if by_file.at[file, "objectives_lists_none"]],
        "not_listed": [
            {**named(file), "refs": list(not_listed[file])}
            for file in wide.index
            if not_listed[file] and not by_file.at[file, "objectives_lists_none"]
        ],
        # Said only of an objective some partnership could have said Yes to: otherwise nothing is known.
        "unsupported": [item for item in objectives if not item["partnerships"] and item["ref"] in asked],
        "not_stated": [
            {"file": row.file, "id": row.partnership_id, "name": row.name}
            for row in counted[~counted["objectives_stated"]].itertuples()
        ],
    }


def risks_frame(scores: Sequence[PartnershipScore]) -> "pandas.DataFrame":
    """One row per rated risk of the partnerships in the year's figures (assessed, in scope, each ID
    once): its file, Ref, likelihood, impact, score, whether it is High and one of the strategy's nine."""
    import pandas

    strategy = {item.ref for item in catalogue.RISKS}
    rows = [
        (
            score.file,
            risk.ref,
            risk.likelihood,
            risk.impact,
            risk.score,
            risk.band == catalogue.HIGH,
            risk.ref in strategy,
        )
        for score in scores
        if score.assessed and score.in_scope and score.counted
        for risk in score.risks
    ]
    frame = pandas.DataFrame(rows, columns=["file", "ref", "likelihood", "impact", "score", "high", "strategy"])
    return frame.astype({"high": bool, "strategy": bool})  # typed even with no rows, as `partnerships_frame`


def heat_map(risks: "pandas.DataFrame") -> dict[tuple[int, int], int]:
    """Rated risks by (likelihood, impact): the heat map's cells that hold any."""
    counts = risks.groupby(["likelihood", "impact"]).size()
    return {(int(likelihood), int(impact)): int(count) for (likelihood, impact), count in counts.items()}


def ranked_risks(risks: "pandas.DataFrame", config: Config) -> list[dict[str, Any]]:
    """The strategy's nine risks, each with how many partnerships rated it, its average score (0.0 when
    none did), its band and how many rate it High; highest average first (ties by Ref)."""
    rated = risks[risks["strategy"]]
    summary = rated.groupby("ref").agg(rated=("score", "size"), average=("score", "mean"), high=("high", "sum"))
    rows = []
    for risk in catalogue.RISKS:
        have = risk.ref in summary.index
        average = float(summary.at[risk.ref, "average"]) if have else 0.0
        rows.append(
            {
                "ref": risk.ref,
                "text": risk.text,
                "rated": int(summary.at[risk.ref, "rated"]) if have else 0,
                "average": average,
                "band": config.scoring.risk_band(average) if have else catalogue.LOW,
                "high": int(summary.at[risk.ref, "high"]) if have else 0,
            }
        )
    return sorted(rows, key=lambda row: (-row["average"], row["ref"]))


def strategy_risks(ranked: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """results.json's strategy risks: those rated, the average to two places, highest first (ties by Ref)."""
    result = [
        {
            "ref": row["ref"],
            "text": row["text"],
            "rated": row["rated"],
            "average": round(row["average"], 2),
            "high": row["high"],
        }
        for row in ranked
        if row["rated"]
    ]
    return sorted(result, key=lambda item: (-item["average"], item["ref"]))


#: The ratings the resources chart plots (the others have no assurance to place).
PLOTTED_RAGS = (catalogue.RED, catalogue.AMBER, catalogue.GREEN)


def resource_points(frame: "pandas.DataFrame") -> list[Any]:
    """The partnerships the resources chart places, in the scores' order: in the year's figures, rated
    Red, Amber or Green, with an assurance score. Each a row with `id`, `name`, `file`, `rag`,
    `checklist_assurance`, `funding` and `officer_days` (None when blank or unreadable, never 0), and
    `partners_money`, `leverage` and `leverage_reason` (see `partnerships_frame`)."""
    counted = counted_partnerships(frame)
    chosen = counted[counted["checklist_assurance"].notna() & counted["rag"].isin(PLOTTED_RAGS)]
    columns = [
        "partnership_id",
        "name",
        "file",
        "rag",
        "checklist_assurance",
        "funding",
        "officer_days",
        "partners_money",
        "leverage",
        "leverage_reason",
    ]
    chosen = chosen[columns].rename(columns={"partnership_id": "id"}).astype(object)
    chosen = chosen.where(chosen.notna(), None)
    return list(chosen.itertuples(index=False, name="Point"))


#: The resources chart's money panel shows at most this many partnerships, those with most money.
MONEY_BARS = 15


def money_bars(points: Sequence[Any]) -> list[Any]:
    """The partnerships of the resources chart's money panel: of its points, those with any money a year
    (the council's and the partners' together, as far as given), most first, at most `MONEY_BARS`. One
    the council puts nothing into is among them by its partners' money, as the panel's title says."""

    def money(point: Any) -> float:
        return (point.funding or 0.0) + (point.partners_money or 0.0)

    with_money = [point for point in points if money(point) > 0]
    with_money.sort(key=lambda point: (-money(point), point.id, point.file))
    return with_money[:MONEY_BARS]


def action_counts(frame: "pandas.DataFrame") -> dict[str, int]:
    """Improvement actions by status, and those overdue, across the partnerships in the year's figures."""
    counted = counted_partnerships(frame)
    return {key: int(counted[ACTIONS + key].sum()) for key in ACTION_KEYS}


def section_averages(frame: "pandas.DataFrame") -> list[tuple[str, float]]:
    """Each checklist section's average completeness across the partnerships in the year's figures, in
    the checklist's order (an empty list when there are none)."""
    counted = counted_partnerships(frame)
    if counted.empty:
        return []
    return [(name, float(counted[SECTION + name].mean())) for name in catalogue.SECTION_NAMES]


def answers_given(scores: Sequence[PartnershipScore]) -> "pandas.DataFrame":
    """One row per checklist question and improvement area of each partnership in the year's figures
    (assessed, in scope, each ID once): its file, the sheet, the Ref, the section's number (0 for an
    area) and the answer as the scores read it ('' when blank or not one the list allows)."""
    import pandas

    sections = {question.ref: question.section_number for question in catalogue.QUESTIONS}
    rows = [
        (score.file, sheet, ref, sections.get(ref, 0), answer)
        for score in scores
        if score.assessed and score.in_scope and score.counted
        for sheet, answers in (
            (catalogue.CHECKLIST.name, score.checklist_answers),
            (catalogue.IMPROVEMENT.name, score.improvement_answers),
        )
        for ref, answer in answers.items()
    ]
    return pandas.DataFrame(rows, columns=["file", "sheet", "ref", "section", "answer"])


#: results.json's and the pack's name for each answer counted, and for one not given (blank or not valid).
ANSWER_KEYS = {
    catalogue.YES: "yes",
    catalogue.PARTLY: "partly",
    catalogue.NO: "no",
    catalogue.NOT_APPLICABLE: "not_applicable",
    "": "not_answered",
}


def _answer_counts(answers: "pandas.DataFrame", by: str, allowed: Sequence[str]) -> "pandas.DataFrame":
    """How many answers of each kind (`allowed`, then not answered) per `by`, and how many partnerships
    answered No at least once."""
    import pandas

    counts = pandas.crosstab(answers[by], answers["answer"]) if len(answers) else pandas.DataFrame()
    counts = counts.reindex(columns=[*allowed, ""], fill_value=0)
    saying_no = answers[answers["answer"] == catalogue.NO].groupby(by)["file"].nunique()
    return counts.assign(partnerships_no=saying_no).fillna(0).astype(int)


def section_answers(answers: "pandas.DataFrame") -> list[dict[str, Any]]:
    """Per checklist section, in the checklist's order: its answers across the partnerships in the year's
    figures, by Status (and not answered: blank or not one the list allows), and how many partnerships
    answered No to at least one of its questions."""
    checklist = answers[answers["sheet"] == catalogue.CHECKLIST.name]
    counts = _answer_counts(checklist, "section", catalogue.CHECKLIST_STATUSES)
    rows = []
    for number, name in enumerate(catalogue.SECTION_NAMES, start=1):
        have = number in counts.index
        rows.append(
            {
                "number": number,
                "section": name,
                **{
                    ANSWER_KEYS[status]: int(counts.at[number, status]) if have else 0
                    for status in (*catalogue.CHECKLIST_STATUSES, "")
                },
                "partnerships_answering_no": int(counts.at[number, "partnerships_no"]) if have else 0,
            }
        )
    return rows


def area_answers(answers: "pandas.DataFrame", scores: Sequence[PartnershipScore]) -> list[dict[str, Any]]:
    """Per improvement area, in the strategy's order: its answers across the partnerships in the year's
    figures (Yes, No, not answered) and their actions open (a status on the list, not Complete) and overdue."""
    improvement = answers[answers["sheet"] == catalogue.IMPROVEMENT.name]
    counts = _answer_counts(improvement, "ref", catalogue.IMPROVEMENT_ANSWERS)
    lines = [
        line
        for score in scores
        if score.assessed and score.in_scope and score.counted
        for line in score.action_lines
        if line.status_valid
    ]
    rows = []
    for area in catalogue.AREAS:
        have = area.ref in counts.index
        rows.append(
            {
                "ref": area.ref,
                "area": area.text,
                **{
                    ANSWER_KEYS[answer]: int(counts.at[area.ref, answer]) if have else 0
                    for answer in (*catalogue.IMPROVEMENT_ANSWERS, "")
                },
                "actions_open": sum(1 for line in lines if line.ref == area.ref and line.status != COMPLETE),
                "actions_overdue": sum(1 for line in lines if line.ref == area.ref and line.overdue),
            }
        )
    return rows


def answered_no_most(rows: Sequence[dict[str, Any]], count: str) -> list[dict[str, Any]]:
    """The rows answered No most often by `count` (all of them on a tie); none when no row has a No."""
    most = max((row[count] for row in rows), default=0)
    return [row for row in rows if most and row[count] == most]


def what_was_answered(scores: Sequence[PartnershipScore]) -> dict[str, Any]:
    """What the partnerships in the year's figures answered: per checklist section and per improvement
    area (`section_answers`, `area_answers`), and those answered No most often: the sections by how
    many partnerships answered No to one of their questions or more, the areas by their No answers."""
    answers = answers_given(scores)
    sections = section_answers(answers)
    areas = area_answers(answers, scores)
    return {
        "partnerships": int(answers["file"].nunique()),
        "sections": sections,
        "areas": areas,
        "sections_most_no": answered_no_most(sections, "partnerships_answering_no"),
        "areas_most_no": answered_no_most(areas, "no"),
    }


def strategy_questions(
    frame: "pandas.DataFrame",
    config: Config,
    scores: Sequence[PartnershipScore] = (),
    leverage: Mapping[str, Leverage] | None = None,
) -> dict[str, Any]:
    """The analysis across partnerships, computed once: what the pack's "The strategy's questions" and
    its charts show (each chart's drawing, words and data table) and results.json records:
    significance tiers, the objectives matrix, RAG by service area, the strategy's risks (ranked, and
    every rated risk on the heat map), the partnerships placed on the resources chart, improvement
    actions by status, the checklist's completeness by section and what the partnerships answered to each
    section and improvement area. With `leverage` (the frame made with
    it too), what partners put in for each council pound: in total, and the resources chart's money panel."""
    risks = risks_frame(scores)
    ranked = ranked_risks(risks, config)
    points = resource_points(frame)
    return {
        "tiers": significance_table(frame, config),
        "objectives": objectives_matrix(frame, config),
        "rag_by_service_area": rag_by_service_area(frame),
        "strategy_risks": strategy_risks(ranked),
        "risks_ranked": ranked,
        "heat_map": heat_map(risks),
        "resources": points,
        "actions": action_counts(frame),
        "sections": section_averages(frame),
        "answered": what_was_answered(scores),
        "leverage": None if leverage is None else leverage_total(scores, leverage),
        "money": None if leverage is None else money_bars(points),
    }
