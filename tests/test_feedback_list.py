"""Every workbook is accounted for in the pack and the feedback (issue 13, item 11): a workbook not
assessed has no profile (it is under Exceptions and in the appendix); every workbook with findings gets
a feedback copy under a name its officer recognises, or the list of copies says why not; no library's
warning reaches the console. Real workbooks, the real command in a real process."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import zipfile

from officer import AS_OF, write_workbook
from pipeline import catalogue


def test_a_report_accounts_for_every_workbook_without_a_library_warning(tmp_path):
    inputs = tmp_path / "in"
    write_workbook(inputs / "Équipe Réseau (v2).xlsx", partnership_id="P-001", register={"council_role": "Boss"})
    write_workbook(inputs / "名前.xlsx", partnership_id="P-002", register={"funding": "lots"})
    write_workbook(
        inputs / "no-risks.xlsx",
        partnership_id="P-003",
        edit=lambda book: book.remove(book[catalogue.RISKS_SHEET.name]),
    )
    (inputs / "broken.xlsx").write_bytes(b"PK\x03\x04 cut short")
    # A workbook as Excel writes it with a list drawn from another sheet: an extension openpyxl drops,
    # with a warning, when it opens the file to mark it up.
    extended = write_workbook(inputs / "extended.xlsx", partnership_id="P-004", register={"purpose": None})
    _add_extension(extended)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "report",
            str(inputs),
            "--out",
            str(tmp_path / "out"),
            "--as-of",
            AS_OF.isoformat(),
            "--no-pdf",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "warn" not in result.stderr.lower(), result.stderr

    html = (tmp_path / "out" / "review_pack.html").read_text(encoding="utf-8")
    assert html.count('class="profile"') == 3  # P-003 and broken.xlsx are not assessed: no profile
    profiles = html[html.index('id="profiles"') : html.index('id="appendix"')]
    assert "P-003" not in profiles and "broken.xlsx" not in profiles
    # Links to a workbook not assessed lead to its line under Exceptions.
    for anchor in re.findall(r'href="#(p-[^"]+)"', html):
        assert f'id="{anchor}"' in html, anchor

    with open(tmp_path / "out" / "feedback" / "feedback_copies.csv", encoding="utf-8", newline="") as handle:
        rows = {row["Returned file"]: row for row in csv.DictReader(handle)}
    assert rows["Équipe Réseau (v2).xlsx"]["Feedback copy"] == "Équipe Réseau (v2).xlsx"
    assert rows["名前.xlsx"]["Feedback copy"] == "名前.xlsx"
    assert rows["no-risks.xlsx"]["Feedback copy"] == "no-risks.xlsx"
    assert rows["extended.xlsx"]["Feedback copy"] == "extended.xlsx"
    assert rows["broken.xlsx"]["Feedback copy"] == ""
    assert "file.unreadable" in rows["broken.xlsx"]["Why there is no copy"]
    for row in rows.values():
        if row["Feedback copy"]:
            assert (tmp_path / "out" / "feedback" / row["Feedback copy"]).is_file()


def _add_extension(path, part: str = "xl/worksheets/sheet2.xml") -> None:
    """Put an x14 data validation (a list from another sheet, as Excel stores it) in a sheet (the Register
    of a return by default)."""
    extension = (
        b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        b'<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        b'<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>Guide!$A$1:$A$3</xm:f>'
        b"</x14:formula1><xm:sqref>D40</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
    )
    with zipfile.ZipFile(path) as archive:
        parts = {info: archive.read(info.filename) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in parts.items():
            if info.filename == part:
                content = content.replace(b"</worksheet>", extension + b"</worksheet>")
            archive.writestr(info, content)


def test_rolling_over_a_register_saved_by_excel_prints_no_library_warning(tmp_path):
    inputs = tmp_path / "in"
    write_workbook(inputs / "p1.xlsx", partnership_id="P-001")
    from click.testing import CliRunner

    from pipeline.cli import cli

    result = CliRunner().invoke(
        cli,
        ["report", str(inputs), "--out", str(tmp_path / "out"), "--as-of", AS_OF.isoformat(), "--no-pdf"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    register = tmp_path / "out" / "register.xlsx"
    _add_extension(register, part="xl/worksheets/sheet1.xml")  # as Excel re-saves it, with a drop-down list
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "templates",
            "--from-register",
            str(register),
            "--out",
            str(tmp_path / "rolled"),
            "--year",
            "2027",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "warn" not in result.stderr.lower(), result.stderr
    assert list((tmp_path / "rolled").glob("P-001_*.xlsx"))
