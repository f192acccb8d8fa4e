"""Loading returned workbooks: typed records stamped with their Excel rows, forgiving reading, layout checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path

import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.defined_name import DefinedName

from libreoffice import resave
from officer import AS_OF, write_workbook
from pipeline import catalogue, values
from pipeline.config import Config
from pipeline.read.batch import load_folder
from pipeline.read.workbook import load_workbook_file
from pipeline.check.rules import check

CONFIG = Config()


def findings_of(path: Path, folder: Path | None = None) -> list[tuple[str, str, str]]:
    workbook = load_workbook_file(path, folder or path.parent, CONFIG)
    return [(item.sheet, item.cell, item.rule) for item in check([workbook], as_of=AS_OF, config=CONFIG).findings]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("load")


@pytest.fixture(scope="module")
def complete(folder) -> Path:
    return write_workbook(folder / "complete.xlsx")


def test_complete_workbook_reads_into_stamped_records(complete, folder):
    workbook = load_workbook_file(complete, folder, CONFIG)
    assert workbook.findings == () and workbook.assessed
    assert workbook.file == "complete.xlsx"
    assert workbook.sha256 == hashlib.sha256(complete.read_bytes()).hexdigest()
    assert workbook.size == complete.stat().st_size
    assert workbook.partnership_id == "P-001"
    assert {key: entry.row for key, entry in workbook.register.items()} == catalogue.REGISTER_ROWS
    assert [(row.question.ref, row.row) for row in workbook.checklist] == list(catalogue.CHECKLIST_ROWS.items())
    assert [(row.area.ref, row.row) for row in workbook.improvement] == list(catalogue.IMPROVEMENT_ROWS.items())
    assert [row.ref for row in workbook.risks] == [risk.ref for risk in catalogue.RISKS]
    assert workbook.value("funding") == 25000 and workbook.value("next_review") == dt.date(2027, 3, 31)
    assert workbook.checklist[0].cell("Evidence") == "E2"
    assert check([workbook], as_of=AS_OF, config=CONFIG).findings == []


def test_messy_but_valid_typing_gives_no_finding(folder):
    nbsp = "\u00a0"
    path = write_workbook(
        folder / "messy.xlsx",
        register={
            "id": f"  P-002{nbsp}",
            "council_role": " leading ",
            "strategic_operational": "STRATEGIC",
            "single_multi": f"multi{nbsp}organisation",
            "funding": "£1,200",
            "officer_days": " 12.5 ",
            "councillor_days": "3",
            "start_date": "01/04/2015",
            "next_review": "2027-03-31",
            "review_completed_on": dt.datetime(2026, 4, 15, 0, 0),
            "lead_officer_email": " sam.patel@council.gov.uk ",
            "scope_contract": "no",
            "partners": "Police;Fire;",
        },
        checklist={"1a": {"Status": "yes"}, "1b": {"Status": f"{nbsp}Partly"}, "1c": {"Status": "n/a"}},
        improvement={
            "I01": {
                "Answer": "NO",
                "Action": "Agree terms",
                "Action owner": "Sam",
                "Due date": "05/12/2026",
                "Action status": "in progress",
            }
        },
        risks={"R02": {"Likelihood": "3", "Impact": " 4 "}, "R03": {"Likelihood": 5.0, "Impact": 1}},
    )
    assert findings_of(path) == []
    workbook = load_workbook_file(path, folder, CONFIG)
    assert workbook.partnership_id == "P-002"
    assert workbook.improvement[0].due == "05/12/2026"  # parsed as 5 December by the rules, kept as typed


def test_numbers_typed_in_text_fields_read_as_shown(folder):
    path = write_workbook(folder / "numeric-id.xlsx", register={"id": 14})
    assert load_workbook_file(path, folder, CONFIG).partnership_id == "14"


def test_officers_own_risks_below_the_nine(folder):
    path = write_workbook(
        folder / "own-risks.xlsx",
        risks={
            "R10": {"Risk": "Key partner leaves", "Likelihood": 2, "Impact": 3, "Mitigation": "Exit plan"},
            "R12": {"Ref": None, "Risk": "Funding cut", "Likelihood": 4, "Impact": 4, "Mitigation": "Reserve"},
            "R14": {"Ref": "X-1", "Risk": "Data loss", "Likelihood": 1, "Impact": 5, "Mitigation": "Backups"},
            "R15": {"Ref": "r01", "Risk": "Copied ref", "Likelihood": 1, "Impact": 1, "Mitigation": "None needed"},
        },
    )
    workbook = load_workbook_file(path, folder, CONFIG)
    own = [(row.ref, row.row, row.text) for row in workbook.risks if not row.is_strategy_risk]
    # R11 and R13 are blank rows (only their pre-written Ref) and are not risks; a blank Ref takes the row's place.
    assert own == [
        ("R10", 11, "Key partner leaves"),
        ("R12", 13, "Funding cut"),
        ("X-1", 15, "Data loss"),
        ("R15", 16, "Copied ref"),
    ]  # a Ref already used above takes the row's place too
    assert findings_of(path) == []


def test_template_version_as_formula_or_cell_reference(folder):
    def formula(book):
        book.defined_names[catalogue.TEMPLATE_VERSION_NAME] = DefinedName(
            catalogue.TEMPLATE_VERSION_NAME, attr_text="=2"
        )

    def reference(book):
        book[catalogue.GUIDE_SHEET]["Z1"] = 2
        book.defined_names[catalogue.TEMPLATE_VERSION_NAME] = DefinedName(
            catalogue.TEMPLATE_VERSION_NAME, attr_text=f"{catalogue.GUIDE_SHEET}!$Z$1"
        )

    assert findings_of(write_workbook(folder / "v-formula.xlsx", edit=formula)) == []
    assert findings_of(write_workbook(folder / "v-reference.xlsx", edit=reference)) == []


def test_unknown_or_missing_template_version(folder):
    def version_three(book):
        book.defined_names[catalogue.TEMPLATE_VERSION_NAME] = DefinedName(
            catalogue.TEMPLATE_VERSION_NAME, attr_text="3"
        )

    def no_version(book):
        del book.defined_names[catalogue.TEMPLATE_VERSION_NAME]

    for name, edit in (("v3.xlsx", version_three), ("v-none.xlsx", no_version)):
        workbook = load_workbook_file(write_workbook(folder / name, edit=edit), folder, CONFIG)
        assert [(item.cell, item.rule) for item in workbook.findings] == [("", "template.version")]
        assert not workbook.assessed


def test_layout_changes_are_found_at_their_cell(folder):
    def edit(book):
        book[catalogue.CHECKLIST.name]["D1"] = "State"
        book[catalogue.CHECKLIST.name]["A5"], book[catalogue.CHECKLIST.name]["A6"] = "2a", "1d"
        book[catalogue.REGISTER.name][f"A{catalogue.REGISTER_ROWS['purpose']}"] = "Aims"
        book[catalogue.IMPROVEMENT.name]["A15"] = None
        book[catalogue.RISKS_SHEET.name]["C1"] = " likelihood "  # case and spaces are forgiven
        del book[catalogue.GUIDE_SHEET]

    workbook = load_workbook_file(write_workbook(folder / "layout.xlsx", edit=edit), folder, CONFIG)
    assert sorted((item.sheet, item.cell, item.rule) for item in workbook.findings) == [
        ("Checklist", "A5", "sheet.layout"),
        ("Checklist", "A6", "sheet.layout"),
        ("Checklist", "D1", "sheet.layout"),
        ("Guide", "", "sheet.missing"),
        ("Improvement", "A15", "sheet.layout"),
        ("Register", "A4", "sheet.layout"),
    ]
    assert all(item.partnership_id == "P-001" for item in workbook.findings)
    assert not workbook.assessed
    report = check([workbook], as_of=AS_OF, config=CONFIG)
    assert {item.rule for item in report.findings} == {"sheet.layout", "sheet.missing"}  # no cell rules


def test_1904_date_system_reads_the_same_dates(folder):
    def mac(book):
        book.epoch = CALENDAR_MAC_1904

    workbook = load_workbook_file(write_workbook(folder / "mac.xlsx", edit=mac), folder, CONFIG)
    assert workbook.value("next_review") == dt.date(2027, 3, 31)
    assert workbook.improvement[-1].due == dt.date(2026, 9, 30)


def test_folder_reads_subfolders_and_accounts_for_every_file(tmp_path, complete):
    (tmp_path / "team a").mkdir()
    (tmp_path / ".git").mkdir()
    shutil.copy(complete, tmp_path / "b.xlsx")
    shutil.copy(complete, tmp_path / "team a" / "a.XLSM")
    shutil.copy(complete, tmp_path / "~$b.xlsx")
    shutil.copy(complete, tmp_path / ".hidden.xlsx")
    shutil.copy(complete, tmp_path / ".git" / "c.xlsx")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "link.xlsx").symlink_to(tmp_path / "b.xlsx")
    (tmp_path / "link.pdf").symlink_to(tmp_path / "notes.pdf")
    os.mkfifo(tmp_path / "pipe.xlsx")  # never opened: reading it would wait for ever
    batch = load_folder(tmp_path, CONFIG)
    assert [item.file for item in batch.workbooks] == ["b.xlsx", "old.xls", "team a/a.XLSM"]
    assert [item.assessed for item in batch.workbooks] == [True, False, True]
    assert [(item.file, item.reason) for item in batch.ignored] == [
        (".git/c.xlsx", "in a hidden folder"),
        (".hidden.xlsx", "hidden file"),
        ("link.pdf", "symbolic link (not followed)"),
        ("link.xlsx", "symbolic link (not followed)"),
        ("notes.pdf", "not a spreadsheet"),
        ("pipe.xlsx", "not a regular file"),
        ("~$b.xlsx", "Excel lock file (the workbook was open when copied)"),
    ]


def test_returns_sent_in_a_zip_or_an_email_are_listed_with_what_to_do(tmp_path, complete):
    """Returns gathered into a zip, or an email dragged in with its workbook attached, are not read:
    the reason says what to do so that the workbooks in them are, where it said only 'not a spreadsheet'."""
    import zipfile

    with zipfile.ZipFile(tmp_path / "returns.zip", "w") as archive:
        archive.write(complete, "P-001 return.xlsx")
    (tmp_path / "Re P-002 review.msg").write_bytes(b"\xd0\xcf\x11\xe0 an Outlook message")
    (tmp_path / "Fwd review.eml").write_text("From: officer@council.gov.uk\n\nSee attached.")
    reasons = {item.file: item.reason for item in load_folder(tmp_path, CONFIG).ignored}
    assert "unzip it into the input folder" in reasons["returns.zip"]
    for email in ("Re P-002 review.msg", "Fwd review.eml"):
        assert "save the workbook attached to it into the input folder" in reasons[email]


def test_parallel_loading_gives_the_same_batch(tmp_path, complete, start_method):
    for index in range(4):
        write_workbook(tmp_path / f"p{index}.xlsx", partnership_id=f"P-{index}")
    (tmp_path / "empty.xlsx").write_bytes(b"")
    assert load_folder(tmp_path, CONFIG, jobs=2) == load_folder(tmp_path, CONFIG, jobs=1)


def test_workbook_resaved_by_libreoffice_validates_the_same(tmp_path):
    source = tmp_path / "src"
    original = write_workbook(
        source / "messy.xlsx",
        register={"council_role": " leading", "funding": "£1,200", "next_review": "31/03/2026", "start_date": "soon"},
        checklist={"1a": {"Status": "yes"}, "1b": {"Status": None}, "2a": {"Status": "Partly", "Evidence": None}},
        improvement={"I01": {"Answer": "No", "Action": "Agree terms", "Due date": dt.date(2026, 1, 1)}},
        risks={"R02": {"Likelihood": "3", "Impact": 7}, "R12": {"Risk": "Own", "Likelihood": 5, "Impact": 5}},
    )
    resaved = resave(original, tmp_path / "resaved")
    expected = findings_of(original)
    assert len(expected) >= 7
    assert findings_of(resaved) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "Sam Patel <sam.patel@council.gov.uk>",  # pasted from Outlook's To line
        "mailto:sam.patel@council.gov.uk",  # copied from a link
        "Patel, Sam <Sam.Patel@council.gov.uk>",
    ],
)
def test_an_email_address_pasted_with_its_name_is_read(folder, typed):
    """An address pasted from Outlook comes with the person's name, or from a link with "mailto:": it is
    one address, unambiguous, and was refused as "not an email address"."""
    path = write_workbook(folder / "pasted.xlsx", register={"lead_officer_email": typed})
    assert findings_of(path) == []


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("Wednesday 15 April 2026", dt.date(2026, 4, 15)),  # copied from an Outlook meeting
        ("Wed, 15 Apr 2026", dt.date(2026, 4, 15)),
        ("15/04/2026 00:00", dt.date(2026, 4, 15)),  # text from a system's export, as ISO's is read
        ("15/04/2026 00:00:00", dt.date(2026, 4, 15)),
        ("Monday 15 April 2026", values.INVALID),  # the day and the date disagree: which is meant?
    ],
)
def test_a_date_pasted_with_its_weekday_or_midnight_is_read(folder, typed, read):
    """Dates copied as text from Outlook carry the weekday, and from a system's export the time (midnight):
    each one date, and were refused as dates that cannot be read. A weekday that is not the date's is."""
    path = write_workbook(folder / "pasted-date.xlsx", register={"review_completed_on": typed})
    workbook = load_workbook_file(path, folder, CONFIG)
    assert values.date(workbook.register["review_completed_on"].value) == read
    cell = f"B{catalogue.REGISTER_ROWS['review_completed_on']}"
    refused = ("Register", cell, "register.invalid_date") in findings_of(path)
    assert refused is (read is values.INVALID)


def test_the_folder_check_readme_gives_answers_in_a_line_and_never_a_traceback(tmp_path):
    """`python -m pipeline.read.folder input` (README) ended in a traceback for a folder misspelt or not
    given, and said nothing when it found returns."""
    import subprocess
    import sys

    def check(*arguments):
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.read.folder", *arguments], capture_output=True, text=True
        )
        return done.returncode, done.stdout.strip(), done.stderr

    write_workbook(tmp_path / "in" / "p1.xlsx")
    (tmp_path / "empty").mkdir()
    assert check(str(tmp_path / "in")) == (0, f"{tmp_path / 'in'} holds 1 return.", "")
    assert check(str(tmp_path / "empty")) == (1, f"{tmp_path / 'empty'} holds no return.", "")
    assert check(str(tmp_path / "inptu")) == (
        2,
        f"{tmp_path / 'inptu'} is not a folder (there is nothing of that name).",
        "",
    )
    assert check() == (2, "Give one folder: python -m pipeline.read.folder input", "")


def test_a_second_table_pasted_below_the_risks_is_not_read_as_risks(tmp_path):
    """An officer pasted their action log, with its own header row, below the risk register: its header
    was read as a risk 'Ref' with a likelihood of 'Priority', and its rows as High risks with no
    mitigation, which made the partnership Red. The table ends where a header row is repeated; what
    follows is pointed out, once, and not read."""
    from pipeline.check.assess import assess_folder
    from pipeline.config import Config

    def paste(book):
        sheet = book[catalogue.RISKS_SHEET.name]
        below = sheet.max_row + 2
        for column, header in enumerate(("Ref", "Action log", "Priority", "Weeks", "Notes", "Owner"), start=1):
            sheet.cell(below, column, header)
        for index, (priority, weeks) in enumerate(((3, 5), (2, 4), (3, 5), (1, 2)), start=1):
            for column, value in enumerate((f"A{index}", f"Chase partner {index}", priority, weeks, None, "Sam"), 1):
                sheet.cell(below + index, column, value)

    write_workbook(
        tmp_path / "second.xlsx", risks={"R10": {"Risk": "Our own", "Likelihood": 2, "Impact": 2}}, edit=paste
    )
    outcome = assess_folder(tmp_path, Config(), as_of=AS_OF)
    [score] = outcome.scores
    assert [risk.ref for risk in score.risks][9:] == ["R10"]
    assert score.rag != "Red" or "High risk" not in " ".join(score.rag_reasons)
    [pasted] = [item for item in outcome.report.findings if item.rule == "sheet.other_table"]
    assert (pasted.sheet, pasted.severity) == (catalogue.RISKS_SHEET.name, "warning")
    assert "is not read as risks" in pasted.message
    assert not [item for item in outcome.report.findings if item.rule.startswith("risk.") and item.value == "Priority"]


@pytest.mark.parametrize("ref", ["R21", None])
def test_an_own_high_risk_below_a_blank_row_is_read(tmp_path, ref):
    """An officer added their own High risk (5 x 5, no mitigation) below the register's last row, leaving
    a blank row between: it was taken for another table (sheet.other_table), not read, and the
    partnership was Amber where the same risk a row higher made it Red. A row with a risk's Ref, or rated
    as risks are, is a risk wherever it stands."""
    from pipeline.check.assess import assess_folder
    from pipeline.config import Config

    def add(book):
        sheet = book[catalogue.RISKS_SHEET.name]
        below = max(catalogue.RISK_ROWS.values()) + 2
        for column, value in enumerate((ref, "Key staff leave the partnership board", 5, 5, None, "Tom"), start=1):
            sheet.cell(below, column, value)

    write_workbook(tmp_path / "own.xlsx", edit=add)
    outcome = assess_folder(tmp_path, Config(), as_of=AS_OF)
    [score] = outcome.scores
    assert [risk.ref for risk in score.risks][9:] == [ref or "R22"]  # a blank Ref: its place in the list
    assert score.rag == "Red" and any("High risk" in reason for reason in score.rag_reasons)
    assert not [item for item in outcome.report.findings if item.rule == "sheet.other_table"]


def assert_only_another_table(
    tmp_path,
    rows,
    *,
    below: int,
    delete_open_rows: bool = False,
    column: int = 1,
    risks: dict | None = None,
    starts: int | None = None,
) -> None:
    """A return with `rows` typed into the Risks sheet from row `below` and `column` (after the open rows
    R10..R20 are deleted, with `delete_open_rows`) keeps the strategy's nine risks and its own `risks`
    only, and its Risks sheet has one finding: another table (sheet.other_table) starts at row `starts`
    (the first row typed unless given)."""
    from pipeline.check.assess import assess_folder
    from pipeline.config import Config

    def paste(book):
        sheet = book[catalogue.RISKS_SHEET.name]
        if delete_open_rows:
            sheet.delete_rows(catalogue.RISK_ROWS["R10"], 11)
        for offset, cells in enumerate(rows):
            for index, value in enumerate(cells, start=column):
                sheet.cell(below + offset, index, value)

    write_workbook(tmp_path / "pasted.xlsx", risks=risks, edit=paste)
    outcome = assess_folder(tmp_path, Config(), as_of=AS_OF)
    [workbook] = outcome.batch.workbooks
    assert [risk.ref for risk in workbook.risks][len(catalogue.RISKS) :] == list(risks or ())
    assert [(item.rule, item.cell) for item in outcome.report.findings if item.sheet == catalogue.RISKS_SHEET.name] == [
        ("sheet.other_table", f"A{starts or below}")
    ]


def test_an_action_log_below_the_risks_is_another_table_where_the_open_rows_were_deleted(tmp_path):
    """A tidy officer deleted the unused rows R10 to R20, then pasted their action log after one blank
    row: the end of the register was taken from the template, so the log was read as risks, with six
    risk.invalid errors ("Risk No.: the likelihood must be a whole number"). The register ends at its
    last row the sheet has."""
    log = (
        ("No.", "Action", "Lead", "Due", "Status"),
        (1, "Refresh the terms of reference", "Tom Bennett", "2026-06-30", "Open"),
        (2, "Report to Cabinet", "Isla Singh", "2026-09-30", "Open"),
    )
    assert_only_another_table(tmp_path, log, below=catalogue.RISK_ROWS["R09"] + 2, delete_open_rows=True)


@pytest.mark.parametrize("copy_name", ["Checklist (2)", "Checklist_2", "Checklist Copy"])
def test_answers_on_a_copy_of_a_sheet_are_pointed_out(tmp_path, copy_name):
    """An officer answered every question on a copy of the Checklist ('Checklist (2)', as Excel names a
    copy; LibreOffice's 'Checklist_2') and left the original blank: 29 warnings asked for answers they
    had given, the partnership was Red at 0%, and nothing said the answers sat on the copy."""
    from pipeline.check.assess import assess_folder
    from pipeline.config import Config

    def copy(book):
        book.copy_worksheet(book[catalogue.CHECKLIST.name]).title = copy_name

    write_workbook(tmp_path / "copied.xlsx", edit=copy)
    findings = assess_folder(tmp_path, Config(), as_of=AS_OF).report.findings
    [copied] = [item for item in findings if item.rule == "sheet.copy"]
    assert (copied.sheet, copied.severity) == (copy_name, "warning")
    assert copied.message == (
        f"'{copy_name}' is a copy of the 'Checklist' sheet: the review reads 'Checklist' only. If the copy holds "
        "this partnership's answers, put them on 'Checklist'; if another partnership's, give that partnership a "
        "workbook of its own (one partnership to a workbook). Then delete the copy."
    )


def test_register_answers_pasted_one_column_to_the_right_are_pointed_out(tmp_path):
    """Answers pasted into the Guidance column (C), beside the Value column: 19 "is required. Fill it
    in." errors with no word that every answer sat beside its cell, and the return counted as a Green
    partnership in scope with no ID, no scope answers and no review dates. The answers cannot be read
    where they are: one sheet.layout error says where they are, and the return is not assessed."""
    from pipeline.check.assess import assess_folder
    from pipeline.config import Config

    def shift(book):
        sheet = book[catalogue.REGISTER.name]
        for row in catalogue.REGISTER_ROWS.values():
            sheet.cell(row, 3).value, sheet.cell(row, 2).value = sheet.cell(row, 2).value, None

    write_workbook(tmp_path / "shifted.xlsx", edit=shift)
    outcome = assess_folder(tmp_path, Config(), as_of=AS_OF)
    layout = [item for item in outcome.report.findings if item.rule == "sheet.layout"]
    assert [(item.sheet, item.cell) for item in layout] == [("Register", f"C{catalogue.REGISTER_ROWS['id']}")]
    assert "The answers are in the Guidance column (C), not the Value column (B)" in layout[0].message
    assert not [item for item in outcome.report.findings if item.rule == "register.missing"]
    [score] = outcome.scores
    assert score.rag == "Not assessed"


def test_a_table_pasted_below_the_risks_after_a_gap_is_not_read_as_risks(tmp_path):
    """An action log headed 'No. | Action | Lead', pasted after a blank row below the risk register: no
    header of the risks repeats, and its rows were read as risks '1' and '2'. Rows below the table's
    last row, after a blank row, are another table."""
    rows = (("No.", "Action", "Lead", "Due date", "Status"), (1, "Agree data sharing", 3, 4, "In progress"))
    assert_only_another_table(tmp_path, rows, below=max(catalogue.RISK_ROWS.values()) + 2)


def test_a_second_tab_of_a_standard_sheets_name_is_pointed_out(tmp_path):
    """A blank 'Risks' beside the officer's own 'risks ' (a trailing space): one tab was read, and
    nothing said the other's answers were not. The other is pointed out as a copy (sheet.copy)."""
    from pipeline.check.assess import assess_folder
    from pipeline.config import Config

    def second(book):
        book.copy_worksheet(book[catalogue.RISKS_SHEET.name]).title = "risks "

    write_workbook(tmp_path / "two.xlsx", edit=second)
    findings = assess_folder(tmp_path, Config(), as_of=AS_OF).report.findings
    assert [(item.rule, item.sheet) for item in findings if item.rule == "sheet.copy"] == [("sheet.copy", "risks ")]


def test_a_filled_down_formula_the_translator_cannot_read_is_kept_as_written(tmp_path):
    """A date filled down in Excel whose formula holds an error literal newer than openpyxl knows
    (#SPILL!): the translator raised, and the return was 'damaged', Not assessed."""
    from pipeline.read.workbook import _filled_down

    assert _filled_down("F2", "IF(E2=#SPILL!,TODAY(),E2)", "F3") == "=IF(E2=#SPILL!,TODAY(),E2)"


def test_an_officers_own_sheet_named_with_a_year_is_not_a_copy(tmp_path):
    """'Risks_2025' (last year's risks kept for reference) was told it was a copy to delete: a
    LibreOffice copy's suffix is a small number ('Risks_2'), not a year."""
    from pipeline.check.assess import assess_folder
    from pipeline.config import Config

    def keep(book):
        book.create_sheet("Risks_2025")

    write_workbook(tmp_path / "kept.xlsx", edit=keep)
    assert not [
        item for item in assess_folder(tmp_path, Config(), as_of=AS_OF).report.findings if item.rule == "sheet.copy"
    ]


def test_a_risk_action_plan_below_the_register_is_another_table(tmp_path):
    """After a blank row, an officer listed actions for their risks, each row naming its risk in the Ref
    column ('R04 | Refresh the plan | Sam | 30/06/2026'): the rows were read as own risks R22 and R23,
    with four risk.invalid errors. A Ref the register already has is not a new risk."""
    plan = (("R04", "Refresh the continuity plan", "Sam Patel", "30/06/2026"), ("R07", "Brief the board", "Ana", "Q3"))
    assert_only_another_table(tmp_path, plan, below=max(catalogue.RISK_ROWS.values()) + 2)


#: An action log as officers keep one, with its header row.
ACTION_LOG = (
    ("No.", "Action", "Lead", "Due", "Status"),
    (1, "Refresh the terms of reference", "Tom Bennett", "2026-06-30", "Open"),
    (2, "Report to Cabinet", "Isla Singh", "2026-09-30", "Open"),
)
OWN_RISK = {"R10": {"Risk": "Key partner leaves", "Likelihood": 2, "Impact": 3}}


@pytest.mark.parametrize(
    "rows, below, column, risks, delete_open_rows",
    [
        pytest.param(ACTION_LOG, catalogue.RISK_ROWS["R20"] + 1, 1, None, False, id="under the open rows"),
        pytest.param(ACTION_LOG, catalogue.RISK_ROWS["R09"] + 1, 1, None, True, id="open rows deleted"),
        pytest.param(ACTION_LOG, catalogue.RISK_ROWS["R11"], 1, OWN_RISK, False, id="under an own risk"),
        pytest.param(ACTION_LOG, catalogue.RISK_ROWS["R11"], 2, OWN_RISK, False, id="beside the open rows' Refs"),
        pytest.param(
            (("Name", "Organisation", "Role", "Email", "Phone"), ("Tom Bennett", "Police", "Chair", "t@police.uk")),
            catalogue.RISK_ROWS["R20"] + 1,
            1,
            None,
            False,
            id="contacts",
        ),
        pytest.param(
            (
                ("Funding source", "Annual budget (£)", "Council funding (£)", "Partner contributions (£)"),
                ("Lottery", 20000, 5000, 15000),
            ),
            catalogue.RISK_ROWS["R20"] + 1,
            1,
            None,
            False,
            id="budget",
        ),
        pytest.param(
            (
                ("Risk", "Action", "Owner", "Due date", "Status"),
                ("R04", "Refresh the plan", "Sam", "2026-06-30", "Open"),
            ),
            catalogue.RISK_ROWS["R20"] + 1,
            1,
            None,
            False,
            id="headers in other columns",
        ),
    ],
)
def test_a_table_pasted_right_under_the_risks_is_another_table(tmp_path, rows, below, column, risks, delete_open_rows):
    """An action log (or a contact list, a budget) pasted straight under the risks, with no blank row
    and a header row of its own: its header was read as a risk 'No.' with a likelihood of 'Lead', its
    rows as risks '1' and '2', with six risk.invalid errors and wrong counts of risks. A header row of
    the template's own words (Action, Owner, Due, Status, Name, Email, Budget), one where a risk has its
    rating, starts another table, wherever it is below R09."""
    assert_only_another_table(
        tmp_path, rows, below=below, column=column, risks=risks, delete_open_rows=delete_open_rows
    )


def test_an_action_plan_with_a_title_right_under_the_risks_is_another_table(tmp_path):
    """A title row ('Risk actions', in the Risk column) above an action log pasted under the risks: the
    title was read as an unrated own risk. The table starts at its title."""
    below = catalogue.RISK_ROWS["R20"] + 1
    assert_only_another_table(tmp_path, ((None, "Risk actions"), *ACTION_LOG), below=below, starts=below)


def test_a_risk_action_plan_right_under_the_risks_is_another_table(tmp_path):
    """A risk action plan with no header row, pasted straight under the register, each row naming its
    risk ('R04 | Refresh the plan | Sam | 30/06/2026'): its rows were read as own risks R21 and R22, with
    four risk.invalid errors. A row naming a risk already listed, not rated, is not a new risk."""
    plan = (("R04", "Refresh the continuity plan", "Sam Patel", "30/06/2026"), ("R07", "Brief the board", "Ana", "Q3"))
    assert_only_another_table(tmp_path, plan, below=catalogue.RISK_ROWS["R20"] + 1)


def test_own_risks_right_under_the_register_in_its_words_are_still_read(tmp_path):
    """Own risks typed under the register's last row, one with a new Ref, one with none, their cells in
    the template's own words ('Funding', 'Annual review', 'Service lead'), not rated: risks all the
    same (risk.unrated), not another table."""
    from pipeline.check.assess import assess_folder
    from pipeline.config import Config

    def add(book):
        sheet = book[catalogue.RISKS_SHEET.name]
        below = catalogue.RISK_ROWS["R20"] + 1
        for offset, cells in enumerate(
            (
                ("R21", "Budget", None, None, "Annual review", "Lead officer"),
                (None, "Funding", None, None, "Review", "Service lead"),
            )
        ):
            for column, value in enumerate(cells, start=1):
                sheet.cell(below + offset, column, value)

    write_workbook(tmp_path / "own.xlsx", edit=add)
    outcome = assess_folder(tmp_path, Config(), as_of=AS_OF)
    [workbook] = outcome.batch.workbooks
    assert [risk.ref for risk in workbook.risks][len(catalogue.RISKS) :] == ["R21", "R22"]
    assert {item.rule for item in outcome.report.findings if item.sheet == catalogue.RISKS_SHEET.name} == {
        "risk.unrated"
    }


def test_a_table_pasted_right_under_the_objectives_is_another_table(tmp_path):
    """An action log pasted straight under the council's objectives: its header and rows were read as
    objectives 'No.', '1' and '2', written to answers.csv and the register, and their names and dates
    counted as answers left out of the figures. The same rule as below the risks: a header row of
    another table (and its title) starts another table, not read."""
    from pipeline.check.assess import assess_folder
    from pipeline.config import DEFAULT_OBJECTIVES, Config

    below = catalogue.OBJECTIVES_SHEET.first_row + len(DEFAULT_OBJECTIVES)

    def paste(book):
        sheet = book[catalogue.OBJECTIVES_SHEET.name]
        for offset, cells in enumerate((("Action plan",), *ACTION_LOG)):
            for column, value in enumerate(cells, start=1):
                sheet.cell(below + offset, column, value)

    write_workbook(tmp_path / "pasted.xlsx", edit=paste)
    outcome = assess_folder(tmp_path, Config(), as_of=AS_OF)
    [workbook] = outcome.batch.workbooks
    assert [row.ref for row in workbook.objectives] == [item.ref for item in DEFAULT_OBJECTIVES]
    assert [(item.sheet, item.cell, item.rule) for item in outcome.report.findings] == [
        (catalogue.OBJECTIVES_SHEET.name, f"A{below}", "sheet.other_table")
    ]
    assert "below the list of objectives: it is not read as objectives" in outcome.report.findings[0].message


@pytest.mark.parametrize(
    "risks, objectives",
    [
        pytest.param(
            {
                "R10": {
                    "Risk": "Loss of partner funding",
                    "Likelihood": 3,
                    "Impact": "Service delivery",
                    "Mitigation": "Quarterly review",
                    "Owner": "Lead officer",
                },
                "R11": {"Risk": "Venue lost", "Likelihood": 2, "Impact": "Funding", "Owner": "Council"},
            },
            None,
            id="own risks in the template's words",
        ),
        pytest.param(
            {"R10": {"Risk": "Staff turnover", "Likelihood": "Level 3", "Impact": "Level 4"}}, None, id="levels"
        ),
        pytest.param(None, {"O3": {"Contributes": "Funding", "How": "Council funding"}}, id="an objective's answer"),
        pytest.param(None, {"O2": {"Contributes": "Lead", "How": "Lead partner"}}, id="an objective led"),
    ],
)
def test_an_officers_own_rows_in_the_templates_words_are_never_another_table(tmp_path, risks, objectives):
    """Own risks rated in words of the template's headings ('Service delivery', 'Funding', 'Level 3')
    and objectives answered 'Funding' or 'Lead' were taken for another table's header row: the risks and
    every objective from there on were dropped, with a sheet.other_table warning at the officer's own row."""
    from pipeline.check.assess import assess_folder
    from pipeline.config import DEFAULT_OBJECTIVES, Config

    write_workbook(tmp_path / "own.xlsx", risks=risks, objectives=objectives)
    outcome = assess_folder(tmp_path, Config(), as_of=AS_OF)
    [workbook] = outcome.batch.workbooks
    assert "sheet.other_table" not in {item.rule for item in outcome.report.findings}
    assert [risk.ref for risk in workbook.risks][len(catalogue.RISKS) :] == sorted(risks or {})
    assert [row.ref for row in workbook.objectives] == [item.ref for item in DEFAULT_OBJECTIVES]


#: The last row of each fixed table in the template: nothing below it is read.
LAST_ROWS = {
    catalogue.REGISTER.name: max(catalogue.REGISTER_ROWS.values()),
    catalogue.CHECKLIST.name: catalogue.CHECKLIST.header_row + len(catalogue.QUESTIONS),
    catalogue.IMPROVEMENT.name: catalogue.IMPROVEMENT.header_row + len(catalogue.AREAS),
}


def below_the_tables(tmp_path, edit, **answers):
    """A return edited by `edit`, its workbook and its sheet.other_table findings by (sheet, cell)."""
    from pipeline.check.assess import assess_folder

    write_workbook(tmp_path / "below.xlsx", edit=edit, **answers)
    outcome = assess_folder(tmp_path, CONFIG, as_of=AS_OF)
    [workbook] = outcome.batch.workbooks
    found = {(item.sheet, item.cell): item for item in outcome.report.findings if item.rule == "sheet.other_table"}
    return workbook, outcome, found


def test_a_second_partnership_pasted_below_the_fixed_sheets_is_pointed_out(tmp_path):
    """An officer pasted a second partnership's Register (P-002), Checklist and Improvement under the
    first's, two rows down: no finding at all, and results.json and the register held P-001 only. Each
    sheet now says, at the copy's first row, that it is not read and that another partnership goes in a
    workbook of its own."""

    def paste_twice(book):
        for name, last in LAST_ROWS.items():
            sheet = book[name]
            width = sheet.max_column
            for row in range(1, last + 1):
                for column in range(1, width + 1):
                    sheet.cell(last + 2 + row, column, sheet.cell(row, column).value)
        book["Register"][f"B{LAST_ROWS['Register'] + 2 + catalogue.REGISTER_ROWS['id']}"] = "P-002"

    workbook, outcome, found = below_the_tables(tmp_path, paste_twice)
    assert workbook.partnership_id == "P-001"
    assert set(found) == {(name, f"A{last + 3}") for name, last in LAST_ROWS.items()}
    assert [(item.rule, item.severity) for item in outcome.report.findings] == [("sheet.other_table", "warning")] * 3
    message = found["Register", f"A{LAST_ROWS['Register'] + 3}"].message
    assert f"A second copy of the table starts at row {LAST_ROWS['Register'] + 3}" in message
    assert "give another partnership a workbook of its own" in message


def test_actions_typed_under_the_last_area_are_pointed_out_as_not_counted(tmp_path):
    """Two actions typed in the rows under I14, both overdue: no finding, and neither counted nor said
    to be overdue. One warning at the first says they are not read or counted, and where they go."""
    last = LAST_ROWS["Improvement"]

    def append(book):
        sheet = book["Improvement"]
        for column, value in zip(
            "ACDEFG", ("I05", "Data sharing", "Train staff", "Jo Bloggs", "31/03/2026", "Not started")
        ):
            sheet[f"{column}{last + 1}"] = value
        for column, value in zip("DEFG", ("Publish an annual report", "Sam Patel", "01/01/2026", "In progress")):
            sheet[f"{column}{last + 2}"] = value

    _, outcome, found = below_the_tables(tmp_path, append)
    assert list(found) == [("Improvement", f"A{last + 1}")]
    message = found["Improvement", f"A{last + 1}"].message
    assert f"2 actions are typed, the first at row {last + 1}" in message
    assert "they are not read or counted" in message
    assert "Put each action in the row of the area of practice it answers (I01 to I14)" in message


def test_one_action_under_the_last_area_is_pointed_out_at_its_cell(tmp_path):
    """An action typed in the Action column only, under a title row: the warning is at the action."""
    last = LAST_ROWS["Improvement"]

    def append(book):
        book["Improvement"][f"B{last + 2}"] = "More actions"
        book["Improvement"][f"D{last + 3}"] = "Publish an annual report"

    _, _, found = below_the_tables(tmp_path, append)
    assert list(found) == [("Improvement", f"D{last + 3}")]
    assert found["Improvement", f"D{last + 3}"].message.startswith(f"An action is typed at row {last + 3}")


def test_a_note_below_the_register_is_pointed_out(tmp_path):
    """Anything typed below a fixed table is pointed out, what it is aside."""
    last = LAST_ROWS["Register"]

    def note(book):
        book["Register"][f"C{last + 4}"] = "Signed off by the board"
        book["Checklist"][f"E{LAST_ROWS['Checklist'] + 1}"] = 0

    _, _, found = below_the_tables(tmp_path, note)
    assert set(found) == {("Register", f"C{last + 4}"), ("Checklist", f"E{LAST_ROWS['Checklist'] + 1}")}
    assert found["Register", f"C{last + 4}"].message.startswith(f"Something is typed at row {last + 4}")


def test_blank_looking_cells_below_the_fixed_tables_are_no_finding(tmp_path):
    """Spaces, a non-breaking space, a fill or a number format below a table hold nothing."""
    from openpyxl.styles import PatternFill

    def blank_looking(book):
        for name, last in LAST_ROWS.items():
            sheet = book[name]
            sheet[f"A{last + 1}"] = "   "
            sheet[f"B{last + 2}"] = "\u00a0"
            sheet[f"C{last + 3}"].fill = PatternFill("solid", fgColor="FFFF00")
            sheet[f"A{last + 40}"].number_format = "0.00"

    _, outcome, found = below_the_tables(tmp_path, blank_looking)
    assert not found and not outcome.report.findings


def test_a_copy_of_the_register_holding_another_partnership_is_told_to_go_in_its_own_workbook(tmp_path):
    """'Register (2)' holding another partnership: the warning said "If answers are on the copy, put them
    on 'Register'", which would overwrite this partnership with that one."""

    def second(book):
        copy = book.copy_worksheet(book[catalogue.REGISTER.name])
        copy.title = "Register (2)"
        copy[f"B{catalogue.REGISTER_ROWS['id']}"] = "P-002"

    _, outcome, _ = below_the_tables(tmp_path, second)
    [copied] = [item for item in outcome.report.findings if item.rule == "sheet.copy"]
    assert copied.sheet == "Register (2)"
    assert "if another partnership's, give that partnership a workbook of its own" in copied.message
