"""One returned file -> a `Workbook` of typed records stamped with their Excel rows, or its finding.

Loading never raises for a bad file. The file's bytes are read once (the SHA-256 is of the very bytes
checked and read), pre-flighted (`pipeline.read.preflight`), and only then handed to
python-calamine; that read too is wrapped so that any exception becomes `file.unreadable`, and a
cell longer than Excel allows is refused. Every answer is found by sheet, header and row, as the
catalogue lays the sheets out; the template version is checked from the workbook's defined name.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import signal
import time
import zipfile
from pathlib import Path

from pipeline import catalogue, values
from pipeline.catalogue import Kind, SheetLayout
from pipeline.config import Config
from pipeline.findings import Finding, finding
from pipeline.read.folder import relative_name
from pipeline.read.preflight import Refused, check_time, megabytes, part_roles, preflight, read_small, workbook_part
from pipeline.records import ChecklistRow, ImprovementRow, ObjectiveRow, RegisterValue, RiskRow, Value, Workbook

#: The most characters Excel (and LibreOffice) let a cell hold.
EXCEL_MAX_CELL_TEXT = 32_767
_CHUNK = 1 << 16

# --- One file --------------------------------------------------------------------------------------

def load_workbook_file(path: Path, input_dir: Path, config: Config) -> Workbook:
    """Read one returned file into a Workbook; a bad file gives a Workbook holding its finding."""
    name = relative_name(Path(path), Path(input_dir))
    limits = config.limits
    try:
        size = Path(path).stat().st_size
        if size > limits.max_file_bytes:
            digest = _hash_file(Path(path))
            return _refused(name, digest, size, "file.too_large",
                            reason=f"{megabytes(size)} on disk; the limit is {megabytes(limits.max_file_bytes)}")
        data = _read_capped(Path(path), limits.max_file_bytes)
    except OSError as error:
        return Workbook(file=name, sha256="", size=0, findings=(
            finding("file.unreadable", file=name, reason=f"the file cannot be opened: {error.strerror or error}"),))
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > limits.max_file_bytes:  # grew while being read
        return _refused(name, digest, len(data), "file.too_large",
                        reason=f"over {megabytes(limits.max_file_bytes)} on disk")
    try:
        deadline = time.monotonic() + limits.load_timeout_seconds
        preflight(data, Path(path).suffix.lower(), limits, deadline)
        return read_workbook(data, name, digest, deadline)
    except Refused as refusal:
        return _refused(name, digest, len(data), refusal.rule, **refusal.fields)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - a reader's panic is a finding, not a crash
        return _refused(name, digest, len(data), "file.unreadable", reason=_describe(error))


def _refused(name: str, digest: str, size: int, rule: str, **fields: str) -> Workbook:
    return Workbook(file=name, sha256=digest, size=size, findings=(finding(rule, file=name, **fields),))


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
    text = values.text(str(error)) or ""
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def stopped_reader(path: Path, input_dir: Path, code: int) -> Workbook:
    """The finding of a file whose reader process died (`code` is its exit code)."""
    name = relative_name(path, input_dir)
    try:
        size, digest = path.stat().st_size, _hash_file(path)
    except OSError:
        size, digest = 0, ""
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return _refused(name, digest, size, "file.too_large",
                        reason="reading it took longer than the time allowed for one workbook")
    return _refused(name, digest, size, "file.unreadable", reason=(
        f"the reader stopped on it ({_signal_name(code)}), for example for want of memory: "
        "the file is damaged or not a plain workbook"))


def _signal_name(code: int) -> str:
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


# --- Reading a pre-flighted workbook ---------------------------------------------------------------

class _Sheet:
    """A sheet's values by Excel row and column (1-based); cells outside the data read as blank."""

    def __init__(self, rows: list[list[Value]]) -> None:
        self.rows = rows

    def get(self, row: int, column: int) -> Value:
        if row - 1 < len(self.rows):
            cells = self.rows[row - 1]
            if column - 1 < len(cells):
                raw = cells[column - 1]
                if isinstance(raw, str) and len(raw) > EXCEL_MAX_CELL_TEXT:
                    # Excel cannot hold such a cell, so the file was not saved by Excel or LibreOffice;
                    # reading on would carry megabytes of text into every finding and output.
                    raise Refused("file.too_large", reason=(
                        f"a cell holds {len(raw):,} characters; a workbook cell holds at most "
                        f"{EXCEL_MAX_CELL_TEXT:,}"))
                value = values.clean(raw)
                # calamine gives every number as a float; a whole number reads as the int it was typed as
                if isinstance(value, float) and value.is_integer():
                    return int(value)
                return value
        return None

    @property
    def last_row(self) -> int:
        return len(self.rows)

    def at(self, layout: SheetLayout, header: str, row: int) -> Value:
        return self.get(row, layout.headers.index(header) + 1)


def read_workbook(data: bytes, name: str, digest: str, deadline: float | None = None) -> Workbook:
    """Records of a pre-flighted workbook, with the template and layout findings."""
    found: list[Finding] = []
    try:
        present, sheets = _read_sheets(data, deadline)
    except BaseException as error:  # noqa: BLE001 - python-calamine raises PanicException (a BaseException)
        if type(error).__name__ != "PanicException":
            raise
        # The Rust date library panics on a number far outside any date (say 1E+300 typed in a date
        # cell). Read such numbers as the text Excel shows, so the rules report them at their cell.
        present, sheets = _read_sheets(_huge_numbers_as_text(data), deadline)
    version, version_findings = _check_template_version(data, name, sheets)
    for sheet_name in catalogue.required_sheets(version or catalogue.TEMPLATE_VERSION):
        if sheet_name not in present:
            found.append(finding("sheet.missing", file=name, sheet=sheet_name))
    found.extend(version_findings)
    if version and version < catalogue.TEMPLATE_VERSION:
        found.append(finding("template.previous_version", file=name, sheet=catalogue.GUIDE_SHEET, value=version,
                             version=version))

    register: dict[str, RegisterValue] = {}
    checklist: tuple[ChecklistRow, ...] = ()
    improvement: tuple[ImprovementRow, ...] = ()
    risks: tuple[RiskRow, ...] = ()
    objectives: tuple[ObjectiveRow, ...] = ()
    objectives_list = ""
    if catalogue.REGISTER.name in sheets:
        register = _read_register(sheets[catalogue.REGISTER.name], name, found,
                                  version or catalogue.TEMPLATE_VERSION)
    if version >= 2 and catalogue.OBJECTIVES_SHEET.name in sheets:
        objectives = _read_objectives(sheets[catalogue.OBJECTIVES_SHEET.name], name, found)
        objectives_list = values.text(_defined_name(data, catalogue.OBJECTIVES_LIST_NAME)).strip('="')
    if catalogue.CHECKLIST.name in sheets:
        checklist = _read_checklist(sheets[catalogue.CHECKLIST.name], name, found)
    if catalogue.IMPROVEMENT.name in sheets:
        improvement = _read_improvement(sheets[catalogue.IMPROVEMENT.name], name, found)
    if catalogue.RISKS_SHEET.name in sheets:
        risks = _read_risks(sheets[catalogue.RISKS_SHEET.name], name, found)

    workbook = Workbook(file=name, sha256=digest, size=len(data), register=register, checklist=checklist,
                        improvement=improvement, risks=risks, template_version=version, objectives=objectives,
                        objectives_list=objectives_list)
    pid = workbook.partnership_id
    return dataclasses.replace(workbook, findings=tuple(
        dataclasses.replace(item, partnership_id=pid) for item in found))


def _read_sheets(data: bytes, deadline: float | None) -> tuple[set[str], dict[str, _Sheet]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    present = set(book.sheet_names)
    sheets: dict[str, _Sheet] = {}
    for sheet_name in catalogue.required_sheets():
        if deadline is not None:
            check_time(deadline)
        if sheet_name in present:
            sheets[sheet_name] = _Sheet(book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False))
    return present, sheets


#: Beyond any amount a review holds, and short of the day counts that overflow the reader's dates.
_HUGE_NUMBER = 1e10
_NUMBER_CELL = re.compile(rb'<c\b([^>]*)><v>([-+0-9.eE]+)</v></c>')
_TYPE = re.compile(rb'\st="([^"]*)"')


def _huge_numbers_as_text(data: bytes) -> bytes:
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
        roles = part_roles(source)
        for info in source.infolist():
            content = source.read(info.filename)
            if roles.get(info.filename) == "sheet":
                content = _NUMBER_CELL.sub(as_text, content)
            target.writestr(info, content)
    return out.getvalue()


def _fold(value: Value) -> str:
    return values.text(value).casefold()


def _check_headers(sheet: _Sheet, layout: SheetLayout, name: str, found: list[Finding]) -> None:
    for column, header in enumerate(layout.headers, start=1):
        typed = sheet.get(layout.header_row, column)
        if _fold(typed) != header.casefold():
            found.append(finding("sheet.layout", file=name, sheet=layout.name,
                                 cell=f"{layout.column(header)}{layout.header_row}",
                                 value=values.text(typed), expected=header))


def _check_label(sheet: _Sheet, layout: SheetLayout, header: str, row: int, expected: str, name: str,
                 found: list[Finding]) -> None:
    typed = sheet.at(layout, header, row)
    if _fold(typed) != values.text(expected).casefold():
        found.append(finding("sheet.layout", file=name, sheet=layout.name, cell=f"{layout.column(header)}{row}",
                             value=values.text(typed), expected=expected))


def _read_register(sheet: _Sheet, name: str, found: list[Finding], version: int) -> dict[str, RegisterValue]:
    layout = catalogue.REGISTER
    _check_headers(sheet, layout, name, found)
    register = {}
    for item in catalogue.register_fields(version):
        row = catalogue.REGISTER_ROWS[item.key]
        _check_label(sheet, layout, "Field", row, item.label, name, found)
        value = sheet.at(layout, "Value", row)
        if item.kind not in (Kind.NUMBER, Kind.DATE):
            # Text answers are kept as the text shown, so 14 typed in a text cell reads "14" whatever
            # the program that saved the file stored (14, 14.0 or "14").
            value = values.text(value) or None
        register[item.key] = RegisterValue(item, row, value)
    return register


def _read_checklist(sheet: _Sheet, name: str, found: list[Finding]) -> tuple[ChecklistRow, ...]:
    layout = catalogue.CHECKLIST
    _check_headers(sheet, layout, name, found)
    rows = []
    for question in catalogue.QUESTIONS:
        row = catalogue.CHECKLIST_ROWS[question.ref]
        _check_label(sheet, layout, "Ref", row, question.ref, name, found)
        rows.append(ChecklistRow(question, row, sheet.at(layout, "Status", row), sheet.at(layout, "Evidence", row),
                                 sheet.at(layout, "Evidence location", row)))
    return tuple(rows)


def _read_improvement(sheet: _Sheet, name: str, found: list[Finding]) -> tuple[ImprovementRow, ...]:
    layout = catalogue.IMPROVEMENT
    _check_headers(sheet, layout, name, found)
    rows = []
    for area in catalogue.AREAS:
        row = catalogue.IMPROVEMENT_ROWS[area.ref]
        _check_label(sheet, layout, "Ref", row, area.ref, name, found)
        rows.append(ImprovementRow(
            area, row, *(sheet.at(layout, header, row)
                         for header in ("Answer", "Action", "Action owner", "Due date", "Action status"))))
    return tuple(rows)


def _read_objectives(sheet: _Sheet, name: str, found: list[Finding]) -> tuple[ObjectiveRow, ...]:
    """Every row of the Objectives sheet with a Ref: the list is the council's (from the configuration the
    workbook was made with), so the rules compare it with this year's list rather than the loader."""
    layout = catalogue.OBJECTIVES_SHEET
    _check_headers(sheet, layout, name, found)
    rows = []
    for row in range(layout.first_row, sheet.last_row + 1):
        ref = values.text(sheet.at(layout, "Ref", row))
        if ref:
            rows.append(ObjectiveRow(ref, row, *(sheet.at(layout, header, row)
                                                 for header in ("Objective", "Contributes", "How"))))
    return tuple(rows)


_RISK_CONTENT = ("Risk", "Likelihood", "Impact", "Mitigation", "Owner")


def _read_risks(sheet: _Sheet, name: str, found: list[Finding]) -> tuple[RiskRow, ...]:
    """The strategy's nine risks always; below them, every row with content is an officer's own risk.

    An own risk keeps the Ref the officer typed; a blank Ref, or one already used above, is given the
    row's place in the list (R10 for the first row below R09, and so on), so every risk can be named
    in findings and the pack.
    """
    layout = catalogue.RISKS_SHEET
    _check_headers(sheet, layout, name, found)
    rows = []
    for risk in catalogue.RISKS:
        row = catalogue.RISK_ROWS[risk.ref]
        _check_label(sheet, layout, "Ref", row, risk.ref, name, found)
        rows.append(_risk_row(sheet, risk.ref, row))
    first_own = layout.first_row + len(catalogue.RISKS)
    used = {risk.ref.casefold() for risk in catalogue.RISKS}
    for row in range(first_own, sheet.last_row + 1):
        if any(sheet.at(layout, header, row) is not None for header in _RISK_CONTENT):
            ref = values.text(sheet.at(layout, "Ref", row))
            if not ref or ref.casefold() in used:
                ref = f"R{row - layout.first_row + 1:02d}"
            used.add(ref.casefold())
            rows.append(_risk_row(sheet, ref, row))
    return tuple(rows)


def _risk_row(sheet: _Sheet, ref: str, row: int) -> RiskRow:
    layout = catalogue.RISKS_SHEET
    return RiskRow(ref, row, *(sheet.at(layout, header, row) for header in _RISK_CONTENT))


# --- Template version ------------------------------------------------------------------------------

_REFERENCE = re.compile(r"^=?'?(?P<sheet>[^'!]+)'?!\$?(?P<column>[A-Za-z]{1,3})\$?(?P<row>\d{1,7})$")


def _check_template_version(data: bytes, name: str, sheets: dict[str, _Sheet]) -> tuple[int, list[Finding]]:
    """The template version (0 when unknown) and its finding: `template_version` is a workbook-level
    defined name, a constant (2 or =2) or a cell reference."""
    text = _defined_name(data, catalogue.TEMPLATE_VERSION_NAME)
    if text is None:
        return 0, [finding("template.version", file=name,
                           reason=f"it has no '{catalogue.TEMPLATE_VERSION_NAME}' name")]
    version: Value = text.strip().lstrip("=").strip().strip('"')
    reference = _REFERENCE.match(text.strip())
    if reference:
        sheet = sheets.get(reference["sheet"])
        column = 0
        for letter in reference["column"].upper():
            column = column * 26 + ord(letter) - 64
        version = sheet.get(int(reference["row"]), column) if sheet else None
    parsed = values.number(version)
    if parsed is None or parsed is values.INVALID or parsed not in catalogue.TEMPLATE_VERSIONS_READ:
        shown = values.text(version) or "blank"
        return 0, [finding("template.version", file=name, value=shown,
                           reason=f"its version is {shown}")]
    return int(parsed), []


def _defined_name(data: bytes, wanted: str) -> str | None:
    from defusedxml import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ElementTree.fromstring(read_small(archive, workbook_part(archive)))
    matches = [element for element in root.iter()
               if element.tag.rsplit("}", 1)[-1] == "definedName"
               and (element.get("name") or "").casefold() == wanted.casefold()]
    # A workbook-level name is the contract; a sheet-level one of the same name is accepted after it.
    matches.sort(key=lambda element: element.get("localSheetId") is not None)
    return (matches[0].text or "") if matches else None
