"""The validation report that audit reads: validation_report.csv and validation_report.xlsx.

Both hold the contract's columns (`findings.FINDING_COLUMNS`) in the report's fixed sort order. The
XLSX adds a Summary sheet that accounts for every file in the input folder: counts by rule, each
workbook with its errors, warnings and whether it was assessed, and each ignored file with the
reason. Every table of both sheets is an Excel table, so a screen reader names each cell's column.
Officer text such as `=HYPERLINK(...)` is shown, never run: in the CSV it is passed through
`neutralise` (a leading '), and in the XLSX it is shown exactly as typed, in a cell stored as text
(`files.fast_xlsx`), which a spreadsheet never runs, with Excel's quote prefix so that editing it does not
turn it into a formula either. Files appear under their names only when complete, and the
same findings give the same bytes (no timestamps).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pipeline.files.atomic import write_atomic
from pipeline.files.fast_xlsx import FORMULA_STARTS as _FORMULA_STARTS
from pipeline.findings import ERROR, FINDING_COLUMNS, RULES, WARNING, ValidationReport

if TYPE_CHECKING:
    from pipeline.read.batch import Batch

CSV_NAME = "validation_report.csv"
XLSX_NAME = "validation_report.xlsx"

_WIDTHS = {
    "file": 28,
    "sheet": 13,
    "cell": 7,
    "partnership_id": 15,
    "rule": 24,
    "severity": 9,
    "message": 80,
    "value": 30,
}


def neutralise(text: str) -> str:
    """Text made inert for a spreadsheet: a leading ' when it would start a formula."""
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_validation_report(report: ValidationReport, batch: "Batch", out_dir: Path) -> list[Path]:
    """Write the CSV and the XLSX into `out_dir` (created if needed); return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / CSV_NAME
    write_atomic(csv_path, findings_csv(report))
    xlsx_path = out_dir / XLSX_NAME
    _write_xlsx(report, batch, xlsx_path)
    return [csv_path, xlsx_path]


def findings_csv(report: ValidationReport) -> bytes:
    """The findings as UTF-8 CSV with LF line ends, header first, in the report's order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FINDING_COLUMNS)
    value = FINDING_COLUMNS.index("value")
    for item in report.findings:
        row = [neutralise(cell) for cell in item.as_row()]
        if item.value_is_number:
            row[value] = item.value  # a number is never a formula: -2500 stays -2500
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


# --- XLSX ------------------------------------------------------------------------------------------


def _write_xlsx(report: ValidationReport, batch: "Batch", path: Path) -> None:
    from pipeline.files.fast_xlsx import new_workbook

    with new_workbook(path, title="Validation report") as book:
        findings = book.table_sheet("Findings", "Findings", FINDING_COLUMNS, len(report.findings))
        message = FINDING_COLUMNS.index("message")
        book.write_text_rows(
            findings,
            1,
            (item.as_row() for item in report.findings),
            {message: {"text_wrap": True, "valign": "top"}},
        )
        for index, column in enumerate(FINDING_COLUMNS):
            findings.set_column(index, index, _WIDTHS[column])

        summary = book.add("Summary")
        row = 0
        for table in summary_tables(report, batch):
            if table.caption:
                book.write(summary, row, 0, table.caption, bold=True)
                row += 1
            book.table(
                summary, row, table.name, table.headers, len(table.rows), title=table.caption or table.headers[0]
            )
            for number, values in enumerate(table.rows, start=row + 1):
                book.write_row(summary, number, values)
            row += len(table.rows) + 2  # a blank row (a table's own, when it has none) before the next caption
        for index, width in enumerate((40, 16, 14, 50, 10, 30)):
            summary.set_column(index, index, width)


class SummaryTable(NamedTuple):
    """One table of the Summary sheet: an Excel table `name` of `rows` under `headers`, below a bold
    `caption` line (none for the first, whose header row says what it is)."""

    caption: str
    name: str
    headers: tuple[str, ...]
    rows: list[tuple[object, ...]]


def summary_tables(report: ValidationReport, batch: "Batch") -> list[SummaryTable]:
    """The Summary sheet's tables, top to bottom: totals, findings by rule, by file, and the ignored files."""
    by_file = report.by_file()
    by_rule = report.by_rule()
    workbooks = batch.workbooks
    assessed = sum(1 for workbook in workbooks if workbook.assessed)
    totals = [
        ("Files in the input folder", len(workbooks) + len(batch.ignored)),
        ("Workbooks read", len(workbooks)),
        ("Assessed", assessed),
        ("Not assessed", len(workbooks) - assessed),
        ("Ignored", len(batch.ignored)),
        ("Errors", report.errors),
        ("Warnings", report.warnings),
    ]
    files = []
    for workbook in workbooks:
        counts = by_file.get(workbook.file, {})
        status = workbook.status
        files.append(
            (
                workbook.file,
                workbook.partnership_id,
                status.label,
                counts.get(ERROR, 0),
                counts.get(WARNING, 0),
                ", ".join(status.rules),
            )
        )
    return [
        SummaryTable("", "ValidationSummary", ("Validation summary", "Number"), totals),
        SummaryTable(
            "Findings by rule",
            "FindingsByRule",
            ("Rule", "Severity", "Findings", "When"),
            [(code, rule.severity, by_rule.get(code, 0), rule.when) for code, rule in RULES.items()],
        ),
        SummaryTable(
            "Findings by file",
            "FindingsByFile",
            ("File", "Partnership ID", "Status", "Errors", "Warnings", "Why not assessed"),
            files,
        ),
        SummaryTable(
            "Ignored files",
            "IgnoredFiles",
            ("Ignored file", "Reason"),
            [(item.file, item.reason) for item in batch.ignored],
        ),
    ]
