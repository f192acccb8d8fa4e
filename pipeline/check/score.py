"""Scores and RAG of each partnership, exactly as README.md ("Scores") defines them.

Pure functions: a loaded workbook and its findings in, a frozen `PartnershipScore` out. Answers are
read with the same parsers the rules use (`pipeline.values`), so a cell that raised a finding never
counts as a valid answer here: an answer that cannot be read (a negative funding, a Status not in the
list, a rating of 6, a due date of "soon") is never a figure. It is left out of every total and chart,
and listed in `PartnershipScore.left_out` with its cell, so the pack can say what was left out and
where. Every threshold comes from `Config`; the reasons given for a RAG rating quote the threshold that
was crossed, so a manager can see why.

The same Partnership ID returned in more than one workbook is counted once in the headline figures:
`mark_duplicates` chooses the return that counts (`counting_order`) and marks the others.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

from pipeline import catalogue, significance, values
from pipeline.catalogue import (
    AMBER,
    COMPLETE,
    GREEN,
    HIGH,
    IN_PROGRESS,
    NO,
    NOT_ASSESSED,
    NOT_STARTED,
    OUT_OF_SCOPE,
    PARTLY,
    RAG_ORDER,
    RED,
    YES,
)
from pipeline.check import objectives as objective_answers
from pipeline.config import Config
from pipeline.findings import ERROR, WARNING, Finding, RuleCode, ValidationReport, file_status
from pipeline.formats import long_date, percent, rounded
from pipeline.records import Workbook

OVERDUE = "overdue"
ACTION_KEYS = (NOT_STARTED, IN_PROGRESS, COMPLETE, OVERDUE)
#: How a copy of a file saved twice says which file it is, in register.xlsx's Why not counted, where rollover
#: reads it (`pipeline.cycle.register.is_copy`), and in the pack's register.
SAME_FILE_AS = "the same file as"


@dataclass(frozen=True)
class ActionLine:
    """One improvement action: the area it answers, who owns it, when it is due and how it stands."""

    ref: str
    area: str
    action: str
    owner: str  # '' when none is named: 'TBC' or 'N/A' names no one (action.no_owner)
    due: dt.date | None
    status: str  # Not started / In progress / Complete (blank counts as Not started), or the text typed
    overdue_days: int  # 0 unless due before the as-of date and not Complete
    status_valid: bool = True  # False when the status typed is not in the list: then it is in no count
    due_typed: str = ""  # the due date as typed when it cannot be read as a date ('' otherwise)

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


@dataclass(frozen=True)
class RiskLine:
    """A rated risk: both likelihood and impact are whole numbers 1 to 5."""

    ref: str
    text: str
    likelihood: int
    impact: int
    score: int
    band: str
    mitigated: bool


@dataclass(frozen=True)
class LeftOut:
    """An answer that cannot be read, so it is in no figure: where it is, what it answers, what was typed."""

    sheet: str
    cell: str
    answer: str  # e.g. "Annual council funding (£)", "Question 1b Status", "Risk R03 Likelihood"
    value: str


@dataclass(frozen=True)
class PartnershipScore:
    file: str
    id: str
    name: str
    service_area: str
    in_scope: bool  # False when any of the strategy's scope tests is answered Yes
    assessed: bool  # False when a file-level or sheet-level error means the answers cannot be trusted
    rag: str
    rag_reasons: tuple[str, ...]
    #: The review's scores: None for an entry out of scope or not assessed, which has no review to score.
    checklist_completeness: float | None
    checklist_assurance: float | None  # None too when no question is answered Yes, Partly or No
    section_completeness: dict[str, float | None]
    improvement_coverage: float | None
    improvement_score: float | None  # None when no area has a valid answer
    actions: dict[str, int]  # Not started, In progress, Complete, overdue
    max_overdue_days: int
    risks: tuple[RiskLine, ...]
    high_unmitigated: int
    funding: float | None
    officer_days: float | None
    councillor_days: float | None
    next_review: dt.date | None
    review_overdue: bool
    findings: dict[str, int]  # by severity: error, warning
    scope_answered_yes: tuple[str, ...] = ()  # labels of the scope tests answered Yes
    action_lines: tuple[ActionLine, ...] = field(default=(), repr=False)
    checklist_statuses: dict[str, int] = field(default_factory=dict)  # Yes, Partly, No, N/A counts
    #: Each checklist question's Status (Yes, Partly, No, N/A, or '' when blank or not one of them) and each
    #: improvement area's Answer (Yes, No or ''), by Ref in the strategy's order: what the pack's "What the
    #: partnerships answered" counts across partnerships, and the profile's `checklist_gaps`.
    checklist_answers: dict[str, str] = field(default_factory=dict, repr=False)
    improvement_answers: dict[str, str] = field(default_factory=dict, repr=False)
    #: The Refs of the risks (the strategy's, and the officer's own with content) not rated: a Likelihood
    #: or Impact blank or not a whole number 1 to 5; they are in no risk figure.
    unrated_risks: tuple[str, ...] = ()
    review_completed_on: dt.date | None = None
    #: Whether its review is counted overdue only because the next review's date was not set: the review
    #: due on the date given was completed (`review_was_due`).
    next_review_not_set: bool = False
    left_out: tuple[LeftOut, ...] = ()  # answers that cannot be read, left out of every figure
    #: The file of the return that counts instead of this one, when another workbook has the same
    #: Partnership ID and counts by `counting_order`; '' when this return counts.
    duplicate_of: str = ""
    #: The file this one is, byte for byte, when it is a copy of a file saved twice (`file.copy`); '' otherwise.
    copy_of: str = ""
    template_version: int = 0
    #: The significance tier (`Config.tiers`) of an assessed, in-scope partnership, and why; '' otherwise.
    significance: str = ""
    significance_reasons: tuple[str, ...] = ()
    performance_method: str = ""  # as chosen from the list ('' when blank or not on it)
    proportionate: bool | None = None  # the method (none recorded too) against the tier; None when nothing to say
    #: What it says of each of the council's objectives (Yes, No, blank or invalid, not on its sheet);
    #: None when not stated (template version 1), out of scope or not assessed.
    objectives_said: objective_answers.Said | None = None
    total_budget: float | None = None
    partner_contributions: float | None = None

    @property
    def objectives(self) -> tuple[str, ...] | None:
        """The refs of the council's objectives it contributes to; None when not stated."""
        return None if self.objectives_said is None else self.objectives_said.yes

    @property
    def objectives_answered(self) -> bool:
        """Whether it answered any of the council's objectives Yes or No (blank answers, and objectives
        not on its sheet, say nothing either way)."""
        return self.objectives_said is not None and self.objectives_said.answered

    @property
    def high_risks(self) -> int:
        return sum(1 for risk in self.risks if risk.band == HIGH)

    @property
    def action_count(self) -> int:
        """Its actions in the counts: one whose status is not on the list is left out of them (`left_out`)."""
        return sum(self.actions[key] for key in (NOT_STARTED, IN_PROGRESS, COMPLETE))

    @property
    def counted(self) -> bool:
        """Whether this return is in the headline figures (a second return of an ID is not)."""
        return not self.duplicate_of

    @property
    def checklist_gaps(self) -> tuple[tuple[str, str], ...]:
        """The checklist questions not answered Yes or N/A, in the strategy's order: (ref, 'No', 'Partly' or
        '' for one left blank or answered other than the list allows), what a manager asks about first."""
        return tuple(
            (ref, answer)
            for ref, answer in self.checklist_answers.items()
            if answer not in (YES, catalogue.NOT_APPLICABLE)
        )

    @property
    def not_counted_because(self) -> str:
        """Why it is not counted (register.xlsx's Why not counted, beside Counted No, and after "Not
        counted:" in the pack's register): the return that counts instead and, of a copy, the file it
        copies ('' when counted)."""
        if self.counted:
            return ""
        counts = " counts" + (f" for {self.id}" if self.id else "")
        if not self.copy_of:
            return self.duplicate_of + counts
        if self.copy_of == self.duplicate_of:
            return f"{SAME_FILE_AS} {self.copy_of}, which{counts}"
        return f"{SAME_FILE_AS} {self.copy_of}; {self.duplicate_of}{counts}"


def score_workbook(
    workbook: Workbook, findings_for_it: Iterable[Finding], *, as_of: dt.date, config: Config
) -> PartnershipScore:
    """The scores of one workbook, given the findings raised on it (for the counts and assessment)."""
    findings_for_it = list(findings_for_it)
    severity = Counter(item.severity for item in findings_for_it)
    assessed = workbook.assessed and not any(item.blocks_assessment for item in findings_for_it)
    scope_yes = workbook.scope_answered_yes
    reviewed = assessed and not scope_yes  # a partnership under the strategy whose review could be read

    statuses = {
        row.question.ref: _valid(values.choice(row.status, catalogue.CHECKLIST_STATUSES)) for row in workbook.checklist
    }
    status_counts = Counter(status for status in statuses.values() if status)
    completeness = sum(status_counts.values()) / len(catalogue.QUESTIONS)
    sections = {
        name: sum(1 for q in catalogue.QUESTIONS if q.section == name and statuses.get(q.ref))
        / sum(1 for q in catalogue.QUESTIONS if q.section == name)
        for name in catalogue.SECTION_NAMES
    }
    divisor = status_counts[YES] + status_counts[PARTLY] + status_counts[NO]
    # Worked out exactly, with the weight as the decimal the configuration gives: 8 Yes and 4 Partly at
    # 0.4 are 80%, where binary arithmetic gives 79.99...% and so "below 80%".
    weight = Fraction(str(config.scoring.partly_weight))
    assurance = float((status_counts[YES] + weight * status_counts[PARTLY]) / divisor) if divisor else None

    answers = {
        row.area.ref: _valid(values.choice(row.answer, catalogue.IMPROVEMENT_ANSWERS)) for row in workbook.improvement
    }
    valid_answers = [answer for answer in answers.values() if answer]
    coverage = len(valid_answers) / len(catalogue.AREAS)
    improvement_score = valid_answers.count(YES) / len(valid_answers) if valid_answers else None

    action_lines = tuple(_actions(workbook, as_of))
    actions = {key: 0 for key in ACTION_KEYS}
    for line in action_lines:
        if line.status_valid:
            actions[line.status] += 1
            actions[OVERDUE] += line.overdue
    max_overdue = max((line.overdue_days for line in action_lines), default=0)

    risks = tuple(_risks(workbook, config))
    rated = {risk.ref for risk in risks}
    high_unmitigated = sum(1 for risk in risks if risk.band == HIGH and not risk.mitigated)
    next_review = _valid(values.date(workbook.value("next_review")))
    review_overdue = next_review is not None and next_review < as_of

    if not reviewed:
        # No review to score: an entry out of scope is not asked for one, and one not assessed could not be
        # read. Its figures are blank, not a 0% (or 100%) that reads as a score.
        completeness = assurance = coverage = improvement_score = None
        sections = dict.fromkeys(catalogue.SECTION_NAMES)
    name = catalogue.FIELDS_BY_KEY["name"].quoted(values.text(workbook.value("name")))
    completed = _valid(values.date(workbook.value("review_completed_on")))
    base = dict(
        file=workbook.file,
        id=catalogue.FIELDS_BY_KEY["id"].quoted(workbook.partnership_id),
        name=name,
        service_area=values.text(workbook.value("service_area")),
        in_scope=not scope_yes,
        assessed=assessed,
        checklist_completeness=completeness,
        checklist_assurance=assurance,
        section_completeness=sections,
        improvement_coverage=coverage,
        improvement_score=improvement_score,
        actions=actions,
        max_overdue_days=max_overdue,
        risks=risks,
        unrated_risks=tuple(row.ref for row in workbook.risks if row.ref not in rated),
        high_unmitigated=high_unmitigated,
        funding=_valid(values.amount(workbook.value("funding"))),
        officer_days=_valid(values.amount(workbook.value("officer_days"))),
        councillor_days=_valid(values.amount(workbook.value("councillor_days"))),
        next_review=next_review,
        review_overdue=review_overdue,
        review_completed_on=completed,
        next_review_not_set=review_overdue and review_was_due(completed, next_review, as_of),
        left_out=tuple(left_out(workbook)),
        findings={ERROR: severity[ERROR], WARNING: severity[WARNING]},
        scope_answered_yes=scope_yes,
        action_lines=action_lines,
        checklist_statuses={status: status_counts[status] for status in catalogue.CHECKLIST_STATUSES},
        checklist_answers={question.ref: statuses.get(question.ref) or "" for question in catalogue.QUESTIONS},
        improvement_answers={area.ref: answers.get(area.ref) or "" for area in catalogue.AREAS},
        template_version=workbook.template_version,
        objectives_said=objective_answers.said(workbook, config) if reviewed else None,
        total_budget=_valid(values.amount(workbook.value("total_budget"))),
        partner_contributions=_valid(values.amount(workbook.value("partner_contributions"))),
    )
    if reviewed:
        base.update(_significance(workbook, config))
    if not assessed:
        blocking = sorted({item.message for item in file_status((*workbook.findings, *findings_for_it)).blocking})
        return PartnershipScore(**base, rag=NOT_ASSESSED, rag_reasons=tuple(blocking))
    if scope_yes:
        return PartnershipScore(
            **base, rag=OUT_OF_SCOPE, rag_reasons=tuple(f"'{label}' is answered Yes" for label in scope_yes)
        )
    rag, reasons = _rag(
        completeness,
        assurance,
        max_overdue,
        actions[OVERDUE],
        risks,
        high_unmitigated,
        review_overdue,
        next_review,
        config,
        reviewed_on=base["review_completed_on"] if base["next_review_not_set"] else None,
    )
    return PartnershipScore(**base, rag=rag, rag_reasons=reasons)


def _significance(workbook: Workbook, config: Config) -> dict:
    tier, reasons = significance.classify({key: workbook.value(key) for key in catalogue.FIELDS_BY_KEY}, config.tiers)
    method = values.choice(workbook.value("performance_method"), catalogue.PERFORMANCE_METHODS)
    method = method if isinstance(method, str) else ""
    spec = config.tier(tier)
    return dict(
        significance=tier,
        significance_reasons=reasons,
        performance_method=method,
        proportionate=significance.proportionate(method, spec) if spec else None,
    )


def score_batch(
    workbooks: Iterable[Workbook], report: ValidationReport, *, as_of: dt.date, config: Config
) -> list[PartnershipScore]:
    """Scores of every workbook, in the workbooks' order, each with the findings raised on its file."""
    return mark_duplicates(
        [
            score_workbook(workbook, report.findings_in(workbook.file), as_of=as_of, config=config)
            for workbook in workbooks
        ],
        copies_of(report),
    )


#: A review completed at most this long before the next review date (or after it) is the review that
#: date was for.
REVIEW_YEAR = dt.timedelta(days=366)


def review_was_due(review_completed_on: dt.date | None, next_review: dt.date | None, as_of: dt.date) -> bool:
    """Whether the review completed is the one the next review date was for: completed in the year up to
    that date, or after it (late), by the as-of date (a date after it is a slip, not a review done). Past
    that date, the date of the next review was not set (rollover fills in this review's, and an officer
    may leave last year's), not a review left undone."""
    if review_completed_on is None or next_review is None or review_completed_on > as_of:
        return False
    return next_review - review_completed_on < REVIEW_YEAR


def counting_order(review_completed_on: dt.date | None, file: str) -> tuple:
    """Which of several returns of one Partnership ID counts: the one first in this order, that is the
    latest 'Review completed on' (a return without a readable date after every dated one), and of
    returns completed on the same day, the first by file name. The pack and rollover both use it."""
    return (review_completed_on is None, -(review_completed_on.toordinal() if review_completed_on else 0), file)


def partnership_order(counted: bool, copy: bool, review_completed_on: dt.date | None, file: str) -> tuple:
    """Which of a partnership's returns of one year (the same Partnership ID and name) is the one followed
    into the next year (rolled over, compared, given its history): the one first in this order, that is
    the one that counted in the figures (`mark_duplicates`, by which a copy of a file saved twice never
    counts), then, of a partnership whose ID another's return counted for, one that is not a `copy` of
    a file saved twice (`copy_of`), then `counting_order`."""
    return (not counted, copy, *counting_order(review_completed_on, file))


def mark_duplicates(scores: Sequence[PartnershipScore], copies: Mapping[str, str] = {}) -> list[PartnershipScore]:
    """`scores` with each second (third, ...) return of an assessed Partnership ID marked with the
    return that counts instead (`duplicate_of`); the rule is `counting_order`, among the files that are
    not a copy of another. `copies` (a file saved twice: the copy's file -> the file it copies, as
    `file.copy` gives them) marks a copy with no Partnership ID or not assessed too, which no ID tells
    apart, and gives each copy its `copy_of`."""
    from pipeline.check.rules import id_key

    groups: dict[str, list[PartnershipScore]] = {}
    for item in scores:
        if item.assessed and item.id:
            groups.setdefault(id_key(item.id), []).append(item)
    counts_instead: dict[str, str] = {}
    for group in groups.values():
        if len(group) > 1:
            first = min(
                group, key=lambda item: (item.file in copies, counting_order(item.review_completed_on, item.file))
            )
            counts_instead.update({item.file: first.file for item in group if item is not first})
    for item in scores:
        if item.file in copies and item.file not in counts_instead:  # not assessed, or with no ID
            counts_instead[item.file] = copies[item.file]
    return [
        replace(item, duplicate_of=counts_instead.get(item.file, ""), copy_of=copies.get(item.file, ""))
        for item in scores
    ]


def copies_of(report: ValidationReport) -> dict[str, str]:
    """The files saved twice in the batch: each copy's file -> the file it copies (`file.copy`)."""
    return {item.file: str(item.value) for item in report.findings if item.rule == RuleCode.FILE_COPY}


def totals(scores: Iterable[PartnershipScore]) -> dict:
    """The batch's headline numbers. Each Partnership ID is counted once (`mark_duplicates`): a second
    return of it is a workbook, but not a partnership. Resources are summed over assessed, in-scope
    partnerships only: an out-of-scope entry is not a partnership, and an unassessed workbook cannot be
    trusted. An answer that cannot be read adds nothing (`left_out`)."""
    scores = list(scores)
    partnerships = [item for item in scores if item.counted]
    counted = [item for item in partnerships if item.assessed and item.in_scope]
    rag = Counter(item.rag for item in partnerships)
    return {
        "workbooks": len(scores),
        "partnerships": len(partnerships),
        "duplicates_not_counted": len(scores) - len(partnerships),
        "assessed": sum(1 for item in scores if item.assessed),
        "in_scope": len(counted),
        "out_of_scope": sum(1 for item in partnerships if item.assessed and not item.in_scope),
        "not_assessed": sum(1 for item in partnerships if not item.assessed),  # a copy is not one more
        "rag": {name: rag[name] for name in RAG_ORDER},
        "funding": sum(item.funding or 0.0 for item in counted),
        "officer_days": sum(item.officer_days or 0.0 for item in counted),
        "councillor_days": sum(item.councillor_days or 0.0 for item in counted),
        # How many of them give each (optional answers): the sums above cover these alone.
        "funding_given": sum(1 for item in counted if item.funding is not None),
        "officer_days_given": sum(1 for item in counted if item.officer_days is not None),
        "councillor_days_given": sum(1 for item in counted if item.councillor_days is not None),
        "actions": {key: sum(item.actions[key] for item in counted) for key in ACTION_KEYS},
        "high_unmitigated": sum(item.high_unmitigated for item in counted),
        "reviews_overdue": sum(1 for item in counted if item.review_overdue),
        "answers_left_out": sum(len(item.left_out) for item in counted),
        "findings": {severity: sum(item.findings[severity] for item in scores) for severity in (ERROR, WARNING)},
    }


def rating_under(result: Mapping[str, Any], config: Config) -> str | None:
    """The rating a partnership's figures of a results.json (another year's) earn under `config`'s
    rules: the same figures (completeness, assurance, overdue actions, each risk's likelihood and impact
    and whether it is mitigated, the review's date) rated afresh. None when the figures are not all
    there, or the entry is not an assessed partnership in scope (its rating is not a judgement)."""
    if not (result.get("assessed", True) and result.get("in_scope", True)):
        return None
    try:
        risks = tuple(
            RiskLine(
                str(risk["ref"]),
                "",
                int(risk["likelihood"]),
                int(risk["impact"]),
                int(risk["likelihood"]) * int(risk["impact"]),
                config.scoring.risk_band(int(risk["likelihood"]) * int(risk["impact"])),
                bool(risk["mitigated"]),
            )
            for risk in result["risks"]
        )
        next_review = values.date(result.get("next_review"))
        rating, _ = _rag(
            float(result["checklist_completeness"]),
            None if result["checklist_assurance"] is None else float(result["checklist_assurance"]),
            int(result["max_overdue_days"]),
            int(result["actions"]["overdue"]),
            risks,
            sum(1 for risk in risks if risk.band == HIGH and not risk.mitigated),
            bool(result["review_overdue"]),
            next_review if isinstance(next_review, dt.date) else None,
            config,
        )
    except (KeyError, TypeError, ValueError):
        return None
    return rating


def _rag(
    completeness: float,
    assurance: float | None,
    max_overdue: int,
    overdue: int,
    risks: tuple[RiskLine, ...],
    high_unmitigated: int,
    review_overdue: bool,
    next_review: dt.date | None,
    config: Config,
    reviewed_on: dt.date | None = None,
) -> tuple[str, tuple[str, ...]]:
    """The rating and its reasons; `reviewed_on`: the date this review was completed, when the review
    counted overdue was done and only the next one's date was not set (`review_was_due`)."""
    rules = config.rag
    red = []
    if completeness < rules.red_completeness_below:
        red.append(f"Checklist completeness {_below(completeness, rules.red_completeness_below)}")
    if high_unmitigated:
        red.append(f"{values.counted(high_unmitigated, 'High risk')} with no mitigation")
    if max_overdue > rules.red_overdue_days_over:
        red.append(
            f"An action is overdue by {values.counted(max_overdue, 'day')} (more than {rules.red_overdue_days_over})"
        )
    if red:
        return RED, tuple(red)
    amber = []
    if completeness < rules.amber_completeness_below:
        amber.append(f"Checklist completeness {_below(completeness, rules.amber_completeness_below)}")
    if assurance is not None and assurance < rules.amber_assurance_below:
        amber.append(f"Checklist assurance {_below(assurance, rules.amber_assurance_below)}")
    if overdue:
        amber.append(f"{values.counted(overdue, 'action')} overdue")
    high = sum(1 for risk in risks if risk.band == HIGH)
    if high:
        amber.append(f"{values.counted(high, 'High risk')}")
    if review_overdue and reviewed_on is not None:
        amber.append(
            f"The next review date given, {long_date(next_review)}, has passed: it was this review's (completed on "
            f"{long_date(reviewed_on)}), and the next one's date was not set"
        )
    elif review_overdue:
        amber.append(f"The review was due on {long_date(next_review)}")
    if amber:
        return AMBER, tuple(amber)
    return GREEN, ()


def _actions(workbook: Workbook, as_of: dt.date) -> Iterable[ActionLine]:
    """An action exists where the officer wrote one (as the action rules read it); its status is
    Not started when blank. A status that is not in the list is kept as typed and counted nowhere, and
    a due date that cannot be read makes no action overdue (the rules report both)."""
    for row in workbook.improvement:
        action = values.stated(row.action)
        if not action:
            continue
        parsed = values.choice(row.action_status, catalogue.ACTION_STATUSES)
        status = parsed if isinstance(parsed, str) else values.text(row.action_status) or NOT_STARTED
        due = values.date(row.due)
        due_typed = values.text(row.due) if due is values.INVALID else ""
        due = _valid(due)
        known = parsed is not values.INVALID
        overdue_days = (as_of - due).days if known and due is not None and due < as_of and status != COMPLETE else 0
        yield ActionLine(
            ref=row.area.ref,
            area=row.area.text,
            action=action,
            owner=values.stated(row.owner),
            due=due,
            status=status,
            overdue_days=overdue_days,
            status_valid=known,
            due_typed=due_typed,
        )


#: Register fields whose answers are figures of the pack (totals, charts, overdue reviews).
FIGURE_FIELDS = (
    "funding",
    "officer_days",
    "councillor_days",
    "total_budget",
    "partner_contributions",
    "next_review",
    "review_completed_on",
)


def left_out(workbook: Workbook) -> Iterable[LeftOut]:
    """Every answer that feeds a figure but cannot be read, in sheet order, with its cell."""
    for key in FIGURE_FIELDS:
        entry = workbook.register.get(key)
        if entry is None:
            continue
        reader = values.date if entry.field.kind is catalogue.Kind.DATE else values.amount
        if reader(entry.value) is values.INVALID:
            yield LeftOut(catalogue.REGISTER.name, entry.cell(), entry.field.label, values.text(entry.value))
    for row in workbook.objectives:
        if objective_answers.contribution(row) is values.INVALID:
            yield LeftOut(
                catalogue.OBJECTIVES_SHEET.name,
                row.cell("Contributes"),
                f"Objective {row.ref} Contributes",
                values.text(row.contributes),
            )
    for row in workbook.checklist:
        if values.choice(row.status, catalogue.CHECKLIST_STATUSES) is values.INVALID:
            yield LeftOut(
                catalogue.CHECKLIST.name,
                row.cell("Status"),
                f"Question {row.question.ref} Status",
                values.text(row.status),
            )
    for row in workbook.improvement:
        for header, typed, reader in (
            ("Answer", row.answer, lambda value: values.choice(value, catalogue.IMPROVEMENT_ANSWERS)),
            ("Due date", row.due, values.date),
            ("Action status", row.action_status, lambda value: values.choice(value, catalogue.ACTION_STATUSES)),
        ):
            if reader(typed) is values.INVALID:
                yield LeftOut(
                    catalogue.IMPROVEMENT.name, row.cell(header), f"Area {row.area.ref} {header}", values.text(typed)
                )
    for row in workbook.risks:
        for header, typed in (("Likelihood", row.likelihood), ("Impact", row.impact)):
            if values.rating(typed, catalogue.RISK_RATINGS) is values.INVALID:
                yield LeftOut(
                    catalogue.RISKS_SHEET.name, row.cell(header), f"Risk {row.ref} {header}", values.text(typed)
                )


def _risks(workbook: Workbook, config: Config) -> Iterable[RiskLine]:
    texts = {risk.ref: risk.text for risk in catalogue.RISKS}
    for row in workbook.risks:
        likelihood = _valid(values.rating(row.likelihood, catalogue.RISK_RATINGS))
        impact = _valid(values.rating(row.impact, catalogue.RISK_RATINGS))
        if likelihood is None or impact is None:
            continue
        score = likelihood * impact
        yield RiskLine(
            ref=row.ref,
            text=values.text(row.text) or texts.get(row.ref, ""),
            likelihood=likelihood,
            impact=impact,
            score=score,
            band=config.scoring.risk_band(score),
            mitigated=bool(values.stated(row.mitigation)),
        )


def _valid(parsed):
    """A parser's result with INVALID read as no answer (the rules report it)."""
    return None if parsed is values.INVALID else parsed


def _below(value: float, threshold: float) -> str:
    """'52% is below 60%', with a decimal place when whole percentages would read '90% is below 90%'."""
    shown, limit = percent(value), percent(threshold)
    if shown == limit:
        shown, limit = f"{rounded(value, 1, percent=True)}%", f"{rounded(threshold, 1, percent=True)}%"
    return f"{shown} is below {limit}"
