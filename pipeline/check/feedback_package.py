"""Feedback marks written straight into a workbook's package (its zip of XML parts).

Loading a whole workbook into openpyxl and saving it again takes tens of milliseconds a copy and
rewrites every part. A copy needs far less: a fill on each marked cell (a new cell format in
styles.xml), a comment on it (a comments part, and the legacy VML drawing that Excel and LibreOffice
draw comment boxes from), and a new first sheet, Findings. Only the parts those touch are parsed and
written again; every other part (the officer's answers, dropdowns, protection, Excel tables, macros,
document properties) is copied as it was, byte for byte.

`mark_package` handles the workbooks this tool sends out and officers return. It raises `Unsupported`
for what it does not edit itself (a copy coming back a second time, with our Findings sheet, fills or
comments to take off; a marked sheet that already has comments or a VML drawing; anything it cannot
parse), and `feedback` then marks that workbook with openpyxl. The same bytes and findings give the
same bytes: zip members carry one fixed time and parts are written in a fixed order.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from typing import Sequence
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_WORKSHEET_TYPE = f"{REL}/worksheet"
_COMMENTS_TYPE = f"{REL}/comments"
_VML_TYPE = f"{REL}/vmlDrawing"
_WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_COMMENTS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: Elements of a worksheet that come after <legacyDrawing>, in the schema's order.
_AFTER_LEGACY_DRAWING = (
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_CELL = re.compile(r"^([A-Z]{1,3})([0-9]+)$")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


class Unsupported(Exception):
    """This workbook is not one `mark_package` edits; mark it another way."""


@dataclass(frozen=True)
class CellMark:
    """One cell's mark: its comment and whether it is an error (red) or a warning (amber)."""

    sheet: str
    cell: str
    comment: str
    error: bool


@dataclass(frozen=True)
class FindingsRow:
    """One row of the Findings sheet; `link` is where its cell reference goes ('' for nowhere)."""

    values: tuple[str, str, str, str, str, str]
    error: bool
    link: str
    link_column: int
    height: float | None


@dataclass(frozen=True)
class FindingsSheet:
    """The new first sheet: title, instruction, header row and the findings."""

    name: str
    title: str
    instruction: str
    header_row: int
    headers: tuple[str, ...]
    widths: tuple[int, ...]
    rows: tuple[FindingsRow, ...]


@dataclass(frozen=True)
class Colours:
    error: str
    warning: str


def sheet_names(data: bytes) -> list[str]:
    """The workbook's sheet names in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = _parse(archive.read("xl/workbook.xml"))
    return [sheet.get("name") for sheet in book.iter(f"{{{MAIN}}}sheet")]


def mark_package(
    data: bytes, marks: Sequence[CellMark], findings: FindingsSheet, colours: Colours, author: str
) -> bytes:
    """The workbook `data` with `marks` on their cells and `findings` as its first sheet."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
        order = [info.filename for info in archive.infolist()]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise Unsupported(str(error)) from None
    editor = _Package(parts, order)
    return editor.mark(marks, findings, colours, author)


# --- The package -----------------------------------------------------------------------------------


def _parse(data: bytes):
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise Unsupported(f"XML: {error}") from None


def _serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _part_of(base: str, target: str) -> str:
    """A relationship's target as a part name (no leading slash)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _split(cell: str) -> tuple[int, int]:
    match = _CELL.match(cell)
    if not match:
        raise Unsupported(f"cell {cell!r}")
    return int(match.group(2)), _column_number(match.group(1))


def _text(value: object) -> str:
    return _ILLEGAL.sub("", "" if value is None else str(value))


class _Package:
    def __init__(self, parts: dict[str, bytes], order: list[str]) -> None:
        self.parts, self.order = parts, order
        self.new_parts: dict[str, bytes] = {}
        for required in ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"):
            if required not in parts:
                raise Unsupported(f"no {required}")
        self.types = _parse(parts["[Content_Types].xml"])
        self.book = _parse(parts["xl/workbook.xml"])
        self.book_rels = _parse(parts["xl/_rels/workbook.xml.rels"])
        if self.book.tag != f"{{{MAIN}}}workbook":
            raise Unsupported("not a transitional SpreadsheetML workbook")
        self.styles = _Styles(_parse(parts["xl/styles.xml"]))
        targets = {rel.get("Id"): rel for rel in self.book_rels}
        self.sheets: list[tuple[str, str]] = []  # (name, part)
        for sheet in self.book.iter(f"{{{MAIN}}}sheet"):
            rel = targets.get(sheet.get(f"{{{REL}}}id"))
            if rel is None or rel.get("Type") != _WORKSHEET_TYPE:
                # a chart sheet or a dialog sheet: supported as a sheet we never mark
                self.sheets.append((sheet.get("name"), ""))
                continue
            part = _part_of("xl/workbook.xml", rel.get("Target"))
            if part not in parts:
                raise Unsupported(f"missing {part}")
            self.sheets.append((sheet.get("name"), part))

    # -- helpers
    def _unused(self, pattern: str) -> str:
        taken = {name.lower() for name in (*self.parts, *self.new_parts)}
        number = 1
        while pattern.format(number).lower() in taken:
            number += 1
        return pattern.format(number)

    def _add_override(self, part: str, content_type: str) -> None:
        element = etree.SubElement(self.types, f"{{{CONTENT_TYPES}}}Override")
        element.set("PartName", "/" + part)
        element.set("ContentType", content_type)

    def _ensure_default(self, extension: str, content_type: str) -> None:
        for element in self.types.iter(f"{{{CONTENT_TYPES}}}Default"):
            if element.get("Extension", "").lower() == extension:
                return
        default = etree.Element(f"{{{CONTENT_TYPES}}}Default")
        default.set("Extension", extension)
        default.set("ContentType", content_type)
        self.types.insert(0, default)

    @staticmethod
    def _add_rel(rels, kind: str, target: str) -> str:
        taken = {rel.get("Id") for rel in rels}
        number = 1
        while f"rIdReview{number}" in taken:
            number += 1
        rel = etree.SubElement(rels, f"{{{PKG_REL}}}Relationship")
        rel.set("Id", f"rIdReview{number}")
        rel.set("Type", kind)
        rel.set("Target", target)
        return f"rIdReview{number}"

    # -- the work
    def mark(self, marks: Sequence[CellMark], findings: FindingsSheet, colours: Colours, author: str) -> bytes:
        names = [name for name, _ in self.sheets]
        if any(name.casefold() == findings.name.casefold() for name in names):
            raise Unsupported("a Findings sheet is there already (an earlier round)")
        if self.styles.has_colour(colours.error) or self.styles.has_colour(colours.warning):
            raise Unsupported("fills of an earlier round")
        by_sheet: dict[str, list[CellMark]] = {}
        for mark in marks:
            by_sheet.setdefault(mark.sheet, []).append(mark)
        fills = {True: self.styles.add_fill(colours.error), False: self.styles.add_fill(colours.warning)}
        edited: dict[str, bytes] = {}
        for index, (name, part) in enumerate(self.sheets):
            if name in by_sheet and part:
                edited[part] = self._mark_sheet(part, by_sheet[name], fills, author, index + 1)
            elif part:
                edited[part] = self.parts[part]
        for part, data in edited.items():
            # Only the Findings sheet is selected, or Excel groups the selected sheets.
            edited[part] = re.sub(rb'(<(?:\w+:)?sheetView\b[^>]*?)\s+tabSelected="(?:1|true)"', rb"\1", data)
        self._add_findings_sheet(findings, fills)
        self.parts.update(edited)
        self.parts["xl/styles.xml"] = _serialise(self.styles.root)
        self.parts["xl/workbook.xml"] = _serialise(self.book)
        self.parts["xl/_rels/workbook.xml.rels"] = _serialise(self.book_rels)
        self.parts["[Content_Types].xml"] = _serialise(self.types)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for name in [*self.order, *sorted(self.new_parts)]:
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                out.writestr(info, self.new_parts.get(name, self.parts.get(name)))
        return buffer.getvalue()

    def _mark_sheet(
        self, part: str, marks: list[CellMark], fills: dict[bool, int], author: str, shape_block: int
    ) -> bytes:
        root = _parse(self.parts[part])
        if root.find(f"{{{MAIN}}}legacyDrawing") is not None:
            raise Unsupported("the sheet has comments or a VML drawing already")
        rels_part = _rels_name(part)
        rels = (
            _parse(self.parts[rels_part])
            if rels_part in self.parts
            else etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
        )
        if any(rel.get("Type") in (_COMMENTS_TYPE, _VML_TYPE) for rel in rels):
            raise Unsupported("the sheet has comments already")
        sheet_data = root.find(f"{{{MAIN}}}sheetData")
        if sheet_data is None:
            raise Unsupported("no sheetData")
        merged = []
        for merge in root.iter(f"{{{MAIN}}}mergeCell"):
            ref = merge.get("ref", "")
            if ":" in ref:
                start, end = ref.split(":", 1)
                merged.append((*_split(start), *_split(end)))
        # One comment per cell: two findings in one merged range go on its first cell together.
        anchored: dict[tuple[int, int], list[CellMark]] = {}
        for mark in marks:
            row, column = _split(mark.cell)
            for top, left, bottom, right in merged:
                if top <= row <= bottom and left <= column <= right:
                    row, column = top, left
                    break
            anchored.setdefault((row, column), []).append(mark)
        cells = _Cells(root, sheet_data)
        notes = []
        for (row, column), group in sorted(anchored.items()):
            cell = cells.get(row, column)
            cell.set("s", str(self.styles.with_fill(int(cell.get("s", "0")), fills[any(m.error for m in group)])))
            text = group[0].comment
            for other in group[1:]:
                end = text.rindex("\n")
                text = text[:end] + other.comment[other.comment.index("\n") :]
            notes.append((row, column, text))
        comments_part = self._unused("xl/comments{}.xml")
        vml_part = self._unused("xl/drawings/vmlDrawing{}.vml")
        self.new_parts[comments_part] = _comments_xml(notes, author)
        self.new_parts[vml_part] = _vml(notes, shape_block)
        self._add_override(comments_part, _COMMENTS_CONTENT)
        self._ensure_default("vml", _VML_CONTENT)
        folder = posixpath.dirname(part)
        self._add_rel(rels, _COMMENTS_TYPE, posixpath.relpath(comments_part, folder))
        vml_id = self._add_rel(rels, _VML_TYPE, posixpath.relpath(vml_part, folder))
        legacy = etree.Element(f"{{{MAIN}}}legacyDrawing")
        legacy.set(f"{{{REL}}}id", vml_id)
        for name in _AFTER_LEGACY_DRAWING:
            following = root.find(f"{{{MAIN}}}{name}")
            if following is not None:
                following.addprevious(legacy)
                break
        else:
            root.append(legacy)
        self.parts[rels_part] = _serialise(rels)
        if rels_part not in self.order:
            self.order.append(rels_part)
        return _serialise(root)

    def _add_findings_sheet(self, findings: FindingsSheet, fills: dict[bool, int]) -> None:
        part = self._unused("xl/worksheets/sheet{}.xml")
        self.new_parts[part] = _findings_xml(findings, self.styles, fills)
        self._add_override(part, _WORKSHEET_CONTENT)
        rel_id = self._add_rel(self.book_rels, _WORKSHEET_TYPE, posixpath.relpath(part, "xl"))
        sheets = self.book.find(f"{{{MAIN}}}sheets")
        ids = [int(sheet.get("sheetId", "0")) for sheet in sheets]
        element = etree.Element(f"{{{MAIN}}}sheet")
        element.set("name", findings.name)
        element.set("sheetId", str(max(ids, default=0) + 1))
        element.set(f"{{{REL}}}id", rel_id)
        sheets.insert(0, element)
        for view in self.book.iter(f"{{{MAIN}}}workbookView"):
            view.set("activeTab", "0")
            view.set("firstSheet", "0")
        names = self.book.find(f"{{{MAIN}}}definedNames")
        for name in names if names is not None else ():
            if name.get("localSheetId") is not None:
                name.set("localSheetId", str(int(name.get("localSheetId")) + 1))
        if names is None:
            names = etree.Element(f"{{{MAIN}}}definedNames")
            calc = sheets.getnext()
            while calc is not None and calc.tag in (f"{{{MAIN}}}functionGroups", f"{{{MAIN}}}externalReferences"):
                calc = calc.getnext()
            if calc is not None:
                calc.addprevious(names)
            else:
                self.book.append(names)
        last = findings.header_row + len(findings.rows)
        quoted = "'" + findings.name.replace("'", "''") + "'"
        for name, text, hidden in (
            ("_xlnm._FilterDatabase", f"{quoted}!$A${findings.header_row}:$F${last}", True),
            ("_xlnm.Print_Titles", f"{quoted}!${findings.header_row}:${findings.header_row}", False),
        ):
            element = etree.Element(f"{{{MAIN}}}definedName")
            element.set("name", name)
            element.set("localSheetId", "0")
            if hidden:
                element.set("hidden", "1")
            element.text = text
            names.insert(0, element)


class _Cells:
    """A sheet's rows and cells by number, adding a row or cell in its place when it is not there."""

    def __init__(self, root, sheet_data) -> None:
        self.root, self.sheet_data = root, sheet_data
        self.rows: dict[int, object] = {}
        for row in sheet_data.iterfind(f"{{{MAIN}}}row"):
            if row.get("r") is None:
                raise Unsupported("a row without its number")
            self.rows[int(row.get("r"))] = row
        self.column_styles = []
        for col in root.iter(f"{{{MAIN}}}col"):
            self.column_styles.append((int(col.get("min", "0")), int(col.get("max", "0")), col.get("style")))

    def get(self, row_number: int, column: int):
        row = self.rows.get(row_number)
        if row is None:
            row = etree.Element(f"{{{MAIN}}}row")
            row.set("r", str(row_number))
            later = [number for number in self.rows if number > row_number]
            if later:
                self.rows[min(later)].addprevious(row)
            else:
                self.sheet_data.append(row)
            self.rows[row_number] = row
        reference = f"{_column_letters(column)}{row_number}"
        for cell in row.iterfind(f"{{{MAIN}}}c"):
            ref = cell.get("r")
            if ref is None:
                raise Unsupported("a cell without its reference")
            if ref == reference:
                return cell
            if _split(ref)[1] > column:
                new = etree.Element(f"{{{MAIN}}}c")
                cell.addprevious(new)
                break
        else:
            new = etree.SubElement(row, f"{{{MAIN}}}c")
        new.set("r", reference)
        new.set("s", self._default_style(row, column))
        row.attrib.pop("spans", None)  # a hint only, and no longer true
        return new

    def _default_style(self, row, column: int) -> str:
        if row.get("customFormat") in ("1", "true") and row.get("s"):
            return row.get("s")
        for low, high, style in self.column_styles:
            if low <= column <= high and style:
                return style
        return "0"


class _Styles:
    """styles.xml, to which fills, fonts and cell formats are added (never changed or removed)."""

    def __init__(self, root) -> None:
        self.root = root
        self.fills = root.find(f"{{{MAIN}}}fills")
        self.fonts = root.find(f"{{{MAIN}}}fonts")
        self.cell_xfs = root.find(f"{{{MAIN}}}cellXfs")
        if self.fills is None or self.fonts is None or self.cell_xfs is None or not len(self.cell_xfs):
            raise Unsupported("styles without fills, fonts or cell formats")
        self._with_fill: dict[tuple[int, int], int] = {}
        self._new: dict[tuple, int] = {}
        self._fonts: dict[tuple, int] = {}
        base = self.fonts[0] if len(self.fonts) else None
        size = base.find(f"{{{MAIN}}}sz") if base is not None else None
        name = base.find(f"{{{MAIN}}}name") if base is not None else None
        self.font_size = size.get("val", "11") if size is not None else "11"
        self.font_name = name.get("val", "Calibri") if name is not None else "Calibri"

    def has_colour(self, rgb: str) -> bool:
        return any(
            (colour.get("rgb") or "").upper() == rgb.upper()
            for fill in self.fills
            for colour in fill.iter(f"{{{MAIN}}}fgColor")
        )

    @staticmethod
    def _append(container, element) -> int:
        container.append(element)
        container.set("count", str(len(container)))
        return len(container) - 1

    def add_fill(self, rgb: str) -> int:
        fill = etree.fromstring(
            f'<fill xmlns="{MAIN}"><patternFill patternType="solid"><fgColor rgb="{rgb}"/><bgColor rgb="{rgb}"/>'
            f"</patternFill></fill>"
        )
        return self._append(self.fills, fill)

    def with_fill(self, xf: int, fill: int) -> int:
        """A cell format like `xf` in every way but its fill."""
        key = (xf, fill)
        if key not in self._with_fill:
            if not 0 <= xf < len(self.cell_xfs):
                xf = 0
            clone = etree.fromstring(etree.tostring(self.cell_xfs[xf]))
            clone.set("fillId", str(fill))
            clone.set("applyFill", "1")
            self._with_fill[key] = self._append(self.cell_xfs, clone)
        return self._with_fill[key]

    def font(self, *, bold: bool = False, size: str | None = None, link: bool = False) -> int:
        key = (bold, size, link)
        if key not in self._fonts:
            parts = [
                "<b/>" if bold else "",
                "<u/>" if link else "",
                f'<sz val="{size or self.font_size}"/>',
                '<color rgb="FF0563C1"/>' if link else "",
                f"<name val={quoteattr(self.font_name)}/>",
            ]
            self._fonts[key] = self._append(
                self.fonts, etree.fromstring(f'<font xmlns="{MAIN}">{"".join(parts)}</font>')
            )
        return self._fonts[key]

    def new(self, *, font: int = 0, fill: int = 0, wrap: bool = False, top: bool = True, quote: bool = False) -> int:
        key = (font, fill, wrap, top, quote)
        if key not in self._new:
            attributes = f'numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
            attributes += ' applyFont="1"' if font else ""
            attributes += ' applyFill="1"' if fill else ""
            attributes += ' quotePrefix="1"' if quote else ""
            alignment = ""
            if wrap or top:
                alignment = "<alignment" + (' vertical="top"' if top else "") + (' wrapText="1"' if wrap else "") + "/>"
                attributes += ' applyAlignment="1"'
            self._new[key] = self._append(
                self.cell_xfs, etree.fromstring(f'<xf xmlns="{MAIN}" {attributes}>{alignment}</xf>')
            )
        return self._new[key]


# --- New parts -------------------------------------------------------------------------------------


def _comments_xml(notes: list[tuple[int, int, str]], author: str) -> bytes:
    body = "".join(
        f'<comment ref="{_column_letters(column)}{row}" authorId="0"><text><r><rPr><sz val="9"/>'
        f'<rFont val="Tahoma"/></rPr><t xml:space="preserve">{escape(_text(text))}</t></r></text></comment>'
        for row, column, text in notes
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{MAIN}"><authors>'
        f"<author>{escape(_text(author))}</author></authors><commentList>{body}</commentList></comments>"
    ).encode("utf-8")


#: The pale yellow of a note in Excel, as Excel draws its own.
NOTE_FILL = "#ffffe1"


def _vml(notes: list[tuple[int, int, str]], block: int) -> bytes:
    """The legacy drawing of the comment boxes (hidden until the cell is pointed at)."""
    shapes = []
    for number, (row, column, text) in enumerate(notes, start=1):
        lines = text.count("\n")
        height = min(80 + 18 * lines, 400)
        rows_down = max(4, round(height / 15))
        anchor = f"{column}, 15, {max(row - 2, 0)}, 10, {column + 4}, 15, {max(row - 2, 0) + rows_down}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{block * 1024 + number}" type="#_x0000_t202" style="position:absolute;'
            f"margin-left:80pt;margin-top:2pt;width:270pt;height:{height * 0.75:g}pt;z-index:{number};"
            f'visibility:hidden" fillcolor="{NOTE_FILL}" o:insetmode="auto"><v:fill color2="{NOTE_FILL}"/>'
            f'<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            f'<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor>'
            f"<x:AutoFill>False</x:AutoFill><x:Row>{row - 1}</x:Row><x:Column>{column - 1}</x:Column>"
            f"</x:ClientData></v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        + "".join(shapes)
        + "</xml>"
    ).encode("utf-8")


def _findings_xml(findings: FindingsSheet, styles: _Styles, fills: dict[bool, int]) -> bytes:
    from pipeline.files.fast_xlsx import FORMULA_STARTS

    title = styles.new(font=styles.font(bold=True, size="14"), top=False)
    instruction = styles.new(wrap=True)
    header = styles.new(font=styles.font(bold=True), top=False)
    link_font = styles.font(link=True)
    header_row = findings.header_row
    width = len(findings.headers)
    last_column = _column_letters(width)

    def cell(row: int, column: int, value: str, style: int) -> str:
        reference = f"{_column_letters(column)}{row}"
        text = _text(value)
        if not text:
            return f'<c r="{reference}" s="{style}"/>'
        return f'<c r="{reference}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'

    def text_style(column: int, value: str, **kwargs) -> int:
        return styles.new(quote=_text(value).startswith(FORMULA_STARTS), **kwargs)

    rows = [
        f'<row r="1">{cell(1, 1, findings.title, title)}</row>',
        f'<row r="2" ht="60" customHeight="1">{cell(2, 1, findings.instruction, instruction)}'
        + "".join(f'<c r="{_column_letters(column)}2" s="{instruction}"/>' for column in range(2, width + 1))
        + "</row>",
        f'<row r="{header_row}">'
        + "".join(cell(header_row, column, text, header) for column, text in enumerate(findings.headers, 1))
        + "</row>",
    ]
    links = []
    for number, item in enumerate(findings.rows, start=header_row + 1):
        height = f' ht="{item.height:g}" customHeight="1"' if item.height else ""
        cells = []
        for column, value in enumerate(item.values, start=1):
            if column == 4:
                style = text_style(column, value, fill=fills[item.error])
            elif item.link and column == item.link_column:
                style = text_style(column, value, font=link_font)
            else:
                style = text_style(column, value, wrap=column in (5, 6))
            cells.append(cell(number, column, value, style))
        rows.append(f'<row r="{number}"{height}>{"".join(cells)}</row>')
        if item.link:
            place = item.values[0] + (" " + item.values[1] if item.values[1] else "")
            links.append(
                f'<hyperlink ref="{_column_letters(item.link_column)}{number}" '
                f"location={quoteattr(item.link)} tooltip={quoteattr(_text('Go to ' + place))} "
                f"display={quoteattr(_text(item.values[item.link_column - 1]))}/>"
            )
    last = header_row + len(findings.rows)
    first_body = header_row + 1
    columns = "".join(
        f'<col min="{index}" max="{index}" width="{width_}" customWidth="1"/>'
        for index, width_ in enumerate(findings.widths, start=1)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last_column}{max(last, header_row)}"/>'
        f'<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="{header_row}" '
        f'topLeftCell="A{first_body}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
        f'activeCell="A{first_body}" sqref="A{first_body}"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{columns}</cols>'
        f"<sheetData>{''.join(rows)}</sheetData>"
        f'<autoFilter ref="A{header_row}:{last_column}{last}"/>'
        f'<mergeCells count="1"><mergeCell ref="A2:{last_column}2"/></mergeCells>'
        + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
        + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>'
    )
    return xml.encode("utf-8")
