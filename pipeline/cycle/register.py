"""register.xlsx: the compiled partnership register, one row per workbook, with its scores.

Four sheets (`SHEETS`, which README's list of them is made from), read back next year by `partnerships
templates --from-register` (pipeline/cycle/rollover.py) by their header names: "Register" (the
catalogue's register field labels, in order, then the score columns), "Open actions" (every action not
Complete), "Own risks" (the risks officers added below the strategy's nine) and "Objectives" (each
return's answer per objective). Register values are written typed where
they can be read (dates as dates, numbers as numbers) and as the officer's text otherwise; every text
is stored as text, shown as typed, so a spreadsheet never runs it as a formula. Written with XlsxWriter
(`files.fast_xlsx`), reproducibly and atomically.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Sequence

from pipeline import catalogue, values
from pipeline.catalogue import Field, Kind
from pipeline.check.score import COMPLETE, IN_PROGRESS, NOT_STARTED, OVERDUE, SAME_FILE_AS, PartnershipScore
from pipeline.formats import EXCEL_DATE, EXCEL_MONEY, EXCEL_PERCENT, excel_money
from pipeline.records import Value, Workbook

REGISTER_SHEET = "Register"
OPEN_ACTIONS_SHEET = "Open actions"
#: A Partnership ID returned in more than one workbook is counted once: Counted is `COUNTED` or
#: `NOT_COUNTED` (Yes or No, for a dashboard's filter), and beside it `WHY_NOT_COUNTED_HEADER` says which
#: return counts instead ("p1-final.xlsx counts for P-001", "the same file as ..." of a copy of a file
#: saved twice); rollover takes the counted one, else one that is not a copy (`score.partnership_order`).
#: A register written before the reason had a column of its own says it in Counted, after "No: ".
COUNTED_HEADER = "Counted"
WHY_NOT_COUNTED_HEADER = "Why not counted"
COUNTED = "Yes"
NOT_COUNTED = "No"
SCORE_HEADERS = (
    "In scope",
    "RAG",
    "Significance",
    "Method proportionate",
    "Objectives supported",
    "Checklist completeness",
    "Checklist assurance",
    "Improvement coverage",
    "Improvement score",
    "Actions not started",
    "Actions in progress",
    "Actions complete",
    "Actions overdue",
    "High risks",
    "Errors",
    "Warnings",
    COUNTED_HEADER,
    WHY_NOT_COUNTED_HEADER,
    "File",
)
OPEN_ACTION_HEADERS = (
    "Partnership ID",
    "Ref",
    "Area of practice",
    "Action",
    "Action owner",
    "Due date",
    "Action status",
    "File",
)
OBJECTIVES_SHEET = "Objectives"
#: Each return's answer per objective (template version 2), so next year's workbook brings them back.
OBJECTIVE_HEADERS = ("Partnership ID", "Ref", "Objective", "Contributes", "How", "File")
#: What "Objectives supported" says, when no objective is answered Yes, of a return made with template
#: version 1, which does not ask; of one that answered No to every objective of the council's list; of one
#: whose sheet lists some of them and answers none, Yes or No; of one whose sheet, made with another list,
#: lists none of them; and of one that answered some No and left the others blank or off its sheet.
NOT_STATED, SUPPORTS_NONE, NOT_ANSWERED, NOT_LISTED, NONE_YES = (
    "Not stated",
    "None",
    "Not answered",
    "Not listed",
    "None answered Yes",
)
OWN_RISKS_SHEET = "Own risks"
#: An officer's own risks (below R09), so next year's workbook brings them back to be rated again.
OWN_RISK_HEADERS = ("Partnership ID", "Ref", "Risk", "Mitigation", "Owner", "File")
#: The register's sheets, in the order written: each one's name, its Excel table's name and its headers.
REGISTER_HEADERS = (*(spec.label for spec in catalogue.REGISTER_FIELDS), *SCORE_HEADERS)
SHEETS = (
    (REGISTER_SHEET, "Register", REGISTER_HEADERS),
    (OPEN_ACTIONS_SHEET, "OpenActions", OPEN_ACTION_HEADERS),
    (OWN_RISKS_SHEET, "OwnRisks", OWN_RISK_HEADERS),
    (OBJECTIVES_SHEET, "Objectives", OBJECTIVE_HEADERS),
)
_PERCENT_HEADERS = {"Checklist completeness", "Checklist assurance", "Improvement coverage", "Improvement score"}
_MONEY_HEADERS = {catalogue.FIELDS_BY_KEY[key].label for key in catalogue.MONEY_FIELDS}


def register_rows(scores: Sequence[PartnershipScore], workbooks: Sequence[Workbook]) -> list[list[Value]]:
    """The Register sheet's rows below its header, one per workbook, in the scores' order; a second
    return of a Partnership ID says in Counted which return counts, so the sheet adds up to the pack."""
    by_file = {workbook.file: workbook for workbook in workbooks}
    rows = []
    for score in scores:
        workbook = by_file[score.file]
        # No ID where the review reads none ('TBC'), as the Open actions, Own risks and Objectives rows give it.
        register = [
            None if spec.key == "id" and not workbook.partnership_id else _typed(spec, workbook.value(spec.key))
            for spec in catalogue.REGISTER_FIELDS
        ]
        assessed = score.assessed
        rows.append(
            [
                *register,
                "Yes" if score.in_scope else "No",
                score.rag,
                score.significance or None,
                None if score.proportionate is None else ("Yes" if score.proportionate else "No"),
                _supported(score),
                score.checklist_completeness if assessed else None,
                score.checklist_assurance if assessed else None,
                score.improvement_coverage if assessed else None,
                score.improvement_score if assessed else None,
                *((score.actions[key] if assessed else None) for key in (NOT_STARTED, IN_PROGRESS, COMPLETE, OVERDUE)),
                score.high_risks if assessed else None,
                score.findings["error"],
                score.findings["warning"],
                COUNTED if score.counted else NOT_COUNTED,
                score.not_counted_because or None,
                score.file,
            ]
        )
    return rows


def is_copy(counted: str, why_not: str = "") -> bool:
    """Whether a row's Counted and Why not counted (as `register_rows` writes them) say it is a copy of a
    file saved twice; of an earlier register, Counted alone ("No: the same file as ...")."""
    if counted.casefold() == NOT_COUNTED.casefold():
        return why_not.startswith(f"{SAME_FILE_AS} ")
    return counted.startswith(f"{NOT_COUNTED}: {SAME_FILE_AS} ")


def _supported(score: PartnershipScore) -> str | None:
    if not score.assessed or not score.in_scope:
        return None
    said = score.objectives_said
    if said is None:
        return NOT_STATED
    if said.yes:
        return "; ".join(said.yes)
    if said.supports_none:
        return SUPPORTS_NONE
    if said.lists_none:
        return NOT_LISTED
    return NONE_YES if said.answered else NOT_ANSWERED


def objective_rows(scores: Sequence[PartnershipScore], workbooks: Sequence[Workbook]) -> list[list[Value]]:
    """Every row of every return's Objectives sheet, as the officer answered it (of a return not
    assessed too: what could be read of it comes back next year for the officer to complete)."""
    by_file = {workbook.file: workbook for workbook in workbooks}
    return [
        [
            by_file[score.file].partnership_id,
            row.ref,
            values.text(row.title) or None,
            values.text(row.contributes) or None,
            values.text(row.how, lines=True) or None,
            score.file,
        ]
        for score in scores
        for row in by_file[score.file].objectives
    ]


def open_action_rows(scores: Sequence[PartnershipScore], workbooks: Sequence[Workbook]) -> list[list[Value]]:
    """Every action not Complete, of every workbook (one not assessed too: its actions are still open,
    and next year's workbook follows them), by partnership then area (its whole text, as the workbook
    gives it: I12's bullets too). A due date or a status that cannot be read is written as
    typed, so next year's rollover shows it, unchanged."""
    areas = {area.ref: area.full_text for area in catalogue.AREAS}
    by_file = {workbook.file: workbook for workbook in workbooks}
    return [
        [
            by_file[score.file].partnership_id,
            line.ref,
            areas.get(line.ref, line.area),
            line.action,
            line.owner or None,
            line.due or line.due_typed or None,
            line.status,
            score.file,
        ]
        for score in scores
        for line in score.action_lines
        if line.status != COMPLETE
    ]


def own_risk_rows(scores: Sequence[PartnershipScore], workbooks: Sequence[Workbook]) -> list[list[Value]]:
    """Every risk an officer added below the strategy's nine, of every workbook (one not assessed too),
    with its text, mitigation and owner (its ratings belong to the year's review and are made afresh)."""
    by_file = {workbook.file: workbook for workbook in workbooks}
    return [
        [
            by_file[score.file].partnership_id,
            risk.ref,
            values.text(risk.text) or None,
            values.text(risk.mitigation, lines=True) or None,
            values.text(risk.owner) or None,
            score.file,
        ]
        for score in scores
        for risk in by_file[score.file].risks
        if not risk.is_strategy_risk and (values.text(risk.text) or values.text(risk.mitigation))
    ]


def write_register(
    scores: Sequence[PartnershipScore],
    workbooks: Sequence[Workbook],
    path: Path,
    *,
    title: str = "Partnership register",
    year: int | None = None,
) -> Path:
    """The register of `year`'s review, which its document properties name (`review_year`), so that
    next year's rollover knows which review comes next."""
    from pipeline.files.fast_xlsx import new_workbook

    rows = {
        REGISTER_SHEET: register_rows,
        OPEN_ACTIONS_SHEET: open_action_rows,
        OWN_RISKS_SHEET: own_risk_rows,
        OBJECTIVES_SHEET: objective_rows,
    }
    with new_workbook(Path(path), title=title, keywords=review_year_keywords(year) if year else "") as book:
        for sheet, table, headers in SHEETS:
            _table(book, sheet, table, headers, rows[sheet](scores, workbooks))
    return Path(path)


def review_year_keywords(year: int) -> str:
    """The document keywords that say which year's review a workbook is for (the register, the workbooks
    rolled over from it); Excel and LibreOffice keep them when the file is saved again."""
    return f"review year {year}"


_REVIEW_YEAR = re.compile(r"\breview year (\d{4})\b")


def review_year(keywords: str | None) -> int | None:
    """The review year `review_year_keywords` wrote into `keywords`; None when they do not say."""
    match = _REVIEW_YEAR.search(keywords or "")
    return int(match.group(1)) if match else None


def _typed(spec: Field, raw: Value) -> Value:
    """A register value as the spreadsheet should hold it: typed when it reads, a list's answer in the
    list's spelling ('leading' is 'Leading', so a filter finds one answer), else the officer's text (a
    long answer over its lines)."""
    if spec.kind is Kind.CHOICE and isinstance(answer := values.choice(raw, spec.choices), str):
        return answer
    read = spec.read(raw)  # as the review reads it: a negative figure is not one, and stays as typed
    if isinstance(read, float):
        return int(read) if read.is_integer() else read
    return (read if read is not None else values.text(raw, spec.long_answer)) or None


def _table(book, sheet_name: str, name: str, headers: Sequence[str], rows: list[list[Value]]) -> None:
    """One sheet: the rows under their header row, an Excel table; its header and first column stay in view."""
    sheet = book.table_sheet(sheet_name, name, headers, len(rows), frozen_columns=1)
    for index, header in enumerate(headers):  # a long answer's column is given room to be read
        book.set_width(
            sheet, index, _LONGEST_WIDTH if header in _LONG_ANSWERS else max(12, min(_LONGEST_WIDTH, len(header) + 4))
        )
    formats = [_number_format(header) for header in headers]
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, dt.date):
                book.write(sheet, number, column, value, num_format=EXCEL_DATE)
            elif formats[column] and isinstance(value, (int, float)):
                shown = excel_money(value) if formats[column] == EXCEL_MONEY else formats[column]
                book.write(sheet, number, column, value, num_format=shown)
            else:
                book.write(sheet, number, column, value)  # text as typed, never a formula


#: The widest column, in characters: a long answer's (a purpose, an action), wrapped within it.
_LONGEST_WIDTH = 40
#: The headers of the answers officers may write over lines (a register field's label, a sheet's column).
_LONG_ANSWERS = frozenset(
    (
        *(field.label for field in catalogue.REGISTER_FIELDS if field.long_answer),
        *(header for layout in catalogue.ANSWER_LAYOUTS for header in layout.long_answers),
    )
)


def _number_format(header: str) -> str:
    if header in _PERCENT_HEADERS:
        return EXCEL_PERCENT
    if header in _MONEY_HEADERS:
        return EXCEL_MONEY
    return ""
