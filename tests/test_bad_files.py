"""Bad and hostile files: each gets its file-level finding, quickly, and the batch goes on.

Every file here is built by the test from the real template (or from nothing), in one folder with a
good workbook, and the folder is validated once: the good workbook must still be assessed and its own
finding reported, and no input may change.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from officer import AS_OF, write_workbook
from packages import zipped
from pipeline import catalogue
from pipeline.read import workbook as workbook_reader
from pipeline.config import Config, Limits
from pipeline.findings import FILE_LEVEL_RULES
from pipeline.read.workbook import load_workbook_file
from pipeline.run import validate_folder

CONFIG = Config()
#: The first eight bytes of every OLE2 compound file: legacy .xls, and Office files with a password.
OLE2_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")


def rezip(
    data: bytes,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> bytes:
    """A copy of an .xlsx package with some parts replaced, added or removed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            target.writestr(info.filename, (replace or {}).get(info.filename, source.read(info.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def encrypted(plain: Path) -> bytes:
    """A password-protected copy, as Excel writes it (an OLE2 file holding EncryptionInfo/EncryptedPackage)."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:  # the same container by hand: the OLE2 signature and the two stream names
        names = "".join(f"{name}\0" for name in ("EncryptionInfo", "EncryptedPackage")).encode("utf-16-le")
        return OLE2_SIGNATURE + bytes(504) + names + bytes(4096)
    out = io.BytesIO()
    with open(plain, "rb") as handle:
        OOXMLFile(handle).encrypt("secret", out)
    return out.getvalue()


def bad_files(good: bytes, plain: Path) -> dict[str, tuple[bytes, str]]:
    """file name -> (its bytes, the rule its finding must have)."""
    sheet = part(good, "xl/worksheets/sheet3.xml")  # the Checklist
    workbook_xml = part(good, "xl/workbook.xml")
    strings = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>'
    )
    xxe = workbook_xml.replace(b"<workbook", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><workbook', 1)
    far_cell = re.sub(rb"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>', sheet)
    far_dimension = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', sheet)
    strict = workbook_xml.replace(
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    )
    # Cells and rows beyond the limits written as XML allows but as no spreadsheet program writes them:
    # a reader places them all the same (near the limits, so that a reader given them is quick).
    single_quotes = re.sub(rb"</sheetData>", b"<row r='40'><c r='BM40'><v>1</v></c></row></sheetData>", sheet)
    spaced = re.sub(rb"</sheetData>", b'<row r = "5001"><c r = "A5001"><v>1</v></c></row></sheetData>', sheet)
    no_r_cells = re.sub(rb"</sheetData>", b'<row r="40">' + b"<c><v>1</v></c>" * 65 + b"</row></sheetData>", sheet)
    no_r_rows = re.sub(
        rb"</sheetData>", b'<row r="5000"><c r="A5000"><v>1</v></c></row><row><c><v>2</v></c></row></sheetData>', sheet
    )
    far_row = re.sub(rb"</sheetData>", b'<row r="5001"><c r="A5001"><v>1</v></c></row></sheetData>', sheet)
    # An external entity in UTF-32, which no search in UTF-8 or UTF-16 finds.
    utf32 = (
        '<?xml version="1.0" encoding="UTF-32"?><!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + sheet.decode("utf-8").split("?>", 1)[-1]
    ).encode("utf-32")
    corrupt = bytearray(good)
    middle = len(corrupt) // 2
    corrupt[middle : middle + 400] = bytes(byte ^ 0x5A for byte in corrupt[middle : middle + 400])
    ods = _ods()
    return {
        "truncated.xlsx": (good[: len(good) // 2], "file.unreadable"),
        "corrupt.xlsx": (bytes(corrupt), "file.unreadable"),
        "empty.xlsx": (b"", "file.unreadable"),
        "zip-not-workbook.xlsx": (zipped({"notes.txt": b"hello"}), "file.unreadable"),
        "encrypted.xlsx": (encrypted(plain), "file.encrypted"),
        # Named as the old format it is kept in: the password is what must go, not the name.
        "encrypted-named.xls": (encrypted(plain), "file.encrypted"),
        "legacy-renamed.xlsx": (OLE2_SIGNATURE + bytes(2048), "file.unsupported_format"),
        "legacy.xls": (OLE2_SIGNATURE + bytes(2048), "file.unsupported_format"),
        "really-xlsx.xls": (good, "file.unsupported_format"),
        "calc-renamed.xlsx": (ods, "file.unsupported_format"),
        "calc.ods": (ods, "file.unsupported_format"),
        "data.csv": (b"Ref,Status\n1a,Yes\n", "file.unsupported_format"),
        "csv-renamed.xlsx": (b"Ref,Status\n1a,Yes\n", "file.unsupported_format"),
        "page-renamed.xlsx": (b"<!DOCTYPE html><html><body><table></table></body></html>", "file.unsupported_format"),
        "strict.xlsx": (rezip(good, {"xl/workbook.xml": strict}), "file.unsupported_format"),
        "billion-laughs.xlsx": (
            rezip(good, drop=("xl/sharedStrings.xml",), add={"xl/sharedStrings.xml": strings}),
            "file.unreadable",
        ),
        "xxe.xlsx": (rezip(good, {"xl/workbook.xml": xxe}), "file.unreadable"),
        "zip-bomb.xlsx": (rezip(good, add={"xl/media/padding.xml": bytes(8_000_000)}), "file.too_large"),
        "far-cell.xlsx": (rezip(good, {"xl/worksheets/sheet3.xml": far_cell}), "file.too_large"),
        "far-dimension.xlsx": (rezip(good, {"xl/worksheets/sheet3.xml": far_dimension}), "file.too_large"),
        "far-cell-odd-part-name.xlsx": (_moved_sheet(good, far_cell), "file.too_large"),
        "utf16-doctype.xlsx": (
            rezip(
                good,
                add={
                    "customXml/item1.xml": '<?xml version="1.0" encoding="UTF-16"?>'
                    '<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>'.encode("utf-16")
                },
            ),
            "file.unreadable",
        ),
        "lying-size.xlsx": (_declare_smaller(good, "xl/worksheets/sheet3.xml"), "file.too_large"),
        "far-cell-single-quotes.xlsx": (rezip(good, {"xl/worksheets/sheet3.xml": single_quotes}), "file.too_large"),
        "far-cell-spaced.xlsx": (rezip(good, {"xl/worksheets/sheet3.xml": spaced}), "file.too_large"),
        "cells-without-r.xlsx": (rezip(good, {"xl/worksheets/sheet3.xml": no_r_cells}), "file.too_large"),
        "rows-without-r.xlsx": (rezip(good, {"xl/worksheets/sheet3.xml": no_r_rows}), "file.too_large"),
        "far-cell-sheet-named-bin.xlsx": (_moved_sheet(good, far_row, "xl/worksheets/sheet3.bin"), "file.too_large"),
        "duplicate-part.xlsx": (_twice(good, "xl/worksheets/sheet3.xml"), "file.unreadable"),
        "utf32.xlsx": (rezip(good, {"xl/worksheets/sheet3.xml": utf32}), "file.unreadable"),
    }


def _moved_sheet(good: bytes, sheet: bytes, name: str = "xl/data/s3.dat") -> bytes:
    """The Checklist stored as xl/data/s3.dat (or `name`, even one that names a picture or a binary part):
    a reader follows the relationships, and so must the checks."""
    rels = part(good, "xl/_rels/workbook.xml.rels").replace(b"/xl/worksheets/sheet3.xml", b"/" + name.encode())
    types = part(good, "[Content_Types].xml").replace(b"/xl/worksheets/sheet3.xml", b"/" + name.encode())
    return rezip(
        good,
        {"xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types},
        drop=("xl/worksheets/sheet3.xml",),
        add={name: sheet},
    )


def _twice(good: bytes, name: str) -> bytes:
    """A package holding part `name` twice, the second copy with other answers: which one a program shows
    is up to it."""
    other = part(good, name).replace(b"<t>", b"<t>The second copy: ", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile's "Duplicate name": the very thing built here
        return rezip(good, add={name: other})


def _declare_smaller(data: bytes, name: str) -> bytes:
    """The part's central directory entry claims half its real size (a reader may not stop there)."""
    patched = bytearray(data)
    index = patched.find(b"PK\x01\x02")
    while index != -1:
        (length,) = struct.unpack("<H", patched[index + 28 : index + 30])
        if patched[index + 46 : index + 46 + length] == name.encode():
            (size,) = struct.unpack("<I", patched[index + 24 : index + 28])
            patched[index + 24 : index + 28] = struct.pack("<I", size // 2)
        index = patched.find(b"PK\x01\x02", index + 1)
    return bytes(patched)


def _ods() -> bytes:
    return zipped(
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": b"<manifest/>",
        }
    )


def layout_files(folder: Path) -> dict[str, str]:
    """Workbooks from the template whose structure an officer broke: file name -> rule."""
    from openpyxl.workbook.defined_name import DefinedName

    def no_checklist(book):
        del book[catalogue.CHECKLIST.name]

    def renamed_header(book):
        book[catalogue.IMPROVEMENT.name]["C1"] = "Response"

    def moved_ref(book):
        book[catalogue.RISKS_SHEET.name]["A4"] = "R04"

    def version_nine(book):
        book.defined_names[catalogue.TEMPLATE_VERSION_NAME] = DefinedName(
            catalogue.TEMPLATE_VERSION_NAME, attr_text="9"
        )

    cases = {
        "no-checklist.xlsx": (no_checklist, "sheet.missing"),
        "renamed-header.xlsx": (renamed_header, "sheet.layout"),
        "moved-ref.xlsx": (moved_ref, "sheet.layout"),
        "version-9.xlsx": (version_nine, "template.version"),
    }
    for name, (edit, _) in cases.items():
        write_workbook(folder / "layout" / name, partnership_id=name, edit=edit)
    return {f"layout/{name}": rule for name, (_, rule) in cases.items()}


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    folder = root / "input"
    plain = write_workbook(root / "plain.xlsx")
    good = write_workbook(folder / "good.xlsx", partnership_id="P-GOOD", checklist={"1a": {"Status": None}})
    expected = {}
    for name, (data, rule) in bad_files(plain.read_bytes(), plain).items():
        (folder / name).write_bytes(data)
        expected[name] = rule
    expected.update(layout_files(folder))
    before = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.rglob("*") if path.is_file()}
    outcome = validate_folder(folder, root / "out", as_of=AS_OF, config=CONFIG)
    after = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.rglob("*") if path.is_file()}
    return dict(outcome=outcome, expected=expected, good=good, before=before, after=after)


def test_each_bad_file_gets_its_finding(batch_run):
    findings = batch_run["outcome"].report.findings
    found = {}
    for item in findings:
        if item.file != "good.xlsx":
            found.setdefault(item.file, set()).add(item.rule)
    # A bad file kept under two names (the same bytes) is also pointed out as a copy of the first by name.
    copies = {"calc.ods", "data.csv", "legacy.xls"}
    assert {name: rules for name, rules in found.items()} == {
        name: {rule, "file.copy"} if name in copies else {rule} for name, rule in batch_run["expected"].items()
    }


def test_bad_files_are_not_assessed_and_the_good_one_is(batch_run):
    workbooks = {item.file: item for item in batch_run["outcome"].batch.workbooks}
    assert workbooks["good.xlsx"].assessed
    assert [name for name, item in workbooks.items() if item.assessed] == ["good.xlsx"]
    good = [
        (item.sheet, item.cell, item.rule) for item in batch_run["outcome"].report.findings if item.file == "good.xlsx"
    ]
    assert good == [("Checklist", "D2", "checklist.unanswered")]


def test_every_file_level_rule_is_produced(batch_run):
    rules = {item.rule for item in batch_run["outcome"].report.findings}
    assert FILE_LEVEL_RULES <= rules


def test_inputs_are_unchanged(batch_run):
    assert batch_run["before"] == batch_run["after"]


def test_file_level_findings_say_why(batch_run):
    messages = {item.file: item.message for item in batch_run["outcome"].report.findings}
    assert "empty" in messages["empty.xlsx"]
    assert "row 1048576" in messages["far-cell.xlsx"]
    assert "used range ends at XFD1048576 (Ctrl+End goes there)" in messages["far-dimension.xlsx"]
    assert "<!ENTITY" in messages["billion-laughs.xlsx"]
    assert "Strict Open XML" in messages["strict.xlsx"]
    assert ".xlsx and .xlsm" in messages["data.csv"]
    assert "legacy Excel" in messages["legacy-renamed.xlsx"]
    assert "cell BM40" in messages["far-cell-single-quotes.xlsx"]
    assert "cell BM40" in messages["cells-without-r.xlsx"]
    assert "row 5001" in messages["rows-without-r.xlsx"]
    assert "two parts named xl/worksheets/sheet3.xml" in messages["duplicate-part.xlsx"]
    assert "UTF-32" in messages["utf32.xlsx"]


def test_size_limits_come_from_the_configuration(tmp_path):
    path = write_workbook(tmp_path / "ok.xlsx")
    small_file = dataclasses.replace(CONFIG, limits=Limits(max_file_bytes=1000))
    small_unpacked = dataclasses.replace(CONFIG, limits=Limits(max_uncompressed_bytes=10_000))
    few_rows = dataclasses.replace(CONFIG, limits=Limits(max_rows=20))
    for config in (small_file, small_unpacked, few_rows):
        workbook = load_workbook_file(path, tmp_path, config)
        assert [item.rule for item in workbook.findings] == ["file.too_large"]
        assert workbook.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert load_workbook_file(path, tmp_path, CONFIG).findings == ()


def test_any_error_while_reading_becomes_a_finding(tmp_path, monkeypatch):
    path = write_workbook(tmp_path / "ok.xlsx")

    def explode(*args, **kwargs):
        raise RuntimeError("CalamineError: Cannot detect file format")

    monkeypatch.setattr(workbook_reader, "read_workbook", explode)
    workbook = load_workbook_file(path, tmp_path, CONFIG)
    assert [item.rule for item in workbook.findings] == ["file.unreadable"]
    message = workbook.findings[0].message
    assert "damaged" in message  # in an officer's words; no library's words reach the officer
    assert "Calamine" not in message and "Error" not in message and "detect" not in message


def test_reading_time_is_bounded_by_the_configuration(tmp_path):
    path = write_workbook(tmp_path / "ok.xlsx")
    no_time = dataclasses.replace(CONFIG, limits=Limits(load_timeout_seconds=0))
    workbook = load_workbook_file(path, tmp_path, no_time)
    assert [item.rule for item in workbook.findings] == ["file.too_large"]
    assert "longer than the time allowed" in workbook.findings[0].message


@pytest.mark.parametrize("declared", ["ASCII", "us-ascii", "UTF8", "utf-8"])
def test_a_part_declared_in_ascii_or_another_spelling_of_utf8_is_read(tmp_path, declared):
    """lxml's tostring(xml_declaration=True) and ElementTree's write(xml_declaration=True) declare
    encoding='ASCII': a council's script stamping the document properties wrote such a part, and the
    return was refused as 'not the UTF-8 or UTF-16 that Excel and LibreOffice write', though ASCII is
    UTF-8 and every reader reads it so."""
    good = write_workbook(tmp_path / "made.xlsx").read_bytes()
    core = part(good, "docProps/core.xml")
    body = core[core.index(b"?>") + 2 :] if core.startswith(b"<?xml") else core
    stamped = f"<?xml version='1.0' encoding='{declared}'?>\n".encode("ascii") + body
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "stamped.xlsx").write_bytes(rezip(good, {"docProps/core.xml": stamped}))
    read = load_workbook_file(folder / "stamped.xlsx", folder, Config())
    assert read.assessed, read.findings
