"""Every file in the input folder is accounted for, once, in results.json, the validation report's
Summary sheet and the pack's appendix: assessed, not assessed (with its finding) or ignored (with the
reason), and the counts add up to the files present.

Subfolders are read (a team may return its workbooks in its own folder); hidden folders are not.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from officer import AS_OF, write_workbook
from pipeline import catalogue
from pipeline.cli import cli

#: file -> (status, rule or reason fragment) for every file the fixture puts in the folder.
EXPECTED = {
    "good.xlsx": ("assessed", ""),
    "team/north/deep.XLSM": ("assessed", ""),
    "team/no-risks.xlsx": ("not assessed", "sheet.missing"),
    "empty.xlsx": ("not assessed", "file.unreadable"),
    "old.xls": ("not assessed", "file.unsupported_format"),
    "renamed-csv.xlsx": ("not assessed", "file.unsupported_format"),
    "notes.txt": ("ignored", "not a spreadsheet"),
    "team/minutes.pdf": ("ignored", "not a spreadsheet"),
    "~$good.xlsx": ("ignored", "lock file"),
    "team/north/~$deep.XLSM": ("ignored", "lock file"),
    ".DS_Store": ("ignored", "hidden file"),
    ".hidden.xlsx": ("ignored", "hidden file"),
    ".git/copy.xlsx": ("ignored", "hidden folder"),
    "shortcut.xlsx": ("ignored", "symbolic link"),
    "dangling.xlsx": ("ignored", "symbolic link"),
    "pipe.xlsx": ("ignored", "not a regular file"),
}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("accounting")
    folder = root / "input"
    good = write_workbook(folder / "good.xlsx", partnership_id="P-001")
    write_workbook(folder / "team" / "north" / "deep.XLSM", partnership_id="P-002")
    write_workbook(
        folder / "team" / "no-risks.xlsx",
        partnership_id="P-003",
        edit=lambda book: book.remove(book[catalogue.RISKS_SHEET.name]),
    )
    (folder / "empty.xlsx").write_bytes(b"")
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    (folder / "renamed-csv.xlsx").write_text("Ref,Status\n1a,Yes\n", encoding="utf-8")
    (folder / "notes.txt").write_text("chase P-9", encoding="utf-8")
    (folder / "team" / "minutes.pdf").write_bytes(b"%PDF-1.4\n")
    shutil.copy(good, folder / "~$good.xlsx")
    (folder / "team" / "north" / "~$deep.XLSM").write_bytes(b"owner")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    shutil.copy(good, folder / ".hidden.xlsx")
    (folder / ".git").mkdir()
    shutil.copy(good, folder / ".git" / "copy.xlsx")
    (folder / "shortcut.xlsx").symlink_to(good)
    (folder / "dangling.xlsx").symlink_to(folder / "nowhere.xlsx")
    os.mkfifo(folder / "pipe.xlsx")
    return folder, report(folder, root / "out")


def report(folder: Path, out: Path) -> Path:
    """The pack of `folder`'s year, in `out`."""
    result = CliRunner().invoke(
        cli,
        ["report", str(folder), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out


def present(folder: Path) -> set[str]:
    """Every entry of the folder that is not a directory, found independently of the loader."""
    names = set()
    for directory, _, files in os.walk(folder):
        names |= {(Path(directory) / name).relative_to(folder).as_posix() for name in files}
    return names


def test_the_fixture_holds_exactly_the_expected_files(run):
    folder, _ = run
    assert present(folder) == set(EXPECTED)


def test_results_json_gives_every_file_a_status_and_the_counts_add_up(run):
    folder, out = run
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    statuses = {item["file"]: (item["status"], ",".join(item["findings"])) for item in data["inputs"]}
    statuses.update({item["file"]: (item["status"], item["reason"]) for item in data["ignored"]})
    assert len(data["inputs"]) + len(data["ignored"]) == len(statuses)  # nobody listed twice
    assert set(statuses) == present(folder)
    for name, (status, detail) in EXPECTED.items():
        assert statuses[name][0] == status, name
        assert detail in statuses[name][1], name
    files = data["totals"]["files"]
    assert files == {"received": 16, "assessed": 2, "not_assessed": 4, "ignored": 10}
    assert files["assessed"] + files["not_assessed"] + files["ignored"] == files["received"] == len(present(folder))
    assert data["totals"]["workbooks"] == files["assessed"] + files["not_assessed"]


def test_the_summary_sheet_lists_every_file_and_adds_up(run):
    folder, out = run
    rows = [
        row
        for row in load_workbook(out / "validation_report.xlsx")["Summary"].iter_rows(values_only=True)
        if row and row[0] is not None
    ]
    counts = {row[0]: row[1] for row in rows if len(row) > 1 and isinstance(row[1], int)}
    assert counts["Files in the input folder"] == len(present(folder))
    assert counts["Assessed"] + counts["Not assessed"] + counts["Ignored"] == len(present(folder))
    by_file = {row[0]: row for row in rows if row[0] in EXPECTED}
    assert set(by_file) == set(EXPECTED)
    for name, (status, detail) in EXPECTED.items():
        if status == "ignored":
            assert detail in by_file[name][1], name
        else:
            assert by_file[name][2].lower() == status, name
            assert detail in (by_file[name][5] or ""), name


def test_the_appendix_lists_every_file_with_its_status(run):
    folder, out = run
    page = (out / "review_pack.html").read_text(encoding="utf-8")
    appendix = page[page.index('id="appendix"') :]
    received = re.search(
        r"Files received: (\d+)</strong>: (\d+) assessed,\s+(\d+) not assessed, (\d+) not read", appendix
    )
    assert received and tuple(map(int, received.groups())) == (16, 2, 4, 10)
    rows = re.findall(
        r'<tr><td class="file">(.*?)</td><td class="status">(.*?)</td>(?:<td class="num">.*?</td>'
        r'<td class="hash">.*?</td>|<td>(.*?)</td>)</tr>',
        appendix,
    )
    listed = {html.unescape(name): (html.unescape(status), html.unescape(reason)) for name, status, reason in rows}
    assert set(listed) == present(folder)
    for name, (status, detail) in EXPECTED.items():
        shown, reason = listed[name]
        assert shown.lower().startswith(status), name
        assert detail in (reason if status == "ignored" else shown), name


def test_a_folder_that_cannot_be_opened_is_listed_and_the_rest_is_read(tmp_path, monkeypatch):
    """A team's subfolder the run may not open (its permissions; simulated, as the tests may run with
    every permission): listed as not read, with why, and every other return still read; the run does not
    stop, nor blame its output folder."""
    folder = tmp_path / "input"
    write_workbook(folder / "good.xlsx", partnership_id="P-001")
    write_workbook(folder / "team" / "theirs.xlsx", partnership_id="P-002")
    opened = os.scandir

    def scandir(path="."):
        if Path(path).name == "team":
            raise PermissionError(13, "Permission denied", str(path))
        return opened(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = report(folder, tmp_path / "out")
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [item["file"] for item in data["inputs"]] == ["good.xlsx"]
    assert data["ignored"] == [
        {"file": "team/", "reason": "a folder that cannot be opened (Permission denied): not read", "status": "ignored"}
    ]


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux keeps a file name that is not UTF-8 as it is")
def test_a_file_whose_name_is_not_text_is_listed_and_the_rest_is_read(tmp_path):
    """A return copied from an old zip or share keeps a name in another character set ('café' in
    Latin-1): not valid text, so it cannot be written into a report. It is listed, its name shown with
    the odd bytes as \\xNN, and why; the run goes on and the outputs are written."""
    folder = tmp_path / "input"
    good = write_workbook(folder / "good.xlsx", partnership_id="P-001")
    shutil.copy(good, os.fsencode(folder) + b"/caf\xe9.xlsx")
    out = report(folder, tmp_path / "out")
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [item["file"] for item in data["inputs"]] == ["good.xlsx"]
    assert data["ignored"] == [
        {
            "file": "caf\\xe9.xlsx",
            "reason": "its name is not text in UTF-8 (it came from a system with another character set): rename it",
            "status": "ignored",
        }
    ]
