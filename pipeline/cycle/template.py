"""The standard workbook, generated from the catalogue: catalogue -> openpyxl Workbook -> file.

`build_workbook()` is pure (no file IO) and is what the demo set, next year's rolled-over workbooks
and the tests start from; `pipeline.files.xlsx.save` is the one way any of them writes a workbook,
so every file the project writes is reproducible byte for byte. Every question, label, answer and risk comes from
`pipeline.catalogue`; the prose written here is only the officer-facing help around it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import catalogue, values
from pipeline.catalogue import Field, Kind, SheetLayout
from pipeline.config import DEFAULT_OBJECTIVES, DEFAULT_TIERS, Objective, Scoring, Tier, objectives_fingerprint
from pipeline.files.atomic import write_atomic
from pipeline.files.xlsx import put, workbook_bytes
from pipeline.significance import takes
from pipeline.formats import EXAMPLE_DATE, EXCEL_DATE, EXCEL_MONEY, LANGUAGE

CREATOR = "Partnership review"

# --- Look ------------------------------------------------------------------------------------------

_FONT_NAME = "Arial"
_BODY = Font(name=_FONT_NAME, size=10)
_BOLD = Font(name=_FONT_NAME, size=10, bold=True)
_HEADER_FONT = Font(name=_FONT_NAME, size=10, bold=True, color="FFFFFF")
_TITLE_FONT = Font(name=_FONT_NAME, size=16, bold=True, color="1F4E79")
_HEADING_FONT = Font(name=_FONT_NAME, size=12, bold=True, color="1F4E79")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")  # grey: the strategy's text, read only
_ANSWER_FILL = PatternFill("solid", fgColor="FFF9E5")  # pale yellow: where the officer types
_EDGE = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_EDGE, right=_EDGE, top=_EDGE, bottom=_EDGE)
_UNLOCKED = Protection(locked=False)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(wrap_text=True, vertical="top", horizontal="center")

_POINTS_PER_LINE = 13.0  # a wrapped line of 10 pt Arial
_CHARS_PER_WIDTH_UNIT = 1.2  # Arial 10 fits slightly more than one character per width unit

# Column widths (in Excel's character units) chosen so that the longest question and area of
# practice wrap onto a few lines and a printed landscape A4 page holds the whole table.
_WIDTHS = {
    catalogue.REGISTER.name: {"Field": 38, "Value": 46, "Guidance": 80},
    catalogue.CHECKLIST.name: {
        "Ref": 6,
        "Section": 22,
        "Question": 58,
        "Status": 11,
        "Evidence": 50,
        "Evidence location": 30,
    },
    catalogue.IMPROVEMENT.name: {
        "Ref": 6,
        "Area of practice": 66,
        "Answer": 10,
        "Action": 46,
        "Action owner": 22,
        "Due date": 13,
        "Action status": 14,
    },
    catalogue.RISKS_SHEET.name: {"Ref": 6, "Risk": 56, "Likelihood": 11, "Impact": 11, "Mitigation": 56, "Owner": 24},
    catalogue.OBJECTIVES_SHEET.name: {"Ref": 8, "Objective": 50, "Contributes": 13, "How": 80},
}

#: Each sheet's header and rows form an Excel table of this name, so Excel and the screen readers that
#: read it announce the column header of the cell an officer is in (Excel's accessibility checker asks
#: for this). The tables have no style and no filter buttons: the cells keep the template's own look.
TABLE_NAMES = {
    catalogue.REGISTER.name: "RegisterFields",
    catalogue.CHECKLIST.name: "ChecklistQuestions",
    catalogue.IMPROVEMENT.name: "ImprovementAreas",
    catalogue.RISKS_SHEET.name: "RiskRatings",
    catalogue.OBJECTIVES_SHEET.name: "ObjectiveContributions",
}


def build_workbook(
    objectives: tuple[Objective, ...] = DEFAULT_OBJECTIVES,
    *,
    version: int = catalogue.TEMPLATE_VERSION,
    scoring: Scoring = Scoring(),
    tiers: tuple[Tier, ...] = DEFAULT_TIERS,
) -> Workbook:
    """The blank standard workbook, in memory, listing the council's `objectives` and telling officers
    the risk bands of `scoring` and the significance `tiers` with their proportionate methods (all the
    configuration's).

    `version=1` builds the previous template (no Objectives sheet, no budget fields): it is still read,
    and the tests keep returns made with it beside current ones."""
    if version not in catalogue.TEMPLATE_VERSIONS_READ:
        raise ValueError(f"no template version {version}")
    workbook = Workbook()
    workbook.remove(workbook.active)
    builders = {
        catalogue.GUIDE_SHEET: lambda sheet: _guide(sheet, version, scoring, tiers),
        catalogue.REGISTER.name: lambda sheet: _register(sheet, version),
        catalogue.OBJECTIVES_SHEET.name: lambda sheet: _objectives(sheet, objectives),
        catalogue.CHECKLIST.name: _checklist,
        catalogue.IMPROVEMENT.name: _improvement,
        catalogue.RISKS_SHEET.name: lambda sheet: _risks(sheet, scoring),
    }
    for name in catalogue.required_sheets(version):
        builders[name](workbook.create_sheet(name))
    workbook.defined_names[catalogue.TEMPLATE_VERSION_NAME] = DefinedName(
        catalogue.TEMPLATE_VERSION_NAME, attr_text=str(version)
    )
    if version >= 2:
        # Which list of objectives the workbook was made with, so a return made with another is found.
        workbook.defined_names[catalogue.OBJECTIVES_LIST_NAME] = DefinedName(
            catalogue.OBJECTIVES_LIST_NAME, attr_text=f'"{objectives_fingerprint(objectives)}"'
        )
    workbook.active = 0
    # Sheets cannot be renamed, moved or deleted (the loader finds them by name); no password.
    workbook.security = WorkbookProtection(lockStructure=True)
    properties = workbook.properties
    properties.creator = CREATOR
    properties.title = f"Partnership review workbook (template version {version})"
    properties.subject = catalogue.STRATEGY_TITLE
    properties.language = LANGUAGE
    return workbook


class NotATemplate(Exception):
    """A file of the template's name that is not a blank template: an officer's return, say."""


def write_blank(
    out_dir: Path,
    objectives: tuple[Objective, ...] = DEFAULT_OBJECTIVES,
    scoring: Scoring = Scoring(),
    tiers: tuple[Tier, ...] = DEFAULT_TIERS,
) -> Path:
    """Write the blank workbook to `out_dir/partnership_review.xlsx` and return its path. An officer's
    return saved there under the template's own name is never written over (`NotATemplate`): only a
    blank template (this one, or one made with other settings) is replaced."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / catalogue.TEMPLATE_FILE_NAME
    data = workbook_bytes(build_workbook(objectives, scoring=scoring, tiers=tiers))
    if path.is_file() and path.read_bytes() != data and not _blank(path):
        raise NotATemplate(
            f"{path} is not a blank template (an officer's return saved under the template's name?): it is not "
            "written over; move it, or write the template into another folder"
        )
    write_atomic(path, data)
    return path


def _blank(path: Path) -> bool:
    """Whether the workbook at `path` is a blank template: its Register's answers all empty."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - not a workbook openpyxl reads: not a template of ours
        return False
    try:
        if catalogue.REGISTER.name not in book.sheetnames:
            return False
        column = catalogue.REGISTER.column("Value")
        sheet = book[catalogue.REGISTER.name]
        return all(sheet[f"{column}{row}"].value is None for row in catalogue.REGISTER_ROWS.values())
    finally:
        book.close()


# --- Sheets ----------------------------------------------------------------------------------------


def _guide(sheet: Worksheet, version: int, scoring: Scoring, tiers: tuple[Tier, ...]) -> None:
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 100
    sheet.sheet_view.showGridLines = False
    strategy_risks = {risk.ref for risk in catalogue.RISKS}
    own_risks = [ref for ref in catalogue.RISK_ROWS if ref not in strategy_risks]
    rows: list[tuple[str, str, Font]] = [
        ("Partnership review workbook", "", _TITLE_FONT),
        (
            "",
            f"This workbook is the council's yearly review of one partnership. The "
            f"{catalogue.STRATEGY_TITLE} asks that every partnership the council takes part in be fit "
            f"for purpose, support the council's objectives and give value for money, and the council "
            f"reviews each one every year to see that it does. Complete one workbook for each "
            f"partnership and return it to the policy team.",
            _BODY,
        ),
        ("How to complete it", "", _HEADING_FONT),
        (
            "1. Register",
            "Fill in the Value column: one answer per field. Fields marked 'Required' in "
            "the Guidance column must be answered. Where a cell has a dropdown, choose "
            "from it. If last year's workbook was pre-filled for you, check every value.",
            _BODY,
        ),
        (
            "",
            f"The {len(catalogue.SCOPE_FIELDS)} fields in rows {_rows_spoken(catalogue.SCOPE_FIELDS)} are the "
            "strategy's tests of what is not a partnership. Answer Yes or No to each; a Yes means the arrangement is outside the strategy and is "
            "recorded as out of scope, so complete the other sheets only if every test is No.",
            _BODY,
        ),
        *(
            (
                (
                    "Objectives",
                    "For each of the council's objectives listed, answer Contributes Yes or No: does "
                    "this partnership help achieve it? For each Yes, say How in a sentence or two. "
                    f"The strategy says of partnerships: \u201c{catalogue.SUPPORT_OBJECTIVES}.\u201d",
                    _BODY,
                ),
            )
            if version >= 2
            else ()
        ),
        (
            "2. Checklist",
            f"For each of the {len(catalogue.QUESTIONS)} questions choose a Status and say in "
            "Evidence what shows it (a document, minute or report) and in Evidence location where it "
            "can be found (a link or file path). Yes and Partly need Evidence.",
            _BODY,
        ),
        (
            "3. Improvement",
            f"For each of the {len(catalogue.AREAS)} areas of practice answer Yes or No. For "
            "every No, write the Action you will take, who owns it, a due date and its status.",
            _BODY,
        ),
        (
            "4. Risks",
            f"Rate each of the strategy's {len(catalogue.RISKS)} risks for this partnership: Likelihood and "
            f"Impact from 1 (very low) to 5 (very high). Their product is the risk score; a "
            f"score above {scoring.risk_medium_max} is a High risk and needs a Mitigation (the review "
            f"reports a High risk with none). Give each risk an Owner. Add risks of your own in the open rows below "
            f"{catalogue.RISKS[-1].ref}.",
            _BODY,
        ),
        (
            "Typing",
            f"Type only in the answer columns: {_answer_columns(version)}. On the Risks sheet, "
            f"{_spoken_list(list(catalogue.OWN_RISK_HEADERS), 'and')} are answers too in the open rows "
            f"{own_risks[0]} to {own_risks[-1]}, for risks of your own. Every other cell holds the "
            f"strategy's text and is locked (answer cells are also shaded pale yellow, locked ones "
            f"grey). Each sheet's first row is set as its table's header row, so Excel and screen "
            f"readers name the column of the cell you are in. Dates may be typed as {EXAMPLE_DATE}. "
            f"The sheets are protected without a password only to keep the layout intact: please "
            f"do not unprotect them, insert or delete rows, or rename sheets, because the review "
            f"reads each answer from its place.",
            _BODY,
        ),
        ("Proportionate governance", "", _HEADING_FONT),
        (
            "",
            "The strategy asks that performance management be proportionate to the type and complexity "
            "of the partnership. The review places each partnership in the first of these tiers that "
            "takes it (from its Register answers) and checks its Performance management method against "
            "the tier's methods:",
            _BODY,
        ),
        *(
            (tier.name, f"Taken by {takes(tier)}. Proportionate methods: {'; '.join(tier.methods)}.", _BODY)
            for tier in tiers
        ),
        ("What the answers mean", "", _HEADING_FONT),
    ]
    for topic, meanings in catalogue.ANSWER_MEANINGS.items():
        rows.append((topic, "", _BOLD))
        rows.extend((answer, meaning, _BODY) for answer, meaning in meanings)
        if topic == "Checklist status":  # and for the questions asked the other way round
            rows.extend((f"Question {q.ref}", q.yes_means, _BODY) for q in catalogue.QUESTIONS if q.yes_means)
    rows += [
        ("What is a partnership?", "", _HEADING_FONT),
        ("Definition", f"\u201c{catalogue.DEFINITION}\u201d", _BODY),
        (
            "Types",
            "The strategy describes partnerships on a number of different spectrums; the "
            "Register asks where this one sits on each:",
            _BODY,
        ),
        *(("", f"\u2022 {kind}", _BODY) for kind in catalogue.PARTNERSHIP_TYPES),
        ("What is not a partnership?", "", _HEADING_FONT),
        ("", "The strategy is not applicable to:", _BODY),
        *((label, words, _BODY) for _, label, words in catalogue.SCOPE_TESTS),
        ("", catalogue.NOT_A_PARTNERSHIP_NOTE, _BODY),
        ("About this workbook", "", _HEADING_FONT),
        ("Template version", str(version), _BODY),
        ("Source", f"{catalogue.STRATEGY_TITLE}. {catalogue.STRATEGY_VERSION_NOTE}", _BODY),
    ]
    for row, (topic, text, font) in enumerate(rows, start=1):
        # Titles and headings stand alone in column A; elsewhere A names the topic that B explains.
        first, second = sheet.cell(row, 1, topic or None), sheet.cell(row, 2, text or None)
        first.font = font if font in (_TITLE_FONT, _HEADING_FONT) else _BOLD
        second.font = _BODY
        first.alignment = second.alignment = _WRAP
        if text:
            sheet.row_dimensions[row].height = _height((topic, text), (30, 100))
    sheet["A1"].alignment = Alignment(vertical="center")  # the title runs on across column B
    sheet.row_dimensions[1].height = 28
    _protect(sheet)
    _print_setup(sheet, landscape=False, title_rows=None)


def _register(sheet: Worksheet, version: int) -> None:
    layout = catalogue.REGISTER
    _header(sheet, layout)
    value_column = layout.column("Value")
    for field in catalogue.register_fields(version):
        row = catalogue.REGISTER_ROWS[field.key]
        guidance = field.guidance_shown
        _locked(sheet, layout, row, "Field", field.label, font=_BOLD if field.required else _BODY)
        _answer(sheet, layout, row, "Value")
        _locked(sheet, layout, row, "Guidance", guidance)
        cell = f"{value_column}{row}"
        if field.kind is Kind.DATE:
            sheet[cell].number_format = EXCEL_DATE
        elif field.key in catalogue.MONEY_FIELDS:
            sheet[cell].number_format = EXCEL_MONEY
        # Free-text answers (a purpose, a list of partners) get room for a few lines of their own.
        room = 3 if field.kind is Kind.LIST or field.long_answer else 1
        sheet.row_dimensions[row].height = _height(
            (field.label, guidance),
            (_WIDTHS[layout.name]["Field"], _WIDTHS[layout.name]["Guidance"]),
            minimum_lines=room,
        )
        _validate(sheet, _register_validation(field), [cell])
    _finish_table(sheet, layout, landscape=True)


def _register_validation(field: Field) -> DataValidation:
    title = field.label
    need = "Required." if field.required else "Optional."
    if field.kind is Kind.CHOICE:
        return _list_validation(field.choices, title, f"{need} Choose from the list.")
    if field.kind is Kind.NUMBER:
        # A warning, not a stop: officers paste figures such as '£1,200' and the review reads them.
        return DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Not a number",
            error="Enter a number of 0 or more, without text. Choose Yes to keep what you typed.",
            showInputMessage=True,
            promptTitle=title,
            prompt=f"{need} A number, 0 or more.",
        )
    if field.kind is Kind.DATE:
        return _prompt_only(title, f"{need} A date, for example {EXAMPLE_DATE}.")
    if field.kind is Kind.EMAIL:
        return _prompt_only(title, f"{need} A work email address, for example name@council.gov.uk.")
    if field.kind is Kind.LIST:
        return _prompt_only(title, f"{need} Separate entries with {catalogue.LIST_SEPARATOR} (semicolon).")
    return _prompt_only(title, f"{need} See the Guidance column.")


def _objectives(sheet: Worksheet, objectives: tuple[Objective, ...]) -> None:
    layout = catalogue.OBJECTIVES_SHEET
    widths = _WIDTHS[layout.name]
    _header(sheet, layout)
    for row, objective in enumerate(objectives, start=layout.first_row):
        _locked(sheet, layout, row, "Ref", objective.ref, alignment=_CENTRE)
        _locked(sheet, layout, row, "Objective", objective.title)
        _answer(sheet, layout, row, "Contributes", alignment=_CENTRE)
        _answer(sheet, layout, row, "How")
        sheet.row_dimensions[row].height = _height((objective.title,), (widths["Objective"],), minimum_lines=3)
    rows = range(layout.first_row, layout.first_row + len(objectives))
    _validate(
        sheet,
        _list_validation(
            catalogue.CONTRIBUTES_ANSWERS,
            "Contributes",
            "Does this partnership help achieve this objective of the council? A Yes needs a word on How.",
        ),
        _cells(layout, "Contributes", rows),
    )
    _validate(
        sheet,
        _prompt_only("How", "How the partnership contributes to this objective: what it does and what it achieves."),
        _cells(layout, "How", rows),
    )
    _finish_table(sheet, layout, landscape=True)
    # A council's own references may be longer than O1..O6 (up to 16 characters): each on one line.
    longest = max((len(objective.ref) for objective in objectives), default=0)
    column = sheet.column_dimensions[layout.column("Ref")]
    column.width = max(widths["Ref"], longest + 2)


def _checklist(sheet: Worksheet) -> None:
    layout = catalogue.CHECKLIST
    widths = _WIDTHS[layout.name]
    _header(sheet, layout)
    for question in catalogue.QUESTIONS:
        row = catalogue.CHECKLIST_ROWS[question.ref]
        _locked(sheet, layout, row, "Ref", question.ref, alignment=_CENTRE)
        _locked(sheet, layout, row, "Section", question.section)
        _locked(sheet, layout, row, "Question", question.text)
        for header in layout.answers:
            _answer(sheet, layout, row, header, alignment=_CENTRE if header == "Status" else _WRAP)
        sheet.row_dimensions[row].height = _height(
            (question.text, question.section), (widths["Question"], widths["Section"]), minimum_lines=2
        )
    rows = catalogue.CHECKLIST_ROWS.values()
    plain = [catalogue.CHECKLIST_ROWS[question.ref] for question in catalogue.QUESTIONS if not question.yes_means]
    _validate(
        sheet,
        _list_validation(
            catalogue.CHECKLIST_STATUSES,
            "Status",
            "How far is this in place? Yes and Partly need Evidence. The Guide sheet says what each answer means.",
        ),
        _cells(layout, "Status", plain),
    )
    for question in catalogue.QUESTIONS:
        if question.yes_means:  # a question asked the other way round says what its answers mean
            _validate(
                sheet,
                _list_validation(catalogue.CHECKLIST_STATUSES, "Status", question.yes_means),
                _cells(layout, "Status", [catalogue.CHECKLIST_ROWS[question.ref]]),
            )
    _validate(
        sheet,
        _prompt_only("Evidence", "What shows this is in place: a document, minute, report or decision, with its date."),
        _cells(layout, "Evidence", rows),
    )
    _validate(
        sheet,
        _prompt_only(
            "Evidence location", "Where the evidence can be found: a link, a file path or the team that holds it."
        ),
        _cells(layout, "Evidence location", rows),
    )
    _finish_table(sheet, layout, landscape=True)


def _improvement(sheet: Worksheet) -> None:
    layout = catalogue.IMPROVEMENT
    widths = _WIDTHS[layout.name]
    _header(sheet, layout)
    for area in catalogue.AREAS:
        row = catalogue.IMPROVEMENT_ROWS[area.ref]
        _locked(sheet, layout, row, "Ref", area.ref, alignment=_CENTRE)
        _locked(sheet, layout, row, "Area of practice", area.full_text)
        for header in layout.answers:
            centred = header in ("Answer", "Due date", "Action status")
            _answer(sheet, layout, row, header, alignment=_CENTRE if centred else _WRAP)
        sheet[f"{layout.column('Due date')}{row}"].number_format = EXCEL_DATE
        sheet.row_dimensions[row].height = _height((area.full_text,), (widths["Area of practice"],), minimum_lines=2)
    rows = catalogue.IMPROVEMENT_ROWS.values()
    _validate(
        sheet,
        _list_validation(
            catalogue.IMPROVEMENT_ANSWERS,
            "Answer",
            "Is this area of practice in place and working? A No needs an Action, an owner and a due date.",
        ),
        _cells(layout, "Answer", rows),
    )
    _validate(
        sheet,
        _prompt_only("Action", "What will be done to put this right. Required when the Answer is No."),
        _cells(layout, "Action", rows),
    )
    _validate(
        sheet,
        _prompt_only("Action owner", "The person who will make sure the action is done."),
        _cells(layout, "Action owner", rows),
    )
    _validate(
        sheet,
        _prompt_only("Due date", f"When the action is due, for example {EXAMPLE_DATE}."),
        _cells(layout, "Due date", rows),
    )
    _validate(
        sheet,
        _list_validation(
            catalogue.ACTION_STATUSES,
            "Action status",
            "Where the action has got to. Leave blank if there is no action.",
        ),
        _cells(layout, "Action status", rows),
    )
    _finish_table(sheet, layout, landscape=True)


def _risks(sheet: Worksheet, scoring: Scoring) -> None:
    layout = catalogue.RISKS_SHEET
    widths = _WIDTHS[layout.name]
    _header(sheet, layout)
    strategy_risks = {risk.ref: risk.text for risk in catalogue.RISKS}
    for ref, row in catalogue.RISK_ROWS.items():
        if ref in strategy_risks:
            _locked(sheet, layout, row, "Ref", ref, alignment=_CENTRE)
            _locked(sheet, layout, row, "Risk", strategy_risks[ref])
            sheet.row_dimensions[row].height = _height((strategy_risks[ref],), (widths["Risk"],), minimum_lines=2)
        else:
            _answer(sheet, layout, row, "Ref", ref, alignment=_CENTRE)
            _answer(sheet, layout, row, "Risk")
            sheet.row_dimensions[row].height = _height(("",), (widths["Risk"],), minimum_lines=2)
        for header in layout.answers:
            centred = header in ("Likelihood", "Impact")
            _answer(sheet, layout, row, header, alignment=_CENTRE if centred else _WRAP)
    rows = catalogue.RISK_ROWS.values()
    scale = "; ".join(
        f"{number} {words.lower()}" for number, words in catalogue.ANSWER_MEANINGS["Likelihood and Impact"]
    )
    for header, question in (
        ("Likelihood", "How likely is this risk to happen here?"),
        ("Impact", "How much would it hurt the partnership if it happened?"),
    ):
        _validate(
            sheet,
            _list_validation(catalogue.RISK_RATINGS, header, f"{question} {scale}."),
            _cells(layout, header, rows),
        )
    _validate(
        sheet,
        _prompt_only(
            "Mitigation",
            "What is being done to reduce the risk. Every High risk "
            f"(score above {scoring.risk_medium_max}) needs one.",
        ),
        _cells(layout, "Mitigation", rows),
    )
    _validate(sheet, _prompt_only("Owner", "The person who manages this risk."), _cells(layout, "Owner", rows))
    own_rows = [row for ref, row in catalogue.RISK_ROWS.items() if ref not in strategy_risks]
    _validate(
        sheet,
        _prompt_only(
            "Your own risk", "Describe a risk of your own and rate it. Keep or change the Ref (R10, R11, ...)."
        ),
        _cells(layout, "Risk", own_rows),
    )
    _finish_table(sheet, layout, landscape=True)


# --- Building blocks -------------------------------------------------------------------------------


def _header(sheet: Worksheet, layout: SheetLayout) -> None:
    for index, header in enumerate(layout.headers, start=1):
        cell = sheet.cell(layout.header_row, index, header)
        cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _BORDER
        cell.alignment = Alignment(vertical="center", horizontal="left", wrap_text=True)
    sheet.row_dimensions[layout.header_row].height = 20


def _locked(
    sheet: Worksheet,
    layout: SheetLayout,
    row: int,
    header: str,
    value: str | None = None,
    font: Font = _BODY,
    alignment: Alignment = _WRAP,
) -> None:
    cell = put(sheet, f"{layout.column(header)}{row}", value)
    cell.font, cell.fill, cell.border, cell.alignment = font, _LOCKED_FILL, _BORDER, alignment


def _answer(
    sheet: Worksheet, layout: SheetLayout, row: int, header: str, value: str | None = None, alignment: Alignment = _WRAP
) -> None:
    cell = put(sheet, f"{layout.column(header)}{row}", value)
    cell.font, cell.fill, cell.border, cell.alignment = _BODY, _ANSWER_FILL, _BORDER, alignment
    cell.protection = _UNLOCKED


def _answer_columns(version: int) -> str:
    """'Register: Value (column B); Checklist: Status, Evidence and Evidence location (columns D to F); ...',
    for the sheets of template `version`, in their order."""
    layouts = {layout.name: layout for layout in catalogue.ANSWER_LAYOUTS}
    named = []
    for layout in (layouts[name] for name in catalogue.required_sheets(version) if name in layouts):
        headers = list(layout.answers)
        columns = [layout.column(header) for header in headers]
        if len(columns) == 1:
            where = f"column {columns[0]}"
        elif len(columns) > 2 and "".join(columns) in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            where = f"columns {columns[0]} to {columns[-1]}"
        else:
            where = f"columns {_spoken_list(columns, 'and')}"
        named.append(f"{layout.name}: {_spoken_list(headers, 'and')} ({where})")
    return "; ".join(named)


def _finish_table(sheet: Worksheet, layout: SheetLayout, landscape: bool) -> None:
    for header, width in _WIDTHS[layout.name].items():
        sheet.column_dimensions[layout.column(header)].width = width
    last = f"{layout.column(layout.headers[-1])}{sheet.max_row}"
    sheet.add_table(
        Table(
            displayName=TABLE_NAMES[layout.name],
            ref=f"A{layout.header_row}:{last}",
            tableColumns=[TableColumn(id=index, name=header) for index, header in enumerate(layout.headers, start=1)],
        )
    )
    # The Ref (or Field) column stays in view with the header when scrolling either way.
    sheet.freeze_panes = f"B{layout.first_row}"
    _protect(sheet)
    _print_setup(sheet, landscape=landscape, title_rows=f"{layout.header_row}:{layout.header_row}")


def _protect(sheet: Worksheet) -> None:
    """Protection without a password: it guards the layout against slips, not against anyone."""
    protection = sheet.protection
    protection.sheet = True
    # Officers may still resize rows and columns to read long evidence.
    protection.formatRows = False
    protection.formatColumns = False


def _print_setup(sheet: Worksheet, landscape: bool, title_rows: str | None) -> None:
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = False
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "&A: page &P of &N"
    if title_rows:
        sheet.print_title_rows = title_rows


def _list_validation(options: Iterable[object], title: str, prompt: str) -> DataValidation:
    options = [str(option) for option in options]
    if any("," in option for option in options):
        raise ValueError(f"a list answer may not contain a comma: {options}")
    formula = '"' + ",".join(options) + '"'
    if len(formula) > 257:  # Excel refuses an inline list longer than 255 characters
        raise ValueError(f"inline list too long for Excel: {formula}")
    # Long lists (legal status) are read from the dropdown itself rather than from the message.
    allowed = _spoken_list(options) if len(options) <= 5 else "one of the answers"
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=_title(f"{title}: not on the list", otherwise="Not on the list"),
        error=_limited(f"Choose {allowed} from the dropdown list."),
        showInputMessage=True,
        promptTitle=_title(title),
        prompt=_limited(prompt),
    )


def _prompt_only(title: str, prompt: str) -> DataValidation:
    """An input message with no restriction: a hint for free text, dates typed as text included."""
    return DataValidation(allow_blank=True, showInputMessage=True, promptTitle=_title(title), prompt=_limited(prompt))


def _validate(sheet: Worksheet, validation: DataValidation, cells: Iterable[str]) -> None:
    sheet.add_data_validation(validation)
    for cell in cells:
        validation.add(cell)


def _cells(layout: SheetLayout, header: str, rows: Iterable[int]) -> list[str]:
    return [f"{layout.column(header)}{row}" for row in rows]


def _spoken_list(options: list[str], last: str = "or") -> str:
    return options[0] if len(options) == 1 else f"{', '.join(options[:-1])} {last} {options[-1]}"


#: Excel cuts an input message's or error alert's title after this many characters.
_TITLE_LENGTH = 32


def _title(text: str, otherwise: str | None = None) -> str:
    """`text` as a message title: whole when it fits, else `otherwise`, else cut after its last whole
    word that fits, with an ellipsis, never mid-word."""
    if len(text) <= _TITLE_LENGTH:
        return text
    if otherwise is not None:
        return otherwise
    return values.cut_at_word(text, _TITLE_LENGTH)


def _rows_spoken(fields: Iterable[Field]) -> str:
    """The Register rows of `fields`, which follow one another: '23 to 27'."""
    rows = sorted(catalogue.REGISTER_ROWS[field.key] for field in fields)
    if rows != list(range(rows[0], rows[-1] + 1)):
        raise ValueError(f"the fields are not in consecutive rows: {rows}")
    return f"{rows[0]} to {rows[-1]}"


def _limited(text: str) -> str:
    """Excel rejects (and asks to repair) an input or error message over 255 characters."""
    if len(text) > 255:
        raise ValueError(f"message longer than Excel allows ({len(text)} characters): {text}")
    return text


def _height(texts: Iterable[str], widths: Iterable[int], minimum_lines: int = 1) -> float:
    """A row height that shows the longest of `texts` wrapped in its column of the given width."""
    lines = minimum_lines
    for text, width in zip(texts, widths):
        per_line = max(1, int(width * _CHARS_PER_WIDTH_UNIT) - 2)
        wrapped = sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))
        lines = max(lines, wrapped)
    return round(lines * _POINTS_PER_LINE + 4, 1)
