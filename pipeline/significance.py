"""Significance tiers: how much governance a partnership calls for, from its register answers.

The strategy asks that "performance management needs to be proportionate to the type and complexity
of the partnership". Each tier of the configuration (`Config.tiers`, most significant first) takes a
partnership when any one of its conditions holds: council funding, officer or councillor days at or
above a threshold, or a register answer (or several joined by "and") such as "Council role = Leading".
The first tier that takes it is its tier; the last tier takes the rest. The tier's `methods` are the
performance management methods proportionate to it (`register.not_proportionate` when another is used,
or none is recorded for a tier that does not accept "No formal method").
"""

from __future__ import annotations

from typing import Mapping

from pipeline import catalogue, values
from pipeline.catalogue import Kind
from pipeline.config import Tier
from pipeline.formats import days, money

_THRESHOLDS = (
    ("funding_from", "funding", "Annual council funding {value} is at least {limit}", money),
    ("officer_days_from", "officer_days", "Officer time {value} days is at least {limit}", days),
    ("councillor_days_from", "councillor_days", "Councillor time {value} days is at least {limit}", days),
)
_BY_LABEL = {item.label.casefold(): item for item in catalogue.REGISTER_FIELDS if item.kind is Kind.CHOICE}


def parse_condition(condition: str) -> tuple[tuple[str, str], ...]:
    """'Council role = Leading and Strategic or operational = Strategic' -> ((key, answer), ...);
    ValueError naming what is wrong (a label not of a Register list, an answer not on its list)."""
    parts = []
    for part in condition.split(" and "):
        label, equals, answer = part.partition("=")
        if not equals:
            raise ValueError(f"has {condition!r}: write each condition as 'Register label = answer'")
        spec = _BY_LABEL.get(values.folded(label))
        if spec is None:
            raise ValueError(
                f"has {condition!r}: {label.strip()!r} is not a Register field with a list of answers "
                f"({'; '.join(item.label for item in _BY_LABEL.values())})"
            )
        chosen = values.choice(answer, spec.choices)
        if not isinstance(chosen, str):
            raise ValueError(
                f"has {condition!r}: {answer.strip()!r} is not one of {spec.label}'s answers "
                f"({'; '.join(spec.choices)})"
            )
        parts.append((spec.key, chosen))
    return tuple(parts)


def classify(answers: Mapping[str, object], tiers: tuple[Tier, ...]) -> tuple[str, tuple[str, ...]]:
    """The tier of a partnership given its register answers by field key, and why.

    An answer that cannot be read (a negative amount, a choice not on the list) meets no condition."""
    amounts = {key: values.amount(answers.get(key)) for _, key, _, _ in _THRESHOLDS}
    choices = {key: values.choice(answers.get(key), spec.choices) for spec in _BY_LABEL.values() for key in (spec.key,)}
    for tier in tiers:
        reasons = []
        for attribute, key, words, shown in _THRESHOLDS:
            limit, value = getattr(tier, attribute), amounts[key]
            if limit is not None and isinstance(value, (int, float)) and value >= limit:
                reasons.append(words.format(value=shown(value), limit=shown(limit)))
        for condition in tier.when:
            if all(choices.get(key) == answer for key, answer in parse_condition(condition)):
                reasons.append(condition)
        if reasons or tier.catches_all:
            return tier.name, tuple(reasons)
    return tiers[-1].name, ()


def proportionate(method: str, tier: Tier) -> bool:
    """Whether a method is proportionate to the tier. No method recorded ("") is as "No formal method":
    not proportionate to a tier that expects a formal method (Major and Moderate by default),
    proportionate to one content with none (Limited)."""
    chosen = method or catalogue.NO_FORMAL_METHOD
    return chosen.casefold() in {item.casefold() for item in tier.methods}


def takes(tier: Tier) -> str:
    """Which partnerships the tier takes, in words: 'council funding at least £250,000; or officer time
    at least 200 days; or Council role = Leading', or 'every other partnership' for the last."""
    if tier.catches_all:
        return "every other partnership"
    thresholds = [
        f"{words} at least {shown}"
        for words, limit, shown in (
            ("council funding", tier.funding_from, money(tier.funding_from)),
            ("officer time", tier.officer_days_from, f"{days(tier.officer_days_from)} days"),
            ("councillor time", tier.councillor_days_from, f"{days(tier.councillor_days_from)} days"),
        )
        if limit is not None
    ]
    return "; or ".join([*thresholds, *tier.when])
