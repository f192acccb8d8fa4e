"""Hostile returns, built here from the real template: each with the finding it must get.

`test_bad_files.bad_files` already builds the classic bad files (truncated, encrypted, renamed CSV
and web pages, Strict OOXML, an entity bomb in the shared strings, an external entity in the
workbook part, cells at XFD1048576, a part that lies about its size); this module adds the ones the
robustness suite needs on top: an entity bomb and an external entity in *every* part of the
package, the three zip bombs (one huge string, millions of small strings, a huge worksheet), raw
control characters in officer text, and the 1904 date system (which must read correctly).
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

from test_bad_files import bad_files, part, rezip

from pipeline.catalogue import REGISTER_ROWS

#: A billion-laughs declaration and an external entity, as a hostile writer would put before the root.
BOMB = (
    b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    b'<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>'
)
EXTERNAL = b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY y SYSTEM "http://example.invalid/x">]>'

REGISTER_PART = "xl/worksheets/sheet2.xml"  # the template's Register sheet
CHECKLIST_PART = "xl/worksheets/sheet3.xml"


def parts(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def with_declaration(xml: bytes, declaration: bytes) -> bytes:
    """`xml` with a DOCTYPE placed where XML allows it: after the XML declaration, before the root."""
    match = re.match(rb"\s*<\?xml[^>]*\?>", xml)
    at = match.end() if match else 0
    return xml[:at] + declaration + xml[at:]


def huge_string(good: bytes, characters: int = 90_000_000) -> bytes:
    """One cell (the Partnership ID) holding 90 million characters, packed at a modest ratio (~65:1),
    so neither the size on disk nor the compression ratio gives it away."""
    rng = random.Random(7)
    text = bytearray(b"x" * characters)
    for index in range(0, characters, 120):
        text[index] = rng.choice(b"abcdefghijklmnopqrstuvwxyz")
    sheet = part(good, REGISTER_PART)
    sheet = sheet.replace(b"<t>P-001</t>", b"<t>" + bytes(text) + b"</t>", 1)
    return rezip(good, {REGISTER_PART: sheet})


def many_strings(good: bytes, count: int = 1_200_000) -> bytes:
    """A shared-string table of 1.2 million short, different strings (poorly compressible: no ratio alarm)."""
    letters = bytes(b"abcdefghijklmnopqrstuvwxyz"[byte % 26] for byte in range(256))
    noise = random.Random(11).randbytes(6 * count).translate(letters)
    items = b"".join(b"<si><t>%s</t></si>" % noise[index : index + 6] for index in range(0, 6 * count, 6))
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (count, count) + items + b"</sst>"
    )
    rels = part(good, "xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>",
        b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    return rezip(good, {"xl/_rels/workbook.xml.rels": rels}, add={"xl/sharedStrings.xml": strings})


def huge_sheet(good: bytes, rows: int = 1_000_000) -> bytes:
    """The Checklist sheet with a million rows of numbers below the questions."""
    rng = random.Random(5)
    body = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (row, row, rng.randrange(10**9))
        for row in range(100, 100 + rows)
    )
    sheet = part(good, CHECKLIST_PART).replace(b"</sheetData>", body + b"</sheetData>", 1)
    return rezip(good, {CHECKLIST_PART: sheet})


def control_characters(good: bytes) -> bytes:
    """Officer text with control characters, raw and in Excel's _xHHHH_ escapes (as Excel writes them)."""
    sheet = part(good, REGISTER_PART)
    sheet = sheet.replace(b"<t>Sam Patel</t>", b"<t>Sam\x01 Pa\x07tel\x1b</t>", 1)
    sheet = sheet.replace(b"<t>Community Safety</t>", b"<t>Community_x0008_ Safety_x001F_</t>", 1)
    return rezip(good, {REGISTER_PART: sheet})


def hostile_files(good: bytes, plain: Path, mac: bytes) -> dict[str, tuple[bytes, set[str]]]:
    """file name -> (bytes, the rules of its findings); an empty set means it must read with no finding."""
    files = {name: (data, {rule}) for name, (data, rule) in bad_files(good, plain).items()}
    for name in parts(good):
        stem = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
        original = part(good, name)
        files[f"bomb-in-{stem}.xlsx"] = (rezip(good, {name: with_declaration(original, BOMB)}), {"file.unreadable"})
        files[f"external-in-{stem}.xlsx"] = (
            rezip(good, {name: with_declaration(original, EXTERNAL)}),
            {"file.unreadable"},
        )
    files["huge-string.xlsx"] = (huge_string(good), {"file.too_large"})
    files["many-strings.xlsx"] = (many_strings(good), {"file.too_large"})
    files["huge-sheet.xlsx"] = (huge_sheet(good), {"file.too_large"})
    files["control-characters.xlsx"] = (control_characters(good), set())
    files["mac-1904.xlsx"] = (mac, set())
    return files


#: Where the control-characters file's cleaned text must land.
LEAD_OFFICER_CELL = f"B{REGISTER_ROWS['lead_officer']}"
