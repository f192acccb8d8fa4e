"""Feedback copies that come back (issue 17): the second year's returns are mostly corrected feedback
copies, and officers write comments of their own. Such a copy is marked in its package like any other:
the earlier round's Findings sheet, comments and fills come off, the new round's go on once, the
officer's own comments stay (beside ours on a marked cell), and every part not marked keeps its bytes
(which loading and saving the workbook with openpyxl never gives)."""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from libreoffice import resave
from officer import AS_OF, write_workbook
from packages import parts, zipped
from pipeline import catalogue
from pipeline.check.feedback import (
    ERROR_COLOUR,
    FINDINGS_HEADER_ROW,
    FINDINGS_SHEET,
    WARNING_COLOUR,
    marked_package,
    write_feedback,
)
from pipeline.check.rules import check
from pipeline.config import Config
from pipeline.files.xlsx_package import part_of, rels_name
from pipeline.findings import ValidationReport
from pipeline.read.batch import load_folder

CONFIG = Config()
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EXCEL = "urn:schemas-microsoft-com:office:excel"
PURPOSE = f"B{catalogue.REGISTER_ROWS['purpose']}"
EMAIL = f"B{catalogue.REGISTER_ROWS['lead_officer_email']}"
PARTNERS = f"B{catalogue.REGISTER_ROWS['partners']}"
STATUS_2B = f"{catalogue.CHECKLIST.column('Status')}{catalogue.CHECKLIST_ROWS['2b']}"
TEMPLATE_ANSWER_FILL = "FFF9E5"


def validated(folder: Path) -> tuple[list, ValidationReport]:
    batch = load_folder(folder, CONFIG)
    return batch.workbooks, check(batch.workbooks, as_of=AS_OF, config=CONFIG)


def feedback_copy(folder: Path, out: Path) -> Path:
    workbooks, report = validated(folder)
    [copy] = write_feedback(folder, workbooks, report, out)
    assert copy.read_bytes() == marked_package(next(folder.rglob(copy.name)).read_bytes(), report.findings)
    return copy


def returned(copy: Path, folder: Path, edit=None) -> Path:
    """The copy as its officer returns it: edited (if `edit`), saved, and put in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    if edit is None:
        (folder / copy.name).write_bytes(copy.read_bytes())
        return folder / copy.name
    workbook = openpyxl.load_workbook(copy)
    edit(workbook)
    workbook.save(folder.parent / f"edited-{copy.name}")
    saved = resave(folder.parent / f"edited-{copy.name}", folder.parent / "libreoffice")
    return saved.rename(folder / copy.name)


def comments(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """Every comment of the workbook: (sheet, cell) -> (author, text)."""
    workbook = openpyxl.load_workbook(path)
    return {
        (sheet.title, cell.coordinate): ((cell.comment.author or "").strip(), cell.comment.text)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.comment is not None
    }


def related(package: dict[str, bytes], part: str) -> dict[str, tuple[str, str]]:
    """The relationships of `part`: id -> (type, target part)."""
    rels = package.get(rels_name(part))
    if rels is None:
        return {}
    found = {}
    for rel in etree.fromstring(rels):
        target = rel.get("Target")
        if rel.get("TargetMode") != "External":
            target = part_of(part, target)
        found[rel.get("Id")] = (rel.get("Type").rsplit("/", 1)[-1], target)
    return found


def with_relationship(package: dict[str, bytes], part: str, relationship: bytes) -> None:
    """`relationship` (a <Relationship .../> element) added to `part`'s relationships."""
    rels = rels_name(part)
    package[rels] = package[rels].replace(b"</Relationships>", relationship + b"</Relationships>")


def sheet_parts(package: dict[str, bytes]) -> dict[str, str]:
    book = etree.fromstring(package["xl/workbook.xml"])
    rels = related(package, "xl/workbook.xml")
    return {
        sheet.get("name"): rels[sheet.get(f"{{{REL}}}id")][1] for sheet in book.iter(f"{{{book.nsmap[None]}}}sheet")
    }


def boxes(path: Path) -> dict[str, tuple[list[str], list[str]]]:
    """For each sheet with comments: the cells of its comments and the cells of its comment boxes."""
    package = parts(path)
    found = {}
    for name, part in sheet_parts(package).items():
        rels = related(package, part)
        notes = [target for kind, target in rels.values() if kind == "comments"]
        sheet = etree.fromstring(package[part])
        legacy = sheet.find("{*}legacyDrawing")
        if not notes and legacy is None:
            continue
        refs = (
            [comment.get("ref") for comment in etree.fromstring(package[notes[0]]).iter("{*}comment")] if notes else []
        )
        shapes = []
        if legacy is not None:
            vml = etree.fromstring(package[rels[legacy.get(f"{{{REL}}}id")][1]])
            for data in vml.iter(f"{{{EXCEL}}}ClientData"):
                if data.get("ObjectType") == "Note":
                    row, column = (int(data.findtext(f"{{{EXCEL}}}{tag}")) for tag in ("Row", "Column"))
                    shapes.append(f"{openpyxl.utils.get_column_letter(column + 1)}{row + 1}")
        found[name] = (sorted(refs), sorted(shapes))
    return found


def assert_one_box_per_comment(path: Path) -> None:
    for sheet, (refs, shapes) in boxes(path).items():
        assert refs == shapes and len(set(refs)) == len(refs), sheet


def assert_package_whole(path: Path) -> None:
    """Every relationship points at a part, every part is pointed at, every content type is a part's."""
    package = parts(path)
    targets = {"[Content_Types].xml"}
    for name in package:
        if name.endswith(".rels"):
            folder = posixpath.dirname(posixpath.dirname(name))
            source = posixpath.join(folder, posixpath.basename(name)[: -len(".rels")]) if folder else ""
            targets.add(name)
            for kind, target in related(package, source).values():
                if "://" not in target:
                    assert target in package, (name, target)
                    targets.add(target)
    assert set(package) == targets
    types = etree.fromstring(package["[Content_Types].xml"])
    for override in types.iter("{*}Override"):
        assert override.get("PartName").lstrip("/") in package, override.get("PartName")


def findings_rows(path: Path) -> list[tuple]:
    sheet = openpyxl.load_workbook(path)[FINDINGS_SHEET]
    return [tuple(cell.value for cell in row[:4]) for row in sheet.iter_rows(min_row=FINDINGS_HEADER_ROW + 1)]


def defined_names(path: Path) -> list[tuple]:
    book = etree.fromstring(parts(path)["xl/workbook.xml"])
    return sorted((item.get("name"), item.get("localSheetId"), item.text) for item in book.iter("{*}definedName"))


def with_officer_comments(workbook) -> None:
    register = workbook[catalogue.REGISTER.name]
    register[PURPOSE].comment = openpyxl.comments.Comment("Purpose agreed at the March board", "Sam Patel")
    register[PARTNERS].comment = openpyxl.comments.Comment("Probation joined in May", "Sam Patel")


@pytest.fixture(scope="module")
def first_round(tmp_path_factory) -> tuple[Path, Path]:
    """A return with problems on two sheets and the officer's own comments on the Register (one on a
    cell with a finding), as LibreOffice saves it; and its feedback copy. (Read only: shared by tests.)"""
    base = tmp_path_factory.mktemp("first-round")
    written = write_workbook(
        base / "written" / "p1.xlsx",
        register={"purpose": None, "lead_officer_email": "not an email"},
        checklist={"2b": {"Status": "Maybe"}},
        edit=with_officer_comments,
    )
    folder = base / "round1"
    folder.mkdir()
    officer_return = resave(written, base / "libreoffice").rename(folder / "p1.xlsx")
    return officer_return, feedback_copy(folder, base / "feedback1")


def test_an_officers_comments_stay_and_ours_go_first_one_box_a_cell(first_round, tmp_path):
    officer_return, copy = first_round

    noted = comments(copy)
    author, text = noted[(catalogue.REGISTER.name, PURPOSE)]
    assert author == "Partnership review"
    assert text.startswith("Review findings:\n[error] register.missing") and text.count("register.missing") == 1
    assert text.endswith("(end of review findings)\n\nPurpose agreed at the March board")
    assert noted[(catalogue.REGISTER.name, PARTNERS)][1] == "Probation joined in May"  # as it was
    assert "register.invalid" in noted[(catalogue.REGISTER.name, EMAIL)][1]
    assert_one_box_per_comment(copy)
    assert boxes(copy)[catalogue.REGISTER.name][0] == sorted([PURPOSE, PARTNERS, EMAIL])
    assert_package_whole(copy)
    # Made in the package: what was not marked is LibreOffice's bytes still.
    before, after = parts(officer_return), parts(copy)
    unmarked = sheet_parts(before)[catalogue.RISKS_SHEET.name]
    kept = [unmarked, "docProps/core.xml", "docProps/custom.xml", "xl/sharedStrings.xml"]
    kept += [name for name in before if name.startswith("xl/tables/")]
    assert [name for name in kept if after[name] != before[name]] == []

    reopened = resave(copy, tmp_path / "opened")
    assert comments(reopened)[(catalogue.REGISTER.name, PURPOSE)][1].endswith("Purpose agreed at the March board")
    assert {key for key in comments(reopened)} == set(noted)
    sheet = openpyxl.load_workbook(reopened)[catalogue.REGISTER.name]
    assert sheet[PURPOSE].fill.fgColor.rgb == ERROR_COLOUR and sheet[EMAIL].value == "not an email"


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_corrected_copy_shows_only_the_new_rounds_marks_once(first_round, tmp_path):
    _, first = first_round

    def correct_the_purpose(workbook):
        workbook[catalogue.REGISTER.name][PURPOSE] = "Reduce crime across the district."

    second_return = returned(first, tmp_path / "round2", edit=correct_the_purpose)
    assert FINDINGS_SHEET in openpyxl.load_workbook(second_return).sheetnames  # LibreOffice kept our marks
    second = feedback_copy(second_return.parent, tmp_path / "feedback2")

    workbook = openpyxl.load_workbook(second)
    assert workbook.sheetnames == [FINDINGS_SHEET, *catalogue.REQUIRED_SHEETS]
    register = workbook[catalogue.REGISTER.name]
    assert register[PURPOSE].value == "Reduce crime across the district."
    assert register[PURPOSE].fill.fgColor.rgb.endswith(TEMPLATE_ANSWER_FILL)  # the template's, not red
    noted = comments(second)
    assert noted[(catalogue.REGISTER.name, PURPOSE)][1] == "Purpose agreed at the March board"  # the officer's only
    assert noted[(catalogue.REGISTER.name, PARTNERS)][1] == "Probation joined in May"
    email = noted[(catalogue.REGISTER.name, EMAIL)][1]
    assert email.count("Review findings:") == 1 and email.count("register.invalid") == 1
    assert register[EMAIL].fill.fgColor.rgb == ERROR_COLOUR
    assert workbook[catalogue.CHECKLIST.name][STATUS_2B].fill.fgColor.rgb == ERROR_COLOUR
    assert [row[2] for row in findings_rows(second)] == ["register.invalid", "checklist.invalid"]
    assert_one_box_per_comment(second)
    assert_package_whole(second)
    # The Findings sheet's names are this round's only, and every sheet keeps its own print titles.
    names = defined_names(second)
    assert [item for item in names if item[0] == "_xlnm._FilterDatabase"] == [
        ("_xlnm._FilterDatabase", "0", f"'{FINDINGS_SHEET}'!$A${FINDINGS_HEADER_ROW}:$F${FINDINGS_HEADER_ROW + 2}")
    ]
    returned_book = openpyxl.load_workbook(second_return)
    for name in catalogue.REQUIRED_SHEETS:
        assert workbook[name].print_title_rows == returned_book[name].print_title_rows, name
        assert [str(item.sqref) for item in workbook[name].data_validations.dataValidation] == [
            str(item.sqref) for item in returned_book[name].data_validations.dataValidation
        ]
        assert workbook[name].protection.sheet == returned_book[name].protection.sheet
    # Made in the package: the officer's unmarked parts are the bytes LibreOffice saved.
    before, after = parts(second_return), parts(second)
    kept = [sheet_parts(before)[catalogue.RISKS_SHEET.name], "docProps/custom.xml", "xl/sharedStrings.xml"]
    kept += [name for name in before if name.startswith("xl/tables/")]
    assert [name for name in kept if after[name] != before[name]] == []
    assert second.read_bytes() == marked_package(
        second_return.read_bytes(), validated(second_return.parent)[1].findings
    )

    reopened = resave(second, tmp_path / "opened")
    again = comments(reopened)
    assert set(again) == set(noted) and again[(catalogue.REGISTER.name, EMAIL)][1].count("register.invalid") == 1
    assert openpyxl.load_workbook(reopened)[catalogue.REGISTER.name][PURPOSE].value == (
        "Reduce crime across the district."
    )


def test_a_copy_returned_untouched_is_marked_as_the_first_time(tmp_path):
    """Returned as it was sent, with the same findings: the same marks, once; the parts of the first
    copy that are not marked keep their bytes and names (openpyxl would rename and rewrite them)."""
    folder = tmp_path / "round1"
    write_workbook(
        folder / "p1.xlsx",
        register={"purpose": None},
        checklist={"1a": {"Evidence": None}},
        improvement={"I03": {"Answer": "No", "Action": None}},
    )
    first = feedback_copy(folder, tmp_path / "feedback1")
    second = feedback_copy(returned(first, tmp_path / "round2").parent, tmp_path / "feedback2")

    assert comments(second) == comments(first)
    assert findings_rows(second) == findings_rows(first)
    assert defined_names(second) == defined_names(first)
    assert openpyxl.load_workbook(second).sheetnames == openpyxl.load_workbook(first).sheetnames
    for sheet, cell in ((catalogue.REGISTER.name, PURPOSE), (catalogue.CHECKLIST.name, "E2")):
        assert openpyxl.load_workbook(second)[sheet][cell].fill.fgColor.rgb in (ERROR_COLOUR, WARNING_COLOUR)
    assert_one_box_per_comment(second)
    assert_package_whole(second)
    before, after = parts(first), parts(second)
    assert list(after)[: len(before)] == list(before)  # every part, in its place, under its name
    unmarked = [sheet_parts(before)[name] for name in (catalogue.GUIDE_SHEET, catalogue.RISKS_SHEET.name)]
    assert all(after[name] == before[name] for name in [*unmarked, "xl/theme/theme1.xml", "docProps/core.xml"])


def test_a_sheet_whose_findings_are_all_corrected_loses_its_comments_part_and_drawing(tmp_path):
    folder = tmp_path / "round1"
    write_workbook(folder / "p1.xlsx", register={"purpose": None}, checklist={"2b": {"Status": "Maybe"}})
    first = feedback_copy(folder, tmp_path / "feedback1")
    assert set(boxes(first)) == {catalogue.REGISTER.name, catalogue.CHECKLIST.name}

    second_return = tmp_path / "round2" / "p1.xlsx"
    second_return.parent.mkdir()
    second_return.write_bytes(answered(first, catalogue.CHECKLIST.name, {STATUS_2B: "Yes"}))
    second = feedback_copy(second_return.parent, tmp_path / "feedback2")

    assert set(boxes(second)) == {catalogue.REGISTER.name}  # the Checklist has no comments, no drawing left
    package = parts(second)
    checklist = sheet_parts(package)[catalogue.CHECKLIST.name]
    assert {kind for kind, _ in related(package, checklist).values()} == {"table"}
    assert (
        len([name for name in package if name.endswith(".vml")])
        == len([name for name in package if name.startswith("xl/comments")])
        == 1
    )  # the Register's
    assert openpyxl.load_workbook(second)[catalogue.CHECKLIST.name][STATUS_2B].fill.fgColor.rgb.endswith(
        TEMPLATE_ANSWER_FILL
    )
    assert [row[2] for row in findings_rows(second)] == ["register.missing"]
    assert_package_whole(second)


def test_a_macro_workbook_keeps_its_macros_and_its_button_round_after_round(tmp_path):
    from test_feedback import as_macro_workbook

    folder = tmp_path / "round1"
    vba = b"\xd0\xcf\x11\xe0 stand-in for a VBA project " * 20
    xlsx = write_workbook(
        folder / "p1.xlsx", register={"purpose": None, "lead_officer_email": "x"}, checklist={"2b": {"Status": "Maybe"}}
    )
    with_a_button(as_macro_workbook(xlsx, folder / "p1.xlsm", vba), sheet=catalogue.REGISTER.name)
    first = feedback_copy(folder, tmp_path / "feedback1")
    assert first.suffix == ".xlsm"
    assert buttons(first) == ["Send"]
    assert boxes(first)[catalogue.REGISTER.name] == (sorted([EMAIL, PURPOSE]), sorted([EMAIL, PURPOSE]))
    assert_package_whole(first)

    # The Register corrected in a program that keeps the macros and the button; 2b still wrong.
    second_return = tmp_path / "round2" / "p1.xlsm"
    second_return.parent.mkdir()
    corrected = {EMAIL: "sam.patel@council.gov.uk", PURPOSE: "Reduce crime."}
    second_return.write_bytes(answered(first, catalogue.REGISTER.name, corrected))
    second = feedback_copy(second_return.parent, tmp_path / "feedback2")

    with zipfile.ZipFile(second) as archive:
        assert archive.read("xl/vbaProject.bin") == vba
    assert buttons(second) == ["Send"]  # the drawing stays for the button, without our boxes
    assert boxes(second)[catalogue.REGISTER.name] == ([], [])
    assert (catalogue.CHECKLIST.name, STATUS_2B) in comments(second)
    register = openpyxl.load_workbook(second, keep_vba=True)[catalogue.REGISTER.name]
    assert register[PURPOSE].fill.fgColor.rgb.endswith(TEMPLATE_ANSWER_FILL)
    assert_package_whole(second)


def answered(path: Path, sheet: str, values: dict[str, str]) -> bytes:
    """The workbook with cells of `sheet` answered as inline text, every other part as it was (as a
    program that keeps what it does not know, macros and buttons included, saves it)."""
    package = parts(path)
    part = sheet_parts(package)[sheet]
    sheet = etree.fromstring(package[part])
    main = sheet.nsmap[None]
    for cell in sheet.iter(f"{{{main}}}c"):
        if cell.get("r") in values:
            for child in list(cell):
                cell.remove(child)
            cell.set("t", "inlineStr")
            inline = etree.SubElement(cell, f"{{{main}}}is")
            etree.SubElement(inline, f"{{{main}}}t").text = values[cell.get("r")]
    package[part] = etree.tostring(sheet, xml_declaration=True, encoding="UTF-8", standalone=True)
    return zipped(package)


BUTTON_VML = (
    b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    b'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" '
    b'data="7"/></o:shapelayout><v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" '
    b'path="m,l,21600r21600,l21600,xe"/><v:shape id="_x0000_s7169" type="#_x0000_t201" '
    b'style="position:absolute;margin-left:400pt;margin-top:10pt;width:80pt;height:20pt;z-index:1">'
    b'<v:textbox><div style="text-align:center"><font face="Calibri" size="220">Send<br></font></div>'
    b'</v:textbox><x:ClientData ObjectType="Button"><x:Anchor>6, 0, 1, 0, 7, 0, 2, 0</x:Anchor>'
    b"<x:FmlaMacro>[0]!SendReturn</x:FmlaMacro><x:AutoFill>False</x:AutoFill></x:ClientData></v:shape></xml>"
)


def with_a_button(path: Path, sheet: str) -> Path:
    """A macro's button on `sheet`, as Excel keeps form controls: a shape in the sheet's VML drawing
    (not well-formed XML: Excel writes its text's line break as <br>)."""
    package = parts(path)
    part = sheet_parts(package)[sheet]
    with_relationship(
        package,
        part,
        b'<Relationship Id="rIdButton" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/vmlDrawing" Target="../drawings/vmlDrawing9.vml"/>',
    )
    package[part] = package[part].replace(
        b"<tableParts", b'<legacyDrawing xmlns:r="' + REL.encode() + b'" r:id="rIdButton"/><tableParts'
    )
    package["xl/drawings/vmlDrawing9.vml"] = BUTTON_VML
    package["[Content_Types].xml"] = package["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/></Types>',
    )
    path.write_bytes(zipped(package))
    return path


def buttons(path: Path) -> list[str]:
    """The text of every button on the Register sheet."""
    package = parts(path)
    part = sheet_parts(package)[catalogue.REGISTER.name]
    legacy = etree.fromstring(package[part]).find("{*}legacyDrawing")
    if legacy is None:
        return []
    vml = etree.fromstring(
        package[related(package, part)[legacy.get(f"{{{REL}}}id")][1]], etree.XMLParser(recover=True)
    )
    return [
        "".join(shape.find("{urn:schemas-microsoft-com:vml}textbox").itertext()).strip()
        for shape in vml.iter("{urn:schemas-microsoft-com:vml}shape")
        if shape.find("{urn:schemas-microsoft-com:office:excel}ClientData").get("ObjectType") == "Button"
    ]


def test_a_sheet_taken_out_of_the_package_takes_its_names_and_later_sheets_keep_theirs(tmp_path):
    """What removing an earlier round's Findings sheet relies on, wherever the sheet is: the names
    scoped to it go, later sheets' scoped names and the active tab move back one place with them."""
    from pipeline.files.xlsx_package import Package

    def checklist_active(workbook):
        workbook.active = workbook.sheetnames.index(catalogue.CHECKLIST.name)

    path = write_workbook(tmp_path / "p1.xlsx", edit=checklist_active)
    package = Package(path.read_bytes())
    index = [sheet.name for sheet in package.sheets].index(catalogue.REGISTER.name)
    package.remove_sheet(index)
    (tmp_path / "out.xlsx").write_bytes(package.to_bytes())

    before, after = openpyxl.load_workbook(path), openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert after.sheetnames == [name for name in before.sheetnames if name != catalogue.REGISTER.name]
    assert after.active.title == catalogue.CHECKLIST.name
    for name in after.sheetnames:
        assert after[name].print_title_rows == before[name].print_title_rows, name
    scoped = [item for item in defined_names(path) if item[1] == str(index)]
    assert scoped and len(defined_names(tmp_path / "out.xlsx")) == len(defined_names(path)) - len(scoped)
    assert not [item for item in defined_names(tmp_path / "out.xlsx") if item[1] == str(len(after.sheetnames))]
    assert_package_whole(tmp_path / "out.xlsx")


THREADS = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
STAND_IN = (
    "[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; however, any "
    "edits to it will get removed if the file is opened in a newer version of Excel.\n\nComment:\n    {}"
)


def with_threads(path: Path, sheet: str, threads: dict[str, str]) -> Path:
    """Excel 365's threaded comments on cells of `sheet`: each a thread in its own part, a stand-in note
    pointing at it (made here with openpyxl's notes), and the people who wrote them."""
    workbook = openpyxl.load_workbook(path)
    for number, (cell, text) in enumerate(threads.items(), start=1):
        workbook[sheet][cell].comment = openpyxl.comments.Comment(STAND_IN.format(text), f"tc={{{number:08d}}}")
    workbook.save(path)
    package = parts(path)
    part = sheet_parts(package)[sheet]
    [notes] = [target for kind, target in related(package, part).values() if kind == "comments"]
    for number, cell in enumerate(threads, start=1):
        package[notes] = package[notes].replace(
            f'<comment ref="{cell}" '.encode(),
            f'<comment xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
            f'xr:uid="{{{number:08d}}}" ref="{cell}" '.encode(),
        )
    package["xl/threadedComments/threadedComment1.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ThreadedComments xmlns="{THREADS}">'
        + "".join(
            f'<threadedComment ref="{cell}" dT="2026-04-10T09:12:33.45" personId="{{00000001}}" '
            f'id="{{{number:08d}}}"><text>{text}</text></threadedComment>'
            for number, (cell, text) in enumerate(threads.items(), start=1)
        )
        + "</ThreadedComments>"
    ).encode()
    package["xl/persons/person.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<personList xmlns="{THREADS}">'
        '<person displayName="Sam Patel" id="{00000001}" userId="sam.patel@council.gov.uk" providerId="AD"/>'
        "</personList>"
    ).encode()
    with_relationship(
        package,
        part,
        b'<Relationship Id="rIdThreads" Type="http://schemas.microsoft.com/office/2017/10/relationships/'
        b'threadedComment" Target="../threadedComments/threadedComment1.xml"/>',
    )
    with_relationship(
        package,
        "xl/workbook.xml",
        b'<Relationship Id="rIdPersons" Type="http://schemas.microsoft.com/office/2017/10/relationships/person" '
        b'Target="persons/person.xml"/>',
    )
    package["[Content_Types].xml"] = package["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/threadedComments/threadedComment1.xml" '
        b'ContentType="application/vnd.ms-excel.threadedcomments+xml"/><Override PartName="/xl/persons/person.xml" '
        b'ContentType="application/vnd.ms-excel.person+xml"/></Types>',
    )
    path.write_bytes(zipped(package))
    return path


def test_an_excel_365_thread_on_a_marked_cell_goes_into_our_note_and_others_stay_threads(tmp_path):
    folder = tmp_path / "round1"
    written = write_workbook(folder / "p1.xlsx", register={"purpose": None})
    with_threads(
        written,
        catalogue.REGISTER.name,
        {PURPOSE: "Purpose agreed at the March board", PARTNERS: "Probation joined in May"},
    )
    copy = feedback_copy(folder, tmp_path / "feedback1")

    noted = comments(copy)
    text = noted[(catalogue.REGISTER.name, PURPOSE)][1]
    assert text.startswith("Review findings:") and text.endswith(
        "(end of review findings)\n\nPurpose agreed at the March board"
    )
    assert noted[(catalogue.REGISTER.name, PARTNERS)][1] == STAND_IN.format("Probation joined in May")
    package, before = parts(copy), parts(written)
    threads = etree.fromstring(package["xl/threadedComments/threadedComment1.xml"])
    assert [item.get("ref") for item in threads] == [PARTNERS]  # a cell holds a note or a thread, not both
    assert package["xl/persons/person.xml"] == before["xl/persons/person.xml"]
    register = sheet_parts(package)[catalogue.REGISTER.name]
    [notes] = [target for kind, target in related(package, register).values() if kind == "comments"]
    uids = {
        item.get("ref"): item.get("{http://schemas.microsoft.com/office/spreadsheetml/2014/revision}uid")
        for item in etree.fromstring(package[notes]).iter("{*}comment")
    }
    assert uids == {PURPOSE: None, PARTNERS: "{00000002}"}  # the stand-in still points at its thread
    assert_one_box_per_comment(copy)
    assert_package_whole(copy)
    assert comments(resave(copy, tmp_path / "opened"))[(catalogue.REGISTER.name, PURPOSE)][1].endswith(
        "Purpose agreed at the March board"
    )


def test_a_mark_on_a_hidden_row_or_column_is_shown(tmp_path):
    """A finding in a row or column the officer had hidden (or a filter left on had) was marked where
    nobody could see it: the comment and the Findings sheet's link led to nothing."""
    folder = tmp_path / "round1"

    def hide(book):
        book[catalogue.IMPROVEMENT.name].row_dimensions[catalogue.IMPROVEMENT_ROWS["I03"]].hidden = True
        book[catalogue.CHECKLIST.name].column_dimensions["E"].hidden = True

    write_workbook(
        folder / "p1.xlsx",
        checklist={"1a": {"Evidence": None}},
        improvement={"I03": {"Answer": "No", "Action": None}},
        edit=hide,
    )
    copy = openpyxl.load_workbook(feedback_copy(folder, tmp_path / "feedback"))
    improvement, checklist = copy[catalogue.IMPROVEMENT.name], copy[catalogue.CHECKLIST.name]
    assert not improvement.row_dimensions[catalogue.IMPROVEMENT_ROWS["I03"]].hidden
    assert not checklist.column_dimensions["E"].hidden
    assert checklist["E2"].comment is not None


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_sheet_the_officer_hid_is_shown_where_it_holds_a_mark(tmp_path, state):
    """The officer hid the Risks sheet (or it came very hidden, which Excel's menus cannot undo): the
    copy's Findings sheet linked to its marked cells, but the sheet stayed hidden, so the link led to
    nothing and the red cell was never seen. A sheet with no mark keeps its state."""
    folder = tmp_path / "round1"

    def hide(book):
        book[catalogue.RISKS_SHEET.name].sheet_state = state
        book[catalogue.OBJECTIVES_SHEET.name].sheet_state = state

    write_workbook(folder / "p1.xlsx", risks={"R03": {"Likelihood": 9}}, edit=hide)
    copy = openpyxl.load_workbook(feedback_copy(folder, tmp_path / "feedback"))
    assert copy[catalogue.RISKS_SHEET.name].sheet_state == "visible"
    assert copy[catalogue.OBJECTIVES_SHEET.name].sheet_state == state


def test_the_officers_conditional_formatting_does_not_hide_a_mark(tmp_path):
    """The officer highlighted high ratings on the Risks sheet (a conditional format, pale yellow): on
    the feedback copy, the error in R03's likelihood showed the officer's pale yellow over our red, and
    read as a warning. A marked cell is taken out of the officer's conditional formats; every other
    cell keeps them."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill

    folder = tmp_path / "round1"
    likelihood = catalogue.RISKS_SHEET.column("Likelihood")
    first, last = catalogue.RISK_ROWS["R01"], catalogue.RISK_ROWS["R09"]

    def highlight(book):
        book[catalogue.RISKS_SHEET.name].conditional_formatting.add(
            f"{likelihood}{first}:{likelihood}{last}",
            CellIsRule(operator="greaterThan", formula=["3"], fill=PatternFill("solid", bgColor="FFFFF2CC")),
        )

    write_workbook(folder / "p1.xlsx", risks={"R03": {"Likelihood": 9}}, edit=highlight)
    path = feedback_copy(folder, tmp_path / "feedback")
    assert_package_whole(path)
    resave(path, tmp_path / "opened")  # LibreOffice opens it
    copy = openpyxl.load_workbook(path)
    marked = f"{likelihood}{catalogue.RISK_ROWS['R03']}"
    covered = {
        cell
        for formats in copy[catalogue.RISKS_SHEET.name].conditional_formatting
        for cells in formats.sqref.ranges
        for row in range(cells.min_row, cells.max_row + 1)
        for cell in (f"{likelihood}{row}",)
        if cells.min_col <= catalogue.column_number(likelihood) <= cells.max_col
    }
    assert marked not in covered
    assert covered == {f"{likelihood}{row}" for row in range(first, last + 1)} - {marked}


def test_a_conditional_format_whose_first_cell_is_marked_keeps_its_meaning(tmp_path):
    """An officer's format =ISBLANK(B2) over the Register's B2:B30, with B2 (the ID) marked: the copy
    narrowed the range to start at B3 but kept =ISBLANK(B2), written for its first cell, so every cell
    tested the one above it. The formula moves with the range's first cell."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill

    folder = tmp_path / "round1"

    def highlight(book):
        book[catalogue.REGISTER.name].conditional_formatting.add(
            "B2:B30", FormulaRule(formula=["ISBLANK(B2)"], fill=PatternFill("solid", bgColor="FFFFFF00"))
        )

    write_workbook(folder / "p1.xlsx", partnership_id=None, edit=highlight)
    copy = openpyxl.load_workbook(feedback_copy(folder, tmp_path / "feedback"))
    [(ranges, rules)] = [
        (str(formats.sqref), formats.rules) for formats in copy[catalogue.REGISTER.name].conditional_formatting
    ]
    assert ranges == "B3:B30"
    assert [rule.formula for rule in rules] == [["ISBLANK(B3)"]]


def _applied(path: Path, sheet: str, marked: str) -> dict[str, list[str]]:
    """The formulas LibreOffice tests each cell of `sheet` but `marked` by, in its reading of `path`
    (saved as .ods): each conditional format's formulas moved from its base cell to the cell."""
    import re
    from html import unescape

    from openpyxl.formula.translate import Translator
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    content = zipfile.ZipFile(resave(path, path.parent / f"{path.stem}-ods", to="ods")).read("content.xml").decode()
    applied: dict[str, list[str]] = {}
    for ranges, conditions in re.findall(
        r'<calcext:conditional-format calcext:target-range-address="([^"]*)">(.*?)</calcext:conditional-format>',
        content,
    ):
        for value, base in re.findall(
            r'calcext:value="formula-is\((.*?)\)" calcext:base-cell-address="([^"]*)"', conditions
        ):
            formula = "=" + re.sub(r"\[\.([^\]]+)\]", r"\1", unescape(value))
            for item in ranges.replace(f"{sheet}.", "").split():
                left, top, right, bottom = range_boundaries(item)
                for row in range(top, bottom + 1):
                    for column in range(left, right + 1):
                        cell = f"{get_column_letter(column)}{row}"
                        if cell != marked:
                            moved = Translator(formula, origin=base.replace(f"{sheet}.", "")).translate_formula(cell)
                            applied.setdefault(cell, []).append(moved)
    return applied


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_conditional_format_over_a_marked_cell_means_in_libreoffice_what_it_meant(tmp_path):
    """The officer shaded a High risk's ratings (=$C2*$D2>=15 over the Risks' C2:D21) and blank ones
    (=ISBLANK(C2)); R01's likelihood is blank, so C2 is marked. The copy wrote the format over
    'D2 C3:D21' with its formulas for C2 (or D2): LibreOffice reads a format over several ranges as
    written for C3, so every row tested the row above, and the copy shaded R05 (Low) instead of R04
    (High). Every range left is a format of its own, its formulas written for its own first cell, the
    officer's rules in their order, and LibreOffice tests every cell but the marked one as before."""
    from click.testing import CliRunner
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill

    from pipeline.cli import cli

    likelihood, impact = catalogue.RISKS_SHEET.column("Likelihood"), catalogue.RISKS_SHEET.column("Impact")
    first, last = catalogue.RISK_ROWS["R01"], catalogue.RISK_ROWS["R20"]
    marked = f"{likelihood}{first}"

    def shade(book):
        formats = book[catalogue.RISKS_SHEET.name].conditional_formatting
        cells = f"{likelihood}{first}:{impact}{last}"
        high = f"${likelihood}{first}*${impact}{first}>=15"
        formats.add(cells, FormulaRule(formula=[high], fill=PatternFill("solid", bgColor="FFFF9999")))
        formats.add(cells, FormulaRule(formula=[f"ISBLANK({marked})"], fill=PatternFill("solid", bgColor="FFFFFF99")))

    inputs, out = tmp_path / "in", tmp_path / "out"
    original = write_workbook(
        inputs / "p1.xlsx", risks={"R01": {"Likelihood": None}, "R04": {"Likelihood": 5, "Impact": 4}}, edit=shade
    )
    result = CliRunner().invoke(
        cli, ["validate", str(inputs), "--out", str(out), "--as-of", "2026-05-01", "--feedback"]
    )
    assert result.exit_code in (0, 1), result.output
    [copy] = (out / "feedback").glob("*.xlsx")
    formats = openpyxl.load_workbook(copy)[catalogue.RISKS_SHEET.name].conditional_formatting
    assert all(len(each.sqref.ranges) == 1 for each in formats)  # no format whose first cell is a guess
    rules = sorted((rule.priority, rule.formula[0].startswith("ISBLANK")) for each in formats for rule in each.rules)
    assert len({priority for priority, _ in rules}) == len(rules)
    assert [blank for _, blank in rules] == sorted(blank for _, blank in rules)  # the officer's order
    before = _applied(original, catalogue.RISKS_SHEET.name, marked)
    r04 = catalogue.RISK_ROWS["R04"]
    assert before[f"{impact}{r04}"] == [f"=${likelihood}{r04}*${impact}{r04}>=15", f"=ISBLANK({impact}{r04})"]
    assert _applied(copy, catalogue.RISKS_SHEET.name, marked) == before


def test_a_marked_cells_colour_scale_keeps_its_cells_and_an_x14_format_its_meaning(tmp_path):
    """Beside a rule that tests each cell, a colour scale compares the cells of all its ranges: cut in
    one format a range, each piece would be coloured by its own lowest and highest. It keeps one format
    over every cell but the marked one. An x14 format (Excel's, for a formula about another sheet)
    is cut as Excel's own are, each copy with an id of its own; every rule's priority is unique and in
    the officer's order."""
    from openpyxl.formatting.rule import ColorScaleRule, FormulaRule
    from openpyxl.styles import PatternFill

    likelihood, impact = catalogue.RISKS_SHEET.column("Likelihood"), catalogue.RISKS_SHEET.column("Impact")
    first, last = catalogue.RISK_ROWS["R01"], catalogue.RISK_ROWS["R20"]
    cells, marked = f"{likelihood}{first}:{impact}{last}", f"{likelihood}{first}"

    def shade(book):
        formats = book[catalogue.RISKS_SHEET.name].conditional_formatting
        formats.add(cells, FormulaRule(formula=[f"ISBLANK({marked})"], fill=PatternFill("solid", bgColor="FFFFFF99")))
        formats.add(
            cells, ColorScaleRule(start_type="min", start_color="FFFFFFFF", end_type="max", end_color="FFFF0000")
        )

    folder = tmp_path / "round1"
    path = write_workbook(folder / "p1.xlsx", risks={"R01": {"Likelihood": None}}, edit=shade)
    package = parts(path)
    sheet = sheet_parts(package)[catalogue.RISKS_SHEET.name]
    x14 = (
        '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:conditionalFormattings>'
        '<x14:conditionalFormatting xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:cfRule type="expression" priority="3" id="{00000000-0000-0000-0000-000000000001}">'
        f"<xm:f>${likelihood}{first}&gt;Guide!$A$1</xm:f></x14:cfRule><xm:sqref>{cells}</xm:sqref>"
        "</x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst>"
    ).encode()
    package[sheet] = package[sheet].rstrip().replace(b"</worksheet>", x14 + b"</worksheet>")
    path.write_bytes(zipped(package))

    copy = etree.fromstring(parts(feedback_copy(folder, tmp_path / "feedback"))[sheet])
    main, x14_main = copy.nsmap[None], "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
    excel = "http://schemas.microsoft.com/office/excel/2006/main"
    rules = [
        (rule.get("priority"), rule.get("type"), element.get("sqref"), rule.findtext(f"{{{main}}}formula"))
        for element in copy.iter(f"{{{main}}}conditionalFormatting")
        for rule in element.iter(f"{{{main}}}cfRule")
    ] + [
        (rule.get("priority"), rule.get("id"), element.findtext(f"{{{excel}}}sqref"), rule.findtext(f"{{{excel}}}f"))
        for element in copy.iter(f"{{{x14_main}}}conditionalFormatting")
        for rule in element.iter(f"{{{x14_main}}}cfRule")
    ]
    rest = f"{likelihood}{first + 1}:{impact}{last}"
    assert sorted(rules, key=lambda rule: int(rule[0])) == [
        ("1", "expression", f"{impact}{first}", f"ISBLANK({impact}{first})"),
        ("2", "expression", rest, f"ISBLANK({likelihood}{first + 1})"),
        ("3", "colorScale", f"{impact}{first} {rest}", None),
        ("4", "{00000000-0000-0000-0000-000000000001}", f"{impact}{first}", f"${likelihood}{first}>Guide!$A$1"),
        ("5", rules[-1][1], rest, f"${likelihood}{first + 1}>Guide!$A$1"),
    ]
    assert rules[-1][1] != rules[-2][1]


def test_a_marked_cells_x14_dropdown_is_kept(tmp_path):
    """Excel writes a list whose source is on another sheet as an x14 data validation, its cells in an
    <xm:sqref> as an x14 conditional format's are: taking marked cells out of conditional formats took
    them out of the dropdown too. Only conditional formats are touched."""
    import re
    import zipfile

    folder = tmp_path / "round1"
    path = write_workbook(folder / "p1.xlsx", risks={"R03": {"Likelihood": 9}})
    likelihood = catalogue.RISKS_SHEET.column("Likelihood")
    cells = f"{likelihood}2:{likelihood}30"
    dropdown = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>Guide!$A$1:$A$5</xm:f></x14:formula1>'
        f"<xm:sqref>{cells}</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
    )
    data = {}
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for name in names:
            data[name] = archive.read(name)
    ids = dict(re.findall(rb'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', data["xl/workbook.xml"]))
    targets = {
        re.search(rb'Id="([^"]+)"', item).group(1): re.search(rb'Target="/?(?:xl/)?([^"]+)"', item).group(1)
        for item in re.findall(rb"<Relationship [^>]*>", data["xl/_rels/workbook.xml.rels"])
    }
    sheet = "xl/" + targets[ids[catalogue.RISKS_SHEET.name.encode()]].decode()
    data[sheet] = re.sub(rb"</worksheet>$", dropdown.encode() + b"</worksheet>", data[sheet].rstrip())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, data[name])
    copy = feedback_copy(folder, tmp_path / "feedback")
    with zipfile.ZipFile(copy) as archive:
        assert f"<xm:sqref>{cells}</xm:sqref>".encode() in archive.read(sheet)


def test_a_conditional_format_range_that_cannot_be_read_costs_no_feedback_copy(tmp_path):
    """One conditional format's range the marker could not read ('e2:e30' in lower case, ':E30') cost
    the officer the whole feedback copy. Such a range is left as it is."""
    import re
    import zipfile

    folder = tmp_path / "round1"
    path = write_workbook(folder / "p1.xlsx", risks={"R03": {"Likelihood": 9}})
    with zipfile.ZipFile(path) as archive:
        data = {name: archive.read(name) for name in archive.namelist()}
    for name in data:
        if name.startswith("xl/worksheets/sheet"):
            data[name] = re.sub(
                rb"(<sheetData.*</sheetData>)",
                rb'\1<conditionalFormatting sqref=":E30 e2:e30"><cfRule type="expression" priority="1" dxfId="0">'
                rb"<formula>TRUE</formula></cfRule></conditionalFormatting>",
                data[name],
                flags=re.S,
            )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in data.items():
            archive.writestr(name, content)
    copy = feedback_copy(folder, tmp_path / "feedback")
    assert openpyxl.load_workbook(copy)[catalogue.RISKS_SHEET.name]["C4"].comment is not None


def test_a_hidden_copy_of_a_sheet_the_findings_name_is_shown(tmp_path):
    """A very hidden 'Checklist (2)' (left by an add-in) was named by sheet.copy, 'delete the copy',
    but stayed very hidden in the feedback copy, which Excel's menus cannot undo: the officer was told
    to delete a sheet they could not find. A sheet a finding names is shown."""
    folder = tmp_path / "round1"

    def copy(book):
        sheet = book.copy_worksheet(book[catalogue.CHECKLIST.name])
        sheet.title = "Checklist (2)"
        sheet.sheet_state = "veryHidden"

    write_workbook(folder / "p1.xlsx", edit=copy)
    marked = openpyxl.load_workbook(feedback_copy(folder, tmp_path / "feedback"))
    assert marked["Checklist (2)"].sheet_state == "visible"
