"""register.xlsx: the compiled partnership register, one row per workbook, with its scores.

Three sheets, read back next year by `partnerships templates --from-register` (pipeline/cycle/rollover.py)
by their header names: "Register" (the catalogue's register field labels, in order, then the score
columns), "Open actions" (every action not Complete) and "Own risks" (the risks officers added below
the strategy's nine). Register values are written typed where
they can be read (dates as dates, numbers as numbers) and as the officer's text otherwise; every text
is stored as text (`validation_report.as_text`), so a spreadsheet never runs it as a formula. Saved
reproducibly and atomically.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from pipeline import catalogue, values
from pipeline.catalogue import Kind
from pipeline.check.score import COMPLETE, IN_PROGRESS, NOT_STARTED, OVERDUE, PartnershipScore
from pipeline.check.validation_report import as_text
from pipeline.formats import EXCEL_DATE, EXCEL_MONEY, EXCEL_PERCENT
from pipeline.records import Value, Workbook

REGISTER_SHEET = "Register"
OPEN_ACTIONS_SHEET = "Open actions"
SCORE_HEADERS = ("In scope", "RAG", "Significance", "Method proportionate", "Objectives supported",
                 "Checklist completeness", "Checklist assurance", "Improvement coverage",
                 "Improvement score", "Actions not started", "Actions in progress", "Actions complete",
                 "Actions overdue", "High risks", "Errors", "Warnings", "File")
OPEN_ACTION_HEADERS = ("Partnership ID", "Ref", "Area of practice", "Action", "Action owner", "Due date",
                       "Action status", "File")
OBJECTIVES_SHEET = "Objectives"
#: Each return's answer per objective (template version 2), so next year's workbook brings them back.
OBJECTIVE_HEADERS = ("Partnership ID", "Ref", "Objective", "Contributes", "How", "File")
#: What "Objectives supported" says of a return made with template version 1, which does not ask.
NOT_STATED = "Not stated"
OWN_RISKS_SHEET = "Own risks"
#: An officer's own risks (below R09), so next year's workbook brings them back to be rated again.
OWN_RISK_HEADERS = ("Partnership ID", "Ref", "Risk", "Mitigation", "Owner", "File")
_PERCENT_HEADERS = {"Checklist completeness", "Checklist assurance", "Improvement coverage", "Improvement score"}
#: register.xlsx has always written the date format in lower case; Excel reads both cases alike, and
#: keeping it keeps the bytes of every register the same.
_DATE_FORMAT = EXCEL_DATE.lower()
_MONEY_HEADERS = {catalogue.FIELDS_BY_KEY[key].label for key in catalogue.MONEY_FIELDS}


def register_rows(scores: Sequence[PartnershipScore], workbooks: Sequence[Workbook]) -> list[list[Value]]:
    """The Register sheet's rows below its header, one per workbook, in the scores' order."""
    by_file = {workbook.file: workbook for workbook in workbooks}
    rows = []
    for score in scores:
        workbook = by_file[score.file]
        register = [_typed(spec.kind, workbook.value(spec.key)) for spec in catalogue.REGISTER_FIELDS]
        assessed = score.assessed
        rows.append([
            *register,
            "Yes" if score.in_scope else "No", score.rag, score.significance or None,
            None if score.proportionate is None else ("Yes" if score.proportionate else "No"),
            _supported(score),
            score.checklist_completeness if assessed else None,
            score.checklist_assurance if assessed else None,
            score.improvement_coverage if assessed else None,
            score.improvement_score if assessed else None,
            *((score.actions[key] if assessed else None) for key in (NOT_STARTED, IN_PROGRESS, COMPLETE, OVERDUE)),
            score.high_risks if assessed else None,
            score.findings["error"], score.findings["warning"], score.file,
        ])
    return rows


def _supported(score: PartnershipScore) -> str | None:
    if not score.assessed or not score.in_scope:
        return None
    return NOT_STATED if score.objectives is None else "; ".join(score.objectives)


def objective_rows(scores: Sequence[PartnershipScore], workbooks: Sequence[Workbook]) -> list[list[Value]]:
    """Every row of every assessed return's Objectives sheet, as the officer answered it."""
    by_file = {workbook.file: workbook for workbook in workbooks}
    return [
        [score.id, row.ref, values.text(row.title) or None, values.text(row.contributes) or None,
         values.text(row.how) or None, score.file]
        for score in scores if score.assessed
        for row in by_file[score.file].objectives
    ]


def open_action_rows(scores: Sequence[PartnershipScore]) -> list[list[Value]]:
    """Every action not Complete, of assessed workbooks, by partnership then area. A due date or a
    status that cannot be read is written as typed, so next year's rollover shows it, unchanged."""
    return [
        [score.id, line.ref, line.area, line.action, line.owner or None, line.due or line.due_typed or None,
         line.status, score.file]
        for score in scores if score.assessed
        for line in score.action_lines if line.status != COMPLETE
    ]


def own_risk_rows(scores: Sequence[PartnershipScore], workbooks: Sequence[Workbook]) -> list[list[Value]]:
    """Every risk an officer added below the strategy's nine, of assessed workbooks, with its text,
    mitigation and owner (its ratings belong to the year's review and are made afresh)."""
    by_file = {workbook.file: workbook for workbook in workbooks}
    return [
        [score.id, risk.ref, values.text(risk.text) or None, values.text(risk.mitigation) or None,
         values.text(risk.owner) or None, score.file]
        for score in scores if score.assessed
        for risk in by_file[score.file].risks
        if not risk.is_strategy_risk and (values.text(risk.text) or values.text(risk.mitigation))
    ]


def write_register(scores: Sequence[PartnershipScore], workbooks: Sequence[Workbook], path: Path, *,
                   title: str = "Partnership register") -> Path:
    from openpyxl import Workbook as OpenpyxlWorkbook

    from pipeline.files.xlsx import save

    book = OpenpyxlWorkbook()
    register = book.active
    register.title = REGISTER_SHEET
    headers = (*(spec.label for spec in catalogue.REGISTER_FIELDS), *SCORE_HEADERS)
    _table(register, "Register", headers, register_rows(scores, workbooks))
    _table(book.create_sheet(OPEN_ACTIONS_SHEET), "OpenActions", OPEN_ACTION_HEADERS, open_action_rows(scores))
    _table(book.create_sheet(OWN_RISKS_SHEET), "OwnRisks", OWN_RISK_HEADERS, own_risk_rows(scores, workbooks))
    _table(book.create_sheet(OBJECTIVES_SHEET), "Objectives", OBJECTIVE_HEADERS, objective_rows(scores, workbooks))
    book.properties.creator = "Partnership review"
    book.properties.title = title
    save(book, Path(path))
    return Path(path)


def _typed(kind: Kind, raw: Value) -> Value:
    """A register value as the spreadsheet should hold it: typed when it reads, else the officer's text."""
    if kind is Kind.DATE and isinstance(values.date(raw), dt.date):
        return values.date(raw)
    if kind is Kind.NUMBER and isinstance(values.number(raw), float):
        number = values.number(raw)
        return int(number) if number.is_integer() else number
    return values.text(raw) or None


def _table(sheet, name: str, headers: Sequence[str], rows: list[list[Value]]) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for number, row in enumerate(rows, start=2):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in row])
        # The row just appended, by number: `sheet.max_row` would scan every cell for each row.
        (cells,) = sheet.iter_rows(min_row=number, max_row=number, min_col=1, max_col=len(headers))
        for cell, header in zip(cells, headers):
            if isinstance(cell.value, str):
                as_text(cell)  # the officer's text as typed, never a formula
            elif isinstance(cell.value, dt.date):
                cell.number_format = _DATE_FORMAT
            elif header in _PERCENT_HEADERS and cell.value is not None:
                cell.number_format = EXCEL_PERCENT
            elif header in _MONEY_HEADERS and cell.value is not None:
                cell.number_format = EXCEL_MONEY
    last = get_column_letter(len(headers))
    # An Excel table needs at least one body row; an empty register keeps a plain filter instead.
    if rows:
        table = Table(displayName=name, ref=f"A1:{last}{len(rows) + 1}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        sheet.add_table(table)
    else:
        sheet.auto_filter.ref = f"A1:{last}1"
    sheet.freeze_panes = "B2"
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(header) + 4))
