"""New workbooks of rows (the validation report, register.xlsx) written with XlsxWriter.

XlsxWriter streams a workbook out in one pass, several times faster than building it cell by cell in
openpyxl; it is used for the workbooks this tool writes from nothing. (The template and the demo set
are still built with openpyxl, `files.xlsx`, whose reader and writer they share.)

Reproducible: the document's created time is fixed, which XlsxWriter also uses for every zip member,
so equal rows give equal bytes. The document properties declare the review's language (`LANGUAGE`),
which XlsxWriter's `set_properties` cannot: it is added to the finished file (`_with_language`). Atomic: the file appears under its name only once complete. Text is
always written as text, never as a formula, a number or a link, and text a spreadsheet would read as
a formula (`=`, `+`, `-`, `@`, tab, CR) gets Excel's hidden quote prefix, so editing the cell does not
run it either: officer text is shown exactly as typed. Each table of rows is an Excel table
(`Sheets.table`), whose header row names the column of every cell, for a screen reader and a filter.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from pipeline.files.atomic import write_atomic
from pipeline.formats import LANGUAGE

# Fixed so that the same content always gives the same bytes (the committed template is checked
# against a fresh build, and audit re-runs a year expecting identical files); files.xlsx uses it too.
FIXED_TIMESTAMP = dt.datetime(2026, 1, 1, 0, 0, 0)
#: The category in the document properties of every workbook written here: how the reader knows one of
#: this tool's outputs dropped among the returns (`pipeline.read.workbook`).
OUTPUT_CATEGORY = "Partnership review output"
#: Where XlsxWriter's document properties end (docProps/core.xml), the language going before it.
_CORE_END = b"</cp:coreProperties>"
#: The characters a spreadsheet reads as the start of a formula (or that hide one, tab and CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Characters XML 1.0 cannot hold (as openpyxl's ILLEGAL_CHARACTERS_RE): dropped from text.
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
#: The look of every Excel table written here, and its header row's cells (bold, wrapped, at the top).
TABLE_STYLE = "Table Style Medium 2"
_HEADING = {"bold": True, "text_wrap": True, "valign": "top"}
_OPTIONS = {
    "in_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": True,
}


@contextmanager
def new_workbook(path: Path, *, title: str, keywords: str = "") -> Iterator["Sheets"]:
    """A workbook to fill, written to `path` (atomically, reproducibly) when the block ends without error;
    `title` and `keywords` are its document properties, with its language."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, _OPTIONS)
    properties = {
        "title": title,
        "author": "Partnership review",
        "category": OUTPUT_CATEGORY,
        "created": FIXED_TIMESTAMP,
    }
    if keywords:
        properties["keywords"] = keywords
    book.set_properties(properties)
    book.set_calc_mode("auto")
    yield Sheets(book)
    book.close()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, _with_language(buffer.getvalue()))


def _with_language(data: bytes) -> bytes:
    """The workbook XlsxWriter wrote, its document properties (docProps/core.xml, which XlsxWriter writes
    with no language) declaring `LANGUAGE`; every member keeps its name, order, time and compression.
    Edited as text, not parsed: the part is XlsxWriter's own, and validate does without an XML library."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "docProps/core.xml":
                part = part.replace(_CORE_END, f"<dc:language>{LANGUAGE}</dc:language>".encode() + _CORE_END, 1)
            archive.writestr(info, part)
    return out.getvalue()


class Sheets:
    """A workbook being written: its sheets, and one cell format per combination of properties."""

    def __init__(self, book) -> None:
        self.book = book
        self._formats: dict[tuple, Any] = {}
        self._lines: dict[tuple[str, int], int] = {}  # (sheet, row): the most lines a cell of it holds
        self._widths: dict[tuple[str, int], float] = {}  # (sheet, column): its width, in characters

    def add(self, name: str):
        return self.book.add_worksheet(name)

    def table(self, sheet, first_row: int, name: str, headers: Sequence[str], rows: int, *, title: str = "") -> int:
        """Declare `sheet`'s rows from `first_row` (0-based) an Excel table named `name`, its header row
        `headers` (written here), then `rows` rows, whose cells the caller writes; with none, one blank row,
        as Excel needs one (as it makes a table of a header alone). `title` is the table's alternative
        text. Excel and screen readers then name each cell's column. Returns the table's last row."""
        last_row = first_row + max(rows, 1)
        options = {
            "name": name,
            "style": TABLE_STYLE,
            "columns": [{"header": header, "header_format": self.format(**_HEADING)} for header in headers],
        }
        if title:
            options["title"] = title
        if sheet.add_table(first_row, 0, last_row, len(headers) - 1, options) != 0:
            # XlsxWriter only warns (a repeated header, a name Excel refuses) and leaves the table out.
            raise ValueError(f"table {name!r} with headers {list(headers)} is not one Excel accepts")
        return last_row

    def table_sheet(self, name: str, table: str, headers: Sequence[str], rows: int, *, frozen_columns: int = 0):
        """A sheet `name` of one table from A1 (`table`), whose header row stays in view when scrolling
        (with the first `frozen_columns` columns) and heads every printed page."""
        sheet = self.add(name)
        self.table(sheet, 0, table, headers, rows)
        sheet.freeze_panes(1, frozen_columns)
        sheet.repeat_rows(0)
        return sheet

    def set_width(self, sheet, column: int, width: float) -> None:
        """Give `column` (0-based) of `sheet` a width of `width` characters, before its cells are written:
        a cell holding lines of text is given a row as tall as they run to at that width."""
        sheet.set_column(column, column, width)
        self._widths[sheet.name, column] = width

    def format(self, **properties: Any):
        """The format with these properties (None when there are none), made once per workbook."""
        if not properties:
            return None
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self.book.add_format(dict(properties))
        return self._formats[key]

    def write(self, sheet, row: int, column: int, value: object, **properties: Any) -> None:
        """Write one cell (0-based row and column): text as text, dates with `date_format`, numbers."""
        if isinstance(value, str) and not value:  # blank text is an empty cell, as `write_text_rows` leaves it
            value = None
        if isinstance(value, str):
            text = _legal(value)
            if text.startswith(FORMULA_STARTS):
                properties = {**properties, "quote_prefix": True}
            if "\n" in text:
                properties = {**properties, **_OVER_LINES}
                width = self._widths.get((sheet.name, column), _DEFAULT_WIDTH)
                self._fit_lines(sheet, row, sum(max(1, math.ceil(len(line) / width)) for line in text.split("\n")))
            sheet.write_string(row, column, text, self.format(**properties) if properties else None)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value, self.format(**properties))
        elif isinstance(value, (dt.date, dt.datetime)):
            sheet.write_datetime(row, column, value, self.format(**properties))
        elif isinstance(value, (int, float)):
            sheet.write_number(row, column, value, self.format(**properties))
        elif value is None:
            if properties:
                sheet.write_blank(row, column, None, self.format(**properties))
        else:
            self.write(sheet, row, column, str(value), **properties)

    def _fit_lines(self, sheet, row: int, lines: int) -> None:
        """Make `row` tall enough for `lines` lines of text (each of the cell's lines, wrapped at its
        column's width, by its count of characters): LibreOffice keeps a row at one line's height when it
        opens the file, showing a wrapped cell's last line over the row above."""
        key = (sheet.name, row)
        if lines > self._lines.get(key, 1):
            self._lines[key] = lines
            sheet.set_row(row, lines * _LINE_HEIGHT)

    def write_row(self, sheet, row: int, values: Sequence[object], **properties: Any) -> None:
        for column, value in enumerate(values):
            self.write(sheet, row, column, value, **properties)

    def write_text_rows(
        self, sheet, first_row: int, rows: Iterable[Sequence[str]], column_properties: Mapping[int, dict] | None = None
    ) -> None:
        """Rows of text from `first_row` on, each cell as `write` writes text (a blank one left empty),
        each column with its `column_properties`: the same cells as `write` gives them one by one, for
        the thousands of rows of a report, with each column's formats looked up once."""
        properties = column_properties or {}
        plain = {column: self.format(**properties[column]) for column in properties}
        quoted = {}  # the formats with Excel's quote prefix, made when a column first needs one
        write_string = sheet.write_string
        for row, values in enumerate(rows, start=first_row):
            for column, value in enumerate(values):
                if not value:
                    if column in plain:
                        sheet.write_blank(row, column, None, plain[column])
                    continue
                text = _legal(value)
                if text.startswith(FORMULA_STARTS):
                    if column not in quoted:
                        quoted[column] = self.format(**properties.get(column, {}), quote_prefix=True)
                    write_string(row, column, text, quoted[column])
                else:
                    write_string(row, column, text, plain.get(column))


#: An answer written over lines: Excel shows them only in a wrapped cell, and from its first line down.
_OVER_LINES = {"text_wrap": True, "valign": "top"}
#: A line's height in points at the workbook's default font (Calibri 11, as Excel's own default row).
_LINE_HEIGHT = 15
#: A column's width, in characters, when it is not given one (Excel's own default).
_DEFAULT_WIDTH = 8.43


def _legal(text: str) -> str:
    """`text` without the characters XML cannot hold (most text has none to drop)."""
    return text if text.isprintable() else _ILLEGAL.sub("", text)
