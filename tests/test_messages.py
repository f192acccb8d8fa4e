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


def test_thousands_parted_by_full_stops_are_asked_again_not_read_as_pounds(tmp_path):
    """'10.000' typed as council funding was read as £10 and counted so: ten thousand as much of Europe
    writes it. It is a finding at its cell that says how to write it, and counts for nothing."""
    from pipeline.check.rules import check

    path = write_workbook(tmp_path / "p1.xlsx", register={"funding": "10.000"})
    report = check([load_workbook_file(path, tmp_path, CONFIG)], as_of=AS_OF, config=CONFIG)
    [message] = [item.message for item in report.findings if (item.rule, item.cell) == ("register.invalid", "B17")]
    assert message == (
        "'Annual council funding (£)' reads 10.000, full stops between thousands, which the review cannot tell "
        "from decimals: write 10,000 or 10000, with one full stop only before a part (pence, or part of a day)."
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


def findings_of(path, tmp_path) -> dict:
    """Each finding of a workbook by rule: its message (the last of a rule found twice)."""
    from pipeline.check.rules import check

    report = check([load_workbook_file(path, tmp_path, CONFIG)], as_of=AS_OF, config=CONFIG)
    return {item.rule: item.message for item in report.findings}


def test_a_figure_shown_in_a_percent_or_euro_format_says_the_format_is_why(tmp_path):
    """12000 typed in a cell formatted as a percentage (shown 1,200,000%) or as euros: the officer was
    asked for 'an amount in pounds in figures, such as 12000', typed 12000 again and got the same
    finding. The message now says the cell's format is why, and what to set it to."""

    def formatted(shape: str):
        def edit(book):
            cell = book["Register"]["B17"]
            cell.value, cell.number_format = 12000, shape

        return edit

    for shape, shown in (("0%", "a percentage"), ("#,##0.00 [$\u20ac-1809]", "in another currency")):
        path = write_workbook(tmp_path / f"{shown}.xlsx", edit=formatted(shape))
        message = findings_of(path, tmp_path)["register.invalid"]
        assert f"is {shown} (" in message and "set its number format to General first" in message, message


def test_a_required_field_answered_tbc_says_tbc_does_not_answer_it(tmp_path):
    path = write_workbook(tmp_path / "tbc.xlsx", partnership_id="TBC")
    assert findings_of(path, tmp_path)["register.missing"] == (
        "'Partnership ID' is required: 'TBC' does not answer it. Fill it in."
    )


def test_a_review_done_before_its_date_is_told_to_set_the_next_date_not_to_do_the_review(tmp_path):
    """Rollover fills in the date this year's review is due (1 April 2026); the officer completed the
    review on 1 March and left that date: at 30 April the review was called overdue and the officer told
    to 'Complete the review', which they had done. They are told to set the next review's date."""
    import datetime as dt

    done = {"review_completed_on": dt.date(2026, 3, 1), "next_review": dt.date(2026, 4, 1)}
    message = findings_of(write_workbook(tmp_path / "done.xlsx", register=done), tmp_path)["register.review_overdue"]
    assert "Complete the review" not in message
    assert "This review was completed on 01/03/2026, before then: set the date of the next one" in message
    late = {"review_completed_on": dt.date(2025, 3, 1), "next_review": dt.date(2026, 4, 1)}
    message = findings_of(write_workbook(tmp_path / "late.xlsx", register=late), tmp_path)["register.review_overdue"]
    assert "Complete the review and set the next review date." in message


def test_a_review_done_after_its_date_is_told_to_set_the_next_date_not_to_do_the_review(tmp_path):
    """The review due on 1 March was completed on 19 March, late, and the date left as it was: the
    officer was told both that it was done ('before this review was completed on 19/03/2026') and to
    'Complete the review', at the same cell."""
    import datetime as dt

    done = {"review_completed_on": dt.date(2026, 3, 19), "next_review": dt.date(2026, 3, 1)}
    message = findings_of(write_workbook(tmp_path / "done.xlsx", register=done), tmp_path)["register.review_overdue"]
    assert "Complete the review" not in message
    assert message.endswith(
        "This review was completed on 19/03/2026: set the date of the next one (usually a year after this one)."
    )


def test_a_review_dated_after_the_as_of_date_is_not_taken_as_done(tmp_path):
    """A completion date after the as-of date (01/12/2026 typed for 01/02/2026) is a slip, not a review
    done: the overdue review was called done ('This review was completed on 01/12/2026: set the date of
    the next one'), and the rating said it was this review's."""
    import datetime as dt

    from pipeline.check.score import score_workbook

    typo = {"review_completed_on": dt.date(2026, 12, 1), "next_review": dt.date(2026, 3, 31)}
    path = write_workbook(tmp_path / "typo.xlsx", register=typo)
    assert "Complete the review and set the next review date." in findings_of(path, tmp_path)["register.review_overdue"]
    score = score_workbook(load_workbook_file(path, tmp_path, CONFIG), (), as_of=AS_OF, config=CONFIG)
    assert not score.next_review_not_set
    assert score.rag_reasons[-1] == "The review was due on 31 March 2026"


def test_an_answer_of_no_asks_for_the_action_with_its_owner_and_due_date(tmp_path):
    """Filling in the Action alone, as asked, brought two new warnings (no owner, no due date)."""
    path = write_workbook(tmp_path / "no.xlsx", improvement={"I04": {"Answer": "No", "Action": None}})
    assert (
        "who will do it (Action owner) and by when (Due date)" in findings_of(path, tmp_path)["improvement.no_action"]
    )


def test_an_overdue_action_says_where_to_record_why_its_date_moved_and_following_it_works(tmp_path):
    """'agree a new due date and record why': the Improvement sheet has no column for why. The message
    names the cells that can hold it, and an officer who does what it says is left with no finding."""
    import datetime as dt

    late = {"Answer": "No", "Action": "Agree a data sharing protocol", "Action owner": "Dev Mistry"}
    late |= {"Due date": dt.date(2026, 1, 31), "Action status": "In progress"}
    path = write_workbook(tmp_path / "late.xlsx", improvement={"I05": late})
    message = findings_of(path, tmp_path)["action.overdue"]
    assert "type it as the Due date, and say why it moved at the end of the Action cell" in message, message

    def followed(book):
        sheet = book["Improvement"]
        sheet["F6"] = dt.date(2026, 7, 31)
        sheet["D6"] = f"{sheet['D6'].value}. Moved to July: the partners' data officers changed."

    path = write_workbook(tmp_path / "followed.xlsx", improvement={"I05": late}, edit=followed)
    assert findings_of(path, tmp_path) == {}
    [row] = [row for row in load_workbook_file(path, tmp_path, CONFIG).improvement if row.area.ref == "I05"]
    assert row.action.endswith("Moved to July: the partners' data officers changed.")


def test_a_method_not_proportionate_says_where_to_say_why_it_is_enough(tmp_path):
    """'say in the review why this method is enough': the workbook has no place called that, and
    writing the reason into the method's cell made it an error."""
    path = write_workbook(
        tmp_path / "p.xlsx", register={"strategic_operational": "Strategic", "performance_method": "No formal method"}
    )
    message = findings_of(path, tmp_path)["register.not_proportionate"]
    assert "say why in the Evidence of checklist question 4a" in message, message


def test_a_deleted_sheet_says_what_to_do_now(tmp_path):
    def without_risks(book):
        del book["Risks"]

    path = write_workbook(tmp_path / "gone.xlsx", edit=without_risks)
    workbook = load_workbook_file(path, tmp_path, CONFIG)
    [message] = [item.message for item in workbook.findings if item.rule == "sheet.missing"]
    assert "Copy your answers into a fresh copy of the standard template" in message


def test_an_id_used_twice_names_the_other_partnership(tmp_path):
    from pipeline.check.rules import check

    write_workbook(tmp_path / "a.xlsx", register={"name": "Alpha Board"})
    write_workbook(tmp_path / "b.xlsx", register={"name": "Beta Forum"})
    batch = load_folder(tmp_path, CONFIG)
    report = check(batch.workbooks, as_of=AS_OF, config=CONFIG)
    messages = {item.file: item.message for item in report.findings if item.rule == "register.duplicate_id"}
    assert "is also used in b.xlsx (Beta Forum)" in messages["a.xlsx"]
    assert "is also used in a.xlsx (Alpha Board)" in messages["b.xlsx"]


def test_a_workbook_of_another_objectives_list_says_plainly_what_it_lacks(tmp_path):
    """'(this year's O6 is not on it as listed)': an officer could not tell what 'as listed' meant."""
    from pipeline.config import Objective

    older = tuple(item for item in CONFIG.objectives if item.ref != "O6") + (Objective("O9", "Older aim"),)
    path = write_workbook(tmp_path / "old.xlsx", council_objectives=older)
    message = findings_of(path, tmp_path)["objectives.other_list"]
    assert "as listed" not in message
    assert "it does not list this year's O6 under its Ref and title" in message, message


def test_a_used_range_beyond_the_limits_is_named_as_excel_shows_it(tmp_path):
    """A note typed at Z2 with the review's columns limited to 20: the message named 'cell Z' and the last
    row of the sheet, a cell the officer never typed in (the corner of the sheet's used range). It says
    the used range ends there, where Excel's Ctrl+End goes."""
    import dataclasses

    def note(book):
        book["Register"]["Z2"] = "see email"

    limited = dataclasses.replace(CONFIG, limits=dataclasses.replace(CONFIG.limits, max_columns=20))
    workbook = load_workbook_file(write_workbook(tmp_path / "note.xlsx", edit=note), tmp_path, limited)
    [item] = workbook.findings
    assert item.rule == "file.too_large"
    last = openpyxl.load_workbook(tmp_path / "note.xlsx")["Register"].max_row
    assert f"A sheet's used range ends at Z{last} (Ctrl+End goes there)" in item.message, item.message
