"""Feedback copies: each returned workbook with its findings marked, to send back to its officer.

A copy gets, for every finding on a cell, a comment on that cell (rule code and what to do) and a
red (error) or amber (warning) fill; and a new first sheet "Findings" listing every finding of the
workbook, with a link to its cell. Everything else is the officer's workbook as it was, so the copy
can be corrected and returned: answers, dropdowns, input messages, protection and macros (.xlsm).

The originals are only ever read. A returned copy may come back through the review again; the marks
of the earlier round (our Findings sheet, our comments, our fills) are taken off before the new ones
are made, so a corrected cell is no longer shown as wrong, and an officer's own comment on a marked
cell is kept below ours. Every copy is made by editing the workbook's XML parts (`feedback_package`:
a few milliseconds, every other part kept byte for byte), never by loading and saving it whole; the
same return and findings give the same bytes.
"""

from __future__ import annotations

import dataclasses

import functools
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from pipeline.check.validation_report import neutralise
from pipeline.files.atomic import write_atomic
from pipeline.files.names import FEEDBACK_COPIES_LIST, FEEDBACK_MANIFEST, UniqueNames, mirrored_path
from pipeline.files.xlsx_package import Unsupported, split_cell
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

# Distinct from every fill of the template, so the next round can recognise and remove them (ARGB).
ERROR_COLOUR = "FFF4A6A6"
WARNING_COLOUR = "FFFFD27F"

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
    """What one cell gets: its comment text, and a red fill (an error) or an amber one."""

    comment: str
    error: bool


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
    """Write one feedback copy; False when it cannot be opened to mark it (it is in the report)."""
    source, target, found = task
    try:
        marked = marked_package(source.read_bytes(), found)
    except Exception:  # noqa: BLE001 - whatever the reason (a part that cannot be parsed...), no copy
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, marked)
    return True


def marked_package(data: bytes, found: Sequence[Finding]) -> bytes:
    """The workbook `data` marked with `found` by editing its package; `Unsupported` when it cannot be."""
    from pipeline.check import feedback_package as package

    from pipeline.read.workbook import standard_names

    in_book = package.sheet_names(data)
    names = [FINDINGS_SHEET, *in_book]
    # A finding names a sheet by its standard name; the workbook's may differ in case or spaces.
    actual = standard_names(in_book)
    found = [dataclasses.replace(item, sheet=actual.get(item.sheet, item.sheet)) for item in found]
    marks = [package.CellMark(sheet, cell, mark.comment, mark.error) for (sheet, cell), mark in _marks(found).items()]
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
    ours = package.Ours(
        error_colour=ERROR_COLOUR,
        warning_colour=WARNING_COLOUR,
        author=COMMENT_AUTHOR,
        comment_start=_COMMENT_START,
        comment_end=_COMMENT_END,
        template_fill=_template_fill,
    )
    return package.mark_package(data, marks, sheet, ours, named={item.sheet for item in found if item.sheet})


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


def _marks(found: Sequence[Finding]) -> dict[tuple[str, str], _Mark]:
    """One mark per cell: all its findings in one comment, red if any of them is an error."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for item in found:
        if item.sheet and _valid_cell(item.cell):
            by_cell[(item.sheet, item.cell.upper())].append(item)
    marks = {}
    for key, items in by_cell.items():
        lines = [f"[{item.severity}] {item.rule}: {item.message}" for item in items]
        error = any(item.severity == ERROR for item in items)
        marks[key] = _Mark("\n".join((_COMMENT_START, *lines, _COMMENT_END)), error)
    return marks


def _cell_position(cell: str) -> tuple[int, int] | None:
    """(row, column) of an A1 reference within a sheet's bounds, else None."""
    try:
        row, column = split_cell(cell.upper())
    except Unsupported:
        return None
    return (row, column) if 1 <= row <= 1_048_576 and 1 <= column <= 16_384 else None


def _valid_cell(cell: str) -> bool:
    return _cell_position(cell) is not None


@functools.lru_cache(maxsize=1)  # built once a process, and only for a copy returned with our fills
def _blank_template():
    from pipeline.cycle.template import build_workbook

    return build_workbook()


@functools.lru_cache(maxsize=None)
def _template_fill(sheet: str, cell: str) -> str:
    """The fill the standard template gives this cell (none outside the template's sheets), as XML."""
    from openpyxl.styles import PatternFill
    from openpyxl.xml.functions import tostring

    blank = _blank_template()
    fill = blank[sheet][cell].fill if sheet in blank.sheetnames and _valid_cell(cell) else PatternFill()
    return tostring(fill.to_tree()).decode("utf-8")


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
    return _cell_position(cell) or (0, 0)


def _link_target_in(sheetnames: Sequence[str], item: Finding, linkable: set[tuple[str, str]]) -> str:
    """`'Sheet'!B5`, or the sheet's A1 for a sheet-level finding; '' when there is nowhere to go."""
    if not item.sheet or item.sheet not in sheetnames or item.sheet == FINDINGS_SHEET:
        return ""
    cell = item.cell.upper() if (item.sheet, item.cell.upper()) in linkable else "A1"
    quoted = item.sheet.replace("'", "''")
    return f"'{quoted}'!{cell}"
