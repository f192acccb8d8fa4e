"""Everything the pack shows, gathered into plain data: `build_context` (no template does arithmetic).

The executive summary's headlines, the exceptions, the register, one profile per partnership, the
appendix, and with `--previous` the change since last year; numbers and dates are worded here as
the pack shows them. `pipeline.pack.html` and `pipeline.pack.pdf` render it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from markupsafe import Markup

import pipeline
from pipeline import catalogue, values
from pipeline.catalogue import Kind
from pipeline.check.rules import id_key
from pipeline.check.score import AMBER, GREEN, NOT_ASSESSED, OUT_OF_SCOPE, RAG_ORDER, RED, PartnershipScore
from pipeline.check.score import copies_of
from pipeline.check.score import totals as score_totals
from pipeline.config import Config, Rag, said
from pipeline.cycle.history import YEAR_TOTALS
from pipeline.cycle.compare import (
    NO_RETURN,
    NOT_ASSESSED_NOW,
    NOT_ASSESSED_THEN,
    NOT_CARRIED_OVER,
    SECOND_RETURN,
    STATUS_UNREAD,
    CarriedAction,
    Comparison,
    PartnershipChange,
    not_closed,
)
from pipeline.files.names import slug
from pipeline.findings import RULES, ValidationReport
from pipeline.pack.chart_figures import chart_figures, leverage_summary, strategy_risk_words
from pipeline.formats import (
    EMPTY,
    NOT_ANSWERED,
    days,
    long_date,
    money,
    not_listed,
    percent,
    percent_rated,
    points_rated,
    pounds,
    rounded,
    average_score,
)
from pipeline.pack.charts import (
    CHART_TITLES,
    NETWORK_CHART,
    chart_title,
    NETWORK_TITLE,
    described,
    marks_movement,
    network_picture,
)
from pipeline.pack.results import file_counts
from pipeline.pack.sections import titles as section_titles
from pipeline.pack.trend import DRAWN, has_points, shown, trend_svg
from pipeline.records import IgnoredFile, Workbook, is_demo

#: What each chart shows, in a sentence a manager can read before looking (`{count}`, `{first}`, `{last}`:
#: the strategy's risks, as `strategy_risk_words` counts them).
CHART_CAPTIONS = {
    "risk_heat_map": "How many of the partnerships' rated risks fall in each cell. Risks in the shaded "
    "top-right corner are High and need a mitigation.",
    "risk_heat_map_change": "How many of the partnerships' rated risks fall in each cell (left); risks in the "
    "shaded top-right corner are High and need a mitigation. On the right, the part of "
    "the map where the strategy's {count} risks sit, enlarged: each arrow runs from a risk's "
    "average position last year (hollow circle) to this year's (filled circle), "
    "labelled {first} to {last} beside this year's mark.",
    "strategy_risks_ranked": "The {count} risks of working in partnership named in the strategy, by their "
    "average score across the partnerships that rated them.",
    "action_status": "The actions officers have set to improve their partnerships, and how many are overdue.",
    "completeness_by_section": "How much of each section of the Partnership checklist has been answered, "
    "on average. Dashed lines mark the Red and Amber thresholds.",
    "rag_by_service_area": "How many partnerships each service area leads, by rating.",
    "resources_vs_assurance": "What the council puts into each partnership (money and officer time) "
    "against how well its checklist is assured.",
}


@dataclass(frozen=True)
class Input:
    file: str
    sha256: str
    size: int
    status: str = "Assessed"  # or "Not assessed"
    findings: str = ""  # the rules that stopped its assessment


def input_row(workbook: Workbook) -> Input:
    status = workbook.status
    return Input(workbook.file, workbook.sha256, workbook.size, status.label, ", ".join(status.rules))


def build_context(
    *,
    scores: Sequence[PartnershipScore],
    workbooks: Sequence[Workbook],
    report: ValidationReport,
    charts: Mapping[str, str],
    as_of: dt.date,
    year: int,
    config: Config,
    ignored: Iterable[IgnoredFile] = (),
    comparison: Any = None,
    strategy: Mapping[str, Any] | None = None,
    network: Any = None,
    history: Mapping[str, Any] | None = None,
    leverage: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the pack shows, as plain data in display order. `strategy` is the analysis across
    partnerships (`pipeline.pack.tables.strategy_questions`), computed here when not given.

    `network` is the shared partners and possible duplication (pipeline.portfolio.duplication);
    `history` is results.json's data with its `history` (pipeline.cycle.history.add_history): each
    profile's trend and the summary's years side by side."""
    by_file = {workbook.file: workbook for workbook in workbooks}
    totals = score_totals(scores)
    if strategy is None:
        from pipeline.pack.tables import partnerships_frame, strategy_questions

        strategy = strategy_questions(partnerships_frame(scores, leverage), config, scores, leverage)
    titles = {item.ref: item.title for item in config.objectives}
    partnerships = [_profile(score, by_file[score.file], report, titles) for score in scores]
    scores_by_file, copies = {score.file: score for score in scores}, copies_of(report)
    for item in partnerships:
        if item["score"].duplicate_of:
            item["counts_instead_because"] = _counts_instead_because(
                item["score"], scores_by_file[item["score"].duplicate_of], copies
            )
    _name_uniquely(partnerships)
    _anchor_uniquely(partnerships)
    exceptions = _exceptions(scores, report, strategy)
    figures = chart_figures(scores, config, comparison, strategy)  # the same numbers the charts draw
    change = None
    if comparison is not None:
        change = change_summary(comparison, year, partnerships, config.rag)
        for item in partnerships:
            item["change"] = profile_change(item["score"], comparison, change["first_file"], config.rag)
    years = years_side_by_side(history, partnerships, config.rag) if history is not None else None
    leverage_block = (
        leverage_section(scores, leverage, partnerships, strategy.get("leverage")) if leverage is not None else None
    )
    return {
        "years": years,
        "leverage": leverage_block,
        "council_name": config.council_name,
        "pack_title": config.pack_title,
        "year": year,
        "as_of": as_of,
        "config": config,
        "totals": totals,
        "rag_order": RAG_ORDER,
        "headlines": _headlines(totals, exceptions),
        "strategy": strategy,
        "objectives": config.objectives,
        "charts": [
            {
                "name": name,
                "title": chart_title(name),
                "svg": Markup(_inline_svg(charts[name])),
                "table": figures[name].table,
                "summary": figures[name].summary,
                "caption": CHART_CAPTIONS[
                    f"{name}_change" if marks_movement(comparison) and f"{name}_change" in CHART_CAPTIONS else name
                ].format(**strategy_risk_words()),
            }
            for name in CHART_TITLES
            if name in charts
        ],
        "exceptions": exceptions,
        "partnerships": partnerships,
        # Profiles are for assessed workbooks: one not assessed is under Exceptions and in the appendix.
        "profiled": [item for item in partnerships if item["score"].assessed],
        "anchors": {item["score"].file: item["anchor"] for item in partnerships},
        "register_columns": REGISTER_COLUMNS,
        "section_names": catalogue.SECTION_NAMES,
        "question_count": len(catalogue.QUESTIONS),
        "area_count": len(catalogue.AREAS),
        "strategy_risks": strategy_risk_words(),
        "rules": [
            {
                "code": rule.code,
                "severity": rule.severity,
                "when": rule.when,
                "count": report.by_rule().get(rule.code, 0),
            }
            for rule in RULES.values()
        ],
        "findings_total": {"error": report.errors, "warning": report.warnings},
        "thresholds": settings_used(config),
        "inputs": [input_row(workbook) for workbook in workbooks],
        "demo": is_demo(workbooks),
        "ignored": sorted(ignored, key=lambda item: item.file),
        "files": file_counts(workbooks, list(ignored)),
        "tool_version": pipeline.__version__,
        "template_version": catalogue.TEMPLATE_VERSION,
        "comparison": comparison,
        "change": change,
        # The pack's sections by anchor with their titles: "Change since" only with a comparison.
        "sections": section_titles(change["then_label"] if change else None),
        "network": None
        if network is None
        else network_section(network, charts.get(NETWORK_CHART, ""), partnerships, config),
        "keep_together_rows": KEEP_TOGETHER_ROWS,
        "matrix_columns": MATRIX_COLUMNS,
        # The bullets an area's words end on ("including:"), wherever the pack lists the areas.
        "area_points": {area.ref: area.guidance for area in catalogue.AREAS if area.guidance},
        "rag": {"red": RED, "amber": AMBER, "green": GREEN, "out": OUT_OF_SCOPE, "not": NOT_ASSESSED},
    }


#: A profile's table of at most this many rows is kept on one page with its heading in the PDF (a
#: few rows left alone on an extra page are hard to read); a longer one may break across pages.
KEEP_TOGETHER_ROWS = 16
#: The matrix of partnerships against the council's objectives shows at most this many objectives a
#: table (the configuration allows 30, with references of up to 16 characters): more run off the paper.
MATRIX_COLUMNS = 8


# --- Formatting ------------------------------------------------------------------------------------


def _inline_svg(svg: str) -> str:
    """matplotlib's SVG without its RDF metadata block (namespace URLs a reader might take for links)."""
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)


#: Each rating setting as the pack says it: what it decides, with its value ('Red for checklist
#: completeness below 70%'); fractions are said as percentages, as everywhere in the pack.
_RULES_IN_WORDS = {
    "rag.red_completeness_below": ("Red for checklist completeness below {}", True),
    "rag.red_overdue_days_over": ("Red for an action overdue by more than {} days", False),
    "rag.amber_completeness_below": ("Amber for checklist completeness below {}", True),
    "rag.amber_assurance_below": ("Amber for checklist assurance below {}", True),
    "scoring.partly_weight": ("a Partly counting for {} of a Yes in checklist assurance", True),
    "scoring.risk_low_max": ("a Low risk scoring up to {}", False),
    "scoring.risk_medium_max": ("a High risk scoring above {}", False),
}


def rule_in_words(key: str, now: str, then: str, then_label: str) -> str:
    """A rating setting changed since last year, in words: 'Red for checklist completeness below 70%
    (60% in 2025)'; a setting of another name as its key and values."""
    if key not in _RULES_IN_WORDS:
        return f"{key} {now} ({then} in {then_label})"
    words, fraction = _RULES_IN_WORDS[key]

    def shown(value: str) -> str:
        try:
            return percent(float(value)) if fraction else value
        except ValueError:
            return value

    return f"{words.format(shown(now))} ({shown(then)} in {then_label})"


def settings_used(config: Config) -> list[tuple[str, str]]:
    """Every setting of the run, as it would be written in the configuration file; the significance
    tiers, set out in words in the Method, are named there."""
    data = config.as_dict()
    tiers = data.pop("significance")["tiers"]
    rows = _flatten(data)
    rows.append(
        (
            "significance.tiers",
            f"{values.counted(len(tiers), 'tier')}, as the Method sets out: "
            + ", ".join(tier["name"] for tier in tiers),
        )
    )
    return rows


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows = []
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            rows.extend(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, Mapping):
            rows.append((prefix + key, "none"))
        else:
            rows.append((prefix + key, value if isinstance(value, str) else said(value)))
    return rows


# --- The register and the profiles -----------------------------------------------------------------

#: The register table of the pack: a manager's selection of the register, then the scores.
REGISTER_COLUMNS = (
    "ID",
    "Partnership",
    "Service area",
    "Council role",
    "Significance",
    "Funding",
    "Officer days",
    "Next review",
    "Completeness",
    "Assurance",
    "Actions overdue",
    "High risks",
    "Rating",
)


def register_display(workbook: Workbook) -> list[tuple[str, str]]:
    """Every register field of a workbook as (label, text), numbers and dates in a reader's form."""
    return [(spec.label, answer_shown(spec, workbook.value(spec.key))) for spec in catalogue.REGISTER_FIELDS]


def answer_shown(spec: catalogue.Field, raw: Any) -> str:
    """A register answer as the pack shows it: a date or a figure in a reader's form, a list's answer in
    the list's spelling (whatever case it was typed in), anything else as typed (a long answer over the
    lines it was written on)."""
    if spec.kind is Kind.DATE and isinstance(day := values.date(raw), dt.date):
        return long_date(day)
    if spec.kind is Kind.NUMBER and isinstance(amount := values.amount(raw), float):
        return (money if spec.key in catalogue.MONEY_FIELDS else days)(amount)
    if spec.kind is Kind.NUMBER and amount is values.INVALID:
        return f"{values.text(raw)} (cannot be read: left out of the figures)"
    if spec.kind is Kind.LIST:
        return "; ".join(values.items(raw, catalogue.LIST_SEPARATOR))
    if spec.kind is Kind.CHOICE and isinstance(answer := values.choice(raw, spec.choices), str):
        return answer
    return spec.quoted(values.text(raw, spec.long_answer))


def _profile(
    score: PartnershipScore, workbook: Workbook, report: ValidationReport, titles: Mapping[str, str]
) -> dict[str, Any]:
    actions = {line.ref: line for line in score.action_lines}
    improvement = []
    for row in workbook.improvement:
        answer = values.choice(row.answer, catalogue.IMPROVEMENT_ANSWERS)
        action = actions.get(row.area.ref)
        improvement.append(
            {
                "ref": row.area.ref,
                "area": row.area.text,
                "points": row.area.guidance,  # I12's bullets too
                "answer": _listed_answer(answer, row.answer, catalogue.IMPROVEMENT_ANSWERS) or EMPTY,
                "valid": isinstance(answer, str),
                "action": action,
                "status": _action_status(action.status) if action else "",
            }
        )
    typed = {row.question.ref: row.status for row in workbook.checklist}
    gaps = [
        (ref, answer or _listed_answer(None, typed.get(ref), catalogue.CHECKLIST_STATUSES) or NOT_ANSWERED)
        for ref, answer in score.checklist_gaps
    ]
    rules: dict[str, int] = {}
    for item in report.findings_in(score.file):
        rules[item.rule] = rules.get(item.rule, 0) + 1
    return {
        "score": score,
        "anchor": "",  # made unique across the pack by _anchor_uniquely
        "title": score.name or score.id or score.file,
        # The page's running head on paper, on one line beside the review's title.
        "running_title": values.cut_at_word(score.name or score.id or score.file, RUNNING_HEAD_CHARACTERS),
        "register": register_display(workbook) if workbook.register else [],
        "council_role": answer_shown(catalogue.FIELDS_BY_KEY["council_role"], workbook.value("council_role")),
        "improvement": improvement,
        "checklist_gaps": gaps,  # (ref, the answer as shown: No, Partly, not answered, or not on the list)
        "finding_rules": sorted(rules.items()),
        "objectives": [(ref, titles.get(ref, "")) for ref in score.objectives or ()],
        "change": None,  # filled in by build_context when there is a comparison
        "trend": None,  # filled in by build_context when there are earlier years
        "history_left_out": [],  # ... with the earlier years not shown as its own, each in a sentence
        "leverage": None,  # filled in by build_context: partners' money per council pound, or why not
    }


def _listed_answer(parsed: Any, raw: Any, allowed: Sequence[str]) -> str:
    """An answer from a list as the pack shows it: in the list's spelling, '' when blank, and what was
    typed, with the answers it is not one of, when it is none of them (`formats.not_listed`)."""
    if isinstance(parsed, str):
        return parsed
    typed = values.text(raw)
    return not_listed(typed, allowed) if typed else ""


def _action_status(status: str) -> str:
    """An action's status as the pack shows it: as the list spells it, or what was typed and that it is
    not one of the list's (a blank status is Not started, as the scores count it)."""
    return status if status in catalogue.ACTION_STATUSES else not_listed(status, catalogue.ACTION_STATUSES)


def _counts_instead_because(score: PartnershipScore, counted: PartnershipScore, copies: Mapping[str, str]) -> str:
    """Why `counted`, the return of the same Partnership ID that counts, counts rather than `score`
    (`score.counting_order`), in words after "which counts in the figures"."""
    if score.file in copies:
        return (
            "this file is a copy of it, byte for byte"
            if copies[score.file] == counted.file
            else f"this file is a copy of {copies[score.file]}, byte for byte"
        )
    then, now = score.review_completed_on, counted.review_completed_on
    if now is not None and (then is None or now > then):
        return (
            "its review was completed later"
            if then
            else "it says when its review was completed, and this one gives no date that can be read"
        )
    if now == then and now is not None:
        return "both reviews were completed the same day, and it comes first by file name"
    return "neither gives a date its review was completed that can be read, and it comes first by file name"


def _name_uniquely(partnerships: Sequence[dict[str, Any]]) -> None:
    """Gives each profile a `label` ("P-001 Harbour Board") that no other profile has, to name its
    tables for a screen reader, and a `unique_title` for the register's links and the contents; two
    returns with the same ID and name are told apart by file ("Harbour Board (draft.xlsx)")."""
    labels = [f"{item['score'].id} {item['title']}".strip() for item in partnerships]
    repeated = {label for label, count in Counter(labels).items() if count > 1}
    for item, label in zip(partnerships, labels):
        told_apart = f" ({item['score'].file})" if label in repeated else ""
        item["label"] = label + told_apart
        item["unique_title"] = item["title"] + told_apart


#: The most characters of a profile's title its pages' running head gives (a longer one is cut at a word).
RUNNING_HEAD_CHARACTERS = 60

#: The most characters of a file's name a profile's anchor keeps.
ANCHOR_LENGTH = 80


def _anchor_uniquely(partnerships: Sequence[dict[str, Any]]) -> None:
    """Gives each profile its `anchor`, the id its links reach, made from its file's name
    ('p-north-p-01-return-xlsx'); where two names make the same one ('P-01 return.xlsx' and
    'P-01_return.xlsx', or two names in Welsh or another script whose letters an id leaves out), the
    later ones get '-2', '-3', ... so that each link reaches its own profile."""
    taken: set[str] = set()
    for item in partnerships:
        base = "p-" + (slug(item["score"].file, max_length=ANCHOR_LENGTH) or "return")
        anchor, number = base, 1
        while anchor in taken:
            number += 1
            anchor = f"{base}-{number}"
        taken.add(anchor)
        item["anchor"] = anchor


# --- Exceptions and headlines ----------------------------------------------------------------------


def _exceptions(
    scores: Sequence[PartnershipScore], report: ValidationReport, strategy: Mapping[str, Any]
) -> dict[str, list]:
    counted = [item for item in scores if item.assessed and item.in_scope and item.counted]
    by_file = {item.file: item for item in scores}
    overdue_actions = [(score, line) for score in counted for line in score.action_lines if line.overdue]
    overdue_actions.sort(key=lambda pair: (-pair[1].overdue_days, pair[0].id, pair[1].ref))
    return {
        "red": [score for score in counted if score.rag == RED],
        "overdue_reviews": sorted(
            (score for score in counted if score.review_overdue), key=lambda score: (score.next_review, score.id)
        ),
        "overdue_actions": overdue_actions,
        "unmitigated": [
            (score, risk)
            for score in counted
            for risk in score.risks
            if risk.band == catalogue.HIGH and not risk.mitigated
        ],
        "out_of_scope": [score for score in scores if score.assessed and not score.in_scope and score.counted],
        "duplicates": _duplicates(scores, report),
        "not_counted": [score for score in scores if not score.counted],
        "left_out": [(score, item) for score in counted for item in score.left_out],
        "not_assessed": [
            (score, [item.message for item in report.status(score.file).blocking] or list(score.rag_reasons))
            for score in scores
            if not score.assessed and score.counted  # a copy of a file saved twice is said under duplicates
        ],
        "not_proportionate": sorted(
            (score for score in counted if score.proportionate is False),
            key=lambda score: (score.significance, score.id),
        ),
        "supports_none": [by_file[item["file"]] for item in strategy["objectives"]["none"]],
        "unsupported_objectives": strategy["objectives"]["unsupported"],
        "objectives_not_stated": [by_file[item["file"]] for item in strategy["objectives"]["not_stated"]],
        "objectives_unanswered": [by_file[item["file"]] for item in strategy["objectives"]["unanswered"]],
        "objectives_other_list": [by_file[item["file"]] for item in strategy["objectives"]["other_list"]],
        "objectives_not_listed": [by_file[item["file"]] for item in strategy["objectives"]["not_listed"]],
    }


def _duplicates(scores: Sequence[PartnershipScore], report: ValidationReport) -> list[dict[str, Any]]:
    """Each Partnership ID returned in more than one workbook: the return that counts, the others, and
    of those, the copies of a file saved twice (`file.copy`), each with the file it copies."""
    by_file = {score.file: score for score in scores}
    others: dict[str, list[PartnershipScore]] = {}
    for score in scores:
        if score.duplicate_of:
            others.setdefault(score.duplicate_of, []).append(score)
    copies = copies_of(report)
    return [
        {
            "counted": by_file[file],
            "others": sorted(group, key=lambda score: score.file),
            "copies": {score.file: copies[score.file] for score in group if score.file in copies},
        }
        for file, group in sorted(others.items(), key=lambda pair: (by_file[pair[0]].id, pair[0]))
    ]


def _headlines(totals: Mapping[str, Any], exceptions: Mapping[str, list]) -> list[str]:
    """The few sentences the executive summary leads with; only what needs a manager's attention."""
    lines = []

    def add(count: int, one: str, many: str) -> None:
        if count:
            lines.append((one if count == 1 else many).format(n=count))

    add(len(exceptions["red"]), "1 partnership is rated Red.", "{n} partnerships are rated Red.")
    add(len(exceptions["unmitigated"]), "1 High risk has no mitigation.", "{n} High risks have no mitigation.")
    add(len(exceptions["overdue_actions"]), "1 improvement action is overdue.", "{n} improvement actions are overdue.")
    not_set = sum(1 for score in exceptions["overdue_reviews"] if score.next_review_not_set)
    add(
        len(exceptions["overdue_reviews"]) - not_set,
        "1 partnership is overdue for its annual review.",
        "{n} partnerships are overdue for their annual review.",
    )
    add(
        not_set,
        "1 partnership completed its review but did not set the date of the next one (the date given, now past, "
        "was this review's).",
        "{n} partnerships completed their review but did not set the date of the next one (the date given, now "
        "past, was this review's).",
    )
    add(
        len(exceptions["not_proportionate"]),
        "1 partnership's performance management is not proportionate to its significance.",
        "{n} partnerships' performance management is not proportionate to their significance.",
    )
    add(
        len(exceptions["supports_none"]),
        "1 partnership supports none of the council's objectives.",
        "{n} partnerships support none of the council's objectives.",
    )
    unsupported = exceptions["unsupported_objectives"]
    if unsupported:
        named = [
            f"{item['ref']} {item['title']}"
            + (f" ({len(item['unanswered'])} left it unanswered)" if item["unanswered"] else "")
            for item in unsupported
        ]
        objectives = "objective" if len(named) == 1 else "objectives"
        lines.append(f"No partnership says it supports the council's {objectives} {_joined(named)}.")
    add(
        len(exceptions["objectives_unanswered"]),
        "1 partnership has not said which of the council's objectives it supports (Objectives sheet not answered).",
        "{n} partnerships have not said which of the council's objectives they support (Objectives sheet not answered).",
    )
    add(
        len(exceptions["objectives_other_list"]),
        "1 workbook was made with another list of objectives and lists none of the council's: it does not say "
        "which it supports.",
        "{n} workbooks were made with another list of objectives and list none of the council's: they do not say "
        "which they support.",
    )
    add(
        len(exceptions["objectives_not_listed"]),
        "1 workbook was made with another list of objectives and leaves some of the council's off its Objectives "
        "sheet: those are neither supported nor not.",
        "{n} workbooks were made with another list of objectives and leave some of the council's off their "
        "Objectives sheet: those are neither supported nor not.",
    )
    add(
        len(exceptions["objectives_not_stated"]),
        "1 workbook was made with the previous template and does not state the objectives it supports.",
        "{n} workbooks were made with the previous template and do not state the objectives they support.",
    )
    add(
        len(exceptions["out_of_scope"]),
        "1 entry is not a partnership under the strategy (out of scope).",
        "{n} entries are not partnerships under the strategy (out of scope).",
    )
    add(
        len(exceptions["not_assessed"]),
        "1 workbook could not be assessed and must be sent again.",
        "{n} workbooks could not be assessed and must be sent again.",
    )
    for duplicate in exceptions["duplicates"]:
        counted, copies = duplicate["counted"], duplicate["copies"]
        others = [other for other in duplicate["others"] if other.file not in copies]
        for original in sorted(set(copies.values())):
            saved = [file for file, first in sorted(copies.items()) if first == original]
            lines.append(
                f"{_joined([original, *saved])} are the same file, byte for byte (the same return saved twice): "
                f"the {'copy is' if len(saved) == 1 else 'copies are'} left out of the figures. Remove "
                f"{'the copy' if len(saved) == 1 else 'the copies'}."
            )
        if not others:
            continue
        when = (
            f"its review was completed on {long_date(counted.review_completed_on)}"
            if counted.review_completed_on
            else "no return gives a readable review date"
        )
        lines.append(
            f"Partnership ID {counted.id} was returned in {len(others) + 1} workbooks: {counted.file} is "
            f"counted ({when}; the latest review counts, then the first file by name) and "
            f"{_joined([other.file for other in others])} {'is' if len(others) == 1 else 'are'} left out "
            "of the figures. Check which is right and correct the other's ID."
        )
    add(
        totals.get("answers_left_out", 0),
        "1 answer could not be read and is left out of every figure (see Exceptions, Answers left out).",
        "{n} answers could not be read and are left out of every figure (see Exceptions, Answers left out).",
    )
    if not lines:
        lines.append("No exceptions: every partnership in scope is rated Green or Amber with nothing overdue.")
    return lines


def _joined(items: Sequence[str]) -> str:
    return f"{', '.join(items[:-1])} and {items[-1]}" if len(items) > 1 else "".join(items)


# --- Shared partners and possible duplication ----------------------------------------------------

#: The pack lists at most this many groups of possible duplicates, the biggest, and this many pairs,
#: the most alike; results.json has every one of both.
GROUPS_LISTED = 100
DUPLICATES_LISTED = 25
#: A group names at most this many of the organisations and of the words its pairs share most.
GROUP_EVIDENCE = 6


def network_section(
    network: Any, svg: str, partnerships: Sequence[Mapping[str, Any]], config: Config
) -> dict[str, Any]:
    """The pack's "Shared partners and possible duplication": the network picture with its words and
    table, and the pairs to check with their evidence (pipeline.portfolio.duplication)."""
    from pipeline.portfolio.duplication import SIMILARITY_MEANS  # here: the network's libraries load with it

    anchors = {item["score"].file: item["anchor"] for item in partnerships}
    by_label = {member.label: anchors.get(member.file) for member in network.members}
    picture = network_picture(network)
    summary = network_summary(network, picture)
    rules = config.duplication
    group_of = {
        member.file: number for number, group in enumerate(network.groups, start=1) for member in group.partnerships
    }
    return {
        "title": NETWORK_TITLE,
        "name": NETWORK_CHART,
        "summary": summary,
        "caption": network_caption(network, picture),
        "svg": Markup(described(_inline_svg(svg), NETWORK_CHART, NETWORK_TITLE, summary)) if svg else Markup(""),
        "partnerships": len(network.members),
        "organisations": network.organisations,
        "shared": [
            {
                "name": item.name,
                "count": len(item.partnerships),
                "partnerships": [(label, by_label.get(label)) for label in item.partnerships],
                "spellings": [spelling for spelling in item.spellings if spelling != item.name],
            }
            for item in network.shared
        ],
        "duplicates": [
            {
                "partnerships": [
                    (member.label, member.name, by_label.get(member.label)) for member in item.partnerships
                ],
                "group": group_of.get(item.partnerships[0].file),
                "reasons": list(item.reasons),
                "service_area": item.service_area,
                "organisations": list(item.shared_organisations),
                "words": list(item.shared_words),
                "similarity": f"{item.similarity:.2f}",
            }
            for item in network.duplicates[:DUPLICATES_LISTED]
        ],
        "duplicates_total": len(network.duplicates),
        "groups": [
            {
                "number": number,
                "service_area": group.service_area,
                "pairs": group.pairs,
                "partnerships": [
                    (member.label, member.name, by_label.get(member.label)) for member in group.partnerships
                ],
                "organisations": _counted_evidence(group.organisations, group.pairs),
                "words": _counted_evidence(group.words, group.pairs),
                "similarity": _similarity_range(*group.similarity),
            }
            for number, group in enumerate(network.groups[:GROUPS_LISTED], start=1)
        ],
        "groups_total": len(network.groups),
        "grouped_partnerships": sum(len(group.partnerships) for group in network.groups),
        "min_shared": rules.min_shared_organisations,
        "min_similarity": f"{rules.min_purpose_similarity:.2f}",
        "similarity_means": SIMILARITY_MEANS,
        "near_identical": f"{rules.near_identical:.2f}",
    }


def _counted_evidence(items: Sequence[tuple[str, int]], pairs: int) -> list[str]:
    """A group's most shared organisations or words: 'Northshire Police (12 of 15 pairs)', 'every pair'
    when all its pairs share it, or the name alone when the group is one pair."""
    if pairs == 1:
        return [name for name, _ in items[:GROUP_EVIDENCE]]
    return [
        f"{name} ({'every pair' if count == pairs else f'{count:,} of {pairs:,} pairs'})"
        for name, count in items[:GROUP_EVIDENCE]
    ]


def _similarity_range(lowest: float, highest: float) -> str:
    return f"{lowest:.2f}" if lowest == highest else f"{lowest:.2f} to {highest:.2f}"


def network_caption(network: Any, picture: Any) -> str:
    """How to read the network picture: what it draws, and what it leaves out or groups, when it does."""
    text = (
        "Each organisation that sits on two or more partnerships (square, with how many) is joined by a line to "
        "each partnership it sits on (circle)."
    )
    if picture.grouped:
        text += " Many partnerships are drawn in groups of those joined to the same organisations."
    if len(picture.organisations) < len(network.shared):
        text += " Only the organisations on most partnerships are drawn."
    return text + " The table lists them all."


def network_summary(network: Any, picture: Any) -> str:
    """The network picture in words: what a reader who cannot see it needs (its text alternative)."""
    if not network.shared:
        return (
            f"No partner organisation sits on more than one of the {values.counted(len(network.members), 'partnership')} "
            "in scope, so there is no network to draw."
        )
    top = "; ".join(f"{name} ({count} partnerships)" for name, count in picture.organisations[:5])
    text = (
        f"{len(network.shared)} of the {network.organisations} partner organisations named sit on two or more "
        f"of the {len(network.members)} partnerships in scope. On most: {top}. "
    )
    shown = len(picture.organisations)
    drawn = sum(len(node[1]) for node in picture.nodes)
    if shown < len(network.shared):
        text += (
            f"The picture joins the {shown} organisations on most partnerships to the {drawn} partnerships they sit on"
        )
    else:
        text += f"The picture joins each shared organisation to the {drawn} partnerships they sit on"
    if picture.grouped:
        text += ", partnerships joined to the same organisations drawn as one group" + (
            f"; {picture.not_drawn} partnerships in smaller groups are not drawn" if picture.not_drawn else ""
        )
    return text + ". The table lists every shared organisation with its partnerships."


# --- What partners put in for each council pound -------------------------------------------------

#: Beside the resources chart, the partnerships with the most partners' money per council pound.
LEVERAGE_LISTED = 10


def leverage_section(
    scores: Sequence[PartnershipScore],
    found: Mapping[str, Any],
    partnerships: Sequence[dict[str, Any]],
    total: Any = None,
) -> dict[str, Any]:
    """The block beside the resources chart, and each profile's `leverage` line; `total` is the
    analysis's (pipeline.pack.tables.strategy_questions), worked out here when not given."""
    from pipeline.portfolio.leverage import leverage_total

    anchors = {item["score"].file: item["anchor"] for item in partnerships}
    for item in partnerships:
        found_item = found.get(item["score"].file)
        if found_item is not None and item["score"].assessed and item["score"].in_scope:
            item["leverage"] = {
                "value": pounds(found_item.value) if found_item.value is not None else None,
                "council": money(found_item.council),
                "partners": money(found_item.partners) if found_item.partners is not None else None,
                "reason": found_item.reason,
            }
    total = total if total is not None else leverage_total(scores, found)
    ranked = sorted(
        (score for score in scores if score.counted and found.get(score.file) and found[score.file].value is not None),
        key=lambda score: (-found[score.file].value, score.id, score.file),
    )
    return {
        "summary": leverage_summary(total, money, pounds),
        "total": pounds(total.value),
        "council": money(total.council),
        "partners": money(total.partners),
        "partnerships": total.partnerships,
        "without": total.without,
        "partners_only": total.partners_only,
        "reasons": [{"reason": reason, "count": count} for reason, count in total.reasons],
        "top": [
            {
                "id": score.id,
                "name": score.name,
                "anchor": anchors.get(score.file),
                "value": pounds(found[score.file].value),
                "council": money(found[score.file].council),
                "partners": money(found[score.file].partners),
            }
            for score in ranked[:LEVERAGE_LISTED]
        ],
    }


# --- The years side by side ------------------------------------------------------------------------


def years_side_by_side(
    data: Mapping[str, Any], partnerships: Sequence[dict[str, Any]], rag: Rag
) -> dict[str, Any] | None:
    """The summary's RAG split year by year, the partnerships Red at two or more reviews running and
    those of earlier years with no return for two years or more running; each profile's `trend` (its
    rating, completeness and assurance over the years) and `history_left_out` (why a year is not in
    it). None, and no trend, when there is only this year."""
    from pipeline.cycle.history import long_without_return, red_run

    history = data.get("history") or {}
    if len(history.get("years", ())) < 2:
        return None
    by_file = {item["file"]: item for item in data["partnerships"]}
    anchors = {}
    for item in partnerships:
        result = by_file.get(item["score"].file, {})
        entries = result.get("history") or []
        anchors[item["score"].file] = item["anchor"]
        item["history_left_out"] = [
            left_out_text(entry, item["score"].id) for entry in result.get("history_left_out") or ()
        ]
        if len(entries) > 1:
            # Out of scope or not assessed every year: no score to draw, its ratings said in words alone.
            plotted = has_points(entries)
            text = trend_text(entries, rag)
            item["trend"] = {
                "rows": [
                    {
                        "year": entry["year"],
                        "rag": entry["rag"] or "\u2014",
                        "completeness": entry["checklist_completeness"],
                        "assurance": entry["checklist_assurance"],
                    }
                    for entry in entries
                ],
                "text": text,
                "title": trend_title(item),
                "svg": Markup(
                    trend_svg(
                        entries, ident=f"{item['anchor']}-trend", title=trend_title(item), description=text, rag=rag
                    )
                )
                if plotted
                else None,
            }
    red = [
        item
        for item in data["partnerships"]
        if item["id"] in history["red_for_two_reviews_or_more"] and item.get("counted", True)
    ]
    return {
        "rows": [
            {"year": row["year"], "counts": [row["rag"][rag] for rag in RAG_ORDER], "total": sum(row["rag"].values())}
            for row in history["years"]
        ],
        "money": [{"year": row["year"], **year_money(row.get("totals") or {})} for row in history["years"]],
        "red": [
            {
                "id": item["id"],
                "name": item["name"],
                "anchor": anchors.get(item["file"]),
                "reviews": red_run(item["history"]),
                "years": [entry["year"] for entry in item["history"][-red_run(item["history"]) :]],
            }
            for item in red
        ],
        "no_return": [
            {
                "id": item["id"],
                "name": item["name"],
                "years": item["years_without_return"],
                "last_review": item["last_review"],
                "rag": item["history"][-1]["rag"] or "no rating",
            }
            for item in long_without_return(history.get("no_return", ()), data["partnerships"])
        ],
        "first": history["years"][0]["year"],
    }


def year_money(totals: Mapping[str, Any]) -> dict[str, Any]:
    """A year's money and time as its own summary and leverage block gave them (`history.years[].totals`):
    None for each figure its results.json does not give (an older release), partners' money and what
    it is for each council pound with how many partnerships they are over (None when none is)."""
    leverage = totals.get("leverage") if isinstance(totals.get("leverage"), Mapping) else {}
    over = leverage.get("partnerships") or 0
    return {
        **{key: totals.get(key) for key in YEAR_TOTALS if key != "leverage"},
        "partners": money(leverage.get("partners")) if over else None,
        "per_council_pound": pounds(leverage.get("per_council_pound")) if over else None,
        "leverage_partnerships": over,
    }


def trend_title(profile: Mapping[str, Any]) -> str:
    """The name of a profile's trend picture (its heading for a screen reader, its figure's in the PDF)."""
    return f"Over the years: {profile['label']}"


def trend_text(entries: Sequence[Mapping[str, Any]], rag: Rag) -> str:
    """A partnership's years in one sentence, for every reader (the trend's words)."""

    def arrow(values_: Iterable[str]) -> str:
        return " \u2192 ".join(values_)

    years = [str(entry["year"]) for entry in entries]
    completeness, assurance = DRAWN
    return (
        f"From {years[0]} to {years[-1]}: rating {arrow(entry['rag'] or 'none' for entry in entries)}; "
        f"checklist completeness {arrow(shown(entry, completeness, rag) for entry in entries)}; "
        f"assurance {arrow(shown(entry, assurance, rag) for entry in entries)}."
    )


def left_out_text(left_out: Mapping[str, Any], partnership_id: str) -> str:
    """Why a year is not in a partnership's years: its ID's returns that year were another partnership's."""
    names = "; ".join(" ".join(str(name).split()) for name in left_out["names"])
    return (
        f"{left_out['year']} is not shown: that year Partnership ID {partnership_id} was returned only under "
        f"other names ({names}), so none of that year's figures are this partnership's."
    )


# --- Change since last year ------------------------------------------------------------------------


def _score_text(value: float | None) -> str:
    return "not rated" if value is None else average_score(value)


def _score_change(then: float | None, now: float | None) -> str:
    """The change between the two scores as shown (4.2 to 4.0 is -0.2), or, where they show alike
    but differ, the change itself in two places (+0.03)."""
    if then is None or now is None:
        return EMPTY
    shown = rounded(now, 1) - rounded(then, 1)
    step = rounded(now - then, 2)
    return f"{step:+}" if not shown and step else f"{shown:+}"


#: How the pack words a risk's direction, with an arrow for the eye (the word carries the meaning).
DIRECTIONS = {
    "up": "\u25b2 up (worse)",
    "down": "\u25bc down (better)",
    "no change": "no change",
    "not comparable": "not comparable",
}
#: How the pack words a carried action's status this year.
CARRIED_OUTCOMES = {
    catalogue.COMPLETE: "Closed",
    NOT_CARRIED_OVER: "Not carried over",
    NO_RETURN: "No return",
    NOT_ASSESSED_NOW: "Not assessed",
}


#: The executive summary names at most this many of the partnerships that got worse and are now Red (the
#: biggest moves first); it counts the rest, and the section "Change since" lists every move.
WORST_MOVES_NAMED = 5


def change_summary(
    comparison: Comparison, year: int, partnerships: Sequence[Mapping[str, Any]], rag: Rag
) -> dict[str, Any]:
    """The change since last year: the executive summary's counts and worst moves, the section "Change
    since" that lists every move, and the risk movement table, as plain data."""
    then_label = str(comparison.previous_year) if comparison.previous_year else "last year"
    first_file: dict[str, str] = {}
    anchors = {item["score"].file: item["anchor"] for item in partnerships}
    for item in partnerships:
        key = id_key(item["score"].id)
        if key and item["score"].counted:  # the return that counts for its ID (score.mark_duplicates)
            first_file[key] = item["score"].file

    def rows(changes) -> list[dict[str, Any]]:
        return [
            {
                "id": change.id,
                "name": change.name,
                "anchor": anchors.get(change.file),
                "rag_then": change.rag_then,
                "rag_now": change.rag_now,
                "completeness": " \u2192 ".join(
                    percent_rated(value, rag, "completeness")
                    for value in (change.completeness_then, change.completeness_now)
                ),
                "completeness_change": points_rated(
                    change.completeness_then, change.completeness_now, rag, "completeness"
                ),
                "what_changed": change.what_changed,
                "last_review": change.last_review,
            }
            for change in changes
        ]

    then_counts = dict(comparison.ratings_then or comparison.rag_counts("then"))
    now_counts = dict(comparison.ratings_now or comparison.rag_counts("now"))
    moved = {change.id for change in (*comparison.worse, *comparison.better)}
    worse = rows(comparison.worse)
    return {
        "then_label": then_label,
        "previous_as_of": _iso_date(comparison.previous_as_of),
        "settings_changed": [
            rule_in_words(key, now, then, then_label) for key, then, now in comparison.settings_changed
        ],
        "rag_rows": [
            {
                "label": f"Rating then ({then_label})",
                "counts": [then_counts.get(rag, 0) for rag in RAG_ORDER],
                "total": sum(then_counts.values()),
            },
            {
                "label": f"Rating now ({year})",
                "counts": [now_counts.get(rag, 0) for rag in RAG_ORDER],
                "total": sum(now_counts.values()),
            },
        ],
        "worse": worse,
        # The summary's few worst moves: the partnerships now Red that got worse, the biggest moves first.
        "now_red": sum(1 for row in worse if row["rag_now"] == RED),
        "worst": [row for row in worse if row["rag_now"] == RED][:WORST_MOVES_NAMED],
        "better": rows(comparison.better),
        "other_moves": rows(
            change
            for change in comparison.counted
            if change.status == "continuing" and change.id not in moved and change.rag_then != change.rag_now
        ),
        "continuing": sum(1 for change in comparison.counted if change.status == "continuing"),
        # Last year's figures were rated under this year's rules (see compare.compare).
        "rerated": any(change.rag_then_under_rules_now is not None for change in comparison.partnerships),
        "unchanged": sum(
            1 for change in comparison.counted if change.status == "continuing" and change.rag_then == change.rag_now
        ),
        "new": rows(comparison.new),
        "back": rows(comparison.back),
        "ended": rows(change for change in comparison.ended if change.rag_then != OUT_OF_SCOPE),
        "ended_out_of_scope": rows(change for change in comparison.ended if change.rag_then == OUT_OF_SCOPE),
        "returned_unchanged": [{"file": now, "last_year": then} for now, then in comparison.returned_unchanged],
        "names_changed": [
            {"id": change.id, "then": " ".join(change.name_then.split()), "now": " ".join(change.name.split())}
            for change in comparison.names_changed
        ],
        "ids_changed": [
            {"new": new.id, "ended": ended.id, "name": " ".join(ended.name.split())}
            for new, ended in comparison.ids_changed
        ],
        # Followed from an ID two partnerships shared last year into a new one, as rollover asked.
        "ids_followed": [
            {
                "id": change.id,
                "name": " ".join(change.name.split()),
                "then": change.id_then,
                "keeper": _keeper(comparison, change),
            }
            for change in comparison.ids_followed
        ],
        "carried": {
            "total": comparison.carried_actions,
            "closed": comparison.carried_closed,
            "not_closed": comparison.carried_still_open,
            "outcomes": _carried_outcomes(comparison),
            "partnerships": sum(1 for change in comparison.partnerships if change.carried_actions),
            "listed": comparison.actions_listed,
            "open_then": comparison.open_actions_then,
            "open_then_partnerships": sum(1 for change in comparison.partnerships if change.open_actions_then),
            # Last year's pack's own count, and what the followed ones hold beyond it, when they differ.
            "in_pack_then": comparison.open_in_pack_then,
            "beyond_pack_then": _beyond_pack(comparison),
            # Those of partnerships with no profile this year (no return, or not assessed): listed here.
            "without_profile": [
                {
                    "id": change.id,
                    "name": change.name,
                    "ref": action.ref,
                    "action": action.action,
                    "status_then": _action_status(action.status_then),
                    "outcome": CARRIED_OUTCOMES[action.status_now],
                }
                for change in comparison.partnerships
                for action in change.carried_actions
                if action.status_now in (NO_RETURN, NOT_ASSESSED_NOW)
            ],
        },
        "risks": [
            {
                "ref": risk.ref,
                "text": risk.text,
                "then": _score_text(risk.score_then),
                "now": _score_text(risk.score_now),
                "change": _score_change(risk.score_then, risk.score_now),
                "direction": DIRECTIONS[risk.direction],
                "direction_key": risk.direction.replace(" ", "-"),
            }
            for risk in comparison.risks
        ],
        "first_file": first_file,
    }


#: What an action followed from last year's review is, when last year's pack did not count it open.
NOT_IN_LAST_PACK = {
    SECOND_RETURN: "of a return not counted there (a second return of its Partnership ID)",
    NOT_ASSESSED_THEN: "of a return that could not be assessed there",
    STATUS_UNREAD: "whose status could not be read",
}


def _beyond_pack(comparison: Comparison) -> list[str]:
    """The actions followed from last year's review that its pack did not count open, by why, as phrases
    of one sentence ("2 of a return not counted there ..."); none when it does not say its count."""
    if comparison.open_in_pack_then is None:
        return []
    unread = ", ".join(f"'{status}'" for status in comparison.unread_statuses_then)
    return [
        f"{count} {NOT_IN_LAST_PACK[why]}" + (f" ({unread})" if why == STATUS_UNREAD else "")
        for why, count in comparison.not_in_pack_then.items()
    ]


def _keeper(comparison: Comparison, change: PartnershipChange) -> str:
    """The name of the partnership that keeps the ID `change` (followed into a new one) shared last year."""
    keeper = comparison.find(change.id_then)
    return " ".join(keeper.name.split()) if keeper else ""


def _carried_outcomes(comparison: Comparison) -> list[str]:
    """What became of last year's open actions, each counted once, as phrases of one sentence."""
    outcomes = [
        (comparison.carried_closed, "now closed (Complete)"),
        (comparison.carried_open_now, "still open"),
        (
            comparison.carried_not_carried_over,
            "no longer listed this year without being marked Complete (not carried over)",
        ),
        (comparison.carried_no_return, "in partnerships that returned no workbook this year"),
        (comparison.carried_not_assessed, "in workbooks that could not be assessed this year"),
    ]
    return [f"{count} {words}" for count, words in outcomes if count]


def profile_change(
    score: PartnershipScore, comparison: Comparison, first_file: Mapping[str, str], rag: Rag
) -> dict[str, Any]:
    """One profile's "Change since last year": new, back after a year with no return (and when it was
    last reviewed), or then and now side by side with last year's open actions and how each stands now."""
    key = id_key(score.id)
    if not key:
        return {"kind": "no id"}
    # Its own change: the return that counts for its ID, or another partnership still sharing the ID.
    change = comparison.of_file(score.file)
    if change is None:
        return {"kind": "duplicate", "file": first_file.get(key, "")}
    if change.status == "new":
        # Under a new ID: last year's open actions of the partnership it was are followed here.
        ended = next((old.id for new, old in comparison.ids_changed if new is change), None)
        return {"kind": "new", "ended": ended, **_carried_rows(change.carried_actions), "open_unlisted": None}
    if change.status == "back":
        # Rolled over from the register of its last review: those actions are followed here.
        return {"kind": "back", "last_review": change.last_review, **_carried_rows(change.actions_at_last_review)}
    return {
        "kind": "continuing",
        "id_then": change.id_then,
        "keeper": _keeper(comparison, change) if change.id_then else "",
        "rag_then": change.rag_then,
        "rag_now": change.rag_now,
        "movement": {"worse": "worse", "better": "better", "same": "no change"}.get(
            change.movement or "", "not comparable"
        ),
        "measures": [
            (
                "Checklist completeness",
                percent_rated(change.completeness_then, rag, "completeness"),
                percent_rated(change.completeness_now, rag, "completeness"),
                points_rated(change.completeness_then, change.completeness_now, rag, "completeness"),
            ),
            (
                "Checklist assurance",
                percent_rated(change.assurance_then, rag, "assurance"),
                percent_rated(change.assurance_now, rag, "assurance"),
                points_rated(change.assurance_then, change.assurance_now, rag, "assurance"),
            ),
        ],
        **_carried_rows(change.carried_actions),
        "open_unlisted": change.open_actions_then,
    }


def _carried_rows(carried: Sequence[CarriedAction]) -> dict[str, Any]:
    """A partnership's actions open at an earlier review (last year's, or its last before a year without
    a return), each with how it stands now, and how many are not closed."""
    areas = {area.ref: area.text for area in catalogue.AREAS}
    return {
        "actions": [
            {
                "ref": action.ref,
                "area": areas.get(action.ref, ""),
                "action": action.action,
                "action_now": action.action_now,
                "status_then": _action_status(action.status_then),
                "status_now": action.status_now
                if action.status_now in CARRIED_OUTCOMES
                else _action_status(action.status_now),
                "outcome": CARRIED_OUTCOMES.get(
                    action.status_now,
                    "Still open"
                    if action.status_now in catalogue.ACTION_STATUSES
                    else "Still open (its status is not on the list)",
                ),
            }
            for action in carried
        ],
        "open": not_closed(carried),
    }


def _iso_date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None
