"""Rule codes, findings and the validation report.

Every rule the validator can raise has its code in `RuleCode` and is listed once in `RULES` with its
severity and a message template that tells the officer what to do. Rules elsewhere only name a code
and fill the template's fields. Tests assert codes and cells; they check wording only where the wording is the point (what an
officer is told, a file named in a message).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Iterable

from pipeline.catalogue import (
    AREAS,
    NOT_ASSESSED,
    SUPPORT_OBJECTIVES,
    TEMPLATE_VERSION,
    TEMPLATE_VERSIONS_READ,
    column_number,
)
from pipeline.formats import EXAMPLE_DATE
from pipeline.values import is_number, one_line

ERROR, WARNING = "error", "warning"


class RuleCode(StrEnum):
    """Every rule the validator can raise, by its code. A code's value is a public contract (README's
    table, results.json, validation_report.csv and .xlsx, the feedback copies): never change one. A
    finding is made only of a RuleCode (`finding` refuses any text that is not a code's value), and
    RULES must give each code its severity and message, or the package fails to import."""

    FILE_UNREADABLE = "file.unreadable"
    FILE_ENCRYPTED = "file.encrypted"
    FILE_UNSUPPORTED_FORMAT = "file.unsupported_format"
    FILE_TOO_LARGE = "file.too_large"
    FILE_COPY = "file.copy"
    TEMPLATE_VERSION = "template.version"
    TEMPLATE_PREVIOUS_VERSION = "template.previous_version"
    SHEET_MISSING = "sheet.missing"
    SHEET_LAYOUT = "sheet.layout"
    SHEET_ROWS_MOVED = "sheet.rows_moved"
    SHEET_OTHER_TABLE = "sheet.other_table"
    SHEET_COPY = "sheet.copy"
    SHEET_MERGED_CELLS = "sheet.merged_cells"
    REGISTER_MISSING = "register.missing"
    REGISTER_INVALID = "register.invalid"
    REGISTER_INVALID_DATE = "register.invalid_date"
    REGISTER_DATE_FORMULA = "register.date_formula"
    REGISTER_DUPLICATE_ID = "register.duplicate_id"
    REGISTER_REVIEW_OVERDUE = "register.review_overdue"
    REGISTER_NEXT_REVIEW_EARLY = "register.next_review_early"
    REGISTER_NEXT_REVIEW_LATE = "register.next_review_late"
    REGISTER_NOT_PROPORTIONATE = "register.not_proportionate"
    REGISTER_ONE_PARTNER = "register.one_partner"
    SCOPE_EXCLUDED = "scope.excluded"
    OBJECTIVES_OTHER_LIST = "objectives.other_list"
    OBJECTIVES_UNANSWERED = "objectives.unanswered"
    OBJECTIVES_INVALID = "objectives.invalid"
    OBJECTIVES_NO_HOW = "objectives.no_how"
    OBJECTIVES_NONE_SUPPORTED = "objectives.none_supported"
    OBJECTIVES_IN_REGISTER = "objectives.in_register"
    CHECKLIST_UNANSWERED = "checklist.unanswered"
    CHECKLIST_INVALID = "checklist.invalid"
    CHECKLIST_NO_EVIDENCE = "checklist.no_evidence"
    IMPROVEMENT_UNANSWERED = "improvement.unanswered"
    IMPROVEMENT_INVALID = "improvement.invalid"
    IMPROVEMENT_NO_ACTION = "improvement.no_action"
    ACTION_NO_OWNER = "action.no_owner"
    ACTION_NO_DUE_DATE = "action.no_due_date"
    ACTION_INVALID_DATE = "action.invalid_date"
    ACTION_DATE_FORMULA = "action.date_formula"
    ACTION_INVALID_STATUS = "action.invalid_status"
    ACTION_OVERDUE = "action.overdue"
    RISK_UNRATED = "risk.unrated"
    RISK_INVALID = "risk.invalid"
    RISK_UNMITIGATED = "risk.unmitigated"


@dataclass(frozen=True)
class Rule:
    code: RuleCode
    severity: str
    when: str  # the contract's "when", for the README and the pack's appendix
    template: str  # the message; {placeholders} are filled by the rule that raises it
    defaults: tuple[tuple[str, str], ...] = ()  # placeholders a rule may leave out, and their text


RULES: dict[RuleCode, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            RuleCode.FILE_UNREADABLE,
            ERROR,
            "not a workbook, truncated, corrupt, empty",
            "This file could not be read as a workbook ({reason}). Save it again from Excel as .xlsx "
            "using the standard template and send it again.",
        ),
        Rule(
            RuleCode.FILE_ENCRYPTED,
            ERROR,
            "password protected",
            "The workbook is password protected, so it cannot be read. Remove the password "
            "(File > Info > Protect Workbook) and send it again.",
        ),
        Rule(
            RuleCode.FILE_UNSUPPORTED_FORMAT,
            ERROR,
            "a format the review does not read",
            "This is {format} file; the review reads only .xlsx and .xlsm workbooks made from the "
            "standard template. Save it as an Excel Workbook (.xlsx) and send it again.",
        ),
        Rule(
            RuleCode.FILE_TOO_LARGE,
            ERROR,
            "over the configured size or uncompressed-size limit",
            "{reason}. Start again from the standard template.",
        ),
        Rule(
            RuleCode.FILE_COPY,
            WARNING,
            "the same file, byte for byte, as another return (the same return saved twice)",
            "This workbook is the same file, byte for byte, as {other}: the same return saved twice. It is "
            "left out of the figures; remove this copy.",
        ),
        Rule(
            RuleCode.TEMPLATE_VERSION,
            ERROR,
            "template version missing or unknown",
            "The workbook is not made from a known version of the standard template ({reason}; this review "
            f"reads versions {' and '.join(map(str, TEMPLATE_VERSIONS_READ))}). Copy your answers into the current "
            f"template (version {TEMPLATE_VERSION}).",
        ),
        Rule(
            RuleCode.TEMPLATE_PREVIOUS_VERSION,
            WARNING,
            "made from an earlier template version that is still read",
            "This workbook is made from template version {version}, which does not ask which of the council's "
            "objectives the partnership supports: they are reported as not stated. It is assessed as usual; "
            f"next year, use the current template (version {TEMPLATE_VERSION}).",
        ),
        Rule(
            RuleCode.SHEET_MISSING,
            ERROR,
            "a required sheet is absent",
            "The sheet '{sheet}' is missing. {fix}",
            (
                (
                    "fix",
                    "Copy your answers into a fresh copy of the standard template, which has every sheet, and do not "
                    "delete or rename its sheets.",
                ),
            ),
        ),
        Rule(
            RuleCode.SHEET_LAYOUT,
            ERROR,
            "header, Ref or field rows moved, renamed or deleted",
            "{problem}. {fix}",
            (
                (
                    "fix",
                    "Rows, columns or headers of the standard template have been moved, renamed or deleted: "
                    "copy your answers into a fresh template.",
                ),
            ),
        ),
        Rule(
            RuleCode.SHEET_ROWS_MOVED,
            WARNING,
            "rows inserted above a table's rows, or a table sorted, with every Ref still present once: read by Ref",
            "{problem}. Please {fix}: this time each answer was read from where its row now is, so none is lost.",
        ),
        Rule(
            RuleCode.SHEET_OTHER_TABLE,
            WARNING,
            "another table pasted below the risk register or the objectives (its header row or title, rows naming "
            "risks already listed, or rows after a gap), or anything typed below the last row of the Register, "
            f"Checklist or Improvement (a second partnership's copy of the sheet, an action under {AREAS[-1].ref}): "
            "not read",
            "{found} at row {row}, below the {table}: {unread}. {fix}",
            (
                ("found", "Another table starts"),
                ("unread", "it is not read"),
                ("fix", "Move it to a sheet of its own."),
            ),
        ),
        Rule(
            RuleCode.SHEET_COPY,
            WARNING,
            "a copy of a standard sheet ('Checklist (2)'): not read",
            "'{sheet}' is a copy of the '{original}' sheet: the review reads '{original}' only. If the copy holds "
            "this partnership's answers, put them on '{original}'; if another partnership's, give that partnership "
            "a workbook of its own (one partnership to a workbook). Then delete the copy.",
        ),
        Rule(
            RuleCode.SHEET_MERGED_CELLS,
            WARNING,
            "answer cells merged into one (the answers of several rows, or an answer and the cell beside it): "
            "only the merged cell's first is read",
            "{what} were merged into one cell, {cells}, so only {first} is read. Unmerge it (Home > Merge & "
            "Center) and {fix}.",
        ),
        Rule(
            RuleCode.REGISTER_MISSING,
            ERROR,
            "a required field is blank, or a written one only says there is none ('TBC', 'N/A')",
            "'{field}' is required{said}. Fill it in.",
            (("said", ""),),
        ),
        Rule(
            RuleCode.REGISTER_INVALID,
            ERROR,
            "not an allowed value, not a number, negative, not an email, an ID or name far too long",
            "'{field}' {problem}.",
        ),
        Rule(
            RuleCode.REGISTER_INVALID_DATE,
            ERROR,
            "a date that cannot be read",
            f"'{{field}}' is not a date that can be read. Enter a date such as {EXAMPLE_DATE}.",
        ),
        Rule(
            RuleCode.REGISTER_DATE_FORMULA,
            WARNING,
            "a date field holds a formula (such as =TODAY())",
            "'{field}' is worked out by a formula ({formula}){changes}. Type the date itself, such as "
            f"{EXAMPLE_DATE}.",
        ),
        Rule(
            RuleCode.REGISTER_DUPLICATE_ID,
            ERROR,
            "the same Partnership ID in two workbooks (one finding in each)",
            "Partnership ID '{id}' is also used in {other}. Each partnership needs its own ID: check the "
            "register and correct one of them.",
        ),
        Rule(
            RuleCode.REGISTER_REVIEW_OVERDUE,
            WARNING,
            "Next review date before the as-of date",
            "The next review was due on {due}, before {as_of}. {fix}",
            (("fix", "Complete the review and set the next review date."),),
        ),
        Rule(
            RuleCode.REGISTER_NEXT_REVIEW_EARLY,
            WARNING,
            "Next review date earlier than Review completed on",
            "The next review date, {next}, is before this review was completed on {completed}. Set the date "
            "of the next review (usually a year after this one).",
        ),
        Rule(
            RuleCode.REGISTER_NEXT_REVIEW_LATE,
            WARNING,
            "Next review date more than 18 months after Review completed on (or the as-of date, when the "
            "review is not completed): the council reviews every partnership each year",
            "The next review date, {next}, is more than a year and a half after {after}: the council reviews "
            "every partnership each year. Set the date of the next review (usually a year after this one).",
        ),
        Rule(
            RuleCode.REGISTER_ONE_PARTNER,
            WARNING,
            "Partner organisations holds one name with a comma or '/' in it: a list not separated by ;",
            "'{field}' is read as one organisation, '{name}'. If it names more than one, separate them with "
            "; (semicolon) or put one to a line, so that each is counted and compared with other partnerships.",
        ),
        Rule(
            RuleCode.REGISTER_NOT_PROPORTIONATE,
            WARNING,
            "the performance management method is not proportionate to the partnership's significance tier "
            "(or none is recorded for a tier that expects a formal method)",
            "{used} is not proportionate for a {tier} partnership ({why}): its performance should be managed "
            "by one of: {methods}. Choose the one used, or, if {this}, say why in the Evidence of checklist question "
            "{question} (the warning stays, for the pack's readers to weigh).",
        ),
        Rule(
            RuleCode.SCOPE_EXCLUDED,
            WARNING,
            "a scope test answered Yes: not a partnership under the strategy",
            "'{field}' is Yes, so under the strategy this is not a partnership and it will be reported as "
            "out of scope. If that is wrong, answer No.",
        ),
        Rule(
            RuleCode.OBJECTIVES_OTHER_LIST,
            WARNING,
            "the workbook was made with another list of objectives",
            "This workbook is not recognised as made with the council's list of objectives for this review "
            "({reason}). Only the answers to objectives whose Ref and title are on this year's list are read: "
            "copy your answers into this year's template.",
        ),
        Rule(
            RuleCode.OBJECTIVES_UNANSWERED,
            WARNING,
            "Contributes blank for an objective",
            "Objective {ref} has no answer. Choose Yes or No: does the partnership contribute to it?",
        ),
        Rule(
            RuleCode.OBJECTIVES_INVALID,
            ERROR,
            "Contributes not Yes or No",
            "Objective {ref}: Contributes must be Yes or No. Choose one from the list.",
        ),
        Rule(
            RuleCode.OBJECTIVES_NO_HOW,
            WARNING,
            "Contributes Yes with nothing in How",
            "Objective {ref} is answered Yes but How is blank. Say how the partnership contributes to it.",
        ),
        Rule(
            RuleCode.OBJECTIVES_NONE_SUPPORTED,
            WARNING,
            "every objective of the council's list on the sheet and answered No: it supports none",
            "The partnership is said to support none of the council's objectives, where the strategy says of "
            f"partnerships: \u201c{SUPPORT_OBJECTIVES}\u201d. Check the answers, or review whether the council "
            "should stay in it.",
        ),
        Rule(
            RuleCode.OBJECTIVES_IN_REGISTER,
            WARNING,
            "the Register's Council objectives supported is answered and the Objectives sheet is not",
            "'{field}' names objectives, but the review reads which the partnership supports from the "
            "Objectives sheet, where none is answered: there, answer Contributes Yes or No for each objective.",
        ),
        Rule(
            RuleCode.CHECKLIST_UNANSWERED,
            WARNING,
            "Status blank",
            "Question {ref} has no Status. Choose Yes, Partly, No or N/A.",
        ),
        Rule(
            RuleCode.CHECKLIST_INVALID,
            ERROR,
            "Status not an allowed value",
            "Question {ref}: the Status must be one of Yes, Partly, No or N/A. Choose one from the list.",
        ),
        Rule(
            RuleCode.CHECKLIST_NO_EVIDENCE,
            WARNING,
            "Yes or Partly with no Evidence",
            "Question {ref} is answered {status} but gives no Evidence. Say what shows it is in place.",
        ),
        Rule(RuleCode.IMPROVEMENT_UNANSWERED, WARNING, "Answer blank", "Area {ref} has no Answer. Choose Yes or No."),
        Rule(
            RuleCode.IMPROVEMENT_INVALID,
            ERROR,
            "Answer not Yes or No",
            "Area {ref}: the Answer must be Yes or No. Choose one from the list.",
        ),
        Rule(
            RuleCode.IMPROVEMENT_NO_ACTION,
            ERROR,
            "Answer No with no Action",
            "Area {ref} is answered No, so an Action is required. Say what will be done to put it right, who "
            "will do it (Action owner) and by when (Due date).",
        ),
        Rule(
            RuleCode.ACTION_NO_OWNER,
            WARNING,
            "an Action with no owner, or one that only says there is none ('TBC', 'N/A')",
            "The action for area {ref} has no owner{said}. Name the person responsible for it.",
            (("said", ""),),
        ),
        Rule(
            RuleCode.ACTION_NO_DUE_DATE,
            WARNING,
            "an Action with no due date",
            "The action for area {ref} has no due date. Enter the date it should be finished by.",
        ),
        Rule(
            RuleCode.ACTION_INVALID_DATE,
            ERROR,
            "a due date that cannot be read",
            f"The due date for area {{ref}} is not a date that can be read. Enter a date such as {EXAMPLE_DATE}.",
        ),
        Rule(
            RuleCode.ACTION_DATE_FORMULA,
            WARNING,
            "a due date holds a formula (such as =TODAY()+30)",
            "The due date for area {ref} is worked out by a formula ({formula}){changes}. Type the date itself, "
            f"such as {EXAMPLE_DATE}.",
        ),
        Rule(
            RuleCode.ACTION_INVALID_STATUS,
            ERROR,
            "Action status not an allowed value",
            "The action status for area {ref} must be Not started, In progress or Complete. Choose one from the list.",
        ),
        Rule(
            RuleCode.ACTION_OVERDUE,
            WARNING,
            "due date before the as-of date and status not Complete",
            "The action for area {ref} was due on {due} and is not Complete. If it is done, set its Action status "
            "to Complete; if not, agree a new date with its owner, type it as the Due date, and say why it moved "
            "at the end of the Action cell (the sheet has no other place for it).",
        ),
        Rule(
            RuleCode.RISK_UNRATED,
            WARNING,
            "Likelihood or Impact blank",
            "Risk {ref} has no {rating}. Rate it from 1 (very low) to 5 (very high).",
        ),
        Rule(
            RuleCode.RISK_INVALID,
            ERROR,
            "Likelihood or Impact not a whole number 1 to 5",
            "Risk {ref}: the {rating} must be a whole number from 1 to 5.",
        ),
        Rule(
            RuleCode.RISK_UNMITIGATED,
            WARNING,
            "a High risk with no Mitigation",
            "Risk {ref} is High (score {score}) and has no Mitigation. Say how the risk is being reduced.",
        ),
    )
}

if set(RULES) != set(RuleCode):
    raise ImportError(f"rule codes without a rule in findings.RULES: {sorted(set(RuleCode) - set(RULES))}")

#: Rules whose error means the workbook cannot be assessed at all.
FILE_LEVEL_RULES = frozenset(
    {
        RuleCode.FILE_UNREADABLE,
        RuleCode.FILE_ENCRYPTED,
        RuleCode.FILE_UNSUPPORTED_FORMAT,
        RuleCode.FILE_TOO_LARGE,
        RuleCode.TEMPLATE_VERSION,
        RuleCode.SHEET_MISSING,
        RuleCode.SHEET_LAYOUT,
    }
)

FINDING_COLUMNS = ("file", "sheet", "cell", "partnership_id", "rule", "severity", "message", "value")


@dataclass(frozen=True)
class Finding:
    """One problem, traceable to a file, a sheet and a cell (cell is empty for whole-file findings)."""

    file: str
    sheet: str
    cell: str
    partnership_id: str
    rule: RuleCode
    severity: str
    message: str
    value: str
    #: Whether what was found is a number (a cell holding -2500, not the text '-2500'): a number is never
    #: a formula, so the CSV writes it as it is, where text is guarded (`validation_report.neutralise`).
    value_is_number: bool = False

    def as_row(self) -> tuple[str, ...]:
        return tuple(getattr(self, column) for column in FINDING_COLUMNS)

    @property
    def blocks_assessment(self) -> bool:
        return self.rule in FILE_LEVEL_RULES and self.severity == ERROR


def finding(
    rule: RuleCode | str,
    *,
    file: str,
    sheet: str = "",
    cell: str = "",
    partnership_id: str = "",
    value: object = "",
    **fields: object,
) -> Finding:
    """Make a finding of a catalogued rule, filling its message template with `fields`. A code that is
    not a RuleCode's raises ValueError here, where the finding is made."""
    spec = RULES[RuleCode(rule)]
    return Finding(
        file=file,
        sheet=sheet,
        cell=cell,
        partnership_id=partnership_id,
        rule=spec.code,
        severity=spec.severity,
        message=spec.template.format(sheet=sheet, **{**dict(spec.defaults), **fields}),
        # A long answer's lines as one line: the report is a table of one line to a finding, and its
        # cell leads to the whole answer.
        value=one_line(display_value(value)),
        value_is_number=is_number(value),
    )


def display_value(value: object) -> str:
    """What was found, as text for the report (dates in ISO form, whole floats without .0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _cell_key(cell: str) -> tuple[int, int]:
    """Sort A1 references by row then column, so B2 comes before A10; blank cells first."""
    letters = cell.rstrip("0123456789")
    digits = cell[len(letters) :]
    return (int(digits) if digits else 0, column_number(letters))


def sort_key(item: Finding) -> tuple:
    return (item.file, item.sheet, _cell_key(item.cell), item.rule, item.message, item.value)


@dataclass(frozen=True)
class FileStatus:
    """Whether a file was assessed, and the findings that stopped it (file-level and sheet-level)."""

    blocking: tuple[Finding, ...] = ()

    @property
    def assessed(self) -> bool:
        return not self.blocking

    @property
    def label(self) -> str:
        return "Assessed" if self.assessed else NOT_ASSESSED

    @property
    def rules(self) -> list[str]:
        """The rules that stopped its assessment, sorted, each once."""
        return sorted({item.rule for item in self.blocking})


def file_status(findings: Iterable[Finding]) -> FileStatus:
    """The status of a file with these findings."""
    return FileStatus(tuple(item for item in findings if item.blocks_assessment))


@dataclass
class ValidationReport:
    """All findings of a batch, sorted, with the counts the CLI and the reports print."""

    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.findings = sorted(self.findings, key=sort_key)

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> "ValidationReport":
        return cls(list(findings))

    @property
    def errors(self) -> int:
        return sum(1 for item in self.findings if item.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for item in self.findings if item.severity == WARNING)

    @property
    def valid(self) -> bool:
        return self.errors == 0

    @property
    def exit_code(self) -> int:
        return int(not self.valid)

    def by_rule(self) -> Counter:
        return Counter(item.rule for item in self.findings)

    @cached_property
    def _grouped(self) -> dict[str, tuple[Finding, ...]]:
        grouped: dict[str, list[Finding]] = {}
        for item in self.findings:
            grouped.setdefault(item.file, []).append(item)
        return {file: tuple(items) for file, items in grouped.items()}

    def findings_by_file(self) -> dict[str, tuple[Finding, ...]]:
        """Every file with findings, and its findings in report order."""
        return dict(self._grouped)

    def findings_in(self, file: str) -> tuple[Finding, ...]:
        """The findings of one file, in report order (none for a clean file)."""
        return self._grouped.get(file, ())

    def status(self, file: str) -> FileStatus:
        """Whether `file` was assessed, and what stopped it."""
        return file_status(self.findings_in(file))

    def by_file(self) -> dict[str, Counter]:
        counts: dict[str, Counter] = {}
        for item in self.findings:
            counts.setdefault(item.file, Counter())[item.severity] += 1
        return dict(sorted(counts.items()))
