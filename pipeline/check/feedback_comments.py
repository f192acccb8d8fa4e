"""Cell comments in a workbook's package: each sheet's comments part and the legacy VML drawing that
Excel and LibreOffice draw the comment boxes from.

A sheet has at most one comments part (`xl/commentsN.xml`, one <comment> per cell) and one VML drawing
(`<legacyDrawing r:id=...>`, one Note shape per commented cell; it may hold other shapes too, such as
a macro's button). `SheetComments` edits both together so that every commented cell keeps exactly one
comment and one box: our findings go first, an officer's own text on the same cell follows them, and
taking our findings off leaves the officer's text (or no comment at all). Comments and boxes of cells
not edited are kept as they were; a sheet whose comments are not edited keeps its parts byte for byte.

Excel 365 keeps a threaded comment in a part of its own, with a stand-in note in the comments part
pointing at it. A cell holds a note or a thread, not both: on a cell we mark, the thread's text goes
into our note after our findings and the thread is taken out.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from lxml import etree

from pipeline.files.xlsx_package import (
    MAIN,
    REL,
    Package,
    Unsupported,
    clean_text,
    column_letters,
    insert_in_order,
    q,
    rich_text,
    serialise,
    split_cell,
)

COMMENTS_TYPE = f"{REL}/comments"
VML_TYPE = f"{REL}/vmlDrawing"
THREADS_TYPE = "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment"
COMMENTS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_V = "urn:schemas-microsoft-com:vml"
_O = "urn:schemas-microsoft-com:office:office"
_X = "urn:schemas-microsoft-com:office:excel"
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
#: The pale yellow of a note in Excel, as Excel draws its own.
NOTE_FILL = "#ffffe1"
_BLOCK = re.compile(rb"idmap\b[^>]*\bdata=\"([0-9, ]*)\"")
_SHAPE_NUMBER = re.compile(r"^_x0000_s([0-9]+)$")


class SheetComments:
    """The comments of one sheet (`part`) and their boxes, edited in place; `save` writes them back."""

    def __init__(self, package: Package, part: str, block: int) -> None:
        self.package, self.part, self.block = package, part, block
        self.sheet = package.xml(part)
        related = package.related(part, COMMENTS_TYPE)
        self.comments_part = related[0][1] if related and related[0][1] in package.parts else ""
        if self.comments_part:
            self.root = package.xml(self.comments_part)
        else:
            self.root = etree.fromstring(f'<comments xmlns="{MAIN}"><authors/><commentList/></comments>')
        self.authors = self.root.find(q("authors"))
        self.list = self.root.find(q("commentList"))
        if self.authors is None or self.list is None:
            raise Unsupported("a comments part without authors or a comment list")
        self.by_cell: dict[tuple[int, int], object] = {}
        for comment in self.list.iterfind(q("comment")):
            try:
                self.by_cell.setdefault(split_cell(comment.get("ref", "").upper()), comment)
            except Unsupported:
                continue  # not a cell we mark: kept as it is
        self.edited: set[tuple[int, int]] = set()
        related = package.related(part, THREADS_TYPE)
        self.threads_part = related[0][1] if related and related[0][1] in package.parts else ""
        self.threads: dict[tuple[int, int], list] = {}
        for item in package.xml(self.threads_part) if self.threads_part else ():
            if etree.QName(item).localname == "threadedComment":
                try:
                    self.threads.setdefault(split_cell(item.get("ref", "").upper()), []).append(item)
                except Unsupported:
                    continue
        self.threads_edited = False

    def text(self, row: int, column: int) -> str:
        """The officer's text on the cell: its thread's comments, or its note."""
        if (row, column) in self.threads:
            texts = (
                "".join(element.itertext())
                for item in self.threads[(row, column)]
                for element in item
                if etree.QName(element).localname == "text"
            )
            return "\n".join(text.strip() for text in texts if text.strip())
        return rich_text(self.by_cell[(row, column)].find(q("text"))) if (row, column) in self.by_cell else ""

    def take_off(self, start: str, end: str) -> None:
        """Remove our findings (text from `start` to `end`) from every comment, keeping the officer's text."""
        for cell, comment in list(self.by_cell.items()):
            text = rich_text(comment.find(q("text")))
            if not (text.startswith(start) and end in text):
                continue
            officer = text.split(end, 1)[1].strip()
            if officer:
                self._write(cell, officer, comment.get("authorId", "0"), styled=False)
            else:
                self.list.remove(comment)
                del self.by_cell[cell]
            self.edited.add(cell)

    def put(self, row: int, column: int, text: str, author: str) -> None:
        """Our comment `text` on the cell, followed by the officer's own comment there, if any."""
        officer = self.text(row, column)
        if officer:
            text += f"\n\n{officer}"
        self._write((row, column), text, self._author_id(author), styled=True)
        self.edited.add((row, column))
        for item in self.threads.pop((row, column), []):
            item.getparent().remove(item)
            self.threads_edited = True

    def _author_id(self, author: str) -> str:
        names = [element.text or "" for element in self.authors.iterfind(q("author"))]
        if author in names:
            return str(names.index(author))
        etree.SubElement(self.authors, q("author")).text = clean_text(author)
        return str(len(names))

    def _write(self, cell: tuple[int, int], text: str, author_id: str, *, styled: bool) -> None:
        run = '<rPr><sz val="9"/><rFont val="Tahoma"/></rPr>' if styled else ""
        comment = etree.fromstring(
            f'<comment xmlns="{MAIN}" ref="{column_letters(cell[1])}{cell[0]}" authorId="{author_id}"><text>'
            f'<r>{run}<t xml:space="preserve">{escape(clean_text(text))}</t></r></text></comment>'
        )
        existing = self.by_cell.get(cell)
        if existing is not None:
            existing.addprevious(comment)
            self.list.remove(existing)
            self.by_cell[cell] = comment
        else:
            insert_in_order(self.by_cell, cell, comment, self.list)

    # -- writing back
    def save(self) -> None:
        """Write the comments and their boxes back (nothing is written when nothing was edited)."""
        if not self.edited:
            return
        package = self.package
        if len(self.list) and self.comments_part:
            package.put(self.comments_part, serialise(self.root))
        elif len(self.list):
            self.comments_part = package.unused("xl/comments{}.xml")
            package.put(self.comments_part, serialise(self.root), COMMENTS_CONTENT)
            package.add_rel(self.part, COMMENTS_TYPE, self.comments_part)
        elif self.comments_part:
            for rel, target in package.related(self.part, COMMENTS_TYPE):
                if target == self.comments_part:
                    package.drop_rel(self.part, rel)
            package.remove(self.comments_part)
        if self.threads_edited:
            self._save_threads()
        self._save_boxes()
        package.changed(self.part)

    def _save_threads(self) -> None:
        if self.threads:
            self.package.changed(self.threads_part)
            return
        for rel, target in self.package.related(self.part, THREADS_TYPE):
            if target == self.threads_part:
                self.package.drop_rel(self.part, rel)
        self.package.remove(self.threads_part)

    def _save_boxes(self) -> None:
        package = self.package
        legacy = self.sheet.find(q("legacyDrawing"))
        vml_part, rel = "", None
        if legacy is not None:
            for candidate, target in package.related(self.part, VML_TYPE):
                if candidate.get("Id") == legacy.get(q("id", REL)):
                    vml_part, rel = target, candidate
        if vml_part and vml_part in package.parts:
            vml = package.xml(vml_part, lenient=True)
        elif not len(self.list):
            return
        else:
            vml = etree.fromstring(f'<xml xmlns:v="{_V}" xmlns:o="{_O}" xmlns:x="{_X}"/>')
        for shape in list(vml.iter(q("shape", _V))):
            if _note_cell(shape) in self.edited:
                shape.getparent().remove(shape)
        block, number = self._shape_numbers(vml)
        if not any(shape.tag == q("shapetype", _V) and shape.get("id") == "_x0000_t202" for shape in vml):
            vml.insert(_after_layout(vml), etree.fromstring(_NOTE_TYPE))
        for cell in sorted(self.edited):
            if cell in self.by_cell:
                number += 1
                vml.append(_note_shape(*cell, self.text(*cell), f"_x0000_s{block * 1024 + number}", number))
        if not any(element.tag not in (q("shapelayout", _O), q("shapetype", _V)) for element in vml):
            if vml_part:  # no box left, only its templates: the drawing goes
                package.drop_rel(self.part, rel)
                package.remove(vml_part)
                self.sheet.remove(legacy)
            return
        if not vml_part:
            vml_part = package.unused("xl/drawings/vmlDrawing{}.vml")
            package.ensure_default("vml", VML_CONTENT)
            _insert_legacy_drawing(self.sheet, package.add_rel(self.part, VML_TYPE, vml_part))
        etree.cleanup_namespaces(vml)
        package.put(vml_part, etree.tostring(vml))

    def _shape_numbers(self, vml) -> tuple[int, int]:
        """The drawing's block of shape ids (1024 ids each) and the last number used in it."""
        layout = vml.find(f"{q('shapelayout', _O)}/{q('idmap', _O)}")
        blocks = [int(item) for item in (layout.get("data", "") if layout is not None else "").split(",") if item]
        if blocks:
            block = blocks[0]
        else:
            block = self._free_block()
            element = etree.fromstring(
                f'<o:shapelayout xmlns:o="{_O}" xmlns:v="{_V}" v:ext="edit">'
                f'<o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
            )
            vml.insert(0, element)
        numbers = [0]
        for shape in vml.iter(q("shape", _V)):
            match = _SHAPE_NUMBER.match(shape.get("id") or "")
            if match and int(match.group(1)) // 1024 == block:
                numbers.append(int(match.group(1)) % 1024)
        return block, max(numbers)

    def _free_block(self) -> int:
        used = set()
        for name, data in self.package.parts.items():
            if name.lower().endswith(".vml"):
                for match in _BLOCK.finditer(data):
                    used.update(int(item) for item in match.group(1).split(b",") if item.strip())
        block = self.block
        while block in used:
            block += 1
        return block


class Notes:
    """The comments of every sheet of a package, each loaded when first asked for."""

    def __init__(self, package: Package) -> None:
        self.package = package
        self.sheets: dict[str, SheetComments] = {}

    def of(self, part: str) -> SheetComments:
        if part not in self.sheets:
            index = [sheet.part for sheet in self.package.sheets].index(part)
            self.sheets[part] = SheetComments(self.package, part, index + 1)
        return self.sheets[part]

    def commented_sheets(self) -> list[str]:
        """The parts of the sheets that have a comments part."""
        return [
            sheet.part
            for sheet in self.package.sheets
            if sheet.part and self.package.related(sheet.part, COMMENTS_TYPE)
        ]

    def save(self) -> None:
        for comments in self.sheets.values():
            comments.save()


def _note_cell(shape) -> tuple[int, int] | None:
    """The (row, column) a Note shape belongs to, numbered from 1; None for any other shape."""
    data = shape.find(q("ClientData", _X))
    if data is None or data.get("ObjectType") != "Note":
        return None
    try:
        return int(data.findtext(q("Row", _X)).strip()) + 1, int(data.findtext(q("Column", _X)).strip()) + 1
    except (AttributeError, ValueError):
        return None


def _after_layout(vml) -> int:
    return sum(1 for element in vml if element.tag == q("shapelayout", _O))


def _insert_legacy_drawing(sheet, rel_id: str) -> None:
    legacy = etree.Element(q("legacyDrawing"), nsmap={"r": REL})  # the prefix never left to lxml's choice
    legacy.set(q("id", REL), rel_id)
    for name in _AFTER_LEGACY_DRAWING:
        following = sheet.find(q(name))
        if following is not None:
            following.addprevious(legacy)
            return
    sheet.append(legacy)


_NOTE_TYPE = (
    f'<v:shapetype xmlns:v="{_V}" xmlns:o="{_O}" id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
    'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


def _note_shape(row: int, column: int, text: str, shape_id: str, z: int):
    """The box of one comment (hidden until the cell is pointed at), sized to its text."""
    height = min(80 + 18 * text.count("\n"), 400)
    rows_down = max(4, round(height / 15))
    top = max(row - 2, 0)
    anchor = f"{column}, 15, {top}, 10, {column + 4}, 15, {top + rows_down}, 4"
    return etree.fromstring(
        f'<v:shape xmlns:v="{_V}" xmlns:o="{_O}" xmlns:x="{_X}" id="{shape_id}" type="#_x0000_t202" '
        f'style="position:absolute;margin-left:80pt;margin-top:2pt;width:270pt;height:{height * 0.75:g}pt;'
        f'z-index:{z};visibility:hidden" fillcolor="{NOTE_FILL}" o:insetmode="auto"><v:fill color2="{NOTE_FILL}"/>'
        '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
        f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor>'
        f"<x:AutoFill>False</x:AutoFill><x:Row>{row - 1}</x:Row><x:Column>{column - 1}</x:Column>"
        "</x:ClientData></v:shape>"
    )
