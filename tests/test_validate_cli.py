"""`partnerships validate`: exit codes, the two reports, neutralised text, and independence from --jobs."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from officer import AS_OF, write_workbook
from pipeline.cli import cli
from pipeline.config import Config
from pipeline.findings import FINDING_COLUMNS, RULES
from pipeline.run import validate_folder
from pipeline.check.validation_report import neutralise

AS_OF_TEXT = AS_OF.isoformat()


@pytest.fixture(scope="module")
def clean_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clean")
    write_workbook(folder / "one.xlsx", partnership_id="P-001")
    write_workbook(folder / "two.xlsx", partnership_id="P-002")
    return folder


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory) -> Path:
    """Errors, warnings, formula-like officer text, a bad file, ignored files and a subfolder."""
    folder = tmp_path_factory.mktemp("mixed")

    def text_cells(book):
        # Text an officer typed that a spreadsheet would run; stored as text, as Excel stores it.
        cell = book["Register"]["B9"]
        cell.value, cell.data_type = '=HYPERLINK("http://x","click")', "s"

    write_workbook(
        folder / "a.xlsx",
        partnership_id="P-001",
        edit=text_cells,
        checklist={"1a": {"Status": "@SUM(1)"}, "1b": {"Status": None}},
        risks={"R02": {"Likelihood": "-1"}},
    )
    write_workbook(folder / "team" / "b.xlsx", partnership_id="P-002", improvement={"I03": {"Answer": None}})
    write_workbook(folder / "team" / "c.xlsx", partnership_id="p-002")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (folder / "readme.txt").write_text("notes")
    (folder / "~$a.xlsx").write_bytes(b"lock")
    return folder


def run(*args: str):
    return CliRunner().invoke(cli, ["validate", *args], catch_exceptions=False)


def test_exit_0_when_no_error(clean_folder, tmp_path):
    result = run(str(clean_folder), "--out", str(tmp_path), "--as-of", AS_OF_TEXT)
    assert result.exit_code == 0, result.output
    assert "Files read: 2; workbooks assessed: 2; workbooks not assessed: 0." in result.output
    assert "Findings: 0 errors, 0 warnings." in result.output
    rows = (tmp_path / "validation_report.csv").read_text(encoding="utf-8").splitlines()
    assert rows == [",".join(FINDING_COLUMNS)]


def test_exit_1_when_an_error_is_found(mixed_folder, tmp_path):
    result = run(str(mixed_folder), "--out", str(tmp_path), "--as-of", AS_OF_TEXT)
    assert result.exit_code == 1
    assert "Files read: 4; workbooks assessed: 3; workbooks not assessed: 1." in result.output
    assert "Files ignored: 2" in result.output
    assert str(tmp_path / "validation_report.xlsx") in result.output


@pytest.mark.parametrize(
    "args", [["does-not-exist"], ["{folder}", "--as-of", "31/12/2026"], ["{folder}", "--jobs", "0"]]
)
def test_exit_2_for_a_usage_error(args, clean_folder, tmp_path):
    result = run(*(arg.format(folder=clean_folder) for arg in args), "--out", str(tmp_path))
    assert result.exit_code == 2


@pytest.mark.parametrize("typed", ["31/12/2026", "20261231", "next Friday"])
def test_an_as_of_date_not_written_year_month_day_is_refused_in_plain_words(typed, clean_folder, tmp_path):
    """Only 2026-12-31 is read, so that 05/12/2026 is never taken the wrong way round; the policy team is
    told how to write it, not a programmer's format code."""
    result = run(str(clean_folder), "--out", str(tmp_path), "--as-of", typed)
    assert result.exit_code == 2
    assert f"'{typed}' is not a date written year-month-day: give it as 2026-04-30 for 30 April 2026" in result.output
    assert "%Y" not in result.output


@pytest.mark.parametrize("typed", ["2026-02-29", "2026-04-31", "2026-13-01"])
def test_an_as_of_date_that_does_not_exist_is_told_so(typed, clean_folder, tmp_path):
    """It was told it was not written year-month-day, which it is."""
    result = run(str(clean_folder), "--out", str(tmp_path), "--as-of", typed)
    assert result.exit_code == 2
    assert f"'{typed}' is written year-month-day, but there is no such day: give a date that exists" in result.output


def test_an_as_of_date_years_ahead_is_refused_as_the_typo_it_is(clean_folder, tmp_path):
    """2062 for 2026 made every open action overdue, in a pack filed under 2062, without a word."""
    import datetime as dt

    ahead = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    result = run(str(clean_folder), "--out", str(tmp_path / "ahead"), "--as-of", ahead)
    assert result.exit_code == 2 and f"'{ahead}' is more than a year after today" in result.output
    end_of_year = dt.date(dt.date.today().year, 12, 31).isoformat()  # at most a year ahead: a year's end
    assert run(str(clean_folder), "--out", str(tmp_path / "year-end"), "--as-of", end_of_year).exit_code == 0


def test_csv_has_the_contract_columns_sorted_and_neutralised(mixed_folder, tmp_path):
    outcome = validate_folder(mixed_folder, tmp_path, as_of=AS_OF, config=Config())
    data = (tmp_path / "validation_report.csv").read_bytes()
    assert b"\r" not in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert tuple(rows[0]) == FINDING_COLUMNS
    assert [tuple(row) for row in rows[1:]] == [
        tuple(neutralise(cell) for cell in item.as_row()) for item in outcome.report.findings
    ]
    values = {(row[0], row[2], row[4]): row[7] for row in rows[1:]}
    assert values["a.xlsx", "B9", "register.invalid"] == '\'=HYPERLINK("http://x","click")'
    assert values["a.xlsx", "D2", "checklist.invalid"] == "'@SUM(1)"
    assert values["a.xlsx", "C3", "risk.invalid"] == "'-1"
    files = [row[0] for row in rows[1:]]
    assert files == sorted(files)
    assert {row[0] for row in rows[1:] if row[4] == "register.duplicate_id"} == {"team/b.xlsx", "team/c.xlsx"}


def test_xlsx_findings_and_summary(mixed_folder, tmp_path):
    outcome = validate_folder(mixed_folder, tmp_path, as_of=AS_OF, config=Config())
    book = load_workbook(tmp_path / "validation_report.xlsx")
    assert book.sheetnames == ["Findings", "Summary"]
    findings = book["Findings"]
    assert findings.freeze_panes == "A2" and findings.tables["Findings"].autoFilter.ref.startswith("A1:H")
    rows = list(findings.iter_rows(values_only=True))
    assert rows[0] == FINDING_COLUMNS
    assert len(rows) == 1 + len(outcome.report.findings)
    # As the officer typed it, no apostrophe shown: a text cell (with Excel's quote prefix) is never run.
    typed = {cell.value: cell for row in findings.iter_rows() for cell in row if isinstance(cell.value, str)}
    for text in ('=HYPERLINK("http://x","click")', "@SUM(1)", "-1"):
        assert typed[text].data_type == "s" and typed[text].quotePrefix, text
    assert not {'\'=HYPERLINK("http://x","click")', "'@SUM(1)", "'-1"} & set(typed)
    assert all(cell.data_type != "f" for row in findings.iter_rows() for cell in row)

    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Files in the input folder"][0] == 6  # 4 read + 2 ignored: every file accounted for
    assert summary["Not assessed"][0] == 1 and summary["Ignored"][0] == 2
    assert summary["broken.xlsx"][1:4] == ("Not assessed", 1, 0)
    assert summary["team/b.xlsx"][1] == "Assessed"
    assert summary["readme.txt"][0] == "not a spreadsheet"
    by_rule = {code: summary[code] for code in RULES}
    assert by_rule["register.duplicate_id"][:2] == ("error", 2)
    assert by_rule["file.unreadable"][:2] == ("error", 1)


def test_reports_do_not_depend_on_jobs_or_repetition(mixed_folder, tmp_path):
    outputs = []
    for index, jobs in enumerate(("1", "2", "1")):
        out = tmp_path / f"out{index}"
        run(str(mixed_folder), "--out", str(out), "--as-of", AS_OF_TEXT, "--jobs", jobs)
        outputs.append(
            {name: (out / name).read_bytes() for name in ("validation_report.csv", "validation_report.xlsx")}
        )
    assert outputs[0] == outputs[1] == outputs[2]


def test_no_workbooks_is_said_plainly(tmp_path):
    (tmp_path / "in").mkdir()
    result = run(str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--as-of", AS_OF_TEXT)
    assert result.exit_code == 0
    assert "No workbooks (.xlsx and .xlsm) found" in result.output


def test_feedback_flag_calls_the_feedback_writer(clean_folder, tmp_path):
    pytest.importorskip("pipeline.check.feedback")
    target = tmp_path / "copy"
    shutil.copytree(clean_folder, target)
    write_workbook(target / "bad.xlsx", partnership_id="P-003", checklist={"1a": {"Status": None}})
    result = run(str(target), "--out", str(tmp_path / "out"), "--as-of", AS_OF_TEXT, "--feedback")
    assert result.exit_code == 0
    assert "Wrote 1 feedback copy to" in result.output
    assert [path.name for path in (tmp_path / "out" / "feedback").rglob("*.xlsx")] != []


@pytest.mark.parametrize(
    "text, inert",
    [
        ("=1+1", "'=1+1"),
        ("+44 1234", "'+44 1234"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Plain text", "Plain text"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(text, inert):
    assert neutralise(text) == inert


def test_a_review_packs_folder_is_not_written_into(clean_folder, tmp_path):
    """`validate --out output/2026`, the year's pack folder, replaced the pack's own validation report
    with this check's, so the pack and its report no longer agreed; it is refused, the pack left whole."""
    pack = tmp_path / "2026"
    made = CliRunner().invoke(cli, ["report", str(clean_folder), "--out", str(pack), "--as-of", AS_OF_TEXT, "--no-pdf"])
    assert made.exit_code == 0, made.output
    before = {path: path.read_bytes() for path in pack.rglob("*") if path.is_file()}
    result = run(str(clean_folder), "--out", str(pack), "--as-of", "2026-05-31")
    assert result.exit_code == 2
    assert "holds a review pack" in result.output and "a folder of their own" in result.output, result.output
    assert {path: path.read_bytes() for path in pack.rglob("*") if path.is_file()} == before


def test_one_finding_is_said_in_the_singular(tmp_path):
    folder = tmp_path / "returns"
    write_workbook(folder / "a.xlsx", partnership_id="P-001", checklist={"1a": {"Status": "Maybe"}})
    result = run(str(folder), "--out", str(tmp_path / "checks"), "--as-of", AS_OF_TEXT)
    assert "Findings: 1 error, 0 warnings." in result.output
