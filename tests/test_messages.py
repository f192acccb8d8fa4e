"""Every message helps the officer (issue 13, item 9): a workbook not made from the template gets one
finding; formats are named as a sentence names them; "too large" is said only of size."""

from __future__ import annotations

import openpyxl

from officer import write_workbook
from pipeline.config import Config
from pipeline.read.batch import load_folder
from pipeline.read.workbook import load_workbook_file

CONFIG = Config()


def test_a_workbook_not_made_from_the_template_gets_one_finding(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Partnerships"
    book.active["A1"], book.active["B1"] = "Partnership ID", "P-001"
    book.save(tmp_path / "own-spreadsheet.xlsx")
    workbook = load_workbook_file(tmp_path / "own-spreadsheet.xlsx", tmp_path, CONFIG)
    assert [(item.sheet, item.rule) for item in workbook.findings] == [("", "template.version")]
    assert not workbook.assessed


def test_formats_are_named_with_their_article(tmp_path):
    (tmp_path / "calc.ods").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "book.xls").write_bytes(b"old")
    batch = load_folder(tmp_path, CONFIG)
    messages = {workbook.file: workbook.findings[0].message for workbook in batch.workbooks}
    assert messages["calc.ods"].startswith("This is an OpenDocument")
    assert messages["book.xls"].startswith("This is a legacy Excel")


def test_too_large_is_said_only_of_size(tmp_path):
    def far(book):
        book["Guide"]["XFD1048576"] = "stray"

    far_away = load_workbook_file(write_workbook(tmp_path / "far.xlsx", edit=far), tmp_path, CONFIG)
    [item] = far_away.findings
    assert item.rule == "file.too_large" and "XFD1048576" in item.message
    assert "too large" not in item.message and "Delete those rows and columns" in item.message
    big = load_workbook_file(
        write_workbook(tmp_path / "big.xlsx"), tmp_path, Config(limits=CONFIG.limits.__class__(max_file_bytes=1000))
    )
    assert "too large" in big.findings[0].message
