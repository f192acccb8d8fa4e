"""Feedback marks written straight into a workbook's package (its zip of XML parts).

Loading a whole workbook into openpyxl and saving it again takes tens of milliseconds a copy and
rewrites every part. A copy needs far less: a fill on each marked cell (a new cell format in
styles.xml), a comment on it (the sheet's comments part, and the legacy VML drawing that Excel and
LibreOffice draw comment boxes from), and a new first sheet, Findings. Only the parts those touch are
parsed and written again (`files.xlsx_package`); every other part (the officer's answers, dropdowns,
protection, Excel tables, macros, document properties) is copied as it was, byte for byte, but for a
document language: properties that declare none are given the review's (`formats.LANGUAGE`); one the
officer's declare is kept.

`mark_package` does it in four steps:
1. a copy coming back from an earlier round loses that round's marks (`feedback_earlier_round`);
2. each marked cell gets its fill and its comment, an officer's own comment on the cell kept after
   ours (`feedback_comments`);
3. the Findings sheet goes first (`feedback_findings_sheet`);
4. the document properties declare a language, if they did not.
It raises `Unsupported` for a package it cannot parse. The same bytes and findings give the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Callable, Collection, Sequence

from pipeline.check import feedback_earlier_round
from pipeline.check.feedback_comments import Notes
from pipeline.check.feedback_findings_sheet import add_findings_sheet
from pipeline.files.xlsx_package import Cells, Package, Unsupported, parse, q, split_cell
from pipeline.formats import LANGUAGE

__all__ = ["CellMark", "FindingsRow", "FindingsSheet", "Ours", "Unsupported", "mark_package", "sheet_names"]

_TAB_SELECTED = re.compile(rb'(<(?:\w+:)?sheetView\b[^>]*?)\s+tabSelected="(?:1|true)"')


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
class Ours:
    """What this tool's marks look like, to make them and to recognise an earlier round's."""

    error_colour: str  # ARGB of the red fill
    warning_colour: str  # ARGB of the amber fill
    author: str  # of our comments
    comment_start: str  # our comment text runs from this line...
    comment_end: str  # ...to this one; an officer's text may follow
    #: The fill the standard template gives a cell (sheet name, A1 reference), as <fill> XML.
    template_fill: Callable[[str, str], str]


def sheet_names(data: bytes) -> list[str]:
    """The workbook's sheet names in order."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            book = parse(archive.read("xl/workbook.xml"))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError) as error:
        raise Unsupported(str(error)) from None
    return [sheet.get("name") for sheet in book.iter(q("sheet"))]


def mark_package(
    data: bytes, marks: Sequence[CellMark], findings: FindingsSheet, ours: Ours, named: Collection[str] = ()
) -> bytes:
    """The workbook `data` with `marks` on their cells and `findings` as its first sheet; a sheet holding
    a mark, or `named` by a finding of its own (a copy of a sheet, say), is shown if it was hidden."""
    package = Package(data)
    notes = Notes(package)
    feedback_earlier_round.take_off(package, notes, ours, findings)
    fills = {True: package.styles.solid_fill(ours.error_colour), False: package.styles.solid_fill(ours.warning_colour)}
    parts = {sheet.name: sheet.part for sheet in package.sheets if sheet.part}
    by_sheet: dict[str, list[CellMark]] = {}
    for mark in marks:
        if mark.sheet in parts:
            by_sheet.setdefault(mark.sheet, []).append(mark)
    for name, sheet_marks in by_sheet.items():
        _mark_cells(package, notes, parts[name], sheet_marks, fills, ours.author)
    _show_sheets(package, set(by_sheet) | set(named))
    notes.save()
    _unselect_sheets(package)
    add_findings_sheet(package, findings, fills)
    package.declare_language(LANGUAGE)
    return package.to_bytes()


def _mark_cells(
    package: Package, notes: Notes, part: str, marks: list[CellMark], fills: dict[bool, int], author: str
) -> None:
    cells = Cells(package.xml(part))
    merged = cells.merged()
    # One comment per cell: two findings in one merged range go on its first cell together.
    anchored: dict[tuple[int, int], list[CellMark]] = {}
    for mark in marks:
        row, column = split_cell(mark.cell)
        for top, left, bottom, right in merged:
            if top <= row <= bottom and left <= column <= right:
                row, column = top, left
                break
        anchored.setdefault((row, column), []).append(mark)
    comments = notes.of(part)
    cells.unformat(anchored)  # the officer's conditional formats would be drawn over the marks
    for (row, column), group in sorted(anchored.items()):
        cells.show(row, column)  # a mark on a hidden row or column would lead the officer to nothing
        cell = cells.get(row, column)
        style = int(cell.get("s", "0")) if cell.get("s", "0").isdigit() else 0
        cell.set("s", str(package.styles.with_fill(style, fills[any(mark.error for mark in group)])))
        text = group[0].comment
        for other in group[1:]:
            end = text.rindex("\n")
            text = text[:end] + other.comment[other.comment.index("\n") :]
        comments.put(row, column, text, author)
    package.changed(part)


def _show_sheets(package: Package, names: set[str]) -> None:
    """Show the sheets named that the officer hid (or that came very hidden, which Excel's menus cannot
    undo): a mark on a hidden sheet, and the Findings sheet's link to it, would lead to nothing."""
    for sheet in package.sheets:
        if sheet.name in names and sheet.entry.attrib.pop("state", "visible") != "visible":
            package.changed("xl/workbook.xml")


def _unselect_sheets(package: Package) -> None:
    """Only the Findings sheet is to be selected, or Excel groups the selected sheets."""
    for sheet in package.sheets:
        if not sheet.part:
            continue
        if package.is_parsed(sheet.part):
            for view in package.xml(sheet.part).iter(q("sheetView")):
                if view.attrib.pop("tabSelected", None) is not None:
                    package.changed(sheet.part)
        else:
            data = package.parts[sheet.part]
            unselected = _TAB_SELECTED.sub(rb"\1", data)
            if unselected != data:
                package.put(sheet.part, unselected)
