"""One returned file -> a `Workbook` of typed records stamped with their Excel rows, or its finding.

Loading never raises for a bad file. The file's bytes are read once (the SHA-256 is of the very bytes
checked and read), pre-flighted (`pipeline.read.preflight`), and only then handed to
python-calamine; that read too is wrapped so that any exception becomes `file.unreadable`, and a
cell longer than Excel allows is refused. Every answer is found by sheet, header and row, as the
catalogue lays the sheets out; the template version is checked from the workbook's defined name.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import re
import signal
import time
import zipfile
from pathlib import Path
from typing import Sequence

from pipeline import catalogue, values
from pipeline.catalogue import Kind, SheetLayout
from pipeline.config import Config, Limits
from pipeline.formats import rounded
from pipeline.findings import Finding, RuleCode, finding
from pipeline.read import table_rows
from pipeline.read.folder import relative_name
from pipeline.cycle import DEMO_KEYWORDS
from pipeline.files.fast_xlsx import OUTPUT_CATEGORY
from pipeline.files.formulas import moved
from pipeline.read.preflight import (
    CORE_PROPERTIES,
    TOO_SLOW,
    Package,
    Refused,
    check_time,
    elements,
    megabytes,
    preflight,
    too_large,
)
from pipeline.records import (
    ChecklistRow,
    IgnoredFile,
    ImprovementRow,
    ObjectiveRow,
    RegisterValue,
    RiskRow,
    Value,
    Workbook,
)

#: The most characters Excel (and LibreOffice) let a cell hold.
EXCEL_MAX_CELL_TEXT = 32_767
_CHUNK = 1 << 16

# --- One file --------------------------------------------------------------------------------------


def load_workbook_file(path: Path, input_dir: Path, config: Config) -> Workbook | IgnoredFile:
    """Read one returned file into a Workbook; a bad file gives a Workbook holding its finding, and one of
    this tool's own outputs (a register.xlsx or validation report dropped among the returns) is ignored."""
    name = relative_name(Path(path), Path(input_dir))
    limits = config.limits
    try:
        size = Path(path).stat().st_size
        if size > limits.max_file_bytes:
            digest = _hash_file(Path(path))
            return _refused(
                name,
                digest,
                size,
                RuleCode.FILE_TOO_LARGE,
                reason=too_large(f"{megabytes(size)} on disk; the limit is {megabytes(limits.max_file_bytes)}"),
            )
        data = _read_capped(Path(path), limits.max_file_bytes)
    except OSError as error:
        return Workbook(
            file=name,
            sha256="",
            size=0,
            findings=(
                finding(
                    RuleCode.FILE_UNREADABLE, file=name, reason=f"the file cannot be opened: {error.strerror or error}"
                ),
            ),
        )
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > limits.max_file_bytes:  # grew while being read
        return _refused(
            name,
            digest,
            len(data),
            RuleCode.FILE_TOO_LARGE,
            reason=too_large(f"over {megabytes(limits.max_file_bytes)} on disk"),
        )
    own = _own_text_output(data) if Path(path).suffix.lower() == ".csv" else ""
    if own:
        return IgnoredFile(name, f"an output of this tool ({own}), not a return")
    try:
        deadline = time.monotonic() + limits.load_timeout_seconds
        package = preflight(data, Path(path).suffix.lower(), limits, deadline)
        properties = _properties(package)
        if properties.get("category") == OUTPUT_CATEGORY:
            output = properties.get("title", "")
            return IgnoredFile(name, f"an output of this tool{f' ({output})' if output else ''}, not a return")
        workbook = read_workbook(data, name, digest, deadline, package=package)
        return dataclasses.replace(workbook, demo=True) if properties.get("keywords") == DEMO_KEYWORDS else workbook
    except Refused as refusal:
        return _refused(name, digest, len(data), refusal.rule, **refusal.fields)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - a reader's panic is a finding, not a crash
        return _refused(name, digest, len(data), RuleCode.FILE_UNREADABLE, reason=_describe(error))


def _own_text_output(data: bytes) -> str:
    """Which of this tool's own CSV files `data` is, told by its header row ('' for any other): one
    copied among the returns is an output, not a return in the wrong format."""
    from pipeline.check.feedback import COPIES_HEADERS, COPIES_LIST
    from pipeline.check.validation_report import CSV_NAME
    from pipeline.findings import FINDING_COLUMNS
    from pipeline.pack.tables import ANSWER_COLUMNS, ANSWERS_FILE

    first = data.split(b"\n", 1)[0].strip().decode("utf-8", "replace").lstrip("\ufeff")
    headers = {CSV_NAME: FINDING_COLUMNS, ANSWERS_FILE: ANSWER_COLUMNS, COPIES_LIST: COPIES_HEADERS}
    return next((file for file, columns in headers.items() if first == ",".join(columns)), "")


def _properties(package: Package) -> dict[str, str]:
    """The document properties this tool writes and reads back: `category` (`OUTPUT_CATEGORY` on a
    workbook it wrote), `title`, and `keywords` (`DEMO_KEYWORDS` on a demo workbook)."""
    xml = package.xml.get(CORE_PROPERTIES)
    if not xml:
        return {}
    try:
        return {name: text.strip() for name, _, text in elements(xml, ("category", "title", "keywords"))}
    except SyntaxError:  # ElementTree.ParseError: not this tool's, which writes well-formed XML
        return {}


def _refused(name: str, digest: str, size: int, rule: str, **fields: str) -> Workbook:
    if "format" in fields:
        fields = {**fields, "format": with_article(fields["format"])}
    return Workbook(file=name, sha256=digest, size=size, findings=(finding(rule, file=name, **fields),))


def with_article(name: str) -> str:
    """'an OpenDocument ...', 'a legacy Excel ...': the format's name as a sentence says it."""
    return f"{'an' if name[:1].upper() in 'AEIOU' else 'a'} {name}"


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_capped(path: Path, limit: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(limit + 1)


def _describe(error: BaseException) -> str:
    """Why the reader failed, in an officer's words: never the library's own text (it is for developers,
    and says things like "CalamineError: Cannot detect file format")."""
    return "its content could not be read: it is damaged, or was not saved as a workbook by Excel or LibreOffice"


#: The exit codes of a reader stopped by the system for its time (past its processor time, SIGXCPU; or
#: killed, SIGKILL), where the system has those signals (Windows has neither).
_STOPPED_FOR_TIME = tuple(-getattr(signal, name) for name in ("SIGXCPU", "SIGKILL") if hasattr(signal, name))


def stopped_reader(path: Path, input_dir: Path, code: int) -> Workbook:
    """The finding of a file whose reader process died (`code` is its exit code)."""
    name = relative_name(path, input_dir)
    try:
        size, digest = path.stat().st_size, _hash_file(path)
    except OSError:
        size, digest = 0, ""
    if code in _STOPPED_FOR_TIME:
        return _refused(name, digest, size, RuleCode.FILE_TOO_LARGE, reason=TOO_SLOW)
    return _refused(
        name,
        digest,
        size,
        RuleCode.FILE_UNREADABLE,
        reason=(
            f"the reader stopped on it ({_signal_name(code)}), for example for want of memory: "
            "the file is damaged or not a plain workbook"
        ),
    )


def _signal_name(code: int) -> str:
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


# --- Reading a pre-flighted workbook ---------------------------------------------------------------


class _Sheet:
    """A sheet's values by Excel row and column (1-based), as `_cell` reads them; cells outside the data
    read as blank."""

    def __init__(self, rows: list[list[Value]]) -> None:
        self.rows = rows

    def get(self, row: int, column: int, lines: bool = False) -> Value:
        """A cell's value, a long answer's lines kept with `lines`."""
        if 0 < row <= len(self.rows):
            cells = self.rows[row - 1]
            if 0 < column <= len(cells):
                return _cell(cells[column - 1], lines)
        return None

    def listed(self, row: int, column: int) -> Value:
        """A list's cell, each of its lines an entry: officers put one entry to a line (Alt+Enter) as
        often as they separate entries with `catalogue.LIST_SEPARATOR`, and cleaning would run the
        lines together."""
        value = self.get(row, column)  # checked and cleaned as any cell is
        raw = self.rows[row - 1][column - 1] if value is not None else None
        if not isinstance(raw, str) or ("\n" not in raw and "\r" not in raw):
            return value
        lines = (
            _BULLET.sub("", values.clean_text(line)).strip(f" {catalogue.LIST_SEPARATOR}") for line in raw.splitlines()
        )
        return f"{catalogue.LIST_SEPARATOR} ".join(line for line in lines if line) or None

    def cells(self, row: int, columns: tuple[int, ...], lines: tuple[int, ...] = ()) -> list[Value]:
        """The cells of `row` in `columns`, in that order; those of the columns in `lines` (long answers)
        with their lines kept."""
        cells = self.rows[row - 1] if 0 < row <= len(self.rows) else ()
        return [_cell(cells[column - 1], column in lines) if 0 < column <= len(cells) else None for column in columns]

    def put(self, reference: str, value: str) -> None:
        """`value` in the cell at `reference` ('D2'), in place of what the reader gave."""
        letters = reference.rstrip("0123456789")
        row, column = int(reference[len(letters) :]), catalogue.column_number(letters)
        while len(self.rows) < row:
            self.rows.append([])
        cells = self.rows[row - 1]
        cells.extend([None] * (column - len(cells)))
        cells[column - 1] = value

    @property
    def last_row(self) -> int:
        return len(self.rows)


def _cell(raw: Value, lines: bool = False) -> Value:
    """A cell's value cleaned (`values.clean`, a long answer's lines kept with `lines`); a whole number
    as the int it was typed as (calamine gives every number as a float)."""
    kind = type(raw)
    if kind is str:
        if not raw:
            return None  # most blank cells: nothing to clean
        if len(raw) > EXCEL_MAX_CELL_TEXT:
            # Excel cannot hold such a cell, so the file was not saved by Excel or LibreOffice;
            # reading on would carry megabytes of text into every finding and output.
            raise Refused(
                RuleCode.FILE_TOO_LARGE,
                reason=(
                    f"A cell holds {len(raw):,} characters, but a workbook cell holds at most "
                    f"{EXCEL_MAX_CELL_TEXT:,}: the file was not saved by Excel or LibreOffice"
                ),
            )
        return values.clean_text(raw, lines) or None
    if kind is float and raw.is_integer():
        return int(raw)
    return values.clean(raw)


def _columns(layout: SheetLayout, headers: tuple[str, ...]) -> tuple[int, ...]:
    """The column numbers of `headers` in a sheet laid out as `layout`."""
    return tuple(layout.headers.index(header) + 1 for header in headers)


def _long_columns(layout: SheetLayout) -> tuple[int, ...]:
    """The column numbers of the long answers of `layout`, read with their lines kept."""
    return _columns(layout, layout.long_answers)


def read_workbook(
    data: bytes, name: str, digest: str, deadline: float | None = None, *, package: Package | None = None
) -> Workbook:
    """Records of a workbook, with the template and layout findings. `package` is what pre-flight
    gave for `data` (pre-flighted here, with the default limits, when not given)."""
    if package is None:
        package = preflight(data, ".xlsx", Limits(), deadline)
    book = _WorkbookPart(package)
    found: list[Finding] = []
    version_text = book.defined_name(catalogue.TEMPLATE_VERSION_NAME)
    reference = _REFERENCE.match(version_text.strip()) if version_text is not None else None
    # The Guide is read only when the version is a reference to one of its cells: nothing else is on it.
    wanted = [
        sheet
        for sheet in catalogue.required_sheets()
        if sheet != catalogue.GUIDE_SHEET or (reference and reference["sheet"] == sheet)
    ]
    try:
        present, sheets = _read_sheets(data, wanted, deadline)
    except BaseException as error:  # noqa: BLE001 - python-calamine raises PanicException (a BaseException)
        if type(error).__name__ != "PanicException":
            raise
        # The Rust date library panics on a number far outside any date (say 1E+300 typed in a date
        # cell). Read such numbers as the text Excel shows, so the rules report them at their cell.
        present, sheets = _read_sheets(_huge_numbers_as_text(data, package), wanted, deadline)
    for (sheet_name, reference_), error in book.error_cells(tuple(sheets)).items():
        sheets[sheet_name].put(reference_, error)  # the reader gives an error as a blank cell
    version, version_findings = _check_template_version(version_text, reference, name, sheets)
    if version_findings:
        # Not made from the template (or from an unknown version): that is the one thing to say; its
        # sheets are not the template's, so their absence or layout says nothing more. The register is
        # read only to name the partnership, if it can be.
        register = (
            _read_register(sheets[catalogue.REGISTER.name], name, [], catalogue.TEMPLATE_VERSION)
            if catalogue.REGISTER.name in sheets
            else {}
        )
        workbook = Workbook(file=name, sha256=digest, size=len(data), register=register)
        return dataclasses.replace(
            workbook,
            register={},
            findings=tuple(
                dataclasses.replace(item, partnership_id=workbook.partnership_id) for item in version_findings
            ),
        )
    missing = [sheet_name for sheet_name in catalogue.required_sheets(version) if sheet_name not in present]
    renamed = _renamed(missing, present - set(catalogue.required_sheets(version)))
    for sheet_name in missing:
        fields = {}
        if sheet_name in renamed:
            fields["fix"] = (
                f"A sheet named '{renamed[sheet_name]}' is there instead{_how_it_differs(renamed[sheet_name], sheet_name)}:"
                f" give it back its name, '{sheet_name}'."
            )
        found.append(finding(RuleCode.SHEET_MISSING, file=name, sheet=sheet_name, **fields))
    for copy, original in _copies(present, catalogue.required_sheets(version)):
        found.append(finding(RuleCode.SHEET_COPY, file=name, sheet=copy, original=original))
    if version < catalogue.TEMPLATE_VERSION:
        found.append(
            finding(
                RuleCode.TEMPLATE_PREVIOUS_VERSION,
                file=name,
                sheet=catalogue.GUIDE_SHEET,
                value=version,
                version=version,
            )
        )

    register: dict[str, RegisterValue] = {}
    checklist: tuple[ChecklistRow, ...] = ()
    improvement: tuple[ImprovementRow, ...] = ()
    risks: tuple[RiskRow, ...] = ()
    objectives: tuple[ObjectiveRow, ...] = ()
    objectives_list = ""
    if catalogue.REGISTER.name in sheets:
        register = _read_register(
            sheets[catalogue.REGISTER.name], name, found, version or catalogue.TEMPLATE_VERSION, book=book
        )
    if version >= 2 and catalogue.OBJECTIVES_SHEET.name in sheets:
        objectives = _read_objectives(sheets[catalogue.OBJECTIVES_SHEET.name], name, found)
        objectives_list = values.text(book.defined_name(catalogue.OBJECTIVES_LIST_NAME)).strip('="')
    if catalogue.CHECKLIST.name in sheets:
        checklist = _read_checklist(sheets[catalogue.CHECKLIST.name], name, found)
    if catalogue.IMPROVEMENT.name in sheets:
        improvement = _read_improvement(sheets[catalogue.IMPROVEMENT.name], name, found)
    if catalogue.RISKS_SHEET.name in sheets:
        risks = _read_risks(sheets[catalogue.RISKS_SHEET.name], name, found)
    read = {
        catalogue.REGISTER.name: register.values(),
        catalogue.OBJECTIVES_SHEET.name: objectives,
        catalogue.CHECKLIST.name: checklist,
        catalogue.IMPROVEMENT.name: improvement,
        catalogue.RISKS_SHEET.name: risks,
    }
    for layout in catalogue.ANSWER_LAYOUTS:
        if layout.name in sheets:
            rows, sheet = {item.row for item in read[layout.name]}, sheets[layout.name]
            # A merged cell left blank hides nothing typed (an area answered Yes, its action cells merged).
            typed = [cells for cells in book.merged_ranges(layout.name) if sheet.get(cells[0], cells[1]) is not None]
            for slip in table_rows.merged(typed, layout, rows):
                found.append(
                    finding(slip.rule, file=name, sheet=layout.name, cell=slip.cell, value=slip.value, **slip.fields)
                )

    workbook = Workbook(
        file=name,
        sha256=digest,
        size=len(data),
        register=register,
        checklist=checklist,
        improvement=improvement,
        risks=risks,
        template_version=version,
        objectives=objectives,
        objectives_list=objectives_list,
        formulas=book.formula_cells((catalogue.REGISTER.name, catalogue.IMPROVEMENT.name)),
    )
    if workbook.out_of_scope:
        # Not a partnership: a review sheet missing or out of shape stops nothing, as nothing is read from it.
        found = [item for item in found if not (item.sheet in catalogue.REVIEW_SHEETS and item.rule in _LAYOUT_RULES)]
    pid = workbook.partnership_id
    return dataclasses.replace(
        workbook, findings=tuple(dataclasses.replace(item, partnership_id=pid) for item in found)
    )


#: The findings on a sheet's shape, which an entry out of scope is not asked about on the review's sheets.
_LAYOUT_RULES = (
    RuleCode.SHEET_MISSING,
    RuleCode.SHEET_LAYOUT,
    RuleCode.SHEET_ROWS_MOVED,
    RuleCode.SHEET_MERGED_CELLS,
)


#: A formula's tag, without and with a namespace prefix: searched first, each from its literal start.
_FORMULA_TAG, _PREFIXED_FORMULA_TAG = re.compile(rb"<f\b"), re.compile(rb":f\b")
_FORMULA_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]{1,7})"[^>]*>\s*'
    rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>([^<]*)<)"
)
#: A shared formula's group (Excel saves a formula filled down as one, its text in the first cell only).
_SHARED_INDEX = re.compile(rb'\bt="shared"[^>]*?\bsi="(\d+)"|\bsi="(\d+)"[^>]*?\bt="shared"')


#: A cell with its value, and the type that marks an error value ('#N/A'), whatever the attributes' order.
_ERROR_CELL = re.compile(
    rb'<(?:\w+:)?c\b([^>]*?\br="([A-Z]{1,3}[0-9]{1,7})"[^>]*?)(?<!/)>(?:(?!</(?:\w+:)?c>).)*?'
    rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>",
    re.S,
)  # an empty cell as Excel writes it, <c r="C4" s="12"/>, is no start of a cell with a value
_ERROR_TYPE = re.compile(rb'\bt="e"')
#: A merged range's element in a sheet part: <mergeCell ref="D2:D4"/>.
_MERGED_RANGE = re.compile(
    rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="\$?([A-Z]{1,3})\$?([0-9]{1,7}):\$?([A-Z]{1,3})\$?([0-9]{1,7})"'
)


#: Excel's built-in percent formats: 9 is '0%', 10 is '0.00%'.
_BUILT_IN_PERCENTS = {9: 0, 10: 2}
_BUILT_IN_PERCENT = re.compile(rb'numFmtId="(?:9|10)"')
#: Signs of a currency not pounds, in a number format: '[$€-1]', '"$"#,##0', '[$USD]', '¥'.
_CURRENCY_TAG = re.compile(r"\[\$([^\]-]+)[^\]]*\]")  # '[$€-1]'; '[$-809]' is a locale alone
_CURRENCY_SIGN = re.compile("[$\u20ac\u00a5]")
#: A currency written by its code as text in a format: '#,##0.00 "EUR"', '"USD "#,##0'.
_QUOTED_CODE = re.compile(r'"\s*([A-Za-z]{3})\s*"')
_CURRENCY_CODES = frozenset("EUR USD JPY CHF AUD CAD NZD CNY HKD SGD INR ZAR SEK NOK DKK PLN CZK HUF".split())
#: What marks a styles part as holding a format that would change a figure's meaning, for a fast look:
#: one pattern, so that the part is searched once, not once for each mark.
_MEANING_MARKS = (
    b"%",
    b"$",
    "\u20ac".encode(),
    "\u00a5".encode(),
    *(code.encode() for code in sorted(_CURRENCY_CODES)),
)
_MEANING_MARK = re.compile(b"|".join(re.escape(mark) for mark in _MEANING_MARKS))


def _meaning_formats(styles: bytes) -> dict[int, tuple[str, str, int]]:
    """The cell formats (their index, a cell's `s`) of a styles part that show a figure as a percentage
    or in a currency not pounds, each as (prefix, suffix, decimal places) to show it as Excel does:
    ('', '%', 0) for '0%', ('€', '', 2) for '[$€-1] #,##0.00'. The part passed pre-flight (no
    declaration), so the standard parser reads it."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(styles)
    except ElementTree.ParseError:
        return {}  # the reader says what is wrong with the file, if anything
    spaced = root.tag.partition("}")[0] + "}" if root.tag.startswith("{") else ""
    meanings = {number: ("", "%", places) for number, places in _BUILT_IN_PERCENTS.items()}
    for item in root.iterfind(f"{spaced}numFmts/{spaced}numFmt"):
        code, number = item.get("formatCode", "").split(";")[0], item.get("numFmtId", "")
        if not number.isdigit() or "\u00a3" in code or "GBP" in code.upper():
            continue  # pounds ('£', or Excel's '[$GBP] #,##0.00'), or not a format a cell can name
        places = code.partition(".")[2]
        places = len(places) - len(places.lstrip("0#"))
        bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
        tag, sign = _CURRENCY_TAG.search(code), _CURRENCY_SIGN.search(re.sub(r"\[[^\]]*\]", "", code))
        currency = tag.group(1) if tag else sign.group(0) if sign else None
        code_said = next(
            (found for found in _QUOTED_CODE.finditer(code) if found.group(1).upper() in _CURRENCY_CODES), None
        )
        if "%" in bare:
            meanings[int(number)] = ("", "%", places)
        elif currency and currency.strip():
            meanings[int(number)] = (currency.strip(), "", places)
        elif code_said:  # the code as written, before the figure or after it, as Excel shows it
            written = code_said.group(0).strip('"')
            digits = re.search(r"[0#]", code)
            if digits is None or code_said.start() < digits.start():
                meanings[int(number)] = (
                    written + code[code_said.end() : digits.start() if digits else None].strip("\\"),
                    "",
                    places,
                )
            else:
                meanings[int(number)] = (
                    "",
                    re.sub(r"[0#,.]", "", code[digits.start() : code_said.start()]) + written,
                    places,
                )
    found = {}
    for index, xf in enumerate(root.iterfind(f"{spaced}cellXfs/{spaced}xf")):
        number = xf.get("numFmtId", "0")
        if number.isdigit() and int(number) in meanings:
            found[index] = meanings[int(number)]
    return found


class _WorkbookPart:
    """The workbook part of a pre-flighted package, parsed once: its defined names and which part holds
    each sheet; and the formulas of sheets, from the sheet parts pre-flight kept (the reader gives only
    values)."""

    def __init__(self, package: Package) -> None:
        self.package = package
        self.names: list[tuple[str, bool, str]] = []  # (name, workbook-level, text)
        self.sheet_parts: dict[str, str] = {}
        self._standard: dict[str, str] | None = None  # standard sheet name -> name in the workbook
        for tag, attributes, text in elements(package.xml[package.workbook], ("definedName", "sheet")):
            if tag == "definedName":
                self.names.append((attributes.get("name", ""), "localSheetId" not in attributes, text))
            else:
                self.sheet_parts.setdefault(
                    attributes.get("name", ""), package.targets.get(attributes.get("id", ""), "")
                )

    def _part(self, sheet: str) -> str:
        """The part of the sheet the review reads as `sheet` (its name may be a slip: `standard_names`)."""
        if self._standard is None:
            self._standard = standard_names(list(self.sheet_parts))
        return self.sheet_parts.get(self._standard.get(sheet, sheet), "")

    def defined_name(self, wanted: str) -> str | None:
        """The text of the defined name `wanted` (any case); a workbook-level name is the contract, a
        sheet-level one of the same name is accepted after it."""
        wanted = wanted.casefold()
        matches = [(not workbook_level, text) for name, workbook_level, text in self.names if name.casefold() == wanted]
        return min(matches, key=lambda match: match[0])[1] if matches else None

    def error_cells(self, sheet_names: tuple[str, ...]) -> dict[tuple[str, str], str]:
        """The cells of the named sheets that show an error ('#N/A', '#DIV/0!': typed, pasted, or what a
        formula gave), with the error: an answer that cannot be read, not a blank."""
        found: dict[tuple[str, str], str] = {}
        for sheet in sheet_names:
            xml = self.package.xml.get(self._part(sheet))
            if xml is None or b't="e"' not in xml:
                continue  # most sheets: no error, no slower search
            for match in _ERROR_CELL.finditer(xml):
                if _ERROR_TYPE.search(match.group(1)):
                    shown = match.group(3).decode("utf-8", "replace").strip() or "#N/A"
                    found[(sheet, match.group(2).decode("ascii"))] = shown
        return found

    def merged_ranges(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """The merged ranges of the named sheet as (top, left, bottom, right): the reader gives a merged
        range's value in its first cell and every other cell of it as blank."""
        xml = self.package.xml.get(self._part(sheet))
        if xml is None or b"mergeCell" not in xml:
            return []  # most sheets: nothing merged, no slower search
        return [
            (int(top), catalogue.column_number(left.decode()), int(bottom), catalogue.column_number(right.decode()))
            for left, top, right, bottom in _MERGED_RANGE.findall(xml)
        ]

    def meaning_formats(self, sheet: str, references: tuple[str, ...]) -> dict[str, tuple[str, str, int]]:
        """Of the cells at `references` of a sheet, those whose number format changes what the figure
        means: a percentage, or a currency not pounds (see `_meaning_formats`)."""
        styles = next((self.package.xml[name] for name, role in self.package.roles.items() if role == "styles"), b"")
        if not (_MEANING_MARK.search(styles) or _BUILT_IN_PERCENT.search(styles)):
            return {}  # most workbooks: no such format at all, no slower search
        shown = _meaning_formats(styles)
        xml = self.package.xml.get(self._part(sheet), b"")
        found = {}
        for reference in references:
            match = re.search(rb'<(?:\w+:)?c\b[^>]*?\br="' + reference.encode() + rb'"[^>]*?\bs="(\d+)"', xml)
            match = match or re.search(rb'<(?:\w+:)?c\b[^>]*?\bs="(\d+)"[^>]*?\br="' + reference.encode() + rb'"', xml)
            if match and int(match.group(1)) in shown:
                found[reference] = shown[int(match.group(1))]
        return found

    def formula_cells(self, sheet_names: tuple[str, ...]) -> dict[tuple[str, str], str]:
        """The cells of the named sheets that hold a formula, with its text ('TODAY()')."""
        found: dict[tuple[str, str], str] = {}
        for sheet in sheet_names:
            xml = self.package.xml.get(self._part(sheet))
            if xml is None or not (_FORMULA_TAG.search(xml) or _PREFIXED_FORMULA_TAG.search(xml)):
                continue  # most sheets: no formula (dropdowns' <formula1> are not one), no slower search
            shared: dict[bytes, tuple[str, str]] = {}  # a shared formula's first cell and text, by its group
            below: list[tuple[str, bytes]] = []  # the cells that share one, by its group
            for match in _FORMULA_CELL.finditer(xml):
                reference, formula = match.group(1).decode("ascii"), (match.group(3) or b"").decode("utf-8", "replace")
                group = _SHARED_INDEX.search(match.group(2))
                group = group and (group.group(1) or group.group(2))
                if group and not formula:
                    below.append((reference, group))
                    continue
                if group:
                    shared.setdefault(group, (reference, formula))
                found[(sheet, reference)] = "=" + _unescape(formula)
            for reference, group in below:
                found[(sheet, reference)] = _filled_down(*shared.get(group, (reference, "")), reference)
        return found


def _figures_as_shown(book: _WorkbookPart, sheet: _Sheet, rows: dict[str, int], version: int) -> None:
    """A Register figure in a percent format ('50%' typed in Excel is stored as 0.5) or a currency not
    pounds ('€25,000.00') as the cell shows it, which is not a number of days or pounds: the reader
    gives the bare 0.5 or 25000, which would be read as half a day or £25,000. `rows` are where the
    fields' rows are (a row inserted above moves them)."""
    column = catalogue.REGISTER.column("Value")
    cells = {
        f"{column}{rows[field.label]}": rows[field.label]
        for field in catalogue.register_fields(version)
        if field.kind is Kind.NUMBER and field.label in rows
    }
    number = catalogue.column_number(column)
    for reference, (prefix, suffix, places) in book.meaning_formats(catalogue.REGISTER.name, tuple(cells)).items():
        value = sheet.get(cells[reference], number)
        if values.is_number(value):
            shown = f"{rounded(value, places, percent=suffix == '%'):,}"  # as Excel rounds it, a half up
            sheet.put(reference, f"{prefix}{shown}{suffix}")


def _copies(present: set[str], standard: Sequence[str]) -> list[tuple[str, str]]:
    """The sheets named as copies of a standard sheet that is there too, each with the sheet it copies:
    answers given on a copy are never read, and nothing else would say so."""
    by_name = {values.folded(name): name for name in standard if name in present}
    found = []
    for name in sorted(present - set(standard)):
        original = values.copied_from(name)
        same = values.folded(values.clean_text(name))  # a second tab of the same name, 'risks ' by 'Risks'
        if same in by_name:
            found.append((name, by_name[same]))
        elif original is not None and values.folded(original) in by_name:
            found.append((name, by_name[values.folded(original)]))
    return found


def _filled_down(first: str, formula: str, reference: str) -> str:
    """The formula of a cell a shared formula was filled down to: its first cell's, with the cell
    references moved as filling them down moves them (`formulas.moved`)."""
    text = _unescape(formula)
    if not re.search(r"[A-Za-z]\$?\d", formula):
        return "=" + text  # no cell reference to move: =TODAY()+30
    return "=" + moved(text, first, reference)


def _unescape(text: str) -> str:
    from xml.sax.saxutils import unescape

    return unescape(text, {"&quot;": '"', "&apos;": "'"})


def _read_sheets(data: bytes, wanted: list[str], deadline: float | None) -> tuple[set[str], dict[str, _Sheet]]:
    """The sheets present, and the `wanted` ones of them read. A standard sheet whose name differs only
    in case or spaces ('risks', 'Risks ') is a slip the review forgives: it is present, and read, under
    its standard name (`standard_names`)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    actual = standard_names(book.sheet_names)
    sheets: dict[str, _Sheet] = {}
    for sheet_name in wanted:
        if deadline is not None:
            check_time(deadline)
        if sheet_name in actual:
            sheets[sheet_name] = _Sheet(book.get_sheet_by_name(actual[sheet_name]).to_python(skip_empty_area=False))
    return set(actual), sheets


#: Every template version's sheets, by their names folded (case and spaces aside).
_STANDARD_SHEETS = {values.folded(name): name for name in (*catalogue.required_sheets(1), *catalogue.required_sheets())}


def standard_names(names: Sequence[str]) -> dict[str, str]:
    """Each sheet's name as the review reads it (standard name -> name in the workbook): a standard
    sheet's name typed with another case or stray spaces is its standard name; a name given exactly
    is taken over one that only reads the same."""
    found = {name: name for name in names}
    for name in names:
        meant = _STANDARD_SHEETS.get(values.folded(values.clean_text(name)))
        if meant and meant not in found:
            del found[name]
            found[meant] = name
    return found


#: A bullet that a list pasted from a document keeps at the start of a line ('• Police', '- Police').
_BULLET = re.compile(r"^[\u2022\u00b7\u25aa\u25cf\u2013\u2014*-]\s+")

#: Beyond any amount a review holds, and short of the day counts that overflow the reader's dates.
_HUGE_NUMBER = 1e10
_NUMBER_CELL = re.compile(rb"<c\b([^>]*)><v>([-+0-9.eE]+)</v></c>")
_TYPE = re.compile(rb'\st="([^"]*)"')


def _huge_numbers_as_text(data: bytes, package: Package) -> bytes:
    """The package with every huge number cell of its sheets turned into the text of that number."""

    def as_text(match: re.Match) -> bytes:
        attributes, number = match.group(1), match.group(2)
        kind = _TYPE.search(attributes)
        try:
            huge = abs(float(number)) >= _HUGE_NUMBER and (kind is None or kind.group(1) == b"n")
        except ValueError:
            huge = False
        if not huge:
            return match.group(0)
        return b'<c%s t="inlineStr"><is><t>%s</t></is></c>' % (_TYPE.sub(b"", attributes), number)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        roles = package.roles
        for info in source.infolist():
            content = source.read(info.filename)
            if roles.get(info.filename) == "sheet":
                content = _NUMBER_CELL.sub(as_text, content)
            target.writestr(info, content)
    return out.getvalue()


#: How alike (rapidfuzz's WRatio, 0 to 100) a sheet's name must be to a missing one's to be taken for it
#: renamed: "Risk register" for "Risks" (80), not "Notes" for "Objectives" (54).
_RENAMED_SIMILARITY = 75


def _renamed(missing: list[str], others: set[str]) -> dict[str, str]:
    """Each missing sheet's likely new name: the sheet of `others` (not the template's) whose name reads
    most like it, each taken once."""
    renamed: dict[str, str] = {}
    if not missing or not others:
        return renamed
    from rapidfuzz import fuzz, process

    for sheet_name in missing:
        choices = {other: other.casefold() for other in sorted(others) if other not in renamed.values()}
        match = process.extractOne(sheet_name.casefold(), choices, scorer=fuzz.WRatio, score_cutoff=_RENAMED_SIMILARITY)
        if match:
            renamed[sheet_name] = match[2]
    return renamed


def _how_it_differs(name: str, meant: str) -> str:
    """What an officer cannot see between a sheet's name and the one it should have, in brackets:
    ' (its name has a space at its end)'; nothing when the names differ in letters they can see."""
    if name.strip(" \u00a0") == meant:
        ends = [where for where, edge in (("start", name[:1]), ("end", name[-1:])) if edge in (" ", "\u00a0")]
        return f" (its name has a space at its {' and '.join(ends)})"
    if values.folded(values.clean_text(name)) == values.folded(meant):
        return " (its name differs in capital letters or spaces)"
    return ""


def _fold(value: Value) -> str:
    return values.text(value).casefold()


def _check_headers(sheet: _Sheet, layout: SheetLayout, header_row: int, name: str, found: list[Finding]) -> None:
    """A finding for each header not where the template has it; one in all, saying what to undo, when
    columns were inserted before a header or deleted."""
    row = [
        _fold(sheet.get(header_row, column)) for column in range(1, len(layout.headers) + table_rows.SHIFT_COLUMNS + 1)
    ]
    wrong = [index for index, header in enumerate(layout.headers) if row[index] != header.casefold()]
    if not wrong:
        return
    moved = table_rows.moved_columns(layout.headers, row, wrong[0])
    folded = {header.casefold() for header in layout.headers}
    for index in wrong[:1] if moved else wrong:
        header = layout.headers[index]
        fix = moved
        if not moved and row[index] and row[index] not in folded:  # typed over, not another column moved here
            fix = f"The header was changed: change it back to '{header}'"
        found.append(
            finding(
                RuleCode.SHEET_LAYOUT,
                file=name,
                sheet=layout.name,
                cell=f"{layout.column(header)}{header_row}",
                value=values.text(sheet.get(header_row, index + 1)),
                problem=f"Expected '{header}' here",
                **({"fix": f"{fix}."} if fix else {}),
            )
        )


def _locate(
    sheet: _Sheet,
    layout: SheetLayout,
    key_header: str,
    text_header: str,
    items: tuple[table_rows.Item, ...],
    name: str,
    found: list[Finding],
    answers: tuple[str, ...] = (),
    own_rows: bool = False,
) -> table_rows.Located:
    """Where the table's header and each of its items are, by its key (see `table_rows`), with a finding
    for each slip;
    `answers` are the columns whose content is an officer's answer (the layout's answer columns unless
    given); with `own_rows` rows of the officer's own may stand anywhere in the table."""
    header_row = table_rows.find_header(sheet.get, layout.headers, layout.header_row)
    _check_headers(sheet, layout, header_row, name, found)
    columns = _columns(layout, answers or layout.answers)
    located = table_rows.locate(
        sheet.get,
        sheet=layout.name,
        key_column=layout.headers.index(key_header) + 1,
        key_letter=layout.column(key_header),
        text_column=layout.headers.index(text_header) + 1,
        items=items,
        header_row=header_row,
        template_header_row=layout.header_row,
        last_row=sheet.last_row,
        key_name=key_header,
        answered=lambda row: any(value is not None for value in sheet.cells(row, columns)),
        own_rows=own_rows,
    )
    for slip in located.slips:
        found.append(finding(slip.rule, file=name, sheet=layout.name, cell=slip.cell, value=slip.value, **slip.fields))
    return located


@functools.lru_cache(maxsize=None)
def _table_items(table: str, version: int = catalogue.TEMPLATE_VERSION) -> tuple[table_rows.Item, ...]:
    """The rows the template puts in a table (see `table_rows`), made once."""
    if table == "register":
        return tuple(
            table_rows.Item(item.label, f"the field '{item.label}'", item.guidance)
            for item in catalogue.register_fields(version)
        )
    if table == "checklist":
        return tuple(
            table_rows.Item(question.ref, f"question {question.ref}", question.text) for question in catalogue.QUESTIONS
        )
    if table == "improvement":
        return tuple(table_rows.Item(area.ref, f"area {area.ref}", area.text) for area in catalogue.AREAS)
    return tuple(table_rows.Item(risk.ref, f"risk {risk.ref}", risk.text) for risk in catalogue.RISKS)


def _read_register(
    sheet: _Sheet, name: str, found: list[Finding], version: int, *, book: _WorkbookPart | None = None
) -> dict[str, RegisterValue]:
    layout = catalogue.REGISTER
    items = _table_items("register", version)
    rows = _below_table(
        sheet, layout, _locate(sheet, layout, "Field", "Guidance", items, name, found), items, name, found
    )
    if book is not None:
        _figures_as_shown(book, sheet, rows, version)
    register = {}
    (value_column,) = _columns(layout, ("Value",))
    for item in catalogue.register_fields(version):
        row = rows[item.label]
        if item.kind is Kind.LIST:
            value = sheet.listed(row, value_column)
        else:
            value = sheet.get(row, value_column, item.long_answer)
        if item.kind not in (Kind.NUMBER, Kind.DATE):
            # Text answers are kept as the text shown, so 14 typed in a text cell reads "14" whatever
            # the program that saved the file stored (14, 14.0 or "14").
            value = values.text(value, item.long_answer) or None
        register[item.key] = RegisterValue(item, row, value)
    _answers_beside(sheet, rows, register, name, found, version)
    return register


#: What share of the required answers, found in the Guidance column with their Value blank, shows the
#: answers pasted there (a note beside a few blank answers is only a note).
_BESIDE = 0.5


def _answers_beside(
    sheet: _Sheet,
    rows: dict[str, int],
    register: dict[str, RegisterValue],
    name: str,
    found: list[Finding],
    version: int,
) -> None:
    """Answers pasted one column to the right, over the guidance: the Value column blank where the
    Guidance column holds something other than the guidance. They cannot be read there (each would be
    'required' and blank), so the sheet's layout is what to correct."""
    layout = catalogue.REGISTER
    (guidance_column,) = _columns(layout, ("Guidance",))
    beside = [
        item
        for item in catalogue.register_fields(version)
        if item.required
        and register[item.key].value is None
        and values.text(sheet.get(rows[item.label], guidance_column)) not in ("", item.guidance_shown)
    ]
    if len(beside) >= _BESIDE * sum(1 for item in catalogue.register_fields(version) if item.required):
        found.append(
            finding(
                RuleCode.SHEET_LAYOUT,
                file=name,
                sheet=layout.name,
                cell=f"{layout.column('Guidance')}{rows[beside[0].label]}",
                value=values.text(sheet.get(rows[beside[0].label], guidance_column)),
                problem=f"Expected '{beside[0].guidance_shown}' here",
                fix=(
                    f"The answers are in the Guidance column ({layout.column('Guidance')}), not the Value column "
                    f"({layout.column('Value')}) where the review reads them: move them back into column "
                    f"{layout.column('Value')}."
                ),
            )
        )


def _read_checklist(sheet: _Sheet, name: str, found: list[Finding]) -> tuple[ChecklistRow, ...]:
    layout = catalogue.CHECKLIST
    items = _table_items("checklist")
    rows = _below_table(
        sheet, layout, _locate(sheet, layout, "Ref", "Question", items, name, found), items, name, found
    )
    answers, long_answers = _columns(layout, ("Status", "Evidence", "Evidence location")), _long_columns(layout)
    return tuple(
        ChecklistRow(question, rows[question.ref], *sheet.cells(rows[question.ref], answers, long_answers))
        for question in catalogue.QUESTIONS
    )


def _read_improvement(sheet: _Sheet, name: str, found: list[Finding]) -> tuple[ImprovementRow, ...]:
    layout = catalogue.IMPROVEMENT
    items = _table_items("improvement")
    located = _locate(sheet, layout, "Ref", "Area of practice", items, name, found)
    rows = _below_table(sheet, layout, located, items, name, found)
    answers, long_answers = _columns(layout, layout.answers), _long_columns(layout)
    return tuple(
        ImprovementRow(area, rows[area.ref], *sheet.cells(rows[area.ref], answers, long_answers))
        for area in catalogue.AREAS
    )


def _read_objectives(sheet: _Sheet, name: str, found: list[Finding]) -> tuple[ObjectiveRow, ...]:
    """Every row of the Objectives sheet with a Ref: the list is the council's (from the configuration the
    workbook was made with), so the rules compare it with this year's list rather than the loader."""
    layout = catalogue.OBJECTIVES_SHEET
    _check_headers(sheet, layout, layout.header_row, name, found)
    rows: list[ObjectiveRow] = []
    (ref_column,), answers = _columns(layout, ("Ref",)), _columns(layout, ("Objective", "Contributes", "How"))
    chosen, long_answers = (layout.headers.index("Contributes"),), _long_columns(layout)
    above: list[Value] = []
    for row in range(layout.first_row, sheet.last_row + 1):
        cells = sheet.cells(row, (ref_column, *answers), long_answers)
        if _a_header_row(cells, layout.headers, chosen):
            # Another table pasted below the list (an action log): its title and rows are not objectives.
            start = row - 1 if row > layout.first_row and _a_title(above) else row
            found.append(_other_table(name, layout, start, "list of objectives", "objectives"))
            if rows and rows[-1].row == start:
                rows.pop()
            break
        above = cells
        ref = values.text(cells[0])
        if ref:
            rows.append(ObjectiveRow(ref, row, *cells[1:]))
    return tuple(rows)


_RISK_CONTENT = ("Risk", "Likelihood", "Impact", "Mitigation", "Owner")


def _read_risks(sheet: _Sheet, name: str, found: list[Finding]) -> tuple[RiskRow, ...]:
    """The strategy's nine risks always; every other row of the table with content is an officer's own
    risk (normally below R09).

    An own risk keeps the Ref the officer typed; a blank Ref, or one already used, is given the row's
    place in the list (R10 for the first row below R09, and so on), so every risk can be named in
    findings and the pack.
    """
    layout = catalogue.RISKS_SHEET
    table = _locate(sheet, layout, "Ref", "Risk", _table_items("risks"), name, found, _RISK_CONTENT, own_rows=True)
    located = table.rows
    content, long_answers = _columns(layout, _RISK_CONTENT), _long_columns(layout)
    rows = [
        RiskRow(risk.ref, located[risk.ref], *sheet.cells(located[risk.ref], content, long_answers))
        for risk in catalogue.RISKS
    ]
    strategy_rows = set(located.values())
    first = min(strategy_rows)
    used = {risk.ref.casefold() for risk in catalogue.RISKS}
    (ref_column,) = _columns(layout, ("Ref",))
    columns, order = (ref_column, *content), ("Ref", *_RISK_CONTENT)
    # The table ends at its last open row the sheet still has (R20, unless the officer deleted the open
    # rows): the rows below R09 whose Refs run on as the template's do. Below it, a row that is not a
    # risk itself starts another table after a blank row, or when its Ref names a risk already listed.
    open_refs = {ref.casefold() for ref in catalogue.RISK_ROWS} - used
    table_end = max(strategy_rows)
    while table_end < sheet.last_row and values.compact(sheet.get(table_end + 1, ref_column)) in open_refs:
        table_end += 1
    blank_before = False
    chosen = (order.index("Likelihood"), order.index("Impact"))
    above: list[Value] = []
    # From the header down: a risk sorted above R01 (a table sorted by score) is the officer's too.
    for row in range(table.header_row + 1, sheet.last_row + 1):
        if row in strategy_rows:
            continue
        cells = sheet.cells(row, columns, long_answers)  # the Ref, then the answers
        answered = any(value is not None for value in cells[1:])
        if row > max(strategy_rows) and (
            _a_header_row(cells, order, chosen)
            or (
                row > table_end
                and not _a_risk(cells, used)
                and (
                    (blank_before and any(value is not None for value in cells))
                    or (answered and values.compact(cells[0]) in used)
                )
            )
        ):  # a header row (this table's again, or another's), rows after a gap below the table, or
            # actions for the risks already listed: another table pasted there (an action log, say), not risks
            start = row - 1 if row - 1 > max(strategy_rows) and _a_title(above) else row  # its title
            found.append(_other_table(name, layout, start, "risk register", "risks"))
            if rows[-1].row == start:
                rows.pop()
            break
        blank_before = all(value is None for value in cells)
        above = cells
        answers = cells[1:]
        if answered:
            ref = values.text(cells[0])
            number = max(row - first + 1, len(catalogue.RISKS) + 1)
            while not ref or ref.casefold() in used:
                ref, number = f"R{number:02d}", number + 1
            used.add(ref.casefold())
            rows.append(RiskRow(ref, row, *answers))
    return tuple(rows)


def _other_table(name: str, layout: SheetLayout, row: int, table: str, what: str) -> Finding:
    return finding(
        RuleCode.SHEET_OTHER_TABLE,
        file=name,
        sheet=layout.name,
        cell=f"A{row}",
        row=row,
        table=table,
        unread=f"it is not read as {what}",
    )


def _below_table(
    sheet: _Sheet,
    layout: SheetLayout,
    located: table_rows.Located,
    items: tuple[table_rows.Item, ...],
    name: str,
    found: list[Finding],
) -> dict[str, int]:
    """The rows of a fixed table (Register, Checklist, Improvement), with a `sheet.other_table` finding
    at the first row below its last that holds anything: nothing there is read, and an officer who
    pasted a second partnership's sheets there, or typed another action under the last area, would
    otherwise never know. What is there says what to do: a copy of the table (its header row, or a row
    of its Refs or fields) is another partnership's, for a workbook of its own, or this one's, for the
    rows above; an action goes in the row of the area of practice it answers."""
    if not located.trusted:
        return located.rows  # its rows are not where they seem, and its sheet.layout error says so
    last = max(located.rows.values())
    below = ((row, _filled(sheet, row)) for row in range(last + 1, sheet.last_row + 1))
    below = [(row, filled) for row, filled in below if filled]
    if not below:
        return located.rows
    keys = {item.key.casefold() for item in items}
    actions = _columns(layout, catalogue.ACTION_HEADERS) if layout is catalogue.IMPROVEMENT else ()
    columns = tuple(range(1, len(layout.headers) + 1))

    def what(row: int) -> str:
        cells = sheet.cells(row, columns)
        header = _a_header_row(cells, layout.headers, ())
        if not header and any(sheet.get(row, column) is not None for column in actions):
            return "action"
        return "copy" if header or _fold(cells[0]) in keys else ""

    kinds = [what(row) for row, _ in below]
    kind = next((kind for kind in kinds if kind), "")
    start, filled = below[0]
    first, end = items[0].key, items[-1].key
    if kind == "copy":
        said = {
            "found": "A second copy of the table starts",
            "fix": "A workbook holds one partnership's review: give another partnership a workbook of its own, and "
            "put this partnership's answers in the rows above.",
        }
    elif kind == "action":
        count = kinds.count(kind)
        start, filled = below[kinds.index(kind)]  # the actions, after any title above them
        said = {
            "found": "An action is typed" if count == 1 else f"{count} actions are typed, the first",
            "unread": "it is not read or counted" if count == 1 else "they are not read or counted",
            "fix": f"Put each action in the row of the {layout.row} it answers ({first} to {end}).",
        }
    else:
        said = {
            "found": "Something is typed",
            "fix": f"Put this partnership's answers in the row of their {layout.row}, and anything else on a sheet "
            "of its own.",
        }
    found.append(
        finding(
            RuleCode.SHEET_OTHER_TABLE,
            file=name,
            sheet=layout.name,
            cell=f"{catalogue.column_letter(filled[0])}{start}",
            value=sheet.get(start, filled[0]),
            row=start,
            table=f"last {layout.row} of the {layout.name} sheet (row {last})",
            **said,
        )
    )
    return located.rows


def _filled(sheet: _Sheet, row: int) -> list[int]:
    """The columns of `row` that hold something (a cell of spaces only is blank, as the review reads it)."""
    cells = sheet.rows[row - 1]
    return [
        column
        for column, raw in enumerate(cells, start=1)
        if raw not in ("", None) and sheet.get(row, column) is not None
    ]


def _heading_words(text: str) -> frozenset[str]:
    """The words of a heading as headings are compared: case and punctuation aside, a plural as one."""
    return frozenset(
        word[:-1] if word.endswith("s") and len(word) > 3 else word for word in re.findall(r"[a-z]+", text.casefold())
    )


#: The words of the template's own headings: every sheet's columns and the register's fields. Another
#: table's header row is made of them (an action log's 'Action | Owner | Due | Status', a contact list's
#: 'Name | Email', a budget's 'Budget (£)'); the answers the template offers ('No') are not headings.
_HEADING_WORDS = frozenset().union(
    *(
        _heading_words(heading)
        for heading in (
            *(header for layout in catalogue.ANSWER_LAYOUTS for header in layout.headers),
            *(item.label for item in catalogue.REGISTER_FIELDS),
        )
    )
)
_ANSWERS = frozenset(
    values.folded(answer)
    for answer in (
        *catalogue.CHECKLIST_STATUSES,
        *catalogue.IMPROVEMENT_ANSWERS,
        *catalogue.ACTION_STATUSES,
        *catalogue.CONTRIBUTES_ANSWERS,
        *(choice for item in catalogue.REGISTER_FIELDS for choice in item.choices),
    )
)


def _a_heading(value: Value) -> bool:
    """Whether a cell reads as a heading: text made of the words of the template's own headings only,
    with no figure in it ('Level 3' typed as a rating is not one)."""
    if not isinstance(value, str) or values.folded(value) in _ANSWERS or any(char.isdigit() for char in value):
        return False
    words = _heading_words(value)
    return bool(words) and words <= _HEADING_WORDS


#: Another table's header row has at least this many headings after its first column, and at most one
#: other cell: an officer's own risk or objective answered in the template's words ('Loss of partner
#: funding | 3 | Service delivery | Quarterly review | Lead officer') has fewer, or more of its own words.
_HEADINGS_AT_LEAST = 3


def _a_header_row(cells: list[Value], headers: tuple[str, ...], chosen: tuple[int, ...]) -> bool:
    """Whether a row below a table (its `cells` in the table's columns, `headers`, the Ref first) is a
    header row: the table's own (one of its headers in its column), or another table's: after the Ref
    column (which keeps the template's R11 beside a table pasted from column B), `_HEADINGS_AT_LEAST`
    headings (`_a_heading`) and at most one other cell, a heading in a column `chosen` from a list (a
    risk's rating, an objective's Yes or No), where a row of answers never has one."""
    if any(
        value is not None and values.folded(values.text(value)) == header
        for value, header in zip(cells, _folded_headers(headers))
    ):
        return True
    filled = [index for index, value in enumerate(cells) if index and value is not None]
    # The cheap tests first, as most rows below a table are blank or answers: enough cells filled, and
    # a heading in a chosen column (a rating or a Yes, in a row of answers, is none).
    if len(filled) < _HEADINGS_AT_LEAST or not any(index in filled and _a_heading(cells[index]) for index in chosen):
        return False
    headings = [index for index in filled if _a_heading(cells[index])]
    return len(headings) >= _HEADINGS_AT_LEAST and len(filled) - len(headings) <= 1


@functools.lru_cache(maxsize=None)
def _folded_headers(headers: tuple[str, ...]) -> tuple[str, ...]:
    """A table's headers as `values.folded` gives them, folded once for every row compared with them."""
    return tuple(values.folded(header) for header in headers)


def _a_title(cells: list[Value]) -> bool:
    """Whether the row above another table's header row is its title ('Action plan'): one text alone,
    not a risk's Ref."""
    filled = [value for value in cells if value is not None]
    return len(filled) == 1 and isinstance(filled[0], str) and not _RISK_REF.fullmatch(values.compact(filled[0]))


_RISK_REF = re.compile(r"r-?\d{1,3}")  # a Ref as `values.compact` gives it: 'R 21' is 'r21'


def _a_risk(cells: list[Value], used: set[str]) -> bool:
    """Whether a row below the risk register, after a gap, is an officer's own risk all the same: its Ref
    is a new risk's ('R21', not one of `used`, the Refs already read: a risk action plan names the risk
    each action is for), or it rates a likelihood and an impact as the register does (`cells`: the Ref,
    then `_RISK_CONTENT`)."""
    ref, _, likelihood, impact, *_ = cells
    rated = all(
        values.rating(value, catalogue.RISK_RATINGS) not in (None, values.INVALID) for value in (likelihood, impact)
    )
    folded = values.compact(ref)
    return (bool(_RISK_REF.fullmatch(folded)) and folded not in used) or rated


# --- Template version ------------------------------------------------------------------------------

_REFERENCE = re.compile(r"^=?'?(?P<sheet>[^'!]+)'?!\$?(?P<column>[A-Za-z]{1,3})\$?(?P<row>\d{1,7})$")


def _check_template_version(
    text: str | None, reference: re.Match | None, name: str, sheets: dict[str, _Sheet]
) -> tuple[int, list[Finding]]:
    """The template version (0 when unknown) and its finding: `template_version` is a workbook-level
    defined name (its `text`), a constant (2 or =2) or a cell `reference`."""
    if text is None:
        return 0, [
            finding(RuleCode.TEMPLATE_VERSION, file=name, reason=f"it has no '{catalogue.TEMPLATE_VERSION_NAME}' name")
        ]
    version: Value = text.strip().lstrip("=").strip().strip('"')
    if reference:
        sheet = sheets.get(reference["sheet"])
        version = sheet.get(int(reference["row"]), catalogue.column_number(reference["column"])) if sheet else None
    parsed = values.number(version)
    if parsed is None or parsed is values.INVALID or parsed not in catalogue.TEMPLATE_VERSIONS_READ:
        shown = values.text(version) or "blank"
        return 0, [finding(RuleCode.TEMPLATE_VERSION, file=name, value=shown, reason=f"its version is {shown}")]
    return int(parsed), []
