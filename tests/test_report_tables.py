"""The workbooks written for people to read, validation_report.xlsx and register.xlsx, define each
table's header row (an Excel table), so a screen reader names the column of a cell ("severity,
warning") rather than reading bare values; a sheet of one table keeps its header in view and prints it
on every page. The Summary sheet's four tables each are one, under their caption, with every value
where it was. Real runs of `partnerships report` on real workbooks, read back as audit reads them.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from libreoffice import resave
from officer import AS_OF, document_properties, write_workbook
from pipeline.cli import cli
from pipeline.findings import FINDING_COLUMNS

SUMMARY_TABLES = {
    # table: (caption above it, its header row)
    "ValidationSummary": (None, ("Validation summary", "Number")),
    "FindingsByRule": ("Findings by rule", ("Rule", "Severity", "Findings", "When")),
    "FindingsByFile": (
        "Findings by file",
        ("File", "Partnership ID", "Status", "Errors", "Warnings", "Why not assessed"),
    ),
    "IgnoredFiles": ("Ignored files", ("Ignored file", "Reason")),
}
REGISTER_TABLES = {
    "Register": "Register",
    "Open actions": "OpenActions",
    "Own risks": "OwnRisks",
    "Objectives": "Objectives",
}


def report(inputs, out):
    result = CliRunner().invoke(
        cli,
        ["report", str(inputs), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"],
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1), result.output  # 1: an error among the findings
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A year with findings and an ignored file; and one of a single complete return, whose Findings,
    Ignored files and Own risks have no row."""
    base = tmp_path_factory.mktemp("tables")
    full = base / "full"
    write_workbook(full / "p1.xlsx", risks={"R10": {"Risk": "Key partner withdraws", "Likelihood": 2, "Impact": 3}})
    write_workbook(
        full / "p2.xlsx", partnership_id="P-002", checklist={"1a": {"Status": None}}, register={"funding": "lots"}
    )
    (full / "notes.txt").write_text("minutes", encoding="utf-8")
    clean = base / "clean"
    write_workbook(clean / "p1.xlsx")
    return report(full, base / "out-full"), report(clean, base / "out-clean"), report(clean, base / "out-again")


def table_of(sheet, name):
    """The table `name` of `sheet`: its first and last row, and its header row as the cells hold it and
    as the table declares it."""
    table = sheet.tables[name]
    first_column, first_row, last_column, last_row = range_boundaries(table.ref)
    cells = tuple(sheet.cell(first_row, column).value for column in range(first_column, last_column + 1))
    return first_row, last_row, cells, tuple(column.name for column in table.tableColumns)


@pytest.mark.parametrize("run", [0, 1], ids=["findings", "none"])
def test_the_findings_sheet_is_one_table_with_its_header_in_view_and_printed(runs, run):
    sheet = load_workbook(runs[run] / "validation_report.xlsx")["Findings"]
    rows = [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]
    assert bool(rows) == (run == 0)
    assert set(sheet.tables) == {"Findings"}
    # A table needs a row under its header: with no finding, one blank row.
    assert table_of(sheet, "Findings") == (1, 1 + max(len(rows), 1), FINDING_COLUMNS, FINDING_COLUMNS)
    assert sheet.freeze_panes == "A2"
    assert sheet.print_title_rows == "$1:$1"


@pytest.mark.parametrize("run", [0, 1], ids=["findings", "none"])
def test_each_table_of_the_summary_is_an_excel_table_under_its_caption(runs, run):
    sheet = load_workbook(runs[run] / "validation_report.xlsx")["Summary"]
    assert set(sheet.tables) == set(SUMMARY_TABLES)
    filled = {cell.coordinate for row in sheet.iter_rows() for cell in row if cell.value is not None}
    in_tables = set()
    next_row = 1
    for name, (caption, headers) in SUMMARY_TABLES.items():  # top to bottom, a blank row between
        if caption:
            assert sheet.cell(next_row, 1).value == caption and sheet.cell(next_row, 2).value is None
            filled.discard(f"A{next_row}")
            next_row += 1
        first, last, cells, declared = table_of(sheet, name)
        assert (first, cells, declared) == (next_row, headers, headers), name
        assert len({header.casefold() for header in headers}) == len(headers)
        body = [row for row in sheet.iter_rows(min_row=first + 1, max_row=last, values_only=True) if any(row)]
        assert last == first + max(len(body), 1), name
        in_tables |= {cell.coordinate for row in sheet[sheet.tables[name].ref] for cell in row}
        next_row = first + len(body) + 2
    assert filled <= in_tables  # no value is outside a table but the captions
    assert sheet.freeze_panes is None and sheet.print_title_rows is None  # four tables: no one header to keep
    totals = dict(sheet.iter_rows(min_row=2, max_row=8, max_col=2, values_only=True))
    assert (totals["Workbooks read"], totals["Ignored"]) == ((2, 1) if run == 0 else (1, 0))


@pytest.mark.parametrize("run", [0, 1], ids=["own risks", "no own risk"])
def test_every_sheet_of_the_register_is_one_table_with_its_header_in_view_and_printed(runs, run):
    book = load_workbook(runs[run] / "register.xlsx")
    assert book.sheetnames == list(REGISTER_TABLES)
    for sheet_name, name in REGISTER_TABLES.items():
        sheet = book[sheet_name]
        assert set(sheet.tables) == {name}, sheet_name
        first, last, cells, declared = table_of(sheet, name)
        headers = tuple(cell.value for cell in sheet[1])
        rows = [row for row in sheet.iter_rows(min_row=2, values_only=True) if any(row)]
        assert (first, last, cells, declared) == (1, 1 + max(len(rows), 1), headers, headers), sheet_name
        assert (sheet.freeze_panes, sheet.print_title_rows) == ("B2", "$1:$1"), sheet_name
    assert len(list(book["Own risks"].iter_rows(min_row=2))) == (1 if run == 0 else 0)


def test_every_workbook_written_declares_its_language(runs):
    """A screen reader reads a document in the voice of the language it declares, as the pack's HTML and
    PDF declare theirs (en-GB); the validation report, the register and the feedback copies declared
    none. An officer's return made from the template declares it, and its feedback copy keeps it."""
    written = [runs[0] / "validation_report.xlsx", runs[0] / "register.xlsx", *(runs[0] / "feedback").rglob("*.xlsx")]
    assert len(written) == 3  # p2.xlsx has findings: its feedback copy
    assert {path.name: document_properties(path)["dc:language"] for path in written} == {
        path.name: "en-GB" for path in written
    }


def test_the_tables_are_written_byte_for_byte_the_same(runs):
    for name in ("validation_report.xlsx", "register.xlsx"):
        assert (runs[1] / name).read_bytes() == (runs[2] / name).read_bytes(), name


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_libreoffice_opens_the_tables_and_keeps_them(runs, tmp_path):
    for name in ("validation_report.xlsx", "register.xlsx"):
        written, saved = load_workbook(runs[0] / name), load_workbook(resave(runs[0] / name, tmp_path / name))
        assert saved.sheetnames == written.sheetnames
        for sheet in written.worksheets:
            tables = {key: table_of(sheet, key) for key in sheet.tables}
            assert {key: table_of(saved[sheet.title], key) for key in saved[sheet.title].tables} == tables, name
