"""How the review writes numbers and dates for people: every format in one place.

The pack, the findings' messages, the scores' reasons and the workbooks written all take their
formats from here, so a date or an amount reads the same wherever it appears.
"""

from __future__ import annotations

import datetime as dt
from decimal import MAX_PREC, ROUND_HALF_UP, Context, Decimal
from typing import TYPE_CHECKING, Sequence

from pipeline.values import cut_at_word

if TYPE_CHECKING:
    from pipeline.config import Rag

#: The language everything the review writes is in, as its readers' tools are told it: the pack's
#: `lang` and the PDF's /Lang (from which a screen reader chooses its voice), and every workbook's
#: document language (dc:language, which checkers of published documents ask for).
LANGUAGE = "en-GB"

#: Shown where there is nothing to show: no answer, nothing to measure.
EMPTY = "\u2014"

#: Excel number formats of the workbooks written (template, feedback copies, register.xlsx).
EXCEL_DATE = "DD/MM/YYYY"
EXCEL_MONEY = "£#,##0"
EXCEL_PENCE = "£#,##0.00"  # an amount with pence, as `money` shows it: £49,999.50 is not £50,000
EXCEL_PERCENT = "0.0%"  # 89.7% beside its Amber for "below 90%", where "0%" showed 90%


#: A checklist question left blank, as the pack's tables show it.
NOT_ANSWERED = "Not answered"
#: How much of an answer typed that is not on its list the pack quotes (a note, not the whole cell).
QUOTED_CHARACTERS = 30


def not_listed(typed: str, allowed: Sequence[str]) -> str:
    """An answer typed that is none of its list's, as the pack shows it wherever the answer is shown:
    what the officer wrote, quoted and cut short, and that it is not one of them: '“Yse” (not one of
    Yes, Partly, No or N/A)', '“maybe” (not Yes or No)'. It is an answer, not a blank: the officer
    wrote something the review cannot count."""
    choices = f"{', '.join(allowed[:-1])} or {allowed[-1]}"
    return f"“{cut_at_word(typed, QUOTED_CHARACTERS)}” (not {'one of ' if len(allowed) > 2 else ''}{choices})"


def uk_date(day: dt.date) -> str:
    """A date as officers type it, in messages that ask them to type one: 31/03/2026."""
    return day.strftime("%d/%m/%Y")


#: The date every example shows where an officer is asked for one (the template's Guide and prompts,
#: the findings' messages), as officers type it.
EXAMPLE_DATE = uk_date(dt.date(2026, 3, 31))


def long_date(day: dt.date | None) -> str:
    """31 March 2026 (the one style the pack writes every date in), or the empty mark."""
    return EMPTY if day is None else f"{day.day} {day:%B %Y}"


def rounded(value: float, places: int = 0, *, percent: bool = False) -> Decimal:
    """`value` (times 100 for a `percent`) to `places` decimal places as a reader and Excel round it, a
    half away from zero (62.5% is 63%, 7.25 is 7.3), where Python's formatting takes the even one (62%)
    or the binary fraction's side (0.725 is 72.49999...%); from the figure as written, so 0.725 is 72.5%.
    Every figure the review writes for people is rounded here, so a figure reads the same in the pack,
    its charts and messages as in register.xlsx (0.0%). Never -0."""
    exact = _EXACT.multiply(Decimal(repr(float(value))), 100 if percent else 1)
    if not exact.is_finite():
        return exact
    return _EXACT.add(exact.quantize(Decimal(1).scaleb(-places), context=_EXACT), 0)


#: Arithmetic as wide as an amount needs (£1E+26 to the penny is 29 figures, past decimal's default 28).
_EXACT = Context(prec=MAX_PREC, rounding=ROUND_HALF_UP)


def money(value: float | None) -> str:
    """£1,200, £49,999.60 when there are pence (rounded to the pound, it would read as £50,000, at a
    significance threshold), or the empty mark."""
    if value is None:
        return EMPTY
    return f"£{rounded(value, 2):,}" if _has_pence(value) else f"£{rounded(value):,}"


def days(value: float | None) -> str:
    """12 or 2.5 (days), or the empty mark."""
    if value is None:
        return EMPTY
    return f"{rounded(value):,}" if float(value).is_integer() else f"{rounded(value, 1):,}"


def pounds(value: float | None) -> str:
    """An amount to the penny: 2.4 -> '£2.40' (partners' money per council pound), or the empty mark."""
    return EMPTY if value is None else f"£{rounded(value, 2):,}"


def excel_money(value: float) -> str:
    """The Excel number format that shows an amount as `money` writes it: with pence when it has them."""
    return EXCEL_PENCE if _has_pence(value) else EXCEL_MONEY


def _has_pence(value: float) -> bool:
    """Whether an amount to the penny is not whole pounds (£49,999.50, where £50,000 would mislead)."""
    pence = rounded(value, 2)
    return pence != pence.to_integral_value()


def average_score(value: float) -> str:
    """A risk's average score (likelihood x impact) to one place, as every table and chart shows it: 7.8."""
    return str(rounded(value, 1))


def days_said(value: float | None) -> str:
    """'1 day', '2.5 days' or 'days not given': a number of days in a sentence."""
    if value is None:
        return "days not given"
    return f"{days(value)} {'day' if value == 1 else 'days'}"


def percent(value: float | None) -> str:
    """0.523 -> 52%; the empty mark when there is nothing to measure."""
    return EMPTY if value is None else f"{rounded(value, percent=True)}%"


def percent_beside(value: float | None, limits: Sequence[float]) -> str:
    """A share as `percent` gives it, with a decimal place where the whole percent would read as at or
    above a limit it is below: 89.7% beside a rating for 'below 90%', which 90% would contradict."""
    if value is not None and _places_beside(value, limits):
        return f"{percent_shown(value, limits)}%"
    return percent(value)


def percent_shown(value: float, limits: Sequence[float]) -> Decimal:
    """The figure `percent_beside` prints for `value`: 89.7 or 86."""
    return rounded(value, _places_beside(value, limits), percent=True)


def _places_beside(value: float, limits: Sequence[float]) -> int:
    below = any(value < limit and rounded(value, percent=True) >= rounded(limit, percent=True) for limit in limits)
    return 1 if below else 0


def percent_rated(value: float | None, rag: Rag, measure: str) -> str:
    """Checklist completeness or assurance (`measure`) as the pack shows it beside a rating: with
    `percent_beside` against the thresholds `rag` rates it by."""
    return percent_beside(value, rag.limits(measure))


def points_rated(then: float | None, now: float | None, rag: Rag, measure: str) -> str:
    """'+13 points', '-10.3 points': the change between the two figures of `measure` as `percent_rated`
    shows them (100% to 89.7% is 10.3 points, not 10), so the three figures add up."""
    if then is None or now is None:
        return EMPTY
    limits = rag.limits(measure)
    step = percent_shown(now, limits) - percent_shown(then, limits)
    if not step:
        return "no change"
    return f"{step:+} point{'' if abs(step) == 1 else 's'}"
