"""Scores and RAG on workbooks built to known answers: each RAG rule and each band boundary."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pipeline import catalogue
from pipeline.config import Config, Rag, Scoring
from pipeline.findings import ValidationReport, finding
from pipeline.records import ChecklistRow, ImprovementRow, RegisterValue, RiskRow, Workbook
from pipeline.check.score import score_batch, score_workbook, totals

AS_OF = dt.date(2026, 4, 30)
CONFIG = Config()


def make_workbook(
    *, file="p.xlsx", register=None, checklist=None, improvement=None, risks=None, findings=()
) -> Workbook:
    """A workbook record as the loader would make it: a complete, Green return unless overridden.

    checklist: {ref: status}; improvement: {ref: {"answer":..., "action":..., ...}};
    risks: {ref: (likelihood, impact, mitigation)} replacing the default ratings of R01..R09.
    """
    values = {
        "id": "P-001",
        "name": "Safer Streets",
        "service_area": "Community safety",
        "funding": 1000,
        "officer_days": 10,
        "councillor_days": 2,
        "next_review": "2027-03-31",
        **{spec.key: "No" for spec in catalogue.SCOPE_FIELDS},
        **(register or {}),
    }
    register_values = {
        key: RegisterValue(catalogue.FIELDS_BY_KEY[key], catalogue.REGISTER_ROWS[key], value)
        for key, value in values.items()
    }
    statuses = {question.ref: "Yes" for question in catalogue.QUESTIONS} | (checklist or {})
    checklist_rows = tuple(
        ChecklistRow(question, catalogue.CHECKLIST_ROWS[question.ref], statuses[question.ref], "Minutes", "")
        for question in catalogue.QUESTIONS
    )
    improvement_rows = []
    for area in catalogue.AREAS:
        answer = {"answer": "Yes", "action": None, "owner": None, "due": None, "action_status": None}
        answer |= (improvement or {}).get(area.ref, {})
        improvement_rows.append(ImprovementRow(area, catalogue.IMPROVEMENT_ROWS[area.ref], **answer))
    ratings = {risk.ref: (1, 2, "Monitored quarterly") for risk in catalogue.RISKS} | (risks or {})
    risk_rows = tuple(
        RiskRow(ref, catalogue.RISK_ROWS[ref], None, likelihood, impact, mitigation, "Owner")
        for ref, (likelihood, impact, mitigation) in ratings.items()
    )
    return Workbook(
        file=file,
        sha256="0" * 64,
        size=1,
        register=register_values,
        checklist=checklist_rows,
        improvement=tuple(improvement_rows),
        risks=risk_rows,
        findings=tuple(findings),
    )


def score(workbook: Workbook, findings=(), config: Config = CONFIG):
    return score_workbook(workbook, findings, as_of=AS_OF, config=config)


def blank(count: int) -> dict:
    """Checklist answers with the last `count` questions left blank."""
    return {question.ref: None for question in catalogue.QUESTIONS[len(catalogue.QUESTIONS) - count :]}


def test_a_complete_return_is_green_with_full_scores():
    result = score(make_workbook())
    assert (result.rag, result.rag_reasons, result.in_scope, result.assessed) == ("Green", (), True, True)
    assert (result.checklist_completeness, result.checklist_assurance) == (1.0, 1.0)
    assert (result.improvement_coverage, result.improvement_score) == (1.0, 1.0)
    assert set(result.section_completeness.values()) == {1.0}
    assert list(result.section_completeness) == list(catalogue.SECTION_NAMES)
    assert (result.funding, result.officer_days, result.councillor_days) == (1000.0, 10.0, 2.0)
    assert result.next_review == dt.date(2027, 3, 31) and not result.review_overdue
    assert result.findings == {"error": 0, "warning": 0}


@pytest.mark.parametrize(
    "blanks, rag, completeness",
    [
        (12, "Red", 17 / 29),  # 58.6% < 60%
        (11, "Amber", 18 / 29),  # 62.1%: not Red, but < 90%
        (3, "Amber", 26 / 29),  # 89.7% < 90%
        (2, "Green", 27 / 29),  # 93.1%
    ],
)
def test_completeness_thresholds(blanks, rag, completeness):
    result = score(make_workbook(checklist=blank(blanks)))
    assert result.checklist_completeness == pytest.approx(completeness)
    assert result.rag == rag
    if rag != "Green":
        assert any(reason.startswith("Checklist completeness") for reason in result.rag_reasons)


def test_reason_never_reads_as_equal_to_the_threshold():
    result = score(make_workbook(checklist=blank(3)))  # 89.66% rounds to 90%
    assert result.rag_reasons == ("Checklist completeness 89.7% is below 90.0%",)


def test_na_counts_for_completeness_but_not_assurance_and_invalid_counts_for_neither():
    answers = {question.ref: "N/A" for question in catalogue.QUESTIONS}
    answers |= {"1a": "yes ", "1b": "Partly", "1c": "No", "1d": "Maybe"}
    result = score(make_workbook(checklist=answers))
    assert result.checklist_completeness == pytest.approx(28 / 29)
    assert result.checklist_assurance == pytest.approx(1.5 / 3)
    assert result.section_completeness[catalogue.SECTION_NAMES[0]] == pytest.approx(3 / 4)
    assert result.checklist_statuses == {"Yes": 1, "Partly": 1, "No": 1, "N/A": 25}


def test_assurance_is_none_when_nothing_is_yes_partly_or_no_and_then_not_amber():
    result = score(make_workbook(checklist={question.ref: "N/A" for question in catalogue.QUESTIONS}))
    assert result.checklist_assurance is None
    assert result.rag == "Green"


@pytest.mark.parametrize(
    "partly, no, rag",
    [
        (6, 3, "Green"),  # (20 + 3) / 29 = 0.793
        (6, 5, "Amber"),  # (18 + 3) / 29 = 0.724 < 0.75
    ],
)
def test_assurance_threshold(partly, no, rag):
    refs = [question.ref for question in catalogue.QUESTIONS]
    answers = {ref: "Partly" for ref in refs[:partly]} | {ref: "No" for ref in refs[partly : partly + no]}
    result = score(make_workbook(checklist=answers))
    yes = 29 - partly - no
    assert result.checklist_assurance == pytest.approx((yes + 0.5 * partly) / 29)
    assert result.rag == rag


def test_partly_weight_comes_from_config():
    answers = {question.ref: "Partly" for question in catalogue.QUESTIONS}
    config = dataclasses.replace(CONFIG, scoring=Scoring(partly_weight=0.25))
    assert score(make_workbook(checklist=answers), config=config).checklist_assurance == pytest.approx(0.25)


def test_improvement_coverage_and_score():
    improvement = {
        "I01": {"answer": "No", "action": "Appoint a lead", "action_status": "In progress"},
        "I02": {"answer": None},
        "I03": {"answer": "Perhaps"},
        "I04": {"answer": "no", "action": "Fix"},
    }
    result = score(make_workbook(improvement=improvement))
    assert result.improvement_coverage == pytest.approx(12 / 14)
    assert result.improvement_score == pytest.approx(10 / 12)


def test_improvement_score_is_none_with_no_valid_answer():
    result = score(make_workbook(improvement={area.ref: {"answer": None} for area in catalogue.AREAS}))
    assert (result.improvement_coverage, result.improvement_score) == (0.0, None)


def action(due, status=None, text="Do it"):
    return {"answer": "No", "action": text, "owner": "A. Officer", "due": due, "action_status": status}


def test_action_counts_with_blank_status_as_not_started_and_overdue():
    improvement = {
        "I01": action("2026-05-31"),  # no status: Not started, not yet due
        "I02": action("2026-04-29", "In progress"),  # overdue by 1 day
        "I03": action(dt.date(2025, 1, 1), "Complete"),  # complete: never overdue
        "I04": action("30/04/2026", "not started"),  # due on the as-of date: not overdue
        "I05": action("2026-03-01", "Bogus"),  # a status not in the list is no figure: in no count, not overdue
    }
    result = score(make_workbook(improvement=improvement))
    assert result.actions == {"Not started": 2, "In progress": 1, "Complete": 1, "overdue": 1}
    assert result.max_overdue_days == 1
    assert result.rag == "Amber" and "1 action overdue" in result.rag_reasons
    overdue = {line.ref: line.overdue_days for line in result.action_lines}
    assert overdue == {"I01": 0, "I02": 1, "I03": 0, "I04": 0, "I05": 0}
    assert [(line.status, line.status_valid) for line in result.action_lines if line.ref == "I05"] == [("Bogus", False)]
    assert [(item.cell, item.value) for item in result.left_out] == [("G6", "Bogus")]


@pytest.mark.parametrize("days, rag", [(90, "Amber"), (91, "Red")])
def test_overdue_days_threshold(days, rag):
    due = AS_OF - dt.timedelta(days=days)
    result = score(make_workbook(improvement={"I01": action(due, "In progress")}))
    assert (result.max_overdue_days, result.rag) == (days, rag)


@pytest.mark.parametrize(
    "likelihood, impact, band",
    [
        (2, 2, "Low"),
        (1, 5, "Medium"),
        (3, 4, "Medium"),
        (3, 5, "High"),
        (5, 5, "High"),
    ],
)
def test_risk_band_boundaries(likelihood, impact, band):
    result = score(make_workbook(risks={"R01": (likelihood, impact, "Mitigated")}))
    r01 = next(risk for risk in result.risks if risk.ref == "R01")
    assert (r01.score, r01.band) == (likelihood * impact, band)
    assert r01.text == catalogue.RISKS[0].text
    assert result.rag == ("Amber" if band == "High" else "Green")


def test_high_risk_without_mitigation_is_red_and_counted():
    result = score(make_workbook(risks={"R02": (5, 3, None), "R03": (3, 4, None)}))
    assert result.high_unmitigated == 1
    assert result.rag == "Red"
    assert result.rag_reasons == ("1 High risk with no mitigation",)


def test_unrated_and_invalid_risks_are_not_scored_and_officer_risks_are():
    risks = {"R01": (None, 3, ""), "R02": (6, 1, ""), "R03": ("2.5", 2, ""), "R10": ("4", " 4 ", "Plan")}
    result = score(make_workbook(risks=risks))
    assert {risk.ref for risk in result.risks} == {f"R{n:02d}" for n in range(4, 10)} | {"R10"}
    assert next(risk for risk in result.risks if risk.ref == "R10").band == "High"


def test_review_overdue_is_amber():
    result = score(make_workbook(register={"next_review": "29/04/2026"}))
    assert result.review_overdue and result.rag == "Amber"
    assert result.rag_reasons == ("The review was due on 29 April 2026",)  # one date style throughout the pack
    assert not score(make_workbook(register={"next_review": AS_OF})).review_overdue


def test_red_lists_only_red_reasons():
    result = score(make_workbook(checklist=blank(20), risks={"R01": (5, 5, None)}))
    assert result.rag == "Red" and len(result.rag_reasons) == 2


@pytest.mark.parametrize("answer", ["Yes", " yes\u00a0"])
def test_a_scope_test_answered_yes_is_out_of_scope(answer):
    result = score(make_workbook(register={"scope_commercial": answer}, checklist=blank(20)))
    assert (result.in_scope, result.rag) == (False, "Out of scope")
    assert result.scope_answered_yes == ("Commercial agreement",)


def test_a_file_or_sheet_error_is_not_assessed():
    missing = finding("template.version", file="p.xlsx", sheet="Guide", reason="no template_version")
    assert score(make_workbook(findings=[missing])).rag == "Not assessed"
    result = score(make_workbook(), findings=[missing])
    assert (result.assessed, result.rag, result.findings) == (False, "Not assessed", {"error": 1, "warning": 0})
    assert result.rag_reasons == (missing.message,)


def test_thresholds_come_from_config():
    strict = dataclasses.replace(
        CONFIG, rag=Rag(red_completeness_below=0.95), scoring=Scoring(risk_low_max=1, risk_medium_max=1)
    )
    result = score(make_workbook(checklist=blank(2)), config=strict)
    assert result.rag == "Red"
    assert {risk.band for risk in result.risks} == {"High"}


def test_batch_attaches_each_files_findings_and_totals():
    books = [
        make_workbook(file="a.xlsx", register={"id": "P-1"}),
        make_workbook(file="b.xlsx", register={"id": "P-2", "funding": "£2,500"}, checklist=blank(15)),
        make_workbook(file="c.xlsx", register={"id": "P-3", "scope_contract": "Yes"}),
        make_workbook(file="d.xlsx", register={"id": "P-4"}),
    ]
    report = ValidationReport.of(
        [
            finding("checklist.unanswered", file="b.xlsx", sheet="Checklist", cell="D2", ref="1a"),
            finding("file.unreadable", file="d.xlsx", reason="truncated"),
        ]
    )
    scores = score_batch(books, report, as_of=AS_OF, config=CONFIG)
    assert [item.rag for item in scores] == ["Green", "Red", "Out of scope", "Not assessed"]
    assert [item.findings["warning"] for item in scores] == [1 if item.file == "b.xlsx" else 0 for item in scores]
    summary = totals(scores)
    assert summary["rag"] == {"Red": 1, "Amber": 0, "Green": 1, "Out of scope": 1, "Not assessed": 1}
    assert (summary["in_scope"], summary["out_of_scope"], summary["not_assessed"]) == (2, 1, 1)
    assert (summary["funding"], summary["officer_days"]) == (3500.0, 20.0)
    assert summary["findings"] == {"error": 1, "warning": 1}


@pytest.mark.parametrize(
    ("weight", "yes", "partly", "threshold"), [(0.4, 8, 4, 0.8), (0.3, 5, 2, 0.8), (0.6, 3, 3, 0.8), (0.3, 1, 6, 0.4)]
)
def test_an_assurance_exactly_at_the_amber_threshold_is_not_below_it(tmp_path, weight, yes, partly, threshold):
    """With a Partly weight of 0.4, 8 Yes and 4 Partly give an assurance of exactly 80%: a council whose
    Amber starts below 80% saw it rated Amber, "80.0% is below 80.0%" (0.4 x 4 is not 1.6 in binary
    arithmetic). The weight is read as the decimal the configuration gives."""
    from officer import AS_OF, write_workbook

    from pipeline.check.score import GREEN
    from pipeline.read.workbook import load_workbook_file

    checklist = {
        question.ref: {"Status": "Yes" if index < yes else "Partly" if index < yes + partly else "N/A"}
        for index, question in enumerate(catalogue.QUESTIONS)
    }
    config = dataclasses.replace(
        CONFIG, scoring=Scoring(partly_weight=weight), rag=Rag(amber_assurance_below=threshold)
    )
    path = write_workbook(tmp_path / "exact.xlsx", checklist=checklist, risks={"R01": {"Likelihood": 1}})
    result = score_workbook(load_workbook_file(path, tmp_path, config), (), as_of=AS_OF, config=config)
    assert result.checklist_assurance == threshold
    assert (result.rag, result.rag_reasons) == (GREEN, ())
