"""What partners put in for each pound the council puts in: the strategy's "it is likely that
additional sources of funding will be available by working in partnership".

A partnership's leverage is its partners' money divided by the council's, both for the year:

- partners' money is *Partner contributions (£)*, or when that is blank, *Total partnership budget
  (£)* less *Annual council funding (£)* (the total is the whole budget, the council's part included);
- the council's money is *Annual council funding (£)*.

It is never guessed: when an answer is blank or cannot be read, when the council puts in nothing, or
when the total budget is less than the council's own funding, there is no leverage (None) and the
reason says why, in words the pack prints. Template version 1 workbooks have neither money field of
the partners, so they have no leverage. Partners' money is kept whenever it is known, leverage or not:
a partnership the council puts nothing into still says what the partners put in. The total is the
partners' money over the council's, summed over the partnerships that have a leverage (each Partnership
ID once, assessed and in scope: those the council funds that say what the partners put in); the
partners' money of those without one is summed apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from pipeline import catalogue, values
from pipeline.formats import money, rounded
from pipeline.check.score import PartnershipScore
from pipeline.records import Workbook

FUNDING, TOTAL, PARTNERS = "funding", "total_budget", "partner_contributions"

#: Why a partnership the council puts nothing into has no leverage (its partners' money is still kept).
NO_COUNCIL_MONEY = "the council puts in no money, so there is no council pound to compare with"


@dataclass(frozen=True)
class Leverage:
    value: float | None  # partners' money per council pound, rounded to 2 places; None: see reason
    council: float | None  # the council's money used, £
    partners: float | None  # the partners' money, £, whenever known (with or without a leverage)
    reason: str  # why there is no value, or where the partners' money comes from


def unreadable(key: str) -> str:
    """Why there is no leverage when the answer `key` (FUNDING, PARTNERS) cannot be read."""
    return f"'{_label(key)}' cannot be read"


def _label(key: str) -> str:
    field = catalogue.FIELDS_BY_KEY.get(key)
    return (
        field.label
        if field
        else {TOTAL: "Total partnership budget (£)", PARTNERS: "Partner contributions (£)"}.get(key, key)
    )


def _amount(workbook: Workbook, key: str) -> float | None | object:
    return values.amount(workbook.value(key))


def partnership_leverage(score: PartnershipScore, workbook: Workbook) -> Leverage:
    """One partnership's leverage, or the reason it has none. Its partners' money is kept whenever it
    is known, leverage or not: a partnership the council puts nothing into still says what partners do."""
    if not score.assessed:
        return Leverage(None, None, None, "the workbook could not be assessed")
    if not score.in_scope:
        return Leverage(None, None, None, "not a partnership under the strategy (out of scope)")
    council, total, partners = (_amount(workbook, key) for key in (FUNDING, TOTAL, PARTNERS))
    if partners is values.INVALID:
        return Leverage(None, None, None, unreadable(PARTNERS))
    if council is values.INVALID:
        return Leverage(None, None, partners, unreadable(FUNDING))
    if council is None:
        return Leverage(None, None, partners, f"'{_label(FUNDING)}' is not given")
    note = f"'{_label(PARTNERS)}'"
    reason = None
    if partners is None:
        if total is values.INVALID:
            reason = f"'{_label(PARTNERS)}' is not given and '{_label(TOTAL)}' cannot be read"
        elif total is None:
            reason = f"neither '{_label(PARTNERS)}' nor '{_label(TOTAL)}' is given"
        elif total < council:
            reason = f"'{_label(TOTAL)}' ({money(total)}) is less than the council's own funding ({money(council)})"
        else:
            partners, note = total - council, f"'{_label(TOTAL)}' less the council's funding"
    if council == 0:
        return Leverage(None, council, partners, NO_COUNCIL_MONEY)
    if reason is not None:
        return Leverage(None, council, None, reason)
    return Leverage(float(rounded(partners / council, 2)), council, partners, f"from {note}")


@dataclass(frozen=True)
class LeverageTotal:
    value: float | None  # partners' money per council pound over the partnerships that have a leverage
    council: float
    partners: float
    partnerships: int  # with a leverage
    without: int  # assessed, in scope, counted, with none
    reasons: tuple[tuple[str, int], ...]  # why not, most common first
    partners_only: int = 0  # of those without, how many say what the partners put in
    partners_only_money: float = 0.0  # and the partners' money they give, £ a year


def leverage_total(scores: Sequence[PartnershipScore], found: Mapping[str, Leverage]) -> LeverageTotal:
    """The council's partnerships together (each Partnership ID once, assessed and in scope)."""
    counted = [score for score in scores if score.counted and score.assessed and score.in_scope]
    with_value = [found[score.file] for score in counted if found[score.file].value is not None]
    council = sum(item.council or 0.0 for item in with_value)
    partners = sum(item.partners or 0.0 for item in with_value)
    reasons: dict[str, int] = {}
    for score in counted:
        if found[score.file].value is None:
            reasons[found[score.file].reason] = reasons.get(found[score.file].reason, 0) + 1
    partners_only = [
        found[score.file].partners
        for score in counted
        if found[score.file].value is None and found[score.file].partners is not None
    ]
    return LeverageTotal(
        float(rounded(partners / council, 2)) if council else None,
        council,
        partners,
        len(with_value),
        len(counted) - len(with_value),
        tuple(sorted(reasons.items(), key=lambda pair: (-pair[1], pair[0]))),
        len(partners_only),
        sum(partners_only),
    )


def leverage_by_file(scores: Iterable[PartnershipScore], workbooks: Sequence[Workbook]) -> dict[str, Leverage]:
    by_file = {workbook.file: workbook for workbook in workbooks}
    return {score.file: partnership_leverage(score, by_file[score.file]) for score in scores if score.file in by_file}
