"""register.xlsx as a dashboard and next year's rollover read it: Counted is Yes or No, its reason in a
column of its own, and README names every sheet and column it holds, in order."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from officer import AS_OF, write_workbook
from pipeline import catalogue
from pipeline.cli import cli

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return " ".join(result.output.split())


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """P-001 returned by two partnerships (Alpha's later return counts), Beta's saved twice; one out of
    scope and one not assessed."""
    root = tmp_path_factory.mktemp("register")
    folder = root / "returns"
    write_workbook(
        folder / "A.xlsx",
        partnership_id="P-001",
        register={"name": "Alpha", "funding": 10000, "review_completed_on": dt.date(2026, 4, 20)},
    )
    beta = write_workbook(folder / "B.xlsx", partnership_id="P-001", register={"name": "Beta", "funding": 8000})
    (folder / "B - Copy.xlsx").write_bytes(beta.read_bytes())
    write_workbook(folder / "C.xlsx", partnership_id="P-002", register={"funding": "£2,500"})
    write_workbook(
        folder / "D.xlsx", partnership_id="P-003", register={"funding": 700, "scope_contract": catalogue.YES}
    )
    write_workbook(
        folder / "E.xlsx",
        partnership_id="P-004",
        register={"funding": 900},
        edit=lambda book: book.remove(book[catalogue.RISKS_SHEET.name]),
    )
    out = root / "out"
    run("report", str(folder), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf")
    return root, out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_counted_is_yes_or_no_with_why_in_the_next_column(year):
    """Counted was a sentence ('No: A.xlsx counts for P-001'): a dashboard could not filter on it. It is
    now Yes or No, and Why not counted beside it says which return counts instead."""
    _, out, results = year
    rows = list(openpyxl.load_workbook(out / "register.xlsx")["Register"].iter_rows(values_only=True))
    headers = list(rows[0])
    assert headers[headers.index("Counted") + 1] == "Why not counted"
    column = {header: index for index, header in enumerate(headers)}
    counted = {row[column["File"]]: (row[column["Counted"]], row[column["Why not counted"]]) for row in rows[1:]}
    assert counted == {
        "A.xlsx": ("Yes", None),
        "B.xlsx": ("No", "A.xlsx counts for P-001"),
        "B - Copy.xlsx": ("No", "the same file as B.xlsx; A.xlsx counts for P-001"),
        "C.xlsx": ("Yes", None),
        "D.xlsx": ("Yes", None),
        "E.xlsx": ("Yes", None),
    }
    # README: the rows Counted Yes, In scope Yes and not Not assessed are those the pack's figures count.
    in_figures = [
        row
        for row in rows[1:]
        if row[column["Counted"]] == "Yes" and row[column["In scope"]] == "Yes" and row[column["RAG"]] != "Not assessed"
    ]
    funding = column["Annual council funding (£)"]
    assert sum(row[funding] for row in in_figures) == results["totals"]["funding"] == 12500
    assert len(in_figures) == results["totals"]["in_scope"] == 2


def test_a_register_written_before_why_not_counted_still_rolls_over_from_the_original(year, tmp_path):
    """Last year's register says why in Counted ('No: the same file as B.xlsx; ...'), with no column of
    its own: rollover still takes B.xlsx, not its copy (which comes first by name)."""
    _, out, _ = year
    book = openpyxl.load_workbook(out / "register.xlsx")
    sheet = book["Register"]
    headers = [cell.value for cell in sheet[1]]
    counted, why = headers.index("Counted") + 1, headers.index("Why not counted") + 1
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, counted).value == "No":
            sheet.cell(row, counted).value = f"No: {sheet.cell(row, why).value}"
    sheet.delete_cols(why)
    for table in list(sheet.tables):
        del sheet.tables[table]  # its range no longer fits: an earlier register's table had no such column
    book.save(tmp_path / "register.xlsx")
    output = run("templates", "--from-register", str(tmp_path / "register.xlsx"), "--out", str(tmp_path / "r"))
    assert (
        "P-001 (B.xlsx, B - Copy.xlsx): one workbook, rolled over from B.xlsx, with its open actions and own "
        "risks (not those of B - Copy.xlsx, which it replaced)"
    ) in output


def test_readme_names_every_sheet_and_column_of_register_xlsx_in_order(year):
    """README's prose list of register.xlsx's columns left out Actions not started .. overdue, High risks,
    Errors, Warnings and File, and gave the sheets in another order. Its list now is the register's own."""
    _, out, _ = year
    book = openpyxl.load_workbook(out / "register.xlsx")
    start = README.index("### `register.xlsx`: its sheets and columns")
    section = README[start : README.index("\n### ", start + 1)]
    listed = re.findall(r"^- \*([^*]+)\*: (.+)$", section, flags=re.MULTILINE)
    assert [sheet for sheet, _ in listed] == book.sheetnames
    fields = [item.label for item in catalogue.REGISTER_FIELDS]
    for (sheet, columns), name in zip(listed, book.sheetnames):
        headers = [cell.value for cell in book[name][1]]
        if headers[: len(fields)] == fields:
            assert f"(`{fields[0]}` to `{fields[-1]}`)" in columns
            headers = headers[len(fields) :]
            columns = columns.split(", then ", 1)[1]
        assert re.findall(r"`([^`]+)`", columns) == headers, sheet
    assert "keyed by `file` and Partnership ID" not in README  # register.xlsx's column is File
