"""What a loaded workbook is: typed records that remember their sheet and Excel row.

The loader stamps each record with the row number Excel shows, once; rules, scores and feedback use
`cell()` and never do arithmetic on rows. Values are as the officer typed them after the forgiving
clean-up of `values.clean` (spaces, non-breaking spaces; a long answer keeps the lines it was written on,
`catalogue` says which); parsing to dates, numbers and allowed answers is done by `values` where a
rule or a score needs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Sequence, Union

from pipeline import catalogue, values
from pipeline.catalogue import Area, Field, Question, SheetLayout
from pipeline.findings import FileStatus, Finding, file_status

Value = Union[str, int, float, bool, dt.date, dt.datetime, None]


def a1(layout: SheetLayout, header: str, row: int) -> str:
    return f"{layout.column(header)}{row}"


@dataclass(frozen=True)
class RegisterValue:
    field: Field
    row: int
    value: Value

    def cell(self) -> str:
        return a1(catalogue.REGISTER, "Value", self.row)


@dataclass(frozen=True)
class ChecklistRow:
    question: Question
    row: int
    status: Value
    evidence: Value
    evidence_location: Value

    def cell(self, header: str = "Status") -> str:
        return a1(catalogue.CHECKLIST, header, self.row)


@dataclass(frozen=True)
class ImprovementRow:
    area: Area
    row: int
    answer: Value
    action: Value
    owner: Value
    due: Value
    action_status: Value

    def cell(self, header: str = "Answer") -> str:
        return a1(catalogue.IMPROVEMENT, header, self.row)


@dataclass(frozen=True)
class RiskRow:
    ref: str
    row: int
    text: Value
    likelihood: Value
    impact: Value
    mitigation: Value
    owner: Value

    @property
    def is_strategy_risk(self) -> bool:
        return any(risk.ref == self.ref for risk in catalogue.RISKS)

    def cell(self, header: str = "Likelihood") -> str:
        return a1(catalogue.RISKS_SHEET, header, self.row)


@dataclass(frozen=True)
class ObjectiveRow:
    """A row of the Objectives sheet (template version 2): one of the council's objectives as the
    workbook lists it, and the officer's answer."""

    ref: str
    row: int
    title: Value
    contributes: Value
    how: Value

    def cell(self, header: str = "Contributes") -> str:
        return a1(catalogue.OBJECTIVES_SHEET, header, self.row)


@dataclass(frozen=True)
class Workbook:
    """One returned workbook: its records, or the file-level findings that stopped its loading."""

    file: str  # path relative to the input folder, with forward slashes
    sha256: str
    size: int
    register: dict[str, RegisterValue] = field(default_factory=dict)  # by Field.key
    checklist: tuple[ChecklistRow, ...] = ()
    improvement: tuple[ImprovementRow, ...] = ()
    risks: tuple[RiskRow, ...] = ()
    findings: tuple[Finding, ...] = ()  # what loading found (file, template, sheet problems)
    template_version: int = 0  # 0 when it cannot be read (then `template.version` is a finding)
    objectives: tuple[ObjectiveRow, ...] = ()  # version 2 only
    objectives_list: str = ""  # the fingerprint of the objectives list it was made with (version 2)
    #: (sheet, cell) -> formula, for the answer cells of the Register and Improvement sheets that hold
    #: a formula: its value is the one last saved, which may change each time the file is saved.
    formulas: dict[tuple[str, str], str] = field(default_factory=dict)
    demo: bool = False  # one of a demo set (`partnerships demo`), not a council's return

    @property
    def status(self) -> FileStatus:
        """Whether it is assessed: not when a file-level or sheet-level error means its answers cannot be
        trusted."""
        return file_status(self.findings)

    @property
    def assessed(self) -> bool:
        return self.status.assessed

    def value(self, key: str) -> Value:
        entry = self.register.get(key)
        return entry.value if entry else None

    @property
    def partnership_id(self) -> str:
        value = self.value("id")  # 'TBC' typed for an ID not given yet is none: no two share it
        return "" if value is None or values.says_nothing(value) else str(value).strip()

    @property
    def scope_answered_yes(self) -> tuple[str, ...]:
        """The labels of the strategy's scope tests ('what is not partnership') answered Yes."""
        return tuple(
            item.label
            for item in catalogue.SCOPE_FIELDS
            if values.choice(self.value(item.key), item.choices) == catalogue.YES
        )

    @property
    def out_of_scope(self) -> bool:
        """A scope test answered Yes: not a partnership, so the review's sheets do not apply to it."""
        return bool(self.scope_answered_yes)


def is_demo(workbooks: Sequence[Workbook]) -> bool:
    """Whether a run is a demonstration: every workbook it read is of a demo set."""
    return bool(workbooks) and all(workbook.demo for workbook in workbooks)


@dataclass(frozen=True)
class IgnoredFile:
    """A file in the input folder that is not a return: accounted for, with the reason."""

    file: str
    reason: str
