"""Pre-flight: a returned file's raw bytes checked before any spreadsheet library sees them.

Its format is sniffed from its content (an encrypted .xlsx is really an OLE2 file; a CSV or web
page may be renamed .xlsx), and a zip is checked against `config.limits` (declared sizes,
compression ratio, XML entity declarations, sheet dimensions and cell references) by streaming each
XML part with a cap. A file that fails raises `Refused`, which `pipeline.read.workbook` turns into
the file's finding. A hostile file therefore costs one bounded pass over its bytes (python-calamine
aborts the whole process on a cell at XFD1048576; openpyxl exhausts memory on it).
"""

from __future__ import annotations

import codecs
import functools
import io
import os
import re
import struct
import time
import zipfile
import zlib
from pathlib import PurePosixPath
from dataclasses import dataclass
from typing import Iterable, Iterator

from pipeline.catalogue import column_letter, column_number
from pipeline.config import Limits
from pipeline.findings import RuleCode
from pipeline.read.folder import UNSUPPORTED_SUFFIXES

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
#: Stream names that an encrypted (password-protected) Office file carries inside its OLE2 container.
_ENCRYPTION_STREAMS = tuple(name.encode("utf-16-le") for name in ("EncryptionInfo", "EncryptedPackage"))
_STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
#: Entity and document type declarations are how XML bombs and external entities work; no part of a
#: workbook written by Excel, LibreOffice or openpyxl has one. Searched in UTF-8 and UTF-16.
_DECLARATIONS = tuple(
    needle.encode(encoding) for needle in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
#: A member smaller than this cannot harm memory whatever its compression ratio; only bigger members
#: are held to `max_compression_ratio`, so ordinary small, repetitive parts are never refused.
_RATIO_FLOOR_BYTES = 1 << 20
#: Parts are inflated and searched this much at a time: most parts of a workbook in one go.
_CHUNK = 1 << 20
_OVERLAP = 512  # bytes kept between chunks so that no needle or attribute is split unseen
_CELL_REF = re.compile(rb'\sr="([A-Za-z]{0,8})(\d{0,12})"')
_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*?\s+ref\s*=\s*[\"']"
    rb"([A-Za-z]{0,8})(\d{0,12})(?::([A-Za-z]{0,8})(\d{0,12}))?[\"']"
)
#: What the quick search for far references (`_far_references`) cannot see: a cell or row tag that does
#: not start with r="..." (Excel, LibreOffice and openpyxl always start it so) or that has a prefix (<x:c>),
#: an r attribute written otherwise (r='...', r = "...": that search finds those), or after a tab or a
#: line break. A reader places a cell or row without r after the one before it, and takes the last of two
#: r, so such a sheet is followed tag by tag instead (`_Positions`). Each search jumps from one "<" or ":"
#: to the next; tabs and line breaks, few in a sheet if any, are looked at one by one.
_UNUSUAL_TAG = re.compile(rb'<(?:c|row)(?=[\s/>])(?! r=")')
_PREFIXED_TAG = re.compile(rb":(?:c|row)[\s/>]")
_R_AFTER_BREAK = re.compile(rb"[\t\r\n]r\s*=")
_CELL_OR_ROW_TAG = re.compile(rb"<(?:\w+:)?(c|row)[\s>/]")
_SHARED_STRING_TAG = re.compile(rb"<(?:\w+:)?si[\s>/]")


#: `file.too_large` says "too large" only of size; other limits say what they are.
TOO_SLOW = "Reading it took longer than the time allowed for one workbook: it is damaged or far from a plain workbook"


def too_large(detail: str) -> str:
    """The reason of a `file.too_large` about size."""
    return f"The file is too large to be a completed review workbook ({detail})"


class Refused(Exception):
    """A file that pre-flight refuses: carries the finding's rule and template fields."""

    def __init__(self, rule: str, **fields: str) -> None:
        super().__init__(rule, fields)
        self.rule = rule
        self.fields = fields


# --- Pre-flight: the raw bytes, before any spreadsheet library sees them -------------------------


def preflight(data: bytes, suffix: str, limits: Limits, deadline: float | None = None) -> Package:
    """The checked package, or `Refused` unless `data` is an .xlsx/.xlsm zip that is safe to hand to a reader."""
    deadline = time.monotonic() + limits.load_timeout_seconds if deadline is None else deadline
    # A password is said first, whatever the name: saving it again as .xlsx would not take it off.
    if data.startswith(_OLE_MAGIC) and any(stream in data for stream in _ENCRYPTION_STREAMS):
        raise Refused(RuleCode.FILE_ENCRYPTED)
    if suffix == ".xls" and data.startswith(_ZIP_MAGICS):  # not what its name says: say what it is
        raise Refused(
            RuleCode.FILE_UNSUPPORTED_FORMAT, format="Excel workbook (.xlsx) given the name of a legacy (.xls)"
        )
    if suffix in UNSUPPORTED_SUFFIXES:
        raise Refused(RuleCode.FILE_UNSUPPORTED_FORMAT, format=UNSUPPORTED_SUFFIXES[suffix])
    if not data.strip():
        raise Refused(RuleCode.FILE_UNREADABLE, reason="the file is empty")
    if data.startswith(_OLE_MAGIC):
        raise Refused(RuleCode.FILE_UNSUPPORTED_FORMAT, format="legacy Excel 97-2003 (.xls)")
    if not data.startswith(_ZIP_MAGICS):
        _refuse_not_zip(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise Refused(RuleCode.FILE_UNREADABLE, reason="the file is truncated or corrupt") from None
    with archive:
        members = archive.infolist()
    return _check_package(members, data, limits, deadline)


@dataclass(frozen=True)
class Package:
    """A package that pre-flight passed, as far as the reader needs it besides the cells: which part is
    the workbook, what each part is to a reader, where each relationship of the workbook points, and
    the XML of the workbook part, of every sheet part (up to `KEPT_BYTES` each), of the styles and of
    the document properties, inflated and checked once, here, so that the reader finds defined names,
    formulas and number formats without unpacking the file again."""

    workbook: str
    roles: dict[str, str]
    targets: dict[str, str]  # relationship Id -> part name
    xml: dict[str, bytes]


#: How much of a sheet part `Package` keeps: more than any sheet within the row and column limits holds.
KEPT_BYTES = 16 << 20


def _refuse_not_zip(data: bytes) -> None:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype html")) or b"<html" in head:
        raise Refused(RuleCode.FILE_UNSUPPORTED_FORMAT, format="web page (HTML)")
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192]:
        raise Refused(RuleCode.FILE_UNSUPPORTED_FORMAT, format="Excel 2003 XML spreadsheet")
    if b"\x00" not in data[:8192]:
        try:
            data[:8192].decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise Refused(RuleCode.FILE_UNSUPPORTED_FORMAT, format="plain text or CSV")
    raise Refused(RuleCode.FILE_UNREADABLE, reason="it is not an Excel workbook (the content is not a zip package)")


def _check_package(members: list[zipfile.ZipInfo], data: bytes, limits: Limits, deadline: float) -> Package:
    """Every part's declared size and compression first, then every XML part inflated once, in one
    bounded pass: the package's relationships (which part is the workbook), the workbook's (what each
    part is), then the others."""
    by_name = {member.filename: member for member in members}
    seen: set[str] = set()
    for member in members:  # one name twice: Excel, LibreOffice and this review may each read another
        if member.filename.casefold() in seen:
            raise Refused(
                RuleCode.FILE_UNREADABLE,
                reason=(
                    f"it holds two parts named {member.filename}: Excel or LibreOffice may show the one this review "
                    "does not read, so what you see could differ from what is reviewed"
                ),
            )
        seen.add(member.filename.casefold())
    _check_kind(by_name)
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed_bytes:
        raise Refused(
            RuleCode.FILE_TOO_LARGE,
            reason=too_large(
                f"its parts unpack to {megabytes(total)}; the limit is {megabytes(limits.max_uncompressed_bytes)}"
            ),
        )
    for member in members:
        if member.flag_bits & 0x1:
            raise Refused(RuleCode.FILE_ENCRYPTED)
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(RuleCode.FILE_UNREADABLE, reason=f"part {member.filename} uses an unknown compression")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
            raise Refused(
                RuleCode.FILE_TOO_LARGE,
                reason=too_large(
                    f"part {member.filename} unpacks {ratio:,.0f} times its packed size "
                    f"(the limit is {limits.max_compression_ratio}): a zip bomb"
                ),
            )
    package_rels = (
        _scan_part(data, by_name[_PACKAGE_RELS], "", limits, deadline, keep=True) if _PACKAGE_RELS in by_name else None
    )
    workbook = workbook_part(package_rels)
    if workbook not in by_name:
        raise Refused(RuleCode.FILE_UNREADABLE, reason="it is a zip file but not an Excel workbook")
    rels_name = relationships_part(workbook)
    rels = _scan_part(data, by_name[rels_name], "", limits, deadline, keep=True) if rels_name in by_name else None
    roles, targets = part_roles(workbook, rels, by_name)
    kept: dict[str, bytes] = {}
    for member in members:
        name = member.filename
        role = roles.get(name, "")
        if name in (_PACKAGE_RELS, rels_name) or (not role and name.lower().endswith(_BINARY_SUFFIXES)):
            continue
        xml = _scan_part(
            data,
            member,
            role,
            limits,
            deadline,
            keep=role in ("workbook", "sheet", "styles") or name == CORE_PROPERTIES,
        )
        if xml is not None:
            kept[name] = xml
    return Package(workbook, roles, targets, kept)


_PACKAGE_RELS = "_rels/.rels"
#: The document properties (title, category...), kept too: they tell this tool's own outputs apart.
CORE_PROPERTIES = "docProps/core.xml"
#: Parts never parsed as XML by a reader (pictures, VBA, printer settings): bounded by the size
#: checks above, but not searched for XML declarations, where their binary bytes could match by chance;
#: unless the workbook's relationships make one a sheet (or strings, styles), which a reader parses.
_BINARY_SUFFIXES = (".bin", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".wdp")
#: Parts that a reader parses as XML whatever the workbook's relationships say they are.
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_SHEET_TYPES = ("/worksheet", "/chartsheet", "/dialogsheet", "/macrosheet")


def relationships_part(part: str) -> str:
    """The name of the part holding `part`'s relationships (xl/_rels/workbook.xml.rels)."""
    folder, _, base = part.rpartition("/")
    return f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"


def part_roles(workbook: str, rels: bytes | None, names: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """What each part is to a reader ('workbook', 'sheet', 'strings', 'styles'), from the workbook's relationships
    `rels`, and where each of those relationships points (Id -> part name).

    A reader follows the relationships, not the usual part names, so a sheet stored under any name
    is still checked as a sheet; the usual names count too.
    """
    roles = {workbook: "workbook", "xl/sharedStrings.xml": "strings"}
    roles.update(
        {
            name: "sheet"
            for name in names
            if name.lower().startswith(("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/", "xl/macrosheets/"))
            and not name.lower().endswith(".rels")
        }
    )
    targets: dict[str, str] = {}
    if rels is None:
        return roles, targets
    try:
        relationships = elements(rels, ("Relationship",))
    except SyntaxError:  # ElementTree.ParseError
        raise Refused(
            RuleCode.FILE_UNREADABLE, reason=f"part {relationships_part(workbook)} is not allowed or corrupt"
        ) from None
    folder = workbook.rpartition("/")[0]
    for _, attributes, _ in relationships:
        target, kind = attributes.get("Target", ""), attributes.get("Type", "")
        name = target.lstrip("/") if target.startswith("/") else str(PurePosixPath(folder, target))
        name = os.path.normpath(name).replace(os.sep, "/")
        targets[attributes.get("Id", "")] = name
        if kind.endswith(_SHEET_TYPES):
            roles[name] = "sheet"
        elif kind.endswith("/sharedStrings"):
            roles[name] = "strings"
        elif kind.endswith("/styles"):
            roles[name] = "styles"
    return roles, targets


def elements(xml: bytes, wanted: tuple[str, ...]) -> list[tuple[str, dict[str, str], str]]:
    """The elements of a pre-flighted XML part whose names are `wanted`, in document order, each as
    (name, attributes, text), namespaces left out of names (the first of two alike is kept).

    Pre-flight has refused every part that declares a document type or entities, the only way XML
    expands or fetches anything (it searches UTF-8, which every encoding expat reads spells alike, and
    UTF-16; expat reads no other), so the standard library's parser (in C: a fraction of the time of
    defusedxml's, written in Python) is safe on these parts. Raises `ElementTree.ParseError` for XML
    that is not well formed."""
    from xml.etree import ElementTree

    found = []
    for element in ElementTree.fromstring(xml).iter():
        name = element.tag.rpartition("}")[2]
        if name in wanted:
            attributes: dict[str, str] = {}
            for key, value in element.attrib.items():
                attributes.setdefault(key.rpartition("}")[2], value)
            found.append((name, attributes, element.text or ""))
    return found


def _check_kind(names: Iterable[str]) -> None:
    """Refuse zips that are some other package: OpenDocument, binary Excel, Word, Numbers, or Strict."""
    if "mimetype" in names:
        raise Refused(RuleCode.FILE_UNSUPPORTED_FORMAT, format="OpenDocument / LibreOffice Calc (.ods)")
    if "xl/workbook.bin" in names:
        raise Refused(RuleCode.FILE_UNSUPPORTED_FORMAT, format="binary Excel (.xlsb)")
    if "word/document.xml" in names:
        raise Refused(RuleCode.FILE_UNSUPPORTED_FORMAT, format="Word document")
    if any(name.startswith("Index/") and name.endswith(".iwa") for name in names):
        raise Refused(RuleCode.FILE_UNSUPPORTED_FORMAT, format="Apple Numbers (.numbers)")
    if "[Content_Types].xml" not in names:
        raise Refused(RuleCode.FILE_UNREADABLE, reason="it is a zip file but not an Excel workbook")


def workbook_part(package_rels: bytes | None) -> str:
    """The name of the workbook part (normally xl/workbook.xml), from the package relationships."""
    match = re.search(rb'Target="/?([^"]*workbook[^"]*\.xml)"', package_rels or b"")
    return match.group(1).decode("utf-8", "replace") if match else "xl/workbook.xml"


def _scan_part(
    data: bytes,
    member: zipfile.ZipInfo,
    role: str,
    limits: Limits,
    deadline: float,
    *,
    keep: bool = False,
    exact: bool = False,
) -> bytes | None:
    """Stream one part, inflated here with a cap: no DTD or entity, no oversized sheet or string table,
    no encoding but UTF-8 and UTF-16. With `keep`, its XML (up to `KEPT_BYTES`) is returned. A sheet is
    searched for far references, unless it writes its cells unusually (`_check_references`): then it is scanned
    again, `exact`, every cell and row placed as a reader places it."""
    name = member.filename
    positions = _Positions(name, limits) if exact else None
    max_cells = limits.max_rows * limits.max_columns
    # A part small enough to come in one window (see `_inflated`) cannot exceed the limits when it is too
    # short for more cells, rows or strings than allowed (their tags take 3, 5 and 4 bytes at least) or
    # holds fewer "row"s than rows allowed: then its tags are not counted.
    whole = member.file_size <= _CHUNK and member.compress_size <= _CHUNK
    cells = rows = strings = 0
    tail = b""
    kept: list[bytes] = []
    kept_size = 0
    for chunk in _inflate(data, member):
        check_time(deadline)
        if not tail and (role or name.lower().endswith(_XML_SUFFIXES)):
            _check_encoding(chunk, name)
        if keep and kept_size < KEPT_BYTES:
            kept.append(chunk[: KEPT_BYTES - kept_size])
            kept_size += len(kept[-1])
        window = tail + chunk
        # Every declaration holds a "!" (in any encoding), which most parts never do: one quick search first.
        if b"!" in window and any(needle in window for needle in _DECLARATIONS):
            raise Refused(
                RuleCode.FILE_UNREADABLE,
                reason=(
                    f"part {name} declares a document type or entities (<!DOCTYPE>/<!ENTITY>), "
                    "which workbooks never need and which are not allowed"
                ),
            )
        fresh = len(tail)
        if role == "workbook" and _STRICT_NAMESPACE in window:
            raise Refused(RuleCode.FILE_UNSUPPORTED_FORMAT, format="Strict Open XML")
        if role == "sheet":
            if positions is not None:
                positions.feed(chunk)
            if not _check_references(window, limits) and positions is None:
                return _scan_part(data, member, role, limits, deadline, keep=keep, exact=True)
            if not (
                whole
                and member.file_size // 3 <= max_cells
                and (member.file_size // 5 <= limits.max_rows or window.count(b"row") <= limits.max_rows)
            ):
                # Cells and rows counted in one search of the window (what is counted twice is in the overlap).
                tags = _CELL_OR_ROW_TAG.findall(window)
                again = _CELL_OR_ROW_TAG.findall(window, 0, fresh)
                cells += tags.count(b"c") - again.count(b"c")
                rows += tags.count(b"row") - again.count(b"row")
                if cells > max_cells or rows > limits.max_rows:
                    raise Refused(
                        RuleCode.FILE_TOO_LARGE,
                        reason=too_large(
                            f"sheet part {name} holds more than {limits.max_rows:,} rows or {max_cells:,} cells"
                        ),
                    )
        if role == "strings" and not (whole and member.file_size // 4 <= max_cells):
            strings += _count_new(_SHARED_STRING_TAG, window, fresh)
            if strings > max_cells:
                raise Refused(
                    RuleCode.FILE_TOO_LARGE, reason=too_large(f"it holds more than {max_cells:,} pieces of text")
                )
        tail = window[-_OVERLAP:]
    if positions is not None:
        positions.feed(b"", final=True)
    return b"".join(kept) if keep else None


_TAG_START = re.compile(rb"<(?:[\w.-]+:)?(c|row)(?=[\s/>])")
_ATTRIBUTE = re.compile(rb"\s+([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_TAG_END = re.compile(rb"\s*/?>")
_REFERENCE = re.compile(rb"([A-Za-z]*)(\d*)")


class _Positions:
    """Every cell and row of a sheet part, placed as a reader places them: where its r attribute says
    (quoted either way, spaced or not; of two, the last), else after the cell or row before it. Fed the
    part's bytes in order; `Refused` once one lies beyond the limits."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits = name, limits
        self.row = self.column = 0
        self.rest = b""

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        data = self.rest + chunk
        done = 0
        for start in _TAG_START.finditer(data):
            if start.start() < done:
                continue
            reference, at = None, start.end()
            while attribute := _ATTRIBUTE.match(data, at):
                if attribute.group(1) == b"r":
                    reference = attribute.group(2) if attribute.group(2) is not None else attribute.group(3)
                at = attribute.end()
            end = _TAG_END.match(data, at)
            if end is None:
                if final or len(data) - start.start() > _CHUNK:  # not a tag that XML allows
                    raise Refused(RuleCode.FILE_UNREADABLE, reason=f"part {self.name} is corrupt")
                self.rest = data[start.start() :]
                return
            self._place(start.group(1), reference)
            done = end.end()
        cut = data.rfind(b"<", done)  # a tag this chunk cuts short is read with the next
        self.rest = data[cut:] if cut != -1 and b">" not in data[cut:] else b""

    def _place(self, tag: bytes, reference: bytes | None) -> None:
        letters, digits = _REFERENCE.match(reference).groups() if reference is not None else (b"", b"")
        if tag == b"row":
            self.row, self.column = (int(digits) if digits else self.row + 1), 0
        else:
            self.column = column_number(letters.decode("ascii")) if letters else self.column + 1
            self.row = max(self.row, int(digits) if digits else 1)
        if self.row > self.limits.max_rows or self.column > self.limits.max_columns:
            letters = column_letter(self.column).encode("ascii") if tag == b"c" else b""
            _check_reference(letters, b"%d" % self.row, self.limits)


_DECLARED_ENCODING = re.compile(rb"""\s*<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']""")
#: The byte order marks (and, without one, the first bytes of "<") of the encodings XML may be in, and
#: how to read a part's first line in it to find the encoding it declares.
_MARKS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\x00<", "UTF-32"),
    (b"<\x00\x00\x00", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
#: The encodings a part may declare, as `codecs` names them: UTF-8 (and ASCII, which is UTF-8, as lxml and
#: ElementTree declare what they write) and UTF-16, however the declaration spells them ('UTF8', 'us-ascii').
_READ_ALIKE = frozenset({"utf-8", "ascii", "utf-16", "utf-16-le", "utf-16-be"})


def _check_encoding(start: bytes, name: str) -> None:
    """A part written in UTF-8 or UTF-16, the encodings of XML that every reader (and pre-flight's
    search for declarations) reads alike; any other, told by its first bytes (UTF-32) or named in its
    XML declaration, is refused."""
    if start[:1] == b"<" and start[1:2] not in (b"?", b"\x00"):
        return  # UTF-8 without an XML declaration, as openpyxl writes most parts
    encoding = next((encoding for mark, encoding in _MARKS if start.startswith(mark)), "utf-8")
    if encoding != "UTF-32":
        head = start[:800].decode(encoding, "replace").encode("utf-8")
        declared = _DECLARED_ENCODING.match(head)
        if declared is None:
            return
        encoding = declared.group(1).decode("ascii", "replace")
        try:
            if codecs.lookup(encoding).name in _READ_ALIKE:
                return
        except LookupError:
            pass  # a name no one knows
    raise Refused(
        RuleCode.FILE_UNREADABLE,
        reason=(
            f"part {name} is written in the {encoding[:20]} text encoding, not the UTF-8 or UTF-16 "
            "that Excel and LibreOffice write"
        ),
    )


def _inflate(data: bytes, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes in chunks, decompressed here and never beyond the size its zip entry declares.

    A reader in another language may not stop at the declared size, so a part that inflates to more
    than it declares is refused rather than trusted; a short or corrupt part is refused too.
    """
    name = member.filename
    offset = member.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        raise Refused(RuleCode.FILE_UNREADABLE, reason=f"part {name} is missing or corrupt")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    raw = memoryview(data)[start : start + member.compress_size]
    if len(raw) < member.compress_size:
        raise Refused(RuleCode.FILE_UNREADABLE, reason=f"part {name} is cut short: the file is truncated")
    produced = crc = 0
    if member.compress_type == zipfile.ZIP_STORED:
        pieces: Iterator[bytes] = (bytes(raw[index : index + _CHUNK]) for index in range(0, len(raw), _CHUNK))
    else:
        pieces = _inflated(raw, name)
    for piece in pieces:
        produced += len(piece)
        if produced > member.file_size:
            raise Refused(
                RuleCode.FILE_TOO_LARGE,
                reason=too_large(f"part {name} unpacks to more than the {megabytes(member.file_size)} it declares"),
            )
        crc = zlib.crc32(piece, crc)
        yield piece
    if produced != member.file_size or crc != member.CRC:
        raise Refused(RuleCode.FILE_UNREADABLE, reason=f"part {name} is corrupt (its size or checksum is wrong)")


def _inflated(raw: memoryview, name: str) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    position = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                piece = inflater.unconsumed_tail
            elif position < len(raw):
                piece = raw[position : position + _CHUNK]
                position += _CHUNK
            else:
                raise Refused(RuleCode.FILE_UNREADABLE, reason=f"part {name} is cut short: the file is truncated")
            out = inflater.decompress(piece, _CHUNK)
            if out:
                yield out
    except zlib.error:
        raise Refused(RuleCode.FILE_UNREADABLE, reason=f"part {name} is corrupt") from None


def check_time(deadline: float) -> None:
    """`limits.load_timeout_seconds` per file: the checks and the reading stop between steps once it is spent."""
    if time.monotonic() > deadline:
        raise Refused(RuleCode.FILE_TOO_LARGE, reason=TOO_SLOW)


def _count_new(pattern: re.Pattern, window: bytes, fresh: int) -> int:
    """Matches not wholly inside the overlap already counted with the previous chunk (the matches
    ending within the overlap are the very ones a search of the overlap alone finds)."""
    return len(pattern.findall(window)) - len(pattern.findall(window, 0, fresh))


def _check_references(window: bytes, limits: Limits) -> bool:
    """`Refused` for a far dimension or cell reference in `window`; False when its cells or rows are
    written in a way that the search for references does not see (`_UNUSUAL_TAG`...), True otherwise."""
    at = window.find(b"dimension")
    while at != -1:  # the element's "<" (and prefix) is just before its name: matched from there only
        match = _DIMENSION.match(window, max(window.rfind(b"<", 0, at), 0))
        if match:
            for letters, digits in ((match.group(1), match.group(2)), (match.group(3), match.group(4))):
                _check_reference(letters or b"", digits or b"", limits, corner=True)
        at = window.find(b"dimension", at + 1)
    if _UNUSUAL_TAG.search(window) or _PREFIXED_TAG.search(window):
        return False
    for space in b"\n\t\r":
        at = window.find(space)
        while at != -1:
            if _R_AFTER_BREAK.match(window, at):
                return False
            at = window.find(space, at + 1)
    for match in _far_references(limits.max_rows, limits.max_columns).finditer(window):
        if match.group(1) is None:
            return False  # r='...', r = "..."
        reference = _CELL_REF.match(window, match.start())
        if reference:
            _check_reference(*reference.groups(), limits)
    return True


@functools.lru_cache(maxsize=8)
def _far_references(max_rows: int, max_columns: int) -> re.Pattern:
    """The cell references with enough letters or digits that they may lie beyond the limits; every
    other reference is nearer, so the sheet's thousands of ordinary cells are passed over in one search."""
    letters, widest = 1, 26  # `widest`: the last column written with that many letters (Z, ZZ, ...)
    while widest <= max_columns:
        letters, widest = letters + 1, widest + 26 ** (letters + 1)
    digits = len(str(max_rows))
    # It starts with the literal " r" (an r after a tab or a line break is `_R_AFTER_BREAK`'s), so the regex
    # engine jumps from one " r" to the next instead of trying every space of the sheet; it only picks out
    # the candidates, each then read whole by `_CELL_REF`, and the r attributes written otherwise (without
    # group 1), which `_Positions` reads.
    return re.compile(rb' r(?:(=")(?:[A-Za-z]{%d}|[A-Za-z]{0,8}\d{%d})|\s+=|=(?!"))' % (letters, digits))


def _check_reference(letters: bytes, digits: bytes, limits: Limits, *, corner: bool = False) -> None:
    """A cell reference within the limits, or `Refused`; a `corner` is where the sheet's used range ends
    (its dimension: no cell need be there, but Excel's Ctrl+End goes to it)."""
    row = int(digits) if digits else 0
    column = column_number(letters.decode("ascii"))
    if row > limits.max_rows or column > limits.max_columns:
        text = letters.decode("ascii", "replace") + digits.decode("ascii", "replace")
        where = f"cell {text}" if letters else f"row {text}"
        uses = f"'s used range ends at {text} (Ctrl+End goes there)" if corner and letters else f" uses {where}"
        raise Refused(
            RuleCode.FILE_TOO_LARGE,
            reason=(
                f"A sheet{uses}, far beyond the {limits.max_rows:,} rows and {limits.max_columns} columns a "
                "review workbook uses: something was typed or formatted far down or to the right. Delete those rows "
                "and columns, or copy your answers into a fresh template"
            ),
        )


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB" if size >= 1_000_000 else f"{size:,} bytes"
