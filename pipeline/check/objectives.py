"""A workbook's answers on the council's objectives, matched to this year's list.

The Objectives sheet (template version 2) lists the objectives of the configuration it was made with,
and the workbook records that list's fingerprint (`objectives_list`). When it is this year's list,
each configured objective's answer is on the row of its Ref. When it is another list (last year's, or
another council's), only the rows whose Ref and title both match an objective of this year's list are
read: an answer to "O3" means nothing if O3 is now another objective. A version 1 workbook states no
objectives at all (`supported` is None: "not stated").
"""

from __future__ import annotations

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


def supported(workbook: Workbook, config: Config) -> tuple[str, ...] | None:
    """The refs of the configured objectives the partnership contributes to; None when not stated."""
    if not stated(workbook):
        return None
    return tuple(objective.ref for objective, row in matched(workbook, config) if contribution(row) == catalogue.YES)


def answered(workbook: Workbook, config: Config) -> bool:
    """Whether any of the configured objectives is answered Yes or No (what `supported` reads)."""
    return any(contribution(row) in (catalogue.YES, catalogue.NO) for _, row in matched(workbook, config))


def differences(workbook: Workbook, config: Config) -> str:
    """In words, how the workbook's list differs from this year's (for `objectives.other_list`)."""
    theirs = {_fold(row.ref): _fold(row.title) for row in workbook.objectives}
    missing = [item.ref for item in config.objectives if theirs.get(_fold(item.ref)) != _fold(item.title)]
    ours = {_fold(item.ref) for item in config.objectives}
    extra = [row.ref for row in workbook.objectives if _fold(row.ref) not in ours]
    parts = []
    if missing:
        parts.append(f"this year's {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not on it as listed")
    if extra:
        parts.append(f"it lists {', '.join(extra)}, which this year's list does not")
    return "; ".join(parts) or "it was made with a list in another order"
