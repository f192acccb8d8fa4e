"""Feedback copies: each returned workbook with its findings marked, to send back to its officer.

A copy gets, for every finding on a cell, a comment on that cell (rule code and what to do) and a
red (error) or amber (warning) fill; and a new first sheet "Findings" listing every finding of the
workbook, with a link to its cell. Everything else is the officer's workbook as it was, so the copy
can be corrected and returned: answers, dropdowns, input messages, protection and macros (.xlsm).

The originals are only ever read. A returned copy may come back through the review again; the marks
of the earlier round (our Findings sheet, our comments, our fills) are taken off before the new ones
are made, so a corrected cell is no longer shown as wrong. A copy is made by adding the marks to the
workbook's XML parts (`feedback_package`: a few milliseconds, every other part kept byte for byte);
a copy returned a second time, or a marked sheet with comments of its own, is marked with openpyxl
and saved with `files.xlsx.save`. Either way the same return and findings give the same bytes.
"""

from __future__ import annotations

import io
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.utils.exceptions import CellCoordinatesException
from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.check.validation_report import as_text, neutralise
from pipeline.cycle.template import build_workbook
from pipeline.files.atomic import write_atomic
from pipeline.files.names import FEEDBACK_COPIES_LIST, FEEDBACK_MANIFEST, UniqueNames, mirrored_path
from pipeline.files.xlsx import save
from pipeline.findings import ERROR, WARNING, Finding, RuleCode, ValidationReport
from pipeline.records import Workbook
from pipeline.workers import process_pool

FINDINGS_SHEET = "Findings"
FINDINGS_HEADERS = ("Sheet", "Cell", "Rule", "Severity", "Message", "Value")
FINDINGS_HEADER_ROW = 4
COMMENT_AUTHOR = "Partnership review"
#: The list of copies a run wrote, kept in the feedback folder so the next run can remove stale ones.
MANIFEST = FEEDBACK_MANIFEST
#: For the policy team: each returned file with findings, its feedback copy, or why it has none.
COPIES_LIST = FEEDBACK_COPIES_LIST
COPIES_HEADERS = ("Returned file", "Feedback copy", "Errors", "Warnings", "Why there is no copy")

#: Findings that mean the file could not be opened safely: such a file gets no copy (it stays listed
#: in the validation report).
UNOPENABLE_RULES = frozenset(
    {RuleCode.FILE_UNREADABLE, RuleCode.FILE_ENCRYPTED, RuleCode.FILE_UNSUPPORTED_FORMAT, RuleCode.FILE_TOO_LARGE}
)
READABLE_SUFFIXES = (".xlsx", ".xlsm")

# Distinct from every fill of the template, so the next round can recognise and remove them.
ERROR_FILL = PatternFill("solid", start_color="FFF4A6A6", end_color="FFF4A6A6")
WARNING_FILL = PatternFill("solid", start_color="FFFFD27F", end_color="FFFFD27F")
_OUR_COLOURS = frozenset({ERROR_FILL.fgColor.rgb, WARNING_FILL.fgColor.rgb})

_COMMENT_START = "Review findings:"
_COMMENT_END = "(end of review findings)"
_TITLE = "Findings: what to correct in this workbook"
_INSTRUCTION = (
    "Each row is one problem found when this workbook was checked. Select a cell reference to go to "
    "the cell, which is coloured red (error: must be corrected) or amber (warning: please check) and "
    "has a comment saying what to do. Correct the cells in their own sheets, save, and return the "
    "workbook. You do not need to change or delete this sheet."
)


@dataclass(frozen=True)
class _Mark:
    """What one cell gets: its comment text and fill."""

    comment: str
    fill: PatternFill


def write_feedback(
    input_dir: Path, workbooks: Sequence[Workbook], report: ValidationReport, out_dir: Path, *, jobs: int = 1
) -> list[Path]:
    """Write a marked copy of every openable workbook that has findings; return the paths written.

    `out_dir` is the feedback folder itself (e.g. `output/2026/feedback`); the copies mirror the
    workbooks' paths relative to `input_dir`, with file names made safe and unique. Copies written
    there by an earlier run for workbooks that now have no findings are removed (only those: the
    folder's manifest says which files are ours). `jobs` > 1 writes copies in parallel processes;
    the files do not depend on it.
    """
    input_dir, out_dir = Path(input_dir), Path(out_dir)
    names = UniqueNames(out_dir, reserved=tuple(input_dir / book.file for book in workbooks))
    tasks = []
    why_not: dict[str, str] = {}
    for book in sorted(workbooks, key=lambda book: book.file):
        source = input_dir / book.file
        found = list(report.findings_in(book.file))
        if found and _openable(found, source, input_dir):
            tasks.append((source, names.claim(mirrored_path(book.file, source.suffix.lower())), tuple(found)))
        elif found:
            why_not[book.file] = _no_copy_reason(found)
    with process_pool(min(jobs, len(tasks))) as pool:
        done = list(pool.map(_write_copy, tasks, chunksize=max(1, len(tasks) // (4 * jobs))))
    written = [target for (_, target, _), ok in zip(tasks, done) if ok]
    copies = {}
    for (source, target, _), ok in zip(tasks, done):
        if ok:
            copies[source.relative_to(input_dir).as_posix()] = target
        else:
            why_not[source.relative_to(input_dir).as_posix()] = (
                "it could not be opened to mark it up: send the officer its findings from the validation report"
            )
    _replace_manifest(out_dir, written)
    _write_copies_list(out_dir, report.findings_by_file(), copies, why_not)
    return written


def _no_copy_reason(found: Sequence[Finding]) -> str:
    rules = sorted({item.rule for item in found if item.rule in UNOPENABLE_RULES})
    if rules:
        return (
            f"it cannot be opened as a workbook ({', '.join(rules)}): send the officer the message of the "
            "validation report"
        )
    return "it is not in the input folder as a workbook that can be read"


def _write_copies_list(
    out_dir: Path, by_file: Mapping[str, Sequence[Finding]], copies: Mapping[str, Path], why_not: Mapping[str, str]
) -> None:
    """`feedback_copies.csv`: every returned file with findings, its copy (relative to the feedback
    folder) or why it has none, so each officer can be sent the right file."""
    import csv

    folder = out_dir.resolve()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COPIES_HEADERS)
    for file in sorted({*copies, *why_not}):
        counts = Counter(item.severity for item in by_file.get(file, ()))
        copy = copies[file].resolve().relative_to(folder).as_posix() if file in copies else ""
        writer.writerow(
            [neutralise(text) for text in (file, copy, str(counts[ERROR]), str(counts[WARNING]), why_not.get(file, ""))]
        )
    write_atomic(folder / COPIES_LIST, buffer.getvalue().encode("utf-8"))


def _write_copy(task: tuple[Path, Path, tuple[Finding, ...]]) -> bool:
    """Write one feedback copy; False when it cannot be opened to mark it (it is in the report).

    Most copies are marked by editing the workbook's XML parts (`feedback_package`), in milliseconds;
    what that does not handle (a copy returned a second time, whose earlier marks come off, or a
    marked sheet with comments of its own) is loaded, marked and saved with openpyxl.
    """
    source, target, found = task
    data = source.read_bytes()
    try:
        marked = marked_package(data, found)
    except Exception:  # noqa: BLE001 - Unsupported, or a part it cannot parse: the slower way below
        marked = None
    if marked is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, marked)
        return True
    try:
        copy = open_copy(data, macros=source.suffix.lower() == ".xlsm")
    except Exception:  # noqa: BLE001 - whatever the reason, such a file gets no copy
        return False
    save(annotate(copy, found), target)
    return True


def marked_package(data: bytes, found: Sequence[Finding]) -> bytes:
    """The workbook `data` marked with `found` by editing its package; `Unsupported` when it cannot be."""
    from pipeline.check import feedback_package as package

    names = [FINDINGS_SHEET, *package.sheet_names(data)]
    marks = [
        package.CellMark(sheet, cell, mark.comment, mark.fill is ERROR_FILL)
        for (sheet, cell), mark in _marks(found).items()
    ]
    linkable = {(mark.sheet, mark.cell) for mark in marks}
    order = {name: index for index, name in enumerate(names)}
    rows = []
    for item in sorted(
        found, key=lambda item: (bool(item.sheet), order.get(item.sheet, len(order)), _cell_order(item.cell), item.rule)
    ):
        lines = max(_wrapped_lines(item.message, FINDINGS_WIDTHS[4]), _wrapped_lines(item.value, FINDINGS_WIDTHS[5]))
        rows.append(
            package.FindingsRow(
                values=(item.sheet, item.cell.upper(), item.rule, item.severity, item.message, str(item.value or "")),
                error=item.severity == ERROR,
                link=_link_target_in(names, item, linkable),
                link_column=2 if item.cell else 1,
                height=LINE_HEIGHT * lines if lines > 1 else None,
            )
        )
    sheet = package.FindingsSheet(
        name=FINDINGS_SHEET,
        title=_TITLE,
        instruction=_INSTRUCTION,
        header_row=FINDINGS_HEADER_ROW,
        headers=FINDINGS_HEADERS,
        widths=FINDINGS_WIDTHS,
        rows=tuple(rows),
    )
    colours = package.Colours(error=ERROR_FILL.fgColor.rgb, warning=WARNING_FILL.fgColor.rgb)
    return package.mark_package(data, marks, sheet, colours, COMMENT_AUTHOR)


def _replace_manifest(out_dir: Path, written: list[Path]) -> None:
    """Remove our copies of an earlier run that this run did not rewrite, then record this run's."""
    folder = out_dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / MANIFEST
    current = {path.relative_to(folder).as_posix() for path in written}
    earlier = manifest.read_text(encoding="utf-8").splitlines() if manifest.is_file() else []
    for relative in earlier:
        stale = folder / relative
        if (
            relative not in current
            and stale.suffix.lower() in READABLE_SUFFIXES
            and not stale.is_symlink()
            and stale.resolve().is_relative_to(folder)
            and stale.is_file()
        ):
            stale.unlink()
            for parent in stale.parents:
                if parent == folder or any(parent.iterdir()):
                    break
                parent.rmdir()
    text = "".join(f"{relative}\n" for relative in sorted(current))
    write_atomic(manifest, text.encode("utf-8"))


def _openable(found: Iterable[Finding], source: Path, input_dir: Path) -> bool:
    if any(item.rule in UNOPENABLE_RULES for item in found):
        return False
    if source.suffix.lower() not in READABLE_SUFFIXES or not source.is_file():
        return False
    return source.resolve().is_relative_to(input_dir.resolve())


def open_copy(data: bytes, *, macros: bool = False) -> OpenpyxlWorkbook:
    """An editable copy of a returned workbook from its bytes (the file itself is never opened for writing).

    Everything openpyxl keeps is kept: values, styles, data validations, protection, defined names,
    comments, and with `macros` the VBA project of an .xlsm.
    """
    with warnings.catch_warnings():
        # openpyxl warns of parts it does not keep (extensions, slicers...): the officer's file keeps
        # them; this message is for developers and must not reach the console.
        warnings.simplefilter("ignore")
        return load_workbook(io.BytesIO(data), keep_vba=macros, rich_text=True)


def annotate(workbook: OpenpyxlWorkbook, found: Sequence[Finding]) -> OpenpyxlWorkbook:
    """Mark `found` on `workbook` (in place): comments, fills and the Findings sheet."""
    _remove_earlier_round(workbook)
    marks = _marks(found)
    for (sheet, cell), mark in marks.items():
        if sheet in workbook.sheetnames:
            _mark_cell(workbook[sheet][_anchor(workbook[sheet], cell)], mark)
    _add_findings_sheet(workbook, found, linkable=set(marks))
    return workbook


def _marks(found: Sequence[Finding]) -> dict[tuple[str, str], _Mark]:
    """One mark per cell: all its findings in one comment, red if any of them is an error."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for item in found:
        if item.sheet and _valid_cell(item.cell):
            by_cell[(item.sheet, item.cell.upper())].append(item)
    marks = {}
    for key, items in by_cell.items():
        lines = [f"[{item.severity}] {item.rule}: {item.message}" for item in items]
        fill = ERROR_FILL if any(item.severity == ERROR for item in items) else WARNING_FILL
        marks[key] = _Mark("\n".join((_COMMENT_START, *lines, _COMMENT_END)), fill)
    return marks


def _valid_cell(cell: str) -> bool:
    try:
        column, row = coordinate_from_string(cell)
        return 1 <= row <= 1_048_576 and 1 <= column_index_from_string(column) <= 16_384
    except (ValueError, CellCoordinatesException):
        return False


def _anchor(sheet: Worksheet, cell: str) -> str:
    """The cell that holds a merged range's value and look: its top-left one."""
    for merged in sheet.merged_cells.ranges:
        if cell in merged:
            return merged.start_cell.coordinate
    return cell


def _mark_cell(cell, mark: _Mark) -> None:
    """Comment and fill one cell. Earlier rounds' marks are already gone, so a comment of ours on the
    cell is this round's (two findings in one merged range): the findings are then put together."""
    text, fill = mark.comment, mark.fill
    existing = cell.comment.text if cell.comment is not None and cell.comment.text else ""
    if existing.startswith(_COMMENT_START) and _COMMENT_END in existing:
        ours, officer = existing.split(_COMMENT_END, 1)
        text = ours + text[len(_COMMENT_START) + 1 :]
        if _rgb(cell.fill) == _rgb(ERROR_FILL):
            fill = ERROR_FILL
        existing = officer.strip()
    if existing:
        text += f"\n\n{existing}"
    cell.comment = Comment(text, COMMENT_AUTHOR, width=360, height=min(80 + 18 * text.count("\n"), 400))
    cell.fill = fill


def _officer_comment(comment: Comment | None) -> str:
    """The officer's own text of a cell comment, without an earlier round's findings."""
    if comment is None:
        return ""
    text = comment.text or ""
    if text.startswith(_COMMENT_START) and _COMMENT_END in text:
        text = text.split(_COMMENT_END, 1)[1]
    return text.strip()


def _remove_earlier_round(workbook: OpenpyxlWorkbook) -> None:
    """Take off the Findings sheet, comments and fills that an earlier feedback copy added."""
    if FINDINGS_SHEET in workbook.sheetnames and _is_ours(workbook[FINDINGS_SHEET]):
        workbook.remove(workbook[FINDINGS_SHEET])
    blank = None
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.text and cell.comment.text.startswith(_COMMENT_START):
                    earlier = _officer_comment(cell.comment)
                    cell.comment = Comment(earlier, cell.comment.author) if earlier else None
                if cell.has_style and cell.fill.fill_type == "solid" and _rgb(cell.fill) in _OUR_COLOURS:
                    if blank is None:
                        blank = build_workbook()
                    cell.fill = _template_fill(blank, sheet.title, cell.coordinate)


def _is_ours(sheet: Worksheet) -> bool:
    headers = tuple(cell.value for cell in sheet[FINDINGS_HEADER_ROW][: len(FINDINGS_HEADERS)])
    return sheet["A1"].value == _TITLE and headers == FINDINGS_HEADERS


def _rgb(fill: PatternFill) -> str:
    colour = fill.fgColor
    return colour.rgb if colour is not None and colour.type == "rgb" and isinstance(colour.rgb, str) else ""


def _template_fill(blank: OpenpyxlWorkbook, sheet: str, cell: str) -> PatternFill:
    """The fill the standard template gives this cell (none outside the template's sheets)."""
    if sheet not in blank.sheetnames:
        return PatternFill()
    return PatternFill.from_tree(blank[sheet][cell].fill.to_tree())


def _add_findings_sheet(workbook: OpenpyxlWorkbook, found: Sequence[Finding], linkable: set[tuple[str, str]]) -> None:
    sheet = workbook.create_sheet(FINDINGS_SHEET, 0)
    for other in workbook.worksheets:
        other.sheet_view.tabSelected = False  # several selected tabs would group the sheets in Excel
    workbook.active = 0
    sheet.sheet_view.tabSelected = True

    sheet["A1"] = _TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _INSTRUCTION
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(FINDINGS_HEADERS))
    sheet.row_dimensions[2].height = 60
    for column, header in enumerate(FINDINGS_HEADERS, start=1):
        cell = sheet.cell(FINDINGS_HEADER_ROW, column, header)
        cell.font = Font(bold=True)
    order = {name: index for index, name in enumerate(workbook.sheetnames)}
    rows = sorted(
        found, key=lambda item: (bool(item.sheet), order.get(item.sheet, len(order)), _cell_order(item.cell), item.rule)
    )
    for row, item in enumerate(rows, start=FINDINGS_HEADER_ROW + 1):
        values = (item.sheet, item.cell.upper(), item.rule, item.severity, item.message, item.value)
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row, column, value)
            as_text(cell)
            cell.alignment = Alignment(wrap_text=column in (5, 6), vertical="top")
        sheet.cell(row, 4).fill = ERROR_FILL if item.severity == ERROR else WARNING_FILL
        target = _link_target(workbook, item, linkable)
        if target:
            link_cell = sheet.cell(row, 2 if item.cell else 1)
            link_cell.hyperlink = Hyperlink(
                ref=link_cell.coordinate, location=target, tooltip=f"Go to {item.sheet} {item.cell}".strip()
            )
            link_cell.style = "Hyperlink"
            link_cell.alignment = Alignment(vertical="top")
    for letter, width in zip("ABCDEF", FINDINGS_WIDTHS):
        sheet.column_dimensions[letter].width = width
    for row, item in enumerate(rows, start=FINDINGS_HEADER_ROW + 1):
        # Excel does not grow a row to fit wrapped text written by a program, so each row is given the
        # height of its longest wrapped cell (the message or the value found).
        lines = max(_wrapped_lines(item.message, FINDINGS_WIDTHS[4]), _wrapped_lines(item.value, FINDINGS_WIDTHS[5]))
        if lines > 1:
            sheet.row_dimensions[row].height = LINE_HEIGHT * lines
    sheet.freeze_panes = sheet.cell(FINDINGS_HEADER_ROW + 1, 1)
    last = FINDINGS_HEADER_ROW + len(rows)
    sheet.auto_filter.ref = f"A{FINDINGS_HEADER_ROW}:F{last}"
    sheet.print_title_rows = f"{FINDINGS_HEADER_ROW}:{FINDINGS_HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


#: Widths of the Findings sheet's columns (characters) and the height of one line of text (points).
FINDINGS_WIDTHS = (14, 8, 24, 10, 80, 30)
LINE_HEIGHT = 15


def _wrapped_lines(text: str, width: int) -> int:
    """How many lines `text` takes wrapped in a column `width` characters wide (a little narrower, as
    proportional letters are not all one width)."""
    import textwrap

    usable = max(1, int(width * 0.95) - 1)
    return sum(max(1, len(textwrap.wrap(line, usable))) for line in (str(text or "").splitlines() or [""]))


def _cell_order(cell: str) -> tuple[int, int]:
    if not _valid_cell(cell):
        return (0, 0)
    column, row = coordinate_from_string(cell)
    return (row, column_index_from_string(column))


def _link_target(workbook: OpenpyxlWorkbook, item: Finding, linkable: set[tuple[str, str]]) -> str:
    return _link_target_in(workbook.sheetnames, item, linkable)


def _link_target_in(sheetnames: Sequence[str], item: Finding, linkable: set[tuple[str, str]]) -> str:
    """`'Sheet'!B5`, or the sheet's A1 for a sheet-level finding; '' when there is nowhere to go."""
    if not item.sheet or item.sheet not in sheetnames or item.sheet == FINDINGS_SHEET:
        return ""
    cell = item.cell.upper() if (item.sheet, item.cell.upper()) in linkable else "A1"
    quoted = item.sheet.replace("'", "''")
    return f"'{quoted}'!{cell}"
