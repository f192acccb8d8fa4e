"""A workbook's package (its zip of XML parts), edited part by part.

Loading a whole workbook into openpyxl and saving it again rewrites every part and drops what
openpyxl does not know. `Package` opens the zip, parses a part only when it is asked for, and writes
back only the parts that were changed or added; every other part keeps its bytes. It knows the
plumbing every edit needs: content types, relationships, the workbook's sheets, cell formats
(`Styles`) and a sheet's rows and cells (`Cells`). What to edit is the caller's (the feedback copies,
`check.feedback_package`).

The same bytes and edits give the same bytes: zip members carry one fixed time, the original parts
keep their order and added parts follow in name order.
"""

from __future__ import annotations

import copy
import io
import posixpath
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from lxml import etree

from pipeline.files.formulas import moved

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET_TYPE = f"{REL}/worksheet"
SHARED_STRINGS_TYPE = f"{REL}/sharedStrings"
CORE_PROPERTIES_TYPE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
DC = "http://purl.org/dc/elements/1.1/"
WORKSHEET_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_CELL = re.compile(r"^([A-Z]{1,3})([0-9]+)$")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)
#: Legacy VML as Excel writes it is not always well-formed XML: a line break in a box's text is an
#: HTML <br>. Such a part is read with its breaks closed (never by lxml's recovery, which moves
#: elements about).
_HTML_BREAK = re.compile(rb"<br\s*>", re.IGNORECASE)


class Unsupported(Exception):
    """A package this module cannot edit (not a workbook, a part it cannot parse)."""


def q(name: str, namespace: str = MAIN) -> str:
    """An element's qualified name, `{namespace}name`."""
    return f"{{{namespace}}}{name}"


def parse(data: bytes, *, lenient: bool = False):
    """The part's XML tree; `lenient` for legacy VML, whose <br> may be unclosed."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        if lenient and _HTML_BREAK.search(data):
            return parse(_HTML_BREAK.sub(b"<br/>", data))
        raise Unsupported(f"XML: {error}") from None


def serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def part_of(base: str, target: str) -> str:
    """A relationship's target as a part name (no leading slash)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def split_cell(cell: str) -> tuple[int, int]:
    """`B7` as (row, column) numbers, (7, 2)."""
    match = _CELL.match(cell)
    if not match:
        raise Unsupported(f"cell {cell!r}")
    return int(match.group(2)), column_number(match.group(1))


def clean_text(value: object) -> str:
    """Text without the characters XML 1.0 cannot hold."""
    return _ILLEGAL.sub("", "" if value is None else str(value))


def rich_text(element) -> str:
    """The plain text of a string item or a comment's text (its runs joined; phonetic hints left out)."""
    if element is None:
        return ""
    return "".join(t.text or "" for t in element.iter(q("t")) if t.getparent().tag != q("rPh"))


def insert_in_order(by_key: dict, key, element, parent) -> None:
    """Put `element` under `parent` before the element of the next larger key of `by_key` (rows by
    number, comments by cell), or last when there is none, and record it under `key`."""
    later = [other for other in by_key if other > key]
    if later:
        by_key[min(later)].addprevious(element)
    else:
        parent.append(element)
    by_key[key] = element


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook: its name, its part ('' for a chart or dialog sheet) and its entry."""

    name: str
    part: str
    entry: object  # the <sheet> element of workbook.xml


class Package:
    """A workbook's parts; parsed ones are written back on `to_bytes` only when marked `changed`."""

    def __init__(self, data: bytes) -> None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                self.parts = {info.filename: archive.read(info) for info in archive.infolist()}
                self.order = [info.filename for info in archive.infolist()]
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError) as error:
            raise Unsupported(str(error)) from None
        for required in ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"):
            if required not in self.parts:
                raise Unsupported(f"no {required}")
        self._parsed: dict[str, object] = {}
        self._changed: set[str] = set()
        self.types = self.xml("[Content_Types].xml")
        self.book = self.xml("xl/workbook.xml")
        if self.book.tag != q("workbook"):
            raise Unsupported("not a transitional SpreadsheetML workbook")
        self.book_rels = self.xml("xl/_rels/workbook.xml.rels")
        self.styles = Styles(self.xml("xl/styles.xml"))
        targets = {rel.get("Id"): rel for rel in self.book_rels}
        self.sheets: list[Sheet] = []
        for entry in self.book.iter(q("sheet")):
            rel = targets.get(entry.get(q("id", REL)))
            if rel is None or rel.get("Type") != WORKSHEET_TYPE:
                self.sheets.append(Sheet(entry.get("name"), "", entry))  # a chart or dialog sheet
                continue
            part = part_of("xl/workbook.xml", rel.get("Target"))
            if part not in self.parts:
                raise Unsupported(f"missing {part}")
            self.sheets.append(Sheet(entry.get("name"), part, entry))

    # -- parts
    def xml(self, part: str, *, lenient: bool = False):
        """The part parsed (once; later calls give the same tree)."""
        if part not in self._parsed:
            self._parsed[part] = parse(self.parts[part], lenient=lenient)
        return self._parsed[part]

    def is_parsed(self, part: str) -> bool:
        return part in self._parsed

    def changed(self, part: str) -> None:
        """Write the parsed `part` back when saving."""
        self._changed.add(part)

    def put(self, part: str, data: bytes, content_type: str | None = None) -> None:
        """Add or replace a part by its bytes (with its content type, for a new part)."""
        self.parts[part] = data
        self._parsed.pop(part, None)
        self._changed.discard(part)
        if content_type is not None:
            element = etree.SubElement(self.types, q("Override", CONTENT_TYPES))
            element.set("PartName", "/" + part)
            element.set("ContentType", content_type)
            self.changed("[Content_Types].xml")

    def remove(self, part: str) -> None:
        """Take a part out, with its content type and its own relationships part."""
        for name in (part, rels_name(part)):
            self.parts.pop(name, None)
            self._parsed.pop(name, None)
            self._changed.discard(name)
            for override in self.types.findall(q("Override", CONTENT_TYPES)):
                if override.get("PartName", "").lstrip("/").casefold() == name.casefold():
                    self.types.remove(override)
                    self.changed("[Content_Types].xml")

    def unused(self, pattern: str) -> str:
        """The first of `pattern.format(1)`, `pattern.format(2)`... that no part has taken."""
        taken = {name.lower() for name in self.parts}
        number = 1
        while pattern.format(number).lower() in taken:
            number += 1
        return pattern.format(number)

    def ensure_default(self, extension: str, content_type: str) -> None:
        for element in self.types.iter(q("Default", CONTENT_TYPES)):
            if element.get("Extension", "").lower() == extension:
                return
        default = etree.Element(q("Default", CONTENT_TYPES))
        default.set("Extension", extension)
        default.set("ContentType", content_type)
        self.types.insert(0, default)
        self.changed("[Content_Types].xml")

    # -- relationships
    def rels(self, part: str):
        """The relationships of `part`, parsed (an empty set when it has none yet)."""
        name = rels_name(part)
        if name not in self._parsed:
            if name in self.parts:
                self.xml(name)
            else:
                self._parsed[name] = etree.Element(q("Relationships", PKG_REL), nsmap={None: PKG_REL})
        return self._parsed[name]

    def related(self, part: str, kind: str) -> list[tuple[object, str]]:
        """`part`'s relationships of type `kind`, each with the part it points at."""
        if rels_name(part) not in self.parts and rels_name(part) not in self._parsed:
            return []
        return [
            (rel, part_of(part, rel.get("Target", "")))
            for rel in self.rels(part)
            if rel.get("Type") == kind and rel.get("TargetMode") != "External"
        ]

    def targets(self, part: str) -> list[str]:
        """Every part that `part` has a relationship to."""
        if rels_name(part) not in self.parts and rels_name(part) not in self._parsed:
            return []
        return [part_of(part, rel.get("Target", "")) for rel in self.rels(part) if rel.get("TargetMode") != "External"]

    def add_rel(self, part: str, kind: str, target_part: str) -> str:
        """Relate `part` to `target_part`; the new relationship's id."""
        rels = self.rels(part)
        taken = {rel.get("Id") for rel in rels}
        number = 1
        while f"rIdReview{number}" in taken:
            number += 1
        rel = etree.SubElement(rels, q("Relationship", PKG_REL))
        rel.set("Id", f"rIdReview{number}")
        rel.set("Type", kind)
        rel.set("Target", posixpath.relpath(target_part, posixpath.dirname(part)))
        self.changed(rels_name(part))
        return f"rIdReview{number}"

    def drop_rel(self, part: str, rel) -> None:
        """Remove one relationship of `part` (its relationships part goes when it is the last)."""
        rels = self.rels(part)
        rels.remove(rel)
        if len(rels):
            self.changed(rels_name(part))
        else:
            self.remove(rels_name(part))

    def is_target(self, part: str) -> bool:
        """Whether any relationship of the package still points at `part`."""
        for name in [*self.parts, *self._parsed]:
            if not name.endswith(".rels"):
                continue
            folder = posixpath.dirname(posixpath.dirname(name))
            source = posixpath.join(folder, posixpath.basename(name)[: -len(".rels")])
            rels = self._parsed.get(name)
            if rels is None:
                rels = self.xml(name)
            if any(
                rel.get("TargetMode") != "External" and part_of(source, rel.get("Target", "")) == part for rel in rels
            ):
                return True
        return False

    # -- sheets
    def remove_sheet(self, index: int) -> None:
        """Take the sheet at `index` out of the workbook: its entry, relationship, part and the parts
        only it used, the defined names scoped to it; later sheets' scoped names and the workbook views
        move one place back."""
        sheet = self.sheets.pop(index)
        sheet.entry.getparent().remove(sheet.entry)
        for rel in self.book_rels:
            if rel.get("Id") == sheet.entry.get(q("id", REL)):
                self.book_rels.remove(rel)
                self.changed("xl/_rels/workbook.xml.rels")
                break
        if sheet.part:
            used = self.targets(sheet.part)
            self.remove(sheet.part)
            for part in used:  # a drawing or printer settings Excel or LibreOffice gave the sheet
                if part in self.parts and not self.is_target(part):
                    self.remove(part)
        names = self.book.find(q("definedNames"))
        for name in list(names) if names is not None else ():
            scope = name.get("localSheetId", "")
            if scope.isdigit() and int(scope) == index:
                names.remove(name)
            elif scope.isdigit() and int(scope) > index:
                name.set("localSheetId", str(int(scope) - 1))
        if names is not None and not len(names):
            self.book.remove(names)
        for view in self.book.iter(q("workbookView")):
            for attribute in ("activeTab", "firstSheet"):
                value = view.get(attribute, "")
                if value.isdigit() and int(value) >= index and int(value) > 0:
                    view.set(attribute, str(int(value) - 1))
        self.changed("xl/workbook.xml")

    # -- shared strings
    def shared_string(self, index: int) -> str:
        related = self.related("xl/workbook.xml", SHARED_STRINGS_TYPE)
        if not related or related[0][1] not in self.parts:
            return ""
        items = self.xml(related[0][1]).findall(q("si"))
        return rich_text(items[index]) if 0 <= index < len(items) else ""

    # -- document properties
    def declare_language(self, language: str) -> None:
        """Give the document properties (docProps/core.xml) a language when they declare none; one they
        declare is kept, as are properties this module cannot parse and a package with none."""
        for _, part in self.related("", CORE_PROPERTIES_TYPE)[:1]:
            if part not in self.parts:
                return
            try:
                properties = self.xml(part)
            except Unsupported:
                return
            if any((element.text or "").strip() for element in properties.iter(q("language", DC))):
                return
            for element in list(properties.iter(q("language", DC))):
                element.getparent().remove(element)
            etree.SubElement(properties, q("language", DC)).text = language
            self.changed(part)

    # -- saving
    def to_bytes(self) -> bytes:
        if self.styles.grown:
            self.changed("xl/styles.xml")
        for part in sorted(self._changed):
            self.parts[part] = serialise(self._parsed[part])
        original = [name for name in self.order if name in self.parts]
        added = sorted(set(self.parts) - set(original))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for name in [*original, *added]:
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                out.writestr(info, self.parts[name])
        return buffer.getvalue()


class Cells:
    """A sheet's rows and cells by number, adding a row or cell in its place when it is not there."""

    def __init__(self, root) -> None:
        self.root = root
        self.sheet_data = root.find(q("sheetData"))
        if self.sheet_data is None:
            raise Unsupported("no sheetData")
        self.rows: dict[int, object] = {}
        for row in self.sheet_data.iterfind(q("row")):
            if row.get("r") is None:
                raise Unsupported("a row without its number")
            self.rows[int(row.get("r"))] = row
        # <col> elements are in <cols>: found there once, not by walking every cell of the sheet again.
        self.columns = [col for cols in root.iterfind(q("cols")) for col in cols.iterfind(q("col"))]
        self.column_styles = [
            (int(col.get("min", "0")), int(col.get("max", "0")), col.get("style")) for col in self.columns
        ]

    def find(self, row_number: int, column: int):
        """The cell's element, or None when the sheet does not hold it."""
        row = self.rows.get(row_number)
        reference = f"{column_letters(column)}{row_number}"
        for cell in row.iterfind(q("c")) if row is not None else ():
            if cell.get("r") == reference:
                return cell
        return None

    def get(self, row_number: int, column: int):
        """The cell's element, added (with its row's or column's format) when the sheet does not hold it."""
        row = self.rows.get(row_number)
        if row is None:
            row = etree.Element(q("row"))
            row.set("r", str(row_number))
            insert_in_order(self.rows, row_number, row, self.sheet_data)
        reference = f"{column_letters(column)}{row_number}"
        for cell in row.iterfind(q("c")):
            ref = cell.get("r")
            if ref is None:
                raise Unsupported("a cell without its reference")
            if ref == reference:
                return cell
            if split_cell(ref)[1] > column:
                new = etree.Element(q("c"))
                cell.addprevious(new)
                break
        else:
            new = etree.SubElement(row, q("c"))
        new.set("r", reference)
        new.set("s", self._default_style(row, column))
        row.attrib.pop("spans", None)  # a hint only, and no longer true
        return new

    def show(self, row_number: int, column: int) -> bool:
        """Unhide the cell's row and column (hidden by hand, or by a filter left on); whether any was."""
        shown = False
        row = self.rows.get(row_number)
        if row is not None and row.get("hidden") in ("1", "true"):
            del row.attrib["hidden"]
            shown = True
        for col in self.columns:
            if int(col.get("min", "0")) <= column <= int(col.get("max", "0")) and col.get("hidden") in ("1", "true"):
                del col.attrib["hidden"]
                shown = True
        return shown

    def text(self, package: Package, row_number: int, column: int) -> str:
        """The cell's text as shown (shared, inline or formula string; '' for anything else)."""
        cell = self.find(row_number, column)
        if cell is None:
            return ""
        kind = cell.get("t")
        if kind == "inlineStr":
            return rich_text(cell.find(q("is")))
        value = cell.findtext(q("v")) or ""
        if kind == "s":
            return package.shared_string(int(value)) if value.isdigit() else ""
        return value if kind == "str" else ""

    def unformat(self, marked: Iterable[tuple[int, int]]) -> bool:
        """Take the cells (row, column) out of the officer's conditional formats (Excel's and its x14
        extension's), which spreadsheets draw over a cell's own fill; whether any covered one. A format
        left with no cell is removed; one left over several ranges is written as one format a range
        (`_narrowed`). All the sheet's marks at once: a sheet of many is not walked again for each."""
        cells = sorted(set(marked))
        changed = split = False
        holders = [*self.root.iter(q("conditionalFormatting"))] + [
            element
            for element in self.root.iter(f"{{{_XM}}}sqref")
            if element.getparent().tag.endswith("}conditionalFormatting")  # not a dropdown's or a sparkline's
        ]
        for holder in holders:
            sqref = _sqref(holder)
            kept = _without_cells(sqref, cells)
            if kept == sqref:
                continue
            changed = True
            owner = holder if holder.tag == q("conditionalFormatting") else holder.getparent()
            narrowed = _narrowed(owner, sqref, kept) if kept else []
            for element in narrowed:
                owner.addprevious(element)
            owner.getparent().remove(owner)
            split = split or len(narrowed) > 1
        if split:
            self._renumber()
        return changed

    def _renumber(self) -> None:
        """The sheet's rules' priorities 1, 2, ... in their order (a rule's copies beside it), so that
        the copies `_narrowed` gives a rule are as unique as Excel requires them and come before the
        officer's next rule. An x14 data bar's half that has no priority of its own keeps none."""
        rules = [*self.root.iter(q("cfRule")), *self.root.iter(f"{{{_X14}}}cfRule")]
        ranked = sorted(
            (rule for rule in rules if rule.get("priority") is not None),
            key=lambda rule: _int(rule.get("priority")),  # stable: equal ones stay in the sheet's order
        )
        for priority, rule in enumerate(ranked, start=1):
            rule.set("priority", str(priority))

    def merged(self) -> list[tuple[int, int, int, int]]:
        """The sheet's merged ranges as (top, left, bottom, right)."""
        return [_bounds(ref) for merge in self.root.iter(q("mergeCell")) if ":" in (ref := merge.get("ref", ""))]

    def _default_style(self, row, column: int) -> str:
        if row.get("customFormat") in ("1", "true") and row.get("s"):
            return row.get("s")
        for low, high, style in self.column_styles:
            if low <= column <= high and style:
                return style
        return "0"


class Styles:
    """styles.xml, to which fills, fonts and cell formats are added (never changed or removed)."""

    def __init__(self, root) -> None:
        self.root = root
        self.fills = root.find(q("fills"))
        self.fonts = root.find(q("fonts"))
        self.cell_xfs = root.find(q("cellXfs"))
        if self.fills is None or self.fonts is None or self.cell_xfs is None or not len(self.cell_xfs):
            raise Unsupported("styles without fills, fonts or cell formats")
        self.grown = False
        self._with_fill: dict[tuple[int, int], int] = {}
        self._new: dict[tuple, int] = {}
        self._fonts: dict[tuple, int] = {}
        self._fill_ids: dict[bytes, int] = {}
        base = self.fonts[0] if len(self.fonts) else None
        size = base.find(q("sz")) if base is not None else None
        name = base.find(q("name")) if base is not None else None
        self.font_size = size.get("val", "11") if size is not None else "11"
        self.font_name = name.get("val", "Calibri") if name is not None else "Calibri"

    def _append(self, container, element) -> int:
        container.append(element)
        container.set("count", str(len(container)))
        self.grown = True
        return len(container) - 1

    def solid_fills_of(self, colours: set[str]) -> set[int]:
        """The formats (cellXfs indexes) whose fill is solid in one of `colours` (ARGB, any case)."""
        wanted = {colour.upper() for colour in colours}
        fills = set()
        for index, fill in enumerate(self.fills):
            pattern = fill.find(q("patternFill"))
            colour = pattern.find(q("fgColor")) if pattern is not None else None
            if (
                pattern is not None
                and pattern.get("patternType") == "solid"
                and colour is not None
                and (colour.get("rgb") or "").upper() in wanted
            ):
                fills.add(index)
        return {index for index, xf in enumerate(self.cell_xfs) if _int(xf.get("fillId")) in fills}

    def fill(self, xml: str) -> int:
        """The id of a fill written as `xml` (`<fill>...</fill>`, no namespace), added when not there."""
        element = etree.fromstring(f'<fills xmlns="{MAIN}">{xml}</fills>')[0]
        key = etree.tostring(element, method="c14n", exclusive=True)
        if not self._fill_ids:
            for index, existing in enumerate(self.fills):
                self._fill_ids.setdefault(etree.tostring(existing, method="c14n", exclusive=True), index)
        if key not in self._fill_ids:
            self._fill_ids[key] = self._append(self.fills, element)
        return self._fill_ids[key]

    def solid_fill(self, rgb: str) -> int:
        return self.fill(
            f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/><bgColor rgb="{rgb}"/></patternFill></fill>'
        )

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
        """A new cell format of the default number format and border."""
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


#: The namespace of Excel's x14 conditional formats' ranges (`<xm:sqref>`).
_XM = "http://schemas.microsoft.com/office/excel/2006/main"
#: The namespace of Excel's x14 conditional formats' rules (`<x14:cfRule>`).
_X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
#: The kinds of conditional format rule that compare a cell with the others of the format's ranges.
_OVER_THE_RANGE = frozenset(
    {"colorScale", "dataBar", "iconSet", "top10", "aboveAverage", "duplicateValues", "uniqueValues"}
)
_LAST_ROW, _LAST_COLUMN = 1_048_576, 16_384


def _without_cells(sqref: str, cells: list[tuple[int, int]]) -> str:
    """A conditional format's ranges ('C2:D20 F5', 'C:C') without the cells (row, column): a range
    holding one becomes the up to four ranges around it."""
    kept = []
    for item in sqref.split():
        try:
            boxes = [_bounds(item)]
        except (Unsupported, ValueError):  # a range no spreadsheet wrote: left as it is
            kept.append(item)
            continue
        top, left, bottom, right = boxes[0]
        for row, column in cells:
            if top <= row <= bottom and left <= column <= right:
                boxes = [piece for box in boxes for piece in _around(box, row, column)]
        kept += [item] if boxes == [(top, left, bottom, right)] else [_range(*box) for box in boxes]
    return " ".join(kept)


def _around(box: tuple[int, int, int, int], row: int, column: int) -> list[tuple[int, int, int, int]]:
    """The range `box` without the cell: itself when it does not hold it, else the ranges around it."""
    top, left, bottom, right = box
    if not (top <= row <= bottom and left <= column <= right):
        return [box]
    around = (
        (top, left, row - 1, right),
        (row, left, row, column - 1),
        (row, column + 1, row, right),
        (row + 1, left, bottom, right),
    )
    return [piece for piece in around if piece[0] <= piece[2] and piece[1] <= piece[3]]


def _anchor(sqref: str) -> str:
    """The cell a conditional format's formulas are written for: its first range's top-left cell."""
    top, left, _, _ = _bounds(sqref.split()[0])
    return f"{column_letters(left)}{top}"


def _sqref(holder) -> str:
    return holder.get("sqref", "") if holder.tag == q("conditionalFormatting") else holder.text or ""


def _holder(element):
    """The element of a format that holds its ranges: itself (Excel's) or its <xm:sqref> (x14's)."""
    return element if element.tag == q("conditionalFormatting") else element.find(f"{{{_XM}}}sqref")


def _narrowed(owner, sqref: str, kept: str) -> list:
    """The conditional format `owner` over `kept`, its ranges `sqref` less the marked cells, as the
    elements to put in its place.

    A rule tests each cell with formulas written for the format's first cell. Over several ranges
    Excel and LibreOffice do not agree which cell that is (LibreOffice read =$C2*$D2>=15 over
    'D2 C3:D21' as written for C3, so each row tested the row above). So a rule that tests each cell
    is written once a range, its formulas moved from the first cell of `sqref` to the range's own.
    A rule over the range as a whole (a colour scale, data bar, icon set, top or bottom, above
    average, duplicates) cannot be cut in pieces without changing what it compares, and has no formula
    about a cell: it keeps one format over every range left."""
    try:
        origin, ranges = _anchor(sqref), [(item, _anchor(item)) for item in kept.split()]
    except (Unsupported, ValueError):  # a range no spreadsheet wrote: its formulas as they are
        narrowed = copy.deepcopy(owner)
        _set_sqref(narrowed, kept)
        return [narrowed]
    rules = [rule for rule in owner if isinstance(rule.tag, str) and rule.tag.endswith("}cfRule")]
    whole = [rule for rule in rules if rule.get("type") in _OVER_THE_RANGE]
    narrowed = []
    if whole:
        narrowed.append(_format_of(owner, [rule for rule in rules if rule not in whole], kept, origin, ranges[0][1]))
    if len(whole) < len(rules):
        for number, (item, anchor) in enumerate(ranges):
            element = _format_of(owner, whole, item, origin, anchor)
            for rule in element.iter(f"{{{_X14}}}cfRule"):
                if number and rule.get("id"):  # an x14 rule's id is its own: a copy gets another, always the same
                    rule.set("id", "{%s}" % str(uuid.uuid5(uuid.NAMESPACE_OID, f"{rule.get('id')} {item}")).upper())
            narrowed.append(element)
    return narrowed


def _format_of(owner, without: list, sqref: str, origin: str, anchor: str):
    """A copy of the format `owner` without the rules `without`, over `sqref`, its formulas moved from
    `origin` to `anchor`."""
    element = copy.deepcopy(owner)
    dropped = {owner.index(rule) for rule in without}
    for index in sorted(dropped, reverse=True):
        del element[index]
    _set_sqref(element, sqref)
    if origin != anchor:
        for formula in element.iter(q("formula"), f"{{{_XM}}}f"):
            formula.text = moved(formula.text or "", origin, anchor)
    return element


def _set_sqref(element, sqref: str) -> None:
    if element.tag == q("conditionalFormatting"):
        element.set("sqref", sqref)
    else:
        _holder(element).text = sqref


def _bounds(item: str) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of a range as a conditional format gives it: 'C2:D20', 'F5', 'C:D', '2:4'."""
    start, _, end = item.replace("$", "").partition(":")
    end = end or start
    if start.isalpha():  # whole columns
        return 1, column_number(start), _LAST_ROW, column_number(end)
    if start.isdigit():  # whole rows
        return int(start), 1, int(end), _LAST_COLUMN
    return (*split_cell(start), *split_cell(end))


def _range(top: int, left: int, bottom: int, right: int) -> str:
    start, end = f"{column_letters(left)}{top}", f"{column_letters(right)}{bottom}"
    return start if start == end else f"{start}:{end}"


def _int(text: str | None) -> int:
    try:
        return int(text or "0")
    except ValueError:
        return -1
