"""A workbook's answers on the council's objectives, matched to this year's list.

The Objectives sheet (template version 2) lists the objectives of the configuration it was made with,
and the workbook records that list's fingerprint (`objectives_list`). When it is this year's list,
each configured objective's answer is on the row of its Ref. When it is another list (last year's, or
another council's), only the rows whose Ref and title both match an objective of this year's list are
read: an answer to "O3" means nothing if O3 is now another objective, and an objective of this year's
list that is not on the sheet is *not listed*: neither Yes nor No. A version 1 workbook states no
objectives at all (`said` is None: "not stated").
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline import catalogue, values
from pipeline.config import Config, Objective
from pipeline.records import ObjectiveRow, Workbook


def same_list(workbook: Workbook, config: Config) -> bool:
    return workbook.objectives_list == config.objectives_fingerprint


def stated(workbook: Workbook) -> bool:
    """Whether the workbook asks about the objectives at all (template version 2 or later)."""
    return workbook.template_version >= 2


def _fold(text: object) -> str:
    return values.folded(values.text(text))


def matched(workbook: Workbook, config: Config) -> list[tuple[Objective, ObjectiveRow]]:
    """Each configured objective with the workbook's row answering it, in the configuration's order."""
    rows = {}
    for row in workbook.objectives:
        rows.setdefault(_fold(row.ref), row)
    exact = same_list(workbook, config)
    pairs = []
    for objective in config.objectives:
        row = rows.get(_fold(objective.ref))
        if row is not None and (exact or _fold(row.title) == _fold(objective.title)):
            pairs.append((objective, row))
    return pairs


def contribution(row: ObjectiveRow):
    """Yes, No, None (blank) or values.INVALID."""
    return values.choice(row.contributes, catalogue.CONTRIBUTES_ANSWERS)


@dataclass(frozen=True)
class Said:
    """What a return says of each of this year's objectives: the refs, in the configuration's order."""

    yes: tuple[str, ...] = ()
    no: tuple[str, ...] = ()
    blank_or_invalid: tuple[str, ...] = ()  # on its sheet, not answered Yes or No
    not_listed: tuple[str, ...] = ()  # not on its sheet (made with another list): neither Yes nor No

    @property
    def answered(self) -> bool:
        """Whether any objective of this year's list is answered Yes or No."""
        return bool(self.yes or self.no)

    @property
    def supports_none(self) -> bool:
        """Every objective of this year's list answered No (`objectives.none_supported`)."""
        return bool(self.no) and not (self.yes or self.blank_or_invalid or self.not_listed)

    @property
    def lists_none(self) -> bool:
        """Its sheet lists none of this year's objectives: made with another list, it cannot say."""
        return not (self.yes or self.no or self.blank_or_invalid)


def said(workbook: Workbook, config: Config) -> Said | None:
    """What the workbook says of each configured objective; None when it does not ask (version 1)."""
    if not stated(workbook):
        return None
    answers = {objective.ref: contribution(row) for objective, row in matched(workbook, config)}
    refs = [item.ref for item in config.objectives]
    return Said(
        yes=tuple(ref for ref in refs if answers.get(ref) == catalogue.YES),
        no=tuple(ref for ref in refs if answers.get(ref) == catalogue.NO),
        blank_or_invalid=tuple(
            ref for ref in refs if ref in answers and answers[ref] not in catalogue.CONTRIBUTES_ANSWERS
        ),
        not_listed=tuple(ref for ref in refs if ref not in answers),
    )


def differences(workbook: Workbook, config: Config) -> str:
    """In words, how the workbook's list differs from this year's (for `objectives.other_list`); the
    objectives it does not list are those `said` reports as not listed."""
    missing = said(workbook, config).not_listed
    ours = {_fold(item.ref) for item in config.objectives}
    extra = [row.ref for row in workbook.objectives if _fold(row.ref) not in ours]
    parts = []
    if missing:
        parts.append(
            f"it does not list this year's {', '.join(missing)} under {'its' if len(missing) == 1 else 'their'} Ref and title"
        )
    if extra:
        parts.append(f"it lists {', '.join(extra)}, which this year's list does not")
    if parts:
        return "; ".join(parts)
    listed = [_fold(row.ref) for row in workbook.objectives]
    twice = [row.ref for index, row in enumerate(workbook.objectives) if _fold(row.ref) in listed[:index]]
    if twice:
        return f"it lists {', '.join(twice)} more than once"
    if listed != [_fold(item.ref) for item in config.objectives]:
        return "it lists this year's objectives in another order"
    if not workbook.objectives_list:
        return (
            f"its Objectives sheet lists this year's objectives, but the workbook does not record the list it "
            f"was made with (its defined name {catalogue.OBJECTIVES_LIST_NAME} is missing)"
        )
    return (
        f"its Objectives sheet lists this year's objectives, but the workbook records another list "
        f"({workbook.objectives_list})"
    )
