"""results.json: every score of the year as data, with the audit trail (inputs and their SHA-256).

The shape is the contract README.md gives ("Outputs of a run"), plus `action_items` per partnership, which next
year's comparison (pipeline/cycle/compare.py) reads to follow last year's open actions; `counted` and
`duplicate_of` (a second return of a Partnership ID is not counted in `totals`), `copy_of` (the file a
copy of a file saved twice is, which next year's comparison follows rather than the copy), and `left_out`, the
answers that could not be read and are in no figure; `significance` (the tier's name, null when out
of scope or not assessed) and `objectives` (the refs of the council's objectives it contributes to,
null when not stated (template version 1), out of scope or not assessed), with `objectives_not_listed`
(the refs of the council's objectives its sheet, made with another list, does not list: neither Yes
nor No). Written with sorted keys and fixed indentation, so the same run gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Iterable, Sequence

import pipeline
from pipeline import catalogue
from pipeline.check.score import PartnershipScore, totals
from pipeline.config import Config
from pipeline.records import IgnoredFile, Workbook, is_demo

RESULTS_FILE = "results.json"
#: A requirement's distribution name ('matplotlib' of 'matplotlib<4,>=3.11').
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def library_versions() -> dict[str, str]:
    """The installed version of each library the tool requires, by name: the outputs are the same bytes
    for the same inputs with the same libraries, but another release of one (matplotlib draws its SVG a
    little differently from release to release) may change them. Empty when the tool runs from a
    source tree that was never installed. (importlib.metadata is imported here: `validate`, which imports
    this module for `RESULTS_FILE`, need not pay for it.)"""
    import importlib.metadata

    try:
        required = importlib.metadata.requires(pipeline.DISTRIBUTION) or ()
    except importlib.metadata.PackageNotFoundError:
        return {}
    names = sorted({_NAME.match(item)[0] for item in required if "extra ==" not in item}, key=str.casefold)
    return {name: importlib.metadata.version(name) for name in names}


def partnership_result(score: PartnershipScore) -> dict[str, Any]:
    return {
        "id": score.id,
        "name": score.name,
        "file": score.file,
        "service_area": score.service_area,
        "in_scope": score.in_scope,
        "assessed": score.assessed,
        "rag": score.rag,
        "rag_reasons": list(score.rag_reasons),
        "checklist_completeness": _round(score.checklist_completeness),
        "checklist_assurance": _round(score.checklist_assurance),
        "section_completeness": {name: _round(value) for name, value in score.section_completeness.items()},
        "improvement_coverage": _round(score.improvement_coverage),
        "improvement_score": _round(score.improvement_score),
        "actions": dict(score.actions),
        "max_overdue_days": score.max_overdue_days,
        "action_items": [
            {
                "ref": line.ref,
                "action": line.action,
                "owner": line.owner,
                "due": line.due.isoformat() if line.due else None,
                "status": line.status,
                "overdue_days": line.overdue_days,
            }
            for line in score.action_lines
        ],
        "risks": [
            {
                "ref": risk.ref,
                "likelihood": risk.likelihood,
                "impact": risk.impact,
                "score": risk.score,
                "band": risk.band,
                "mitigated": risk.mitigated,
            }
            for risk in score.risks
        ],
        "high_unmitigated": score.high_unmitigated,
        "funding": score.funding,
        "officer_days": score.officer_days,
        "councillor_days": score.councillor_days,
        "next_review": score.next_review.isoformat() if score.next_review else None,
        "review_overdue": score.review_overdue,
        "findings": dict(score.findings),
        "review_completed_on": score.review_completed_on.isoformat() if score.review_completed_on else None,
        "counted": score.counted,
        "duplicate_of": score.duplicate_of or None,
        "copy_of": score.copy_of or None,
        "template_version": score.template_version or None,
        "significance": score.significance or None,
        "significance_reasons": list(score.significance_reasons),
        "performance_method": score.performance_method or None,
        "method_proportionate": score.proportionate,
        "objectives": None if score.objectives is None else list(score.objectives),
        "objectives_not_listed": None if score.objectives_said is None else list(score.objectives_said.not_listed),
        "total_budget": score.total_budget,
        "partner_contributions": score.partner_contributions,
        "left_out": [
            {"sheet": item.sheet, "cell": item.cell, "answer": item.answer, "value": item.value}
            for item in score.left_out
        ],
    }


def results(
    scores: Sequence[PartnershipScore],
    workbooks: Sequence[Workbook],
    *,
    as_of: dt.date,
    year: int,
    config: Config,
    ignored: Iterable[IgnoredFile] = (),
    comparison: dict | None = None,
    strategy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole of results.json as data; `strategy` is the analysis across partnerships
    (`pipeline.pack.tables.strategy_questions`), recorded under `strategy` when given."""
    data = {
        "as_of": as_of.isoformat(),
        "year": year,
        "config": config.as_dict(),
        "tool_version": pipeline.__version__,
        "libraries": library_versions(),
        # Made from a demo set: a demonstration, not a council's year (see `run.check_real_years`).
        "demo": is_demo(workbooks),
        "template_version": catalogue.TEMPLATE_VERSION,
        "template_versions_read": list(catalogue.TEMPLATE_VERSIONS_READ),
        "totals": totals(scores),
        "partnerships": [partnership_result(score) for score in scores],
        "inputs": [
            {
                "file": workbook.file,
                "sha256": workbook.sha256,
                "size": workbook.size,
                "status": workbook.status.label.lower(),
                "findings": workbook.status.rules,
            }
            for workbook in sorted(workbooks, key=lambda item: item.file)
        ],
        "ignored": [
            {"file": item.file, "reason": item.reason, "status": "ignored"}
            for item in sorted(ignored, key=lambda item: item.file)
        ],
    }
    # Every file of the input folder, counted once: received = assessed + not assessed + ignored.
    data["totals"]["files"] = file_counts(workbooks, data["ignored"])
    if comparison is not None:
        data["change_since_previous"] = comparison
    if strategy is not None:
        objectives = strategy["objectives"]
        data["strategy"] = {
            "significance": [{**tier, "methods": list(tier["methods"])} for tier in strategy["tiers"]],
            "objectives": objectives["objectives"],
            "objectives_supported_by_none": [item["ref"] for item in objectives["unsupported"]],
            "partnerships_supporting_none": [item["id"] for item in objectives["none"]],
            "objectives_not_stated": [item["id"] for item in objectives["not_stated"]],
            "objectives_unanswered": [item["id"] for item in objectives["unanswered"]],
            "objectives_other_list": [item["id"] for item in objectives["other_list"]],
            "rag_by_service_area": strategy["rag_by_service_area"],
            "strategy_risks": strategy["strategy_risks"],
            # What the partnerships answered: per checklist section and improvement area, and those
            # answered No most often (their numbers and Refs).
            "section_answers": strategy["answered"]["sections"],
            "area_answers": strategy["answered"]["areas"],
            "sections_answered_no_most": [item["number"] for item in strategy["answered"]["sections_most_no"]],
            "areas_answered_no_most": [item["ref"] for item in strategy["answered"]["areas_most_no"]],
        }
    return data


def network_results(network: Any) -> dict[str, Any]:
    """`shared_organisations`, `possible_duplicates` (each pair with the number of its `group`) and
    `possible_duplicate_groups` (pipeline.portfolio.duplication.Network)."""
    group_of = {
        member.file: number for number, group in enumerate(network.groups, start=1) for member in group.partnerships
    }
    return {
        "shared_organisations": [
            {"name": item.name, "partnerships": list(item.partnerships), "spellings": list(item.spellings)}
            for item in network.shared
        ],
        "possible_duplicates": [
            {
                "partnerships": [member.label for member in item.partnerships],
                "names": [member.name for member in item.partnerships],
                "group": group_of.get(item.partnerships[0].file),
                "evidence": {
                    "reasons": list(item.reasons),
                    "service_area": item.service_area,
                    "shared_organisations": list(item.shared_organisations),
                    "shared_purpose_words": list(item.shared_words),
                    "purpose_similarity": item.similarity,
                },
            }
            for item in network.duplicates
        ],
        "possible_duplicate_groups": [
            {
                "group": number,
                "partnerships": [member.label for member in group.partnerships],
                "names": [member.name for member in group.partnerships],
                "service_area": group.service_area,
                "pairs": group.pairs,
                "shared_organisations": [{"name": name, "pairs": count} for name, count in group.organisations],
                "shared_purpose_words": [{"word": word, "pairs": count} for word, count in group.words],
                "purpose_similarity": {"lowest": group.similarity[0], "highest": group.similarity[1]},
            }
            for number, group in enumerate(network.groups, start=1)
        ],
    }


def add_leverage(data: dict[str, Any], found: Any, total: Any) -> None:
    """Per partnership `partners_money` (whenever known), `leverage` (partners' money per council pound,
    or None) and `leverage_reason`; `totals.leverage` (pipeline.portfolio.leverage)."""
    for partnership in data["partnerships"]:
        item = found.get(partnership["file"])
        partnership["partners_money"] = None if item is None else item.partners
        partnership["leverage"] = None if item is None else item.value
        partnership["leverage_reason"] = None if item is None else item.reason
    data["totals"]["leverage"] = {
        "per_council_pound": total.value,
        "council": total.council,
        "partners": total.partners,
        "partnerships": total.partnerships,
        "without": total.without,
        "partners_only": {"partnerships": total.partners_only, "partners": total.partners_only_money},
    }


def file_counts(workbooks: Sequence[Workbook], ignored: Sequence[object]) -> dict[str, int]:
    assessed = sum(1 for workbook in workbooks if workbook.assessed)
    return {
        "received": len(workbooks) + len(ignored),
        "assessed": assessed,
        "not_assessed": len(workbooks) - assessed,
        "ignored": len(ignored),
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _round(value: float | None) -> float | None:
    """Six decimal places: enough for any ratio of small counts, and stable across platforms."""
    return None if value is None else round(value, 6)
