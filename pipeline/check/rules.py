"""Loaded workbooks -> findings: every rule of the contract, each a small function.

A rule takes one loaded workbook, the as-of date and the configuration and yields findings; `check`
runs them all over a batch and never stops at the first. Only assessed workbooks (no file or sheet
error while loading) are checked cell by cell: the answers of a workbook whose layout is broken
cannot be trusted to be where the rules look. Messages come from `findings.RULES`; a rule only
chooses the code, the cell and the template's fields.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Callable, Iterable, Iterator, Sequence

from pipeline import catalogue, significance, values
from pipeline.check import objectives as objective_answers
from pipeline.check.score import review_was_due
from pipeline.catalogue import Field, Kind
from pipeline.config import Config
from pipeline.findings import Finding, RuleCode, ValidationReport, finding
from pipeline.formats import uk_date
from pipeline.records import ImprovementRow, RegisterValue, RiskRow, Workbook
from pipeline.values import INVALID

#: A check of one workbook: its findings given the as-of date and the configuration.
Check = Callable[[Workbook, dt.date, Config], Iterable[Finding]]


def _spoken(options: Sequence[str], conjunction: str = "or") -> str:
    return f"{', '.join(options[:-1])} {conjunction} {options[-1]}" if len(options) > 1 else "".join(options)


# --- Register --------------------------------------------------------------------------------------


def _register_finding(rule: RuleCode, workbook: Workbook, entry: RegisterValue, **fields: object) -> Finding:
    return finding(
        rule,
        file=workbook.file,
        sheet=catalogue.REGISTER.name,
        cell=entry.cell(),
        partnership_id=workbook.partnership_id,
        **{"value": entry.value, **fields},
        field=entry.field.label,
    )


def _entries(workbook: Workbook) -> Iterator[RegisterValue]:
    for item in catalogue.REGISTER_FIELDS:
        entry = workbook.register.get(item.key)
        if entry is not None:
            yield entry


#: Register fields about the partnership's review: an entry out of scope has no review to record.
REVIEW_FIELDS = ("next_review", "review_completed_on")


def register_missing(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """A required field left blank (the review's dates are not asked of an entry out of scope), or
    answered with words that say there is none ('TBC', 'N/A': `values.says_nothing`) where an answer is
    written, not chosen from a list."""
    excused = REVIEW_FIELDS if workbook.out_of_scope else ()
    for entry in _entries(workbook):
        if entry.field.required and entry.field.key not in excused and _blank(entry.field, entry.value):
            said = values.text(entry.value)
            fields = {"said": f": '{said}' does not answer it"} if said else {}
            yield _register_finding(RuleCode.REGISTER_MISSING, workbook, entry, **fields)


#: The kinds of answer that are written: one that only says there is none is no answer.
_WRITTEN = (Kind.TEXT, Kind.LIST, Kind.DATE)


def _blank(item: Field, value: object) -> bool:
    """Whether a register answer is blank: an empty cell, or words that say there is none where an answer
    is written (`values.says_nothing`)."""
    return values.clean(value) is None or (item.kind in _WRITTEN and values.says_nothing(value))


def register_invalid(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """A choice not in its list, a number that is not one or is negative, an email that is not one."""
    for entry in _entries(workbook):
        problem = _register_problem(entry.field, entry.value)
        if problem:
            yield _register_finding(RuleCode.REGISTER_INVALID, workbook, entry, problem=problem)


def _register_problem(item: Field, value: object) -> str:
    if _blank(item, value):
        return ""  # `register_missing`, when it is required
    if item.kind is Kind.CHOICE and values.choice(value, item.choices) is INVALID:
        return f"must be one of {_spoken(item.choices)}: choose one from the list"
    if item.kind is Kind.NUMBER:
        parsed = values.number(value)
        if parsed is INVALID:
            shown = values.text(value)
            if values.points_thousands(shown):
                return (
                    f"reads {shown}, full stops between thousands, which the review cannot tell from decimals: "
                    f"write {shown.replace('.', ',')} or {shown.replace('.', '')}, with one full stop only before "
                    "a part (pence, or part of a day)"
                )
            kind = _shown_as(shown) if any(character.isdigit() for character in shown) else ""
            if kind:  # typed so, or a figure its cell's format shows so ('50%' in Excel is stored as 0.5)
                wanted = "in pounds, such as 12000" if item.key in catalogue.MONEY_FIELDS else "in days, such as 20"
                return (
                    f"is {kind} ({shown}): give it {wanted}; if the cell's format shows it so, set its number "
                    "format to General first"
                )
            if item.key in catalogue.MONEY_FIELDS:
                return "must be an amount in pounds in figures, such as 12000, £12,000 or 1250.50 (commas only between thousands)"
            return (
                "must be a number of days in figures, such as 20 or 2.5 (a full stop, not a comma, before a part day)"
            )
        if parsed < 0:
            return "must not be negative: enter 0 if there is none"
    if item.kind is Kind.EMAIL and values.email(value) is INVALID:
        if values.text(value).count("@") > 1:
            return "holds more than one address: enter the lead officer's own address only"
        return "is not an email address: enter one such as name@council.gov.uk"
    if item.kind is Kind.LIST and not values.items(value, catalogue.LIST_SEPARATOR):
        return f"has no entries: list each one, separated by {catalogue.LIST_SEPARATOR}"
    if item.longest and len(values.text(value)) > item.longest:
        return f"is {len(values.text(value)):,} characters long, far longer than {_LONGEST_INSTEAD[item.key]}"
    return ""


#: A currency that is not pounds, as a figure shows it: its sign or its code ('€25,000.00', '25,000.00 EUR').
_CURRENCY = re.compile(r"[$€¥₹]|\b(?!GBP\b)[A-Z]{3}\b")


def _shown_as(figure: str) -> str:
    """What a figure that is not a plain number is shown as, when it is a percentage or another currency."""
    return "a percentage" if figure.endswith("%") else "in another currency" if _CURRENCY.search(figure) else ""


#: For an ID or a name longer than its field's `longest` (text pasted into the wrong cell, which the
#: pack quotes cut short), what to give instead.
_LONGEST_INSTEAD = {
    "id": "a Partnership ID: give the partnership's short reference, such as P-001",
    "name": "a partnership's name: give its name, and its purpose under Purpose",
}


def register_dates(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """A date field holding something that cannot be read as a date."""
    for entry in _entries(workbook):
        if entry.field.kind is Kind.DATE and values.date(entry.value) is INVALID:
            yield _register_finding(RuleCode.REGISTER_INVALID_DATE, workbook, entry)


def date_formulas(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """A date worked out by a formula: the date should be typed. One of today's date (=TODAY()) changes
    each time the file is saved, and the message says so; the value found is the formula, for both."""
    if not workbook.formulas:  # most workbooks: no answer cell holds a formula
        return
    for entry in _entries(workbook):
        formula = workbook.formulas.get((catalogue.REGISTER.name, entry.cell()))
        if entry.field.kind is Kind.DATE and formula:
            yield _register_finding(
                RuleCode.REGISTER_DATE_FORMULA,
                workbook,
                entry,
                formula=formula,
                changes=_changes(formula, "its date"),
                value=formula,
            )
    for row in workbook.improvement:
        formula = workbook.formulas.get((catalogue.IMPROVEMENT.name, row.cell("Due date")))
        if formula:
            yield _improvement_finding(
                RuleCode.ACTION_DATE_FORMULA,
                workbook,
                row,
                "Due date",
                formula,
                formula=formula,
                changes=_changes(formula, "it"),
            )


_TODAY = re.compile(r"\b(TODAY|NOW)\s*\(", re.IGNORECASE)


def _changes(formula: str, what: str) -> str:
    """', so its date changes each time the workbook is saved' for a formula of today's date; else ''."""
    return f", so {what} changes each time the workbook is saved" if _TODAY.search(formula) else ""


def _review_dates(workbook: Workbook) -> tuple[RegisterValue | None, object, object]:
    """The Next review date's entry, with the next review's date and this review's completion date as
    read (a date, None or INVALID), which the review-date rules compare."""
    entry, completed = workbook.register.get("next_review"), workbook.register.get("review_completed_on")
    return entry, values.date(entry.value) if entry else None, values.date(completed.value) if completed else None


def review_overdue(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """The next review was due before the as-of date. When this review was completed in the year up to
    that date, or after it, by the as-of date, it is the review that was due (`score.review_was_due`;
    rollover fills in its date): the date of the next one is what is missing, and the message says so."""
    entry, due, done = _review_dates(workbook)
    if isinstance(due, dt.date) and due < as_of:
        fields = {}
        if isinstance(done, dt.date) and review_was_due(done, due, as_of):
            before = ", before then" if done <= due else ""
            fields["fix"] = (
                f"This review was completed on {uk_date(done)}{before}: set the date of the next one "
                "(usually a year after this one)."
            )
        yield _register_finding(
            RuleCode.REGISTER_REVIEW_OVERDUE, workbook, entry, due=uk_date(due), as_of=uk_date(as_of), **fields
        )


def next_review_early(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """A next review date set before the review just completed: last year's date left unchanged."""
    entry, due, done = _review_dates(workbook)
    if isinstance(due, dt.date) and isinstance(done, dt.date) and due < done:
        yield _register_finding(
            RuleCode.REGISTER_NEXT_REVIEW_EARLY, workbook, entry, next=uk_date(due), completed=uk_date(done)
        )


#: A next review this many months or more after the review (or the as-of date) is not the yearly one.
LATE_REVIEW_MONTHS = 18


def next_review_late(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """A next review date set years ahead ('31/03/2031'): the council reviews every partnership each
    year, so a date more than `LATE_REVIEW_MONTHS` after this review (or the as-of date, when it is not
    completed) is most likely a slip of the year."""
    entry, due, done = _review_dates(workbook)
    after = done if isinstance(done, dt.date) else as_of
    if isinstance(due, dt.date) and due > _months_after(after, LATE_REVIEW_MONTHS):
        said = f"this review, completed on {uk_date(done)}" if after is done else uk_date(as_of)
        yield _register_finding(RuleCode.REGISTER_NEXT_REVIEW_LATE, workbook, entry, next=uk_date(due), after=said)


def _months_after(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day where it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def one_partner(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """Partner organisations read as one name that holds a comma or a '/': most likely a list that
    another separator joined ('Police, Fire and Rescue Service'), which would count as one organisation."""
    entry = workbook.register.get("partners")
    names = values.items(entry.value, catalogue.LIST_SEPARATOR) if entry else ()
    if len(names) == 1 and _JOINED.search(names[0]):
        yield _register_finding(RuleCode.REGISTER_ONE_PARTNER, workbook, entry, name=names[0])


#: What joins names that should have been separated by ';': a comma, or a slash between words.
_JOINED = re.compile(r",|\w\s*/\s*\w")


def scope_excluded(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """A scope test of the strategy's 'what is not partnership' answered Yes."""
    for item in catalogue.SCOPE_FIELDS:
        entry = workbook.register.get(item.key)
        if entry and values.choice(entry.value, item.choices) == catalogue.YES:
            yield _register_finding(RuleCode.SCOPE_EXCLUDED, workbook, entry)


#: The checklist question whose Evidence says how the partnership's performance is known: where an
#: officer says why a method the tier does not call proportionate is enough.
METHOD_QUESTION = next(question.ref for question in catalogue.QUESTIONS if question.ref == "4a")


def not_proportionate(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """A performance management method that the partnership's significance tier does not call
    proportionate (e.g. 'No formal method' for a Major partnership), or none recorded for a tier that
    expects a formal one."""
    entry = workbook.register.get("performance_method")
    if entry is None:
        return
    method = values.choice(entry.value, entry.field.choices) if values.text(entry.value) else ""
    if not isinstance(method, str):
        return  # not on the list: register.invalid says so
    name, reasons = significance.classify({key: workbook.value(key) for key in catalogue.FIELDS_BY_KEY}, config.tiers)
    tier = config.tier(name)
    if tier is not None and significance.proportionate(method, tier) is False:
        why = "; ".join(reasons) if reasons else "its register answers"
        used, this = (
            (f"'{method}'", "this method is enough")
            if method
            else (f"Leaving '{entry.field.label}' blank", "no formal method is needed")
        )
        yield _register_finding(
            RuleCode.REGISTER_NOT_PROPORTIONATE,
            workbook,
            entry,
            used=used,
            this=this,
            question=METHOD_QUESTION,
            tier=name,
            why=why,
            methods="; ".join(tier.methods),
        )


# --- Objectives ------------------------------------------------------------------------------------


def _objective_finding(rule: RuleCode, workbook: Workbook, cell: str, value: object = "", **fields: object) -> Finding:
    return finding(
        rule,
        file=workbook.file,
        sheet=catalogue.OBJECTIVES_SHEET.name,
        cell=cell,
        partnership_id=workbook.partnership_id,
        value=value,
        **fields,
    )


def objectives_answers(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """Version 2: the list the workbook was made with; each objective answered Yes or No, a Yes with
    its How; and at least one objective supported (the strategy asks every partnership to): said to
    support none only when every objective of this year's list is on its sheet and answered No."""
    if not objective_answers.stated(workbook):
        return
    if not objective_answers.same_list(workbook, config):
        yield _objective_finding(
            RuleCode.OBJECTIVES_OTHER_LIST,
            workbook,
            "",
            workbook.objectives_list,
            reason=objective_answers.differences(workbook, config),
        )
    pairs = objective_answers.matched(workbook, config)
    entry = workbook.register.get("objectives")
    unanswered = pairs and all(objective_answers.contribution(row) is None for _, row in pairs)
    if unanswered and entry and values.stated(entry.value):
        # The Register's older question, kept in the template: its answer is not what the review reads.
        yield _register_finding(RuleCode.OBJECTIVES_IN_REGISTER, workbook, entry)
    for objective, row in pairs:
        answer = objective_answers.contribution(row)
        if answer is None:
            yield _objective_finding(
                RuleCode.OBJECTIVES_UNANSWERED, workbook, row.cell("Contributes"), row.contributes, ref=objective.ref
            )
        elif answer is INVALID:
            yield _objective_finding(
                RuleCode.OBJECTIVES_INVALID, workbook, row.cell("Contributes"), row.contributes, ref=objective.ref
            )
        elif answer == catalogue.YES and values.clean(row.how) is None:
            yield _objective_finding(RuleCode.OBJECTIVES_NO_HOW, workbook, row.cell("How"), row.how, ref=objective.ref)
    if objective_answers.said(workbook, config).supports_none:
        yield _objective_finding(
            RuleCode.OBJECTIVES_NONE_SUPPORTED, workbook, pairs[0][1].cell("Contributes"), pairs[0][1].contributes
        )


# --- Checklist -------------------------------------------------------------------------------------


def checklist_status(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """Status blank (a warning: the review is incomplete) or not an allowed answer (an error)."""
    for row in workbook.checklist:
        status = values.choice(row.status, catalogue.CHECKLIST_STATUSES)
        if status is None or status is INVALID:
            rule = RuleCode.CHECKLIST_UNANSWERED if status is None else RuleCode.CHECKLIST_INVALID
            yield finding(
                rule,
                file=workbook.file,
                sheet=catalogue.CHECKLIST.name,
                cell=row.cell("Status"),
                partnership_id=workbook.partnership_id,
                value=row.status,
                ref=row.question.ref,
            )


def checklist_evidence(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """Yes or Partly claimed with nothing in Evidence."""
    for row in workbook.checklist:
        status = values.choice(row.status, catalogue.CHECKLIST_STATUSES)
        if status in (catalogue.YES, catalogue.PARTLY) and not values.stated(row.evidence):
            yield finding(
                RuleCode.CHECKLIST_NO_EVIDENCE,
                file=workbook.file,
                sheet=catalogue.CHECKLIST.name,
                cell=row.cell("Evidence"),
                partnership_id=workbook.partnership_id,
                value=row.evidence,
                ref=row.question.ref,
                status=status,
            )


# --- Improvement tool and its actions --------------------------------------------------------------


def _improvement_finding(
    rule: RuleCode, workbook: Workbook, row: ImprovementRow, header: str, value: object, **fields: object
) -> Finding:
    return finding(
        rule,
        file=workbook.file,
        sheet=catalogue.IMPROVEMENT.name,
        cell=row.cell(header),
        partnership_id=workbook.partnership_id,
        value=value,
        ref=row.area.ref,
        **fields,
    )


def improvement_answer(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """Answer blank (warning) or not Yes/No (error)."""
    for row in workbook.improvement:
        answer = values.choice(row.answer, catalogue.IMPROVEMENT_ANSWERS)
        if answer is None:
            yield _improvement_finding(RuleCode.IMPROVEMENT_UNANSWERED, workbook, row, "Answer", row.answer)
        elif answer is INVALID:
            yield _improvement_finding(RuleCode.IMPROVEMENT_INVALID, workbook, row, "Answer", row.answer)


def improvement_action(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """An area answered No needs an Action."""
    for row in workbook.improvement:
        if values.choice(row.answer, catalogue.IMPROVEMENT_ANSWERS) == catalogue.NO and not _has_action(row):
            yield _improvement_finding(RuleCode.IMPROVEMENT_NO_ACTION, workbook, row, "Action", row.action)


def _has_action(row: ImprovementRow) -> bool:
    return bool(values.stated(row.action))


def _actions(workbook: Workbook) -> Iterator[ImprovementRow]:
    """The rows with an Action: the action rules apply to these only."""
    return (row for row in workbook.improvement if _has_action(row))


def action_owner(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """An action whose owner is blank, or only says there is none ('TBC', 'N/A': `values.stated`), as a
    required register field's is."""
    for row in _actions(workbook):
        if not values.stated(row.owner):
            said = values.text(row.owner)
            fields = {"said": f": '{said}' does not name anyone"} if said else {}
            yield _improvement_finding(RuleCode.ACTION_NO_OWNER, workbook, row, "Action owner", row.owner, **fields)


def action_due_date(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """An action with no due date (warning); a due date that cannot be read, on any row (error)."""
    for row in workbook.improvement:
        due = values.date(row.due)
        if due is INVALID:
            yield _improvement_finding(RuleCode.ACTION_INVALID_DATE, workbook, row, "Due date", row.due)
        elif due is None and _has_action(row):
            yield _improvement_finding(RuleCode.ACTION_NO_DUE_DATE, workbook, row, "Due date", row.due)


def action_status(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """A status typed that is not in the list, on any row (a blank status counts as Not started)."""
    for row in workbook.improvement:
        if values.choice(row.action_status, catalogue.ACTION_STATUSES) is INVALID:
            yield _improvement_finding(
                RuleCode.ACTION_INVALID_STATUS, workbook, row, "Action status", row.action_status
            )


def action_overdue(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """Due before the as-of date and not Complete. A status not on the list ('Done') says nothing
    either way: action.invalid_status asks for it, and the action is never overdue, as in the scores."""
    for row in _actions(workbook):
        due = values.date(row.due)
        status = values.choice(row.action_status, catalogue.ACTION_STATUSES)
        if isinstance(due, dt.date) and due < as_of and status not in (catalogue.COMPLETE, INVALID):
            yield _improvement_finding(
                RuleCode.ACTION_OVERDUE, workbook, row, "Due date", row.due, due=uk_date(due), as_of=uk_date(as_of)
            )


# --- Risks -----------------------------------------------------------------------------------------

_RATINGS = (("Likelihood", "likelihood"), ("Impact", "impact"))


def _rated_risks(workbook: Workbook) -> Iterator[RiskRow]:
    """The strategy's nine risks always; an officer's own row only when it has some content."""
    for row in workbook.risks:
        if row.is_strategy_risk or any(
            values.clean(value) is not None
            for value in (row.text, row.likelihood, row.impact, row.mitigation, row.owner)
        ):
            yield row


def risk_ratings(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """Each Likelihood or Impact blank (warning) or not a whole number 1 to 5 (error)."""
    for row in _rated_risks(workbook):
        for header, words in _RATINGS:
            typed = row.likelihood if header == "Likelihood" else row.impact
            parsed = values.rating(typed, catalogue.RISK_RATINGS)
            if parsed is None or parsed is INVALID:
                rule = RuleCode.RISK_UNRATED if parsed is None else RuleCode.RISK_INVALID
                yield finding(
                    rule,
                    file=workbook.file,
                    sheet=catalogue.RISKS_SHEET.name,
                    cell=row.cell(header),
                    partnership_id=workbook.partnership_id,
                    value=typed,
                    ref=row.ref,
                    rating=words,
                )


def risk_unmitigated(workbook: Workbook, as_of: dt.date, config: Config) -> Iterator[Finding]:
    """A High risk (by the configured bands) with no Mitigation."""
    for row in _rated_risks(workbook):
        likelihood = values.rating(row.likelihood, catalogue.RISK_RATINGS)
        impact = values.rating(row.impact, catalogue.RISK_RATINGS)
        if not isinstance(likelihood, int) or not isinstance(impact, int):
            continue
        score = likelihood * impact
        if config.scoring.risk_band(score) == catalogue.HIGH and not values.stated(row.mitigation):
            yield finding(
                RuleCode.RISK_UNMITIGATED,
                file=workbook.file,
                sheet=catalogue.RISKS_SHEET.name,
                cell=row.cell("Mitigation"),
                partnership_id=workbook.partnership_id,
                value=row.mitigation,
                ref=row.ref,
                score=score,
            )


#: The rules of the register, which every assessed workbook answers.
REGISTER_RULES: tuple[Check, ...] = (
    register_missing,
    register_invalid,
    register_dates,
    date_formulas,
    review_overdue,
    next_review_early,
    next_review_late,
    one_partner,
    scope_excluded,
)
#: The rules of the review itself, which the strategy asks only of a partnership: an entry out of scope
#: (a scope test answered Yes) is not asked to complete the checklist, improvement tool or risks.
REVIEW_RULES: tuple[Check, ...] = (
    not_proportionate,
    objectives_answers,
    checklist_status,
    checklist_evidence,
    improvement_answer,
    improvement_action,
    action_owner,
    action_due_date,
    action_status,
    action_overdue,
    risk_ratings,
    risk_unmitigated,
)
#: Every rule over one workbook, in the order of the contract's table.
WORKBOOK_RULES: tuple[Check, ...] = REGISTER_RULES + REVIEW_RULES
#: What an entry out of scope is asked: its register, but nothing about a review it does not have.
OUT_OF_SCOPE_RULES: tuple[Check, ...] = (
    register_missing,
    register_invalid,
    register_dates,
    date_formulas,
    scope_excluded,
)


# --- Across the batch ------------------------------------------------------------------------------


def id_key(partnership_id: str) -> str:
    """Partnership IDs are the same when they differ only in case or spaces."""
    return values.compact(partnership_id)


def duplicate_ids(workbooks: Sequence[Workbook]) -> Iterator[Finding]:
    """In each copy of a file saved twice (the same bytes, assessed or not), that it is one; then one
    finding in each assessed workbook, not a copy, whose Partnership ID another such workbook also uses.
    The original of a copy is the file the others are named as copies of (`_original`)."""
    same_bytes: dict[str, list[str]] = defaultdict(list)
    for workbook in workbooks:
        same_bytes[workbook.sha256].append(workbook.file)
    first_of = {digest: _original(files) for digest, files in same_bytes.items()}
    by_id: dict[str, list[Workbook]] = defaultdict(list)
    for workbook in workbooks:
        if workbook.size and workbook.sha256 and first_of[workbook.sha256] != workbook.file:  # not two empty files
            yield finding(
                RuleCode.FILE_COPY,
                file=workbook.file,
                partnership_id=workbook.partnership_id,
                value=first_of[workbook.sha256],
                other=first_of[workbook.sha256],
            )
        elif workbook.assessed and workbook.partnership_id:
            by_id[id_key(workbook.partnership_id)].append(workbook)
    for group in by_id.values():
        for workbook in group if len(group) > 1 else ():
            entry = workbook.register["id"]
            yield finding(
                RuleCode.REGISTER_DUPLICATE_ID,
                file=workbook.file,
                sheet=catalogue.REGISTER.name,
                cell=entry.cell(),
                partnership_id=workbook.partnership_id,
                value=entry.value,
                id=workbook.partnership_id,
                other=_spoken(sorted(_named(other) for other in group if other is not workbook), "and"),
            )


def _named(workbook: Workbook) -> str:
    """A return as another officer can tell whose it is: its file, and the partnership it names."""
    name = values.text(workbook.value("name"))
    return f"{workbook.file} ({catalogue.FIELDS_BY_KEY['name'].quoted(name)})" if name else workbook.file


def _original(files: list[str]) -> str:
    """Of files holding the same bytes, the one the others copy: the first by name of those not named as
    a copy of another of them ('P-004 - Copy.xlsx' of 'P-004.xlsx', 'return_1 copy.xlsx' of 'return_1.xlsx';
    not 'Partnership (2026).xlsx', which no other is named), also through a copy of a copy ('P-004 (1) -
    Copy.xlsx', Windows' copy of a browser's 'P-004 (1).xlsx', of 'P-004.xlsx')."""
    stems = {values.folded(PurePosixPath(file).stem) for file in files}

    def a_copy(file: str) -> bool:
        copied = values.copied_from(PurePosixPath(file).stem)
        while copied is not None and values.folded(copied) not in stems:
            copied = values.copied_from(copied)  # always shorter: the copy's mark is taken off
        return copied is not None

    return min(files, key=lambda file: (a_copy(file), file))


def check_workbook(workbook: Workbook, *, as_of: dt.date, config: Config) -> tuple[Finding, ...]:
    """The findings of every rule that looks at one workbook alone (none when it is not assessed).

    Needs nothing from the rest of the batch, so it runs where the workbook was read (see `assess`).
    """
    if not workbook.assessed:
        return ()
    rules = OUT_OF_SCOPE_RULES if workbook.out_of_scope else WORKBOOK_RULES
    return tuple(item for rule in rules for item in rule(workbook, as_of, config))


def batch_findings(workbooks: Sequence[Workbook]) -> list[Finding]:
    """The findings of the rules that look across the batch: the files saved twice, the Partnership IDs used twice."""
    return list(duplicate_ids(workbooks))


def batch_report(
    workbooks: Sequence[Workbook], checked: Iterable[Sequence[Finding]], batch_wide: Iterable[Finding]
) -> ValidationReport:
    """The batch's report: what loading found, each workbook's `check_workbook` findings, and
    `batch_findings`."""
    found: list[Finding] = [item for workbook in workbooks for item in workbook.findings]
    for own in checked:
        found.extend(own)
    found.extend(batch_wide)
    return ValidationReport.of(found)


def check(workbooks: Sequence[Workbook], *, as_of: dt.date, config: Config) -> ValidationReport:
    """All findings of the batch: what loading found, then every rule over each assessed workbook."""
    return batch_report(
        workbooks,
        (check_workbook(workbook, as_of=as_of, config=config) for workbook in workbooks),
        batch_findings(workbooks),
    )
