"""Long answers written over lines (Alt+Enter in Excel) keep their lines where people read them.

An officer's Evidence '1. Terms of reference agreed' / '2. Minutes published' / '3. Annual report' was
run together into one line in the pack and register.xlsx. It now keeps its lines there (blank lines
dropped, spaces within a line folded, every kind of line break read as one), while every check reads it as
before: the folded text, so 'No action' over two lines is still no action; answers.csv, for Excel's and
Power BI's text import, keeps one line to an answer.
"""

from __future__ import annotations

import csv
import datetime as dt
import json

import openpyxl
import pytest
from click.testing import CliRunner

from officer import AS_OF, write_workbook
from pipeline import catalogue
from pipeline.cli import cli

EVIDENCE = "1. Terms of reference agreed\n2. Minutes published\n\n\n3. Annual report\n"
ACTION = "Review the governance arrangements\rAgree new terms of reference\r\n\r\n  Report  to Cabinet  "
MITIGATION = "Quarterly performance review\n\n  Escalation  to the board\n"
OWN_MITIGATION = "Second funder sought\r\nReserve held"
HOW = "Joint patrols\nA shared plan against anti-social behaviour"
PURPOSE = "Reduce crime across the district.\r\nJoin up services.\n\n\nShare  data between partners."
#: A one-line answer of complete_answers(), unchanged.
ONE_LINE = "Terms of reference, item 1b"


def lines(*kept: str) -> str:
    return "\n".join(kept)


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    root = tmp_path_factory.mktemp("lines")
    write_workbook(
        root / "in" / "p1.xlsx",
        register={"purpose": PURPOSE},
        checklist={
            "1a": {"Evidence": EVIDENCE},
            "1c": {"Evidence": "Minutes\u200b of\tthe board\n\u200b\n\u200bAnnual report"},
            # Pasted from Word: Shift+Enter's vertical tab, which Excel saves escaped, as here.
            "1d": {"Evidence": "Terms agreed_x000B_Minutes published"},
        },
        # I14's action is overdue, so the exceptions list it too; I13's 'No action' / 'needed' says nothing.
        improvement={
            "I14": {"Action": ACTION, "Due date": dt.date(2026, 3, 31)},
            "I13": {"Answer": catalogue.NO, "Action": "No action\nneeded", "Action owner": "Sam Patel"},
        },
        risks={
            "R01": {"Mitigation": MITIGATION},
            "R10": {"Risk": "Loss of the second funder", "Likelihood": 3, "Impact": 3, "Mitigation": OWN_MITIGATION},
        },
        objectives={"O2": {"How": HOW}},
    )
    out = root / "out"
    result = CliRunner().invoke(
        cli,
        ["report", str(root / "in"), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out


def test_answers_csv_gives_each_answer_on_one_line(year):
    """One line of the file to each answer, a long answer's lines joined by spaces: Excel's From Text/CSV
    and Power BI end a row at every line break, even inside a quoted field, unless told otherwise."""
    text = (year / "answers.csv").read_text(encoding="utf-8")
    with (year / "answers.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(text.splitlines()) == len(rows) + 1  # the header, then a line to each answer
    cells = {(row["sheet"], row["cell"]): row["value"] for row in rows}
    assert cells["Checklist", "E2"] == "1. Terms of reference agreed 2. Minutes published 3. Annual report"
    assert cells["Checklist", "E3"] == ONE_LINE
    assert cells["Checklist", "E4"] == "Minutes of the board Annual report"  # invisible characters gone
    assert cells["Checklist", "E5"] == "Terms agreed Minutes published"  # a pasted line break parts words
    assert (
        cells["Improvement", "D15"]
        == "Review the governance arrangements Agree new terms of reference Report to Cabinet"
    )
    assert cells["Risks", "E2"] == "Quarterly performance review Escalation to the board"
    assert cells["Objectives", "D3"] == "Joint patrols A shared plan against anti-social behaviour"
    assert cells["Register", "B4"] == "Reduce crime across the district. Join up services. Share data between partners."
    # Short answers are read as before: a name, an owner.
    assert cells["Improvement", "E15"] == "Sam Patel"


def test_register_xlsx_cells_keep_the_lines_in_wrapped_cells(year):
    book = openpyxl.load_workbook(year / "register.xlsx")

    def cell(sheet: str, header: str):
        rows = book[sheet].iter_rows()
        headers = [item.value for item in next(rows)]
        return next(rows)[headers.index(header)]

    expected = {
        ("Register", "Purpose"): lines(
            "Reduce crime across the district.", "Join up services.", "Share data between partners."
        ),
        ("Open actions", "Action"): lines(
            "Review the governance arrangements", "Agree new terms of reference", "Report to Cabinet"
        ),
        ("Own risks", "Mitigation"): lines("Second funder sought", "Reserve held"),
        ("Objectives", "How"): lines("Joint patrols", "A shared plan against anti-social behaviour"),
    }
    for (sheet, header), text in expected.items():
        if sheet == "Objectives":  # one row per objective: O2's is the second
            found = [row for row in book[sheet].iter_rows(min_row=2) if row[1].value == "O2"][0][4]
        else:
            found = cell(sheet, header)
        # Wrapped, from the top, in a row as tall as its lines: LibreOffice opens a row at the height
        # the file gives it, and showed the last line of a cell over the row above.
        height = book[sheet].row_dimensions[found.row].height
        assert (found.value, found.alignment.wrap_text, found.alignment.vertical) == (text, True, "top"), (
            sheet,
            header,
        )
        assert height >= 15 * (text.count("\n") + 1), (sheet, header)  # more where a line wraps
    assert cell("Register", "Partnership name").alignment.wrap_text is not True  # one line: as before


def test_the_pack_shows_the_lines_and_results_json_keeps_them(year):
    page = (year / "review_pack.html").read_text(encoding="utf-8")
    action = lines("Review the governance arrangements", "Agree new terms of reference", "Report to Cabinet")
    # The profile's Improvement Tool and the overdue actions, each in a cell that shows its lines.
    assert page.count(f'<td class="written">{action}</td>') == 2
    assert ".written, .fields td { white-space: pre-line; }" in page
    assert "<td>Reduce crime across the district.\nJoin up services.\nShare data between partners.</td>" in page
    results = json.loads((year / "results.json").read_text(encoding="utf-8"))
    [partnership] = results["partnerships"]
    assert {item["ref"]: item["action"] for item in partnership["action_items"]}["I14"] == action


def test_checks_read_the_answer_as_one_line(year):
    """'No action' over two lines still says nothing (improvement.no_action), and the finding quotes it
    on one line, as the validation report's rows are."""
    with (year / "validation_report.csv").open(encoding="utf-8", newline="") as handle:
        found = [(row["sheet"], row["cell"], row["rule"], row["value"]) for row in csv.DictReader(handle)]
    assert found == [
        ("Improvement", "D14", "improvement.no_action", "No action needed"),
        ("Improvement", "F15", "action.overdue", "2026-03-31"),
    ]


def test_next_years_workbook_brings_the_lines_back(year, tmp_path):
    """Rolled over from register.xlsx, the purpose, the open action, the own risk's mitigation and how an
    objective is served come back to the officer on the lines they were written on, not run together."""
    result = CliRunner().invoke(
        cli,
        ["templates", "--from-register", str(year / "register.xlsx"), "--out", str(tmp_path), "--year", "2027"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    [made] = tmp_path.glob("*.xlsx")
    book = openpyxl.load_workbook(made)
    objectives = book[catalogue.OBJECTIVES_SHEET.name]
    [how] = [row[3].value for row in objectives.iter_rows(min_row=2) if row[0].value == "O2"]
    assert (
        book[catalogue.REGISTER.name][f"B{catalogue.REGISTER_ROWS['purpose']}"].value,
        book[catalogue.IMPROVEMENT.name][f"D{catalogue.IMPROVEMENT_ROWS['I14']}"].value,
        book[catalogue.RISKS_SHEET.name][f"E{catalogue.RISK_ROWS['R10']}"].value,
        how,
    ) == (
        lines("Reduce crime across the district.", "Join up services.", "Share data between partners."),
        lines("Review the governance arrangements", "Agree new terms of reference", "Report to Cabinet"),
        lines("Second funder sought", "Reserve held"),
        lines("Joint patrols", "A shared plan against anti-social behaviour"),
    )
