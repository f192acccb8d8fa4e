"""Feedback copies: each finding marked on its cell, a Findings sheet first, the original untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest

from pipeline import catalogue
from pipeline.config import Config
from pipeline.check.feedback import (
    COPIES_LIST,
    ERROR_COLOUR,
    FINDINGS_HEADER_ROW,
    FINDINGS_HEADERS,
    FINDINGS_SHEET,
    MANIFEST,
    WARNING_COLOUR,
    write_feedback,
)
from pipeline.files.names import UniqueNames, mirrored_path
from pipeline.findings import ERROR, ValidationReport, finding
from pipeline.read.batch import load_folder
from pipeline.records import Workbook
from pipeline.check.rules import check
from libreoffice import resave
from officer import AS_OF, document_properties, write_workbook

CONFIG = Config()
RED, AMBER = ERROR_COLOUR, WARNING_COLOUR


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def validated(input_dir: Path) -> tuple[list[Workbook], ValidationReport]:
    batch = load_folder(input_dir, CONFIG)
    return batch.workbooks, check(batch.workbooks, as_of=AS_OF, config=CONFIG)


def register_cell(key: str) -> str:
    return f"B{catalogue.REGISTER_ROWS[key]}"


def cell_of(layout, header: str, ref: str, rows) -> str:
    return f"{layout.column(header)}{rows[ref]}"


@pytest.fixture
def returns(tmp_path: Path) -> Path:
    """An input folder: one workbook with known problems, one clean, one not a workbook."""
    folder = tmp_path / "input"
    write_workbook(
        folder / "North" / "p1.xlsx",
        partnership_id="P-001",
        register={"purpose": None, "lead_officer_email": "not an email"},
        checklist={"1a": {"Evidence": None}, "2b": {"Status": "Maybe"}},
        improvement={
            "I03": {"Answer": "No", "Action": None},  # improvement.no_action (error)
            "I14": {"Action owner": None, "Due date": dt.date(2026, 1, 31)},
        },  # two warnings, one cell each
        risks={"R02": {"Likelihood": None}},
    )
    write_workbook(folder / "clean.xlsx", partnership_id="P-002")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    return folder


def test_each_finding_is_a_comment_and_a_fill_on_its_cell(returns, tmp_path):
    workbooks, report = validated(returns)
    written = write_feedback(returns, workbooks, report, tmp_path / "feedback")

    assert written == [(tmp_path / "feedback" / "North" / "p1.xlsx").resolve()]
    copy = openpyxl.load_workbook(written[0])
    found = [item for item in report.findings if item.file == "North/p1.xlsx"]
    expected = {
        (catalogue.REGISTER.name, register_cell("purpose"), "register.missing"),
        (catalogue.REGISTER.name, register_cell("lead_officer_email"), "register.invalid"),
        (
            catalogue.CHECKLIST.name,
            cell_of(catalogue.CHECKLIST, "Evidence", "1a", catalogue.CHECKLIST_ROWS),
            "checklist.no_evidence",
        ),
        (
            catalogue.CHECKLIST.name,
            cell_of(catalogue.CHECKLIST, "Status", "2b", catalogue.CHECKLIST_ROWS),
            "checklist.invalid",
        ),
        (
            catalogue.RISKS_SHEET.name,
            cell_of(catalogue.RISKS_SHEET, "Likelihood", "R02", catalogue.RISK_ROWS),
            "risk.unrated",
        ),
    }
    assert expected <= {(item.sheet, item.cell, item.rule) for item in found}

    severities: dict[tuple[str, str], set[str]] = {}
    for item in found:
        severities.setdefault((item.sheet, item.cell), set()).add(item.severity)
    for (sheet, cell), kinds in severities.items():
        marked = copy[sheet][cell]
        assert marked.comment is not None, (sheet, cell)
        for item in found:
            if (item.sheet, item.cell) == (sheet, cell):
                assert item.rule in marked.comment.text and item.message in marked.comment.text
        assert marked.fill.fgColor.rgb == (RED if ERROR in kinds else AMBER), (sheet, cell)
    # The officer's answers are still there, the wrong ones included.
    assert copy[catalogue.REGISTER.name][register_cell("lead_officer_email")].value == "not an email"
    assert copy[catalogue.REGISTER.name][register_cell("id")].value == "P-001"
    # Unmarked cells keep the template's look.
    assert copy[catalogue.REGISTER.name][register_cell("name")].comment is None
    assert copy[catalogue.REGISTER.name][register_cell("name")].fill.fgColor.rgb not in (RED, AMBER)


def test_findings_on_one_cell_share_a_comment_and_an_error_wins(tmp_path):
    folder = tmp_path / "input"
    write_workbook(folder / "p.xlsx")
    cell = cell_of(catalogue.IMPROVEMENT, "Action", "I05", catalogue.IMPROVEMENT_ROWS)
    workbooks = load_folder(folder, CONFIG).workbooks
    report = ValidationReport.of(
        [
            finding("action.no_owner", file="p.xlsx", sheet="Improvement", cell=cell, ref="I05"),
            finding("improvement.no_action", file="p.xlsx", sheet="Improvement", cell=cell, ref="I05"),
            finding("action.no_due_date", file="p.xlsx", sheet="Improvement", cell="F3", ref="I02"),
        ]
    )
    [path] = write_feedback(folder, workbooks, report, tmp_path / "feedback")
    sheet = openpyxl.load_workbook(path)["Improvement"]
    text = sheet[cell].comment.text
    assert "action.no_owner" in text and "improvement.no_action" in text
    assert sheet[cell].fill.fgColor.rgb == RED
    assert sheet["F3"].fill.fgColor.rgb == AMBER


def test_findings_sheet_comes_first_and_links_to_each_cell(returns, tmp_path):
    workbooks, report = validated(returns)
    # A workbook-level finding (no cell) and a sheet-level one are listed too.
    extra = [
        finding("template.version", file="North/p1.xlsx", reason="test"),
        finding("sheet.layout", file="North/p1.xlsx", sheet="Risks", problem="Expected 'Ref' here"),
    ]
    report = ValidationReport.of([*report.findings, *extra])
    [path] = write_feedback(returns, workbooks, report, tmp_path / "feedback")
    copy = openpyxl.load_workbook(path)

    assert copy.sheetnames[0] == FINDINGS_SHEET
    assert copy.sheetnames[1:] == list(catalogue.REQUIRED_SHEETS)
    assert copy.active.title == FINDINGS_SHEET
    assert [sheet.title for sheet in copy.worksheets if sheet.sheet_view.tabSelected] == [FINDINGS_SHEET]
    sheet = copy[FINDINGS_SHEET]
    assert tuple(cell.value for cell in sheet[FINDINGS_HEADER_ROW][:6]) == FINDINGS_HEADERS
    rows = [tuple(cell.value for cell in row[:6]) for row in sheet.iter_rows(min_row=FINDINGS_HEADER_ROW + 1)]
    found = [item for item in report.findings if item.file == "North/p1.xlsx"]
    assert sorted((row[0] or "", row[1] or "", row[2]) for row in rows) == sorted(
        (item.sheet, item.cell, item.rule) for item in found
    )
    assert rows[0][:3] == (None, None, "template.version")  # workbook-level findings first

    links = {}
    for row in sheet.iter_rows(min_row=FINDINGS_HEADER_ROW + 1):
        for cell in row[:2]:
            if cell.hyperlink is not None:
                links[(row[0].value, row[1].value, row[2].value)] = cell.hyperlink.location
    for item in found:
        key = (item.sheet or None, item.cell or None, item.rule)
        if item.cell:
            assert links[key] == f"'{item.sheet}'!{item.cell}"
        elif item.sheet:
            assert links[key] == f"'{item.sheet}'!A1"
        else:
            assert key not in links


def test_copy_keeps_dropdowns_protection_and_template_version(returns, tmp_path):
    workbooks, report = validated(returns)
    [path] = write_feedback(returns, workbooks, report, tmp_path / "feedback")
    original = openpyxl.load_workbook(returns / "North" / "p1.xlsx")
    copy = openpyxl.load_workbook(path)

    for name in catalogue.REQUIRED_SHEETS:
        before, after = original[name], copy[name]
        assert len(after.data_validations.dataValidation) == len(before.data_validations.dataValidation), name
        assert [str(item.sqref) for item in after.data_validations.dataValidation] == [
            str(item.sqref) for item in before.data_validations.dataValidation
        ]
        assert after.protection.sheet == before.protection.sheet
        assert after.freeze_panes == before.freeze_panes
    assert any(copy[name].protection.sheet for name in catalogue.REQUIRED_SHEETS)
    status = cell_of(catalogue.CHECKLIST, "Status", "2b", catalogue.CHECKLIST_ROWS)
    assert copy["Checklist"][status].protection.locked is False  # still answerable after marking
    assert copy.defined_names[catalogue.TEMPLATE_VERSION_NAME].attr_text == str(catalogue.TEMPLATE_VERSION)
    if original.security is not None:  # workbook structure protection
        assert copy.security.lockStructure == original.security.lockStructure


def test_originals_are_never_modified_and_clean_or_unreadable_files_get_no_copy(returns, tmp_path):
    before = {path: digest(path) for path in returns.rglob("*") if path.is_file()}
    workbooks, report = validated(returns)
    assert {item.rule for item in report.findings if item.file == "broken.xlsx"} == {"file.unreadable"}
    assert not [item for item in report.findings if item.file == "clean.xlsx"]

    out = tmp_path / "feedback"
    written = write_feedback(returns, workbooks, report, out)
    assert [path.relative_to(out.resolve()).as_posix() for path in written] == ["North/p1.xlsx"]
    assert sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()) == [
        MANIFEST,
        "North/p1.xlsx",
        COPIES_LIST,
    ]
    assert {path: digest(path) for path in returns.rglob("*") if path.is_file()} == before


def test_a_rerun_removes_its_own_stale_copies_only(returns, tmp_path):
    out = tmp_path / "feedback"
    workbooks, report = validated(returns)
    write_feedback(returns, workbooks, report, out)
    (out / "North" / "notes.xlsx").write_bytes(b"someone else's file")
    (out / "mine.txt").write_text("keep")

    # The workbook is corrected: no findings, so its old copy goes; files we did not write stay.
    assert write_feedback(returns, workbooks, ValidationReport(), out) == []
    assert not (out / "North" / "p1.xlsx").exists()
    assert (out / "North" / "notes.xlsx").is_file() and (out / "mine.txt").is_file()
    assert (out / MANIFEST).read_text() == ""


def test_copies_do_not_depend_on_jobs(returns, tmp_path, start_method):
    write_workbook(returns / "p3.xlsx", partnership_id="P-003", checklist={"3a": {"Status": None}})
    workbooks, report = validated(returns)
    one = write_feedback(returns, workbooks, report, tmp_path / "one")
    two = write_feedback(returns, workbooks, report, tmp_path / "two", jobs=2)
    assert len(one) == 2
    assert [path.relative_to(tmp_path / "one") for path in one] == [path.relative_to(tmp_path / "two") for path in two]
    assert [digest(path) for path in one] == [digest(path) for path in two]


def test_feedback_into_the_input_folder_never_overwrites_an_original(returns, tmp_path):
    workbooks, report = validated(returns)
    before = digest(returns / "North" / "p1.xlsx")
    [path] = write_feedback(returns, workbooks, report, returns)
    assert path.name == "p1-2.xlsx"
    assert digest(returns / "North" / "p1.xlsx") == before


def test_the_loader_reads_a_copy_like_the_original(returns, tmp_path):
    workbooks, report = validated(returns)
    write_feedback(returns, workbooks, report, tmp_path / "feedback")
    again_workbooks, again = validated(tmp_path / "feedback")
    assert [(item.sheet, item.cell, item.rule) for item in again.findings] == [
        (item.sheet, item.cell, item.rule) for item in report.findings if item.file == "North/p1.xlsx"
    ]
    assert again_workbooks[0].register == next(book for book in workbooks if book.file == "North/p1.xlsx").register


def test_a_corrected_copy_sent_back_loses_the_old_marks(returns, tmp_path):
    workbooks, report = validated(returns)
    [first] = write_feedback(returns, workbooks, report, tmp_path / "round1")

    # The officer corrects the Purpose only, and returns the feedback copy.
    corrected = openpyxl.load_workbook(first)
    corrected["Register"][register_cell("purpose")] = "Reduce crime."
    second_input = tmp_path / "round2-input"
    second_input.mkdir()
    corrected.save(second_input / "p1.xlsx")

    workbooks, report = validated(second_input)
    assert "register.missing" not in {item.rule for item in report.findings}
    [second] = write_feedback(second_input, workbooks, report, tmp_path / "round2")
    copy = openpyxl.load_workbook(second)
    assert copy.sheetnames.count(FINDINGS_SHEET) == 1 and len(copy.sheetnames) == len(catalogue.REQUIRED_SHEETS) + 1
    purpose = copy["Register"][register_cell("purpose")]
    assert purpose.comment is None
    assert purpose.fill.fgColor.rgb not in (RED, AMBER)
    template_fill = openpyxl.load_workbook(returns / "North" / "p1.xlsx")["Register"][register_cell("name")].fill
    assert (purpose.fill.fill_type, purpose.fill.fgColor.rgb) == (template_fill.fill_type, template_fill.fgColor.rgb)
    email = copy["Register"][register_cell("lead_officer_email")]
    assert email.comment.text.count("register.invalid") == 1 and email.fill.fgColor.rgb == RED


@pytest.mark.parametrize("declared", [None, "cy-GB"], ids=["none", "the officer's"])
def test_a_copy_declares_a_language_only_where_the_officers_workbook_declares_none(tmp_path, declared):
    """A screen reader reads the copy in the voice of the language its document properties declare. A
    return made from a template before this one declares none: its copy declares the review's (en-GB);
    one declaring its own (Welsh, say) keeps it. Every other property is the officer's, as it was."""

    def language(book):
        book.properties.language = declared

    write_workbook(tmp_path / "input" / "p1.xlsx", register={"purpose": None}, edit=language)
    workbooks, report = validated(tmp_path / "input")
    [copy] = write_feedback(tmp_path / "input", workbooks, report, tmp_path / "feedback")
    before = document_properties(tmp_path / "input" / "p1.xlsx")
    assert before.get("dc:language") == declared
    assert document_properties(copy) == {**before, "dc:language": declared or "en-GB"}


def test_an_officers_own_comment_is_kept(tmp_path):
    folder = tmp_path / "input"

    def comment(workbook):
        workbook["Register"][register_cell("purpose")].comment = openpyxl.comments.Comment("Asked the chair", "Sam")

    write_workbook(folder / "p.xlsx", register={"purpose": None}, edit=comment)
    workbooks, report = validated(folder)
    [path] = write_feedback(folder, workbooks, report, tmp_path / "feedback")
    text = openpyxl.load_workbook(path)["Register"][register_cell("purpose")].comment.text
    assert "register.missing" in text and "Asked the chair" in text


def test_values_that_look_like_formulas_are_neutralised_on_the_findings_sheet(tmp_path):
    folder = tmp_path / "input"

    def typed_as_text(workbook):  # as an officer's typing of '=...' into a text cell is stored
        workbook["Register"][register_cell("lead_officer_email")].data_type = "s"

    write_workbook(folder / "p.xlsx", register={"lead_officer_email": '=HYPERLINK("http://x","y")'}, edit=typed_as_text)
    workbooks, report = validated(folder)
    [path] = write_feedback(folder, workbooks, report, tmp_path / "feedback")
    sheet = openpyxl.load_workbook(path)[FINDINGS_SHEET]
    values = [cell for row in sheet.iter_rows(min_row=FINDINGS_HEADER_ROW + 1) for cell in row]
    assert not [cell for cell in values if cell.data_type == "f"]
    assert any("HYPERLINK" in str(cell.value) for cell in values)


@pytest.mark.parametrize(
    "relative, expected",
    [
        ("North/P 01 (copy).xlsx", "North/P 01 (copy).xlsx"),  # the officer's own name, as it was
        ("../../etc/x.xlsx", "etc/x.xlsx"),
        ("CON.xlsx", "_CON.xlsx"),
        ("a/../../b/com1.XLSX", "a/b/_com1.xlsx"),
        ("Équipe/Réseau.xlsx", "Équipe/Réseau.xlsx"),
        ("名前 パートナーシップ.xlsx", "名前 パートナーシップ.xlsx"),
        ("\u202eevil.xlsx", "evil.xlsx"),
        ('a:b*c?d"e<f>g|h.xlsx', "a_b_c_d_e_f_g_h.xlsx"),
        # Punctuation no file system refuses is the officer's: it was '_' ('St Mary_s _ Children_s Trust').
        ("Late – May/St Mary’s – Children’s Trust.xlsx", "Late – May/St Mary’s – Children’s Trust.xlsx"),
        ("Trust #2 [final] 50%.xlsx", "Trust #2 [final] 50%.xlsx"),
        ("..xlsx", "workbook.xlsx"),
        ("x" * 300 + ".xlsx", "x" * 80 + ".xlsx"),
    ],
)
def test_copy_names_are_safe(relative, expected):
    suffix = ".xlsx"
    assert mirrored_path(relative, suffix).as_posix() == expected


def test_copy_names_stay_inside_the_folder_and_are_unique(tmp_path):
    names = UniqueNames(tmp_path / "out")
    paths = [
        names.claim(mirrored_path(name, ".xlsx"))
        for name in ("../../etc/x.xlsx", "etc/x.xlsx", "ETC/X.xlsx", "CON.xlsx", "con.xlsx")
    ]
    assert [path.relative_to((tmp_path / "out").resolve()).as_posix() for path in paths] == [
        "etc/x.xlsx",
        "etc/x-2.xlsx",
        "ETC/X-3.xlsx",
        "_CON.xlsx",
        "_con-2.xlsx",
    ]


def test_hostile_file_names_are_written_safely(tmp_path):
    folder = tmp_path / "input"
    write_workbook(folder / "CON.xlsx", register={"purpose": None})
    write_workbook(folder / "a..b.xlsx", register={"purpose": None})
    workbooks = load_folder(folder, CONFIG).workbooks
    report = check(workbooks, as_of=AS_OF, config=CONFIG)
    # A record whose path points outside the input folder (never made by the loader) is refused.
    outside = Workbook(file="../elsewhere.xlsx", sha256="", size=0)
    report = ValidationReport.of(
        [*report.findings, finding("register.missing", file=outside.file, sheet="Register", cell="B4", field="Purpose")]
    )
    write_workbook(tmp_path / "elsewhere.xlsx", register={"purpose": None})
    out = tmp_path / "feedback"
    written = write_feedback(folder, [*workbooks, outside], report, out)
    assert sorted(path.relative_to(out.resolve()).as_posix() for path in written) == ["_CON.xlsx", "a.b.xlsx"]


def test_a_copy_opens_in_libreoffice(returns, tmp_path):
    workbooks, report = validated(returns)
    [path] = write_feedback(returns, workbooks, report, tmp_path / "feedback")
    reopened = openpyxl.load_workbook(resave(path, tmp_path / "converted"))
    assert reopened.sheetnames[0] == FINDINGS_SHEET
    purpose = reopened["Register"][register_cell("purpose")]
    assert purpose.comment is not None and "register.missing" in purpose.comment.text
    assert purpose.fill.fgColor.rgb == RED
    assert reopened["Register"][register_cell("id")].value == "P-001"
    links = [cell.hyperlink for row in reopened[FINDINGS_SHEET].iter_rows() for cell in row if cell.hyperlink]
    assert links


def test_findings_inside_a_merged_range_go_on_its_first_cell(tmp_path):
    folder = tmp_path / "input"
    write_workbook(folder / "p.xlsx", edit=lambda workbook: workbook["Checklist"].merge_cells("E2:F2"))
    workbooks = load_folder(folder, CONFIG).workbooks
    report = ValidationReport.of(
        [
            finding("checklist.no_evidence", file="p.xlsx", sheet="Checklist", cell="F2", ref="1a", status="Yes"),
            finding("checklist.invalid", file="p.xlsx", sheet="Checklist", cell="E2", ref="1a"),
        ]
    )
    [path] = write_feedback(folder, workbooks, report, tmp_path / "feedback")
    sheet = openpyxl.load_workbook(path)["Checklist"]
    assert "checklist.no_evidence" in sheet["E2"].comment.text and "checklist.invalid" in sheet["E2"].comment.text
    assert sheet["E2"].fill.fgColor.rgb == RED


def as_macro_workbook(xlsx: Path, xlsm: Path, vba: bytes) -> Path:
    """The workbook re-packed as Excel saves a macro-enabled one: a VBA project part and its types."""
    import zipfile

    with zipfile.ZipFile(xlsx) as source, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            elif member.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.'
                    b'microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                    b"</Relationships>",
                )
            target.writestr(member, data)
        target.writestr("xl/vbaProject.bin", vba)
    xlsx.unlink()
    return xlsm


def test_a_macro_workbook_keeps_its_macros(tmp_path):
    import zipfile

    folder = tmp_path / "input"
    vba = b"\xd0\xcf\x11\xe0 stand-in for a VBA project " * 20
    as_macro_workbook(write_workbook(folder / "p.xlsx", register={"purpose": None}), folder / "p.xlsm", vba)
    workbooks, report = validated(folder)
    assert {item.rule for item in report.findings} == {"register.missing"}
    [path] = write_feedback(folder, workbooks, report, tmp_path / "feedback")

    assert path.name == "p.xlsm"
    with zipfile.ZipFile(path) as archive:
        assert archive.read("xl/vbaProject.bin") == vba
        assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in archive.read("[Content_Types].xml")
    copy = openpyxl.load_workbook(path, keep_vba=True)
    assert copy.sheetnames[0] == FINDINGS_SHEET
    assert copy["Register"][register_cell("purpose")].comment is not None


def test_a_copy_is_made_by_editing_the_package_and_keeps_every_other_part(returns, tmp_path):
    """Issue 17: copies are marked in the workbook's XML, not loaded and saved again; the parts not
    marked (theme, properties, unmarked sheets' content) are the officer's bytes."""
    import zipfile

    from pipeline.check.feedback import marked_package

    workbooks, report = validated(returns)
    [path] = write_feedback(returns, workbooks, report, tmp_path / "feedback")
    found = [item for item in report.findings if item.file == "North/p1.xlsx"]
    assert path.read_bytes() == marked_package((returns / "North" / "p1.xlsx").read_bytes(), found)
    with zipfile.ZipFile(returns / "North" / "p1.xlsx") as before, zipfile.ZipFile(path) as after:
        for name in ("docProps/core.xml", "docProps/app.xml", "xl/theme/theme1.xml"):
            assert after.read(name) == before.read(name), name
        assert set(before.namelist()) < set(after.namelist())
        comments = [name for name in after.namelist() if name not in before.namelist() and "comments" in name]
        assert len(comments) == len({item.sheet for item in found if item.cell})


def assert_marked_in_its_package(source: Path, copy: Path, report: ValidationReport) -> None:
    from pipeline.check.feedback import marked_package

    assert copy.read_bytes() == marked_package(source.read_bytes(), report.findings)


def test_a_copy_keeps_the_officers_excel_tables(tmp_path):
    """The template's answer sheets are Excel tables (ListObjects), as screen readers want them; the
    feedback copy keeps every one of them as it was."""
    import zipfile

    folder = tmp_path / "input"
    write_workbook(folder / "p.xlsx", checklist={"2b": {"Status": "Maybe"}}, risks={"R02": {"Likelihood": None}})
    workbooks, report = validated(folder)
    [path] = write_feedback(folder, workbooks, report, tmp_path / "feedback")
    assert_marked_in_its_package(folder / "p.xlsx", path, report)
    copy = openpyxl.load_workbook(path)
    assert set(copy["Checklist"].tables) == {"ChecklistQuestions"} and set(copy["Risks"].tables) == {"RiskRatings"}
    assert copy["Checklist"].tables["ChecklistQuestions"].ref == "A1:F30"
    status = cell_of(catalogue.CHECKLIST, "Status", "2b", catalogue.CHECKLIST_ROWS)
    assert copy["Checklist"][status].fill.fgColor.rgb == RED and copy["Checklist"][status].comment is not None
    with zipfile.ZipFile(folder / "p.xlsx") as before, zipfile.ZipFile(path) as after:
        tables = [name for name in before.namelist() if name.startswith("xl/tables/")]
        assert len(tables) == 5 and all(after.read(name) == before.read(name) for name in tables)


def test_a_cell_the_sheet_does_not_hold_yet_is_marked_in_its_place(tmp_path):
    """A finding on a cell absent from the sheet's XML (never typed in, no style) still gets its mark."""
    folder = tmp_path / "input"
    write_workbook(folder / "p.xlsx")
    workbooks = load_folder(folder, CONFIG).workbooks
    report = ValidationReport.of(
        [
            finding("sheet.layout", file="p.xlsx", sheet="Risks", cell="K40", problem="Expected 'Ref' here"),
            finding("checklist.invalid", file="p.xlsx", sheet="Checklist", cell="D3", ref="1b"),
        ]
    )
    [path] = write_feedback(folder, workbooks, report, tmp_path / "feedback")
    assert_marked_in_its_package(folder / "p.xlsx", path, report)
    copy = openpyxl.load_workbook(path)
    assert copy["Risks"]["K40"].fill.fgColor.rgb == RED and "sheet.layout" in copy["Risks"]["K40"].comment.text
    assert copy["Checklist"]["D3"].fill.fgColor.rgb == RED
    assert copy["Checklist"]["D3"].protection.locked is False


def test_answers_merged_into_one_cell_are_marked_on_the_merged_cell(tmp_path):
    """Status cells of 1a to 1c merged into one: the feedback copy says why on the cell the officer sees
    (the merged one), with the questions it leaves unanswered, not on cells hidden under it."""
    folder = tmp_path / "input"
    write_workbook(folder / "p.xlsx", edit=lambda book: book["Checklist"].merge_cells("D2:D4"))
    workbooks, report = validated(folder)
    [path] = write_feedback(folder, workbooks, report, tmp_path / "feedback")
    sheet = openpyxl.load_workbook(path)["Checklist"]
    assert [str(cells) for cells in sheet.merged_cells.ranges] == ["D2:D4"]
    text = sheet["D2"].comment.text
    assert "sheet.merged_cells" in text and text.count("checklist.unanswered") == 2
    assert sheet["D2"].fill.fgColor.rgb == AMBER
    assert sheet["D3"].comment is None and sheet["D4"].comment is None
