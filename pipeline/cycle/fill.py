"""Writing answers into a workbook made from the standard template.

The demo set, next year's rolled-over workbooks and the tests all fill workbooks the way an officer
would, cell by cell, and all through here, so the cell positions come from the catalogue only.
"""

from __future__ import annotations

from typing import Mapping

from openpyxl.workbook.workbook import Workbook

from pipeline import catalogue
from pipeline.catalogue import SheetLayout
from pipeline.records import Value

Rows = Mapping[str, Mapping[str, Value]]  # ref -> {header: value}


def fill(
    workbook: Workbook,
    *,
    register: Mapping[str, Value] | None = None,
    checklist: Rows | None = None,
    improvement: Rows | None = None,
    risks: Rows | None = None,
    objectives: Rows | None = None,
) -> Workbook:
    """Write answers: register values by field key, table cells by ref and header name.

    `fill(wb, register={"id": "P-001"}, checklist={"1a": {"Status": "Yes", "Evidence": "Terms"}})`
    """
    for key, value in (register or {}).items():
        _write(workbook, catalogue.REGISTER, catalogue.REGISTER_ROWS[key], "Value", value)
    for layout, rows, positions in (
        (catalogue.CHECKLIST, checklist, catalogue.CHECKLIST_ROWS),
        (catalogue.IMPROVEMENT, improvement, catalogue.IMPROVEMENT_ROWS),
        (catalogue.RISKS_SHEET, risks, catalogue.RISK_ROWS),
    ):
        for ref, cells in (rows or {}).items():
            for header, value in cells.items():
                _write(workbook, layout, positions[ref], header, value)
    if objectives:
        positions = objective_rows(workbook)
        for ref, cells in objectives.items():
            for header, value in cells.items():
                _write(workbook, catalogue.OBJECTIVES_SHEET, positions[ref.casefold()], header, value)
    return workbook


def objective_rows(workbook: Workbook) -> dict[str, int]:
    """The row of each objective on the Objectives sheet, by its Ref (case ignored): the list is the
    council's, so its rows are found in the workbook rather than in the catalogue."""
    layout = catalogue.OBJECTIVES_SHEET
    if layout.name not in workbook.sheetnames:
        return {}
    sheet, column = workbook[layout.name], layout.column("Ref")
    rows = {}
    for row in range(layout.first_row, sheet.max_row + 1):
        ref = sheet[f"{column}{row}"].value
        if ref is not None and str(ref).strip():
            rows.setdefault(str(ref).strip().casefold(), row)
    return rows


def _write(workbook: Workbook, layout: SheetLayout, row: int, header: str, value: Value) -> None:
    workbook[layout.name][f"{layout.column(header)}{row}"] = value
