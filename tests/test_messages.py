"""Every message helps the officer (issue 13, item 9): a workbook not made from the template gets one
finding; formats are named as a sentence names them; "too large" is said only of size."""

from __future__ import annotations

import openpyxl

from officer import AS_OF, write_workbook
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


def test_a_workbook_named_xls_is_not_called_a_legacy_file(tmp_path):
    """An .xlsx renamed .xls was told 'This is a legacy Excel 97-2003 (.xls) file', which it is not:
    saving it again as .xlsx from Excel would not be what it needs (a name)."""
    write_workbook(tmp_path / "renamed.xls")
    batch = load_folder(tmp_path, CONFIG)
    [item] = batch.workbooks[0].findings
    assert item.rule == "file.unsupported_format"
    assert item.message.startswith("This is an Excel workbook (.xlsx) given the name of a legacy (.xls) file;")


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


def test_a_figure_typed_with_words_is_asked_for_with_an_example_of_its_kind(tmp_path):
    """'£12k' in a money field and 'about 20' in a days field: each message's example is a figure of
    that kind (pounds, or days in a year), where both asked for 'a number, such as 1200'."""
    from pipeline.check.rules import check

    path = write_workbook(tmp_path / "p1.xlsx", register={"funding": "£12k", "officer_days": "about 20"})
    report = check([load_workbook_file(path, tmp_path, CONFIG)], as_of=AS_OF, config=CONFIG)
    messages = {item.cell: item.message for item in report.findings if item.rule == "register.invalid"}
    assert messages["B17"] == (
        "'Annual council funding (£)' must be an amount in pounds in figures, such as 12000, £12,000 or 1250.50"
        " (commas only between thousands)."
    )
    assert messages["B18"] == (
        "'Officer time (days per year)' must be a number of days in figures, such as 20 or 2.5"
        " (a full stop, not a comma, before a part day)."
    )


def test_a_decimal_comma_is_asked_again_not_read_ten_times_over(tmp_path):
    """'2,5' days and '12,50' pounds were read as 25 and 1,250 (every comma dropped) and counted in the
    year's totals; a comma only parts thousands, so these are findings and count for nothing."""
    from pipeline.check.rules import check
    from pipeline.check.score import score_workbook

    path = write_workbook(
        tmp_path / "p1.xlsx", register={"funding": "12,50", "officer_days": "2,5", "councillor_days": "1,000"}
    )
    workbook = load_workbook_file(path, tmp_path, CONFIG)
    report = check([workbook], as_of=AS_OF, config=CONFIG)
    found = {item.cell: item.value for item in report.findings if item.rule == "register.invalid"}
    assert found == {"B17": "12,50", "B18": "2,5"}
    scores = score_workbook(workbook, report.findings, as_of=AS_OF, config=CONFIG)
    assert (scores.funding, scores.officer_days, scores.councillor_days) == (None, None, 1000.0)


def test_two_addresses_in_the_lead_officers_email_are_asked_as_one(tmp_path):
    from pipeline.check.rules import check

    path = write_workbook(
        tmp_path / "p1.xlsx", register={"lead_officer_email": "sam@council.gov.uk; jo@council.gov.uk"}
    )
    report = check([load_workbook_file(path, tmp_path, CONFIG)], as_of=AS_OF, config=CONFIG)
    [item] = [item for item in report.findings if item.rule == "register.invalid"]
    assert item.message == (
        "'Lead officer email' holds more than one address: enter the lead officer's own address only."
    )


def test_a_sheet_renamed_by_a_space_or_a_capital_is_read_as_it_is_meant(tmp_path):
    """'Risks ' (a space at its end) or 'risks' looks like 'Risks' to an officer, a slip the review
    forgives as it does in answers: the return was Not assessed, its figures lost, for a name that
    reads the same. Such a sheet is read, its findings marked on it in the feedback copy; a sheet
    renamed in words ('Risk register') is still missing, and told where it is."""
    import openpyxl

    from pipeline.check.feedback import write_feedback
    from pipeline.check.rules import check

    def rename(name):
        def edit(book):
            sheet = book["Risks"]
            sheet.title = "renaming"  # openpyxl would make 'risks' 'risks1', next to the sheet's own name
            sheet.title = name

        return edit

    for number, name in enumerate(("Risks ", "risks")):
        folder = tmp_path / f"p{number}"
        path = write_workbook(folder / "p.xlsx", risks={"R03": {"Likelihood": 9}}, edit=rename(name))
        workbook = load_workbook_file(path, folder, CONFIG)
        assert workbook.assessed and not workbook.findings, workbook.findings
        report = check([workbook], as_of=AS_OF, config=CONFIG)
        [invalid] = [item for item in report.findings if item.rule == "risk.invalid"]
        assert invalid.sheet == "Risks"
        [copy] = write_feedback(folder, [workbook], report, tmp_path / f"feedback{number}")
        marked = openpyxl.load_workbook(copy)
        assert marked[name][invalid.cell].comment is not None
        assert marked["Findings"]["B5"].hyperlink.location == f"'{name}'!{invalid.cell}"
    path = write_workbook(tmp_path / "p3.xlsx", edit=rename("Risk register"))
    [item] = [item for item in load_workbook_file(path, tmp_path, CONFIG).findings if item.rule == "sheet.missing"]
    assert "'Risk register' is there instead: give it back its name, 'Risks'" in item.message
