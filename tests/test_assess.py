"""Checking and scoring in the workers that read the files gives what checking the batch gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from officer import AS_OF, write_workbook
from pipeline.check.assess import assess_folder
from pipeline.config import Config
from pipeline.read.batch import load_folder
from pipeline.check.rules import check
from pipeline.check.score import NOT_ASSESSED, score_batch

CONFIG = Config()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Two workbooks sharing an ID (one clean, one with warnings), findings, a bad file, an ignored one."""
    folder = tmp_path_factory.mktemp("returns")
    write_workbook(
        folder / "a.xlsx",
        partnership_id="P-001",
        checklist={"1a": {"Status": "Maybe"}},
        risks={"R02": {"Likelihood": "-1"}},
    )
    write_workbook(folder / "team" / "b.xlsx", partnership_id="P-002", improvement={"I03": {"Answer": None}})
    write_workbook(folder / "team" / "c.xlsx", partnership_id=" p-002 ")
    write_workbook(folder / "d.xlsx", partnership_id="P-004")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (folder / "notes.txt").write_text("not a return")
    return folder


@pytest.mark.parametrize("jobs", [1, 2])
def test_same_findings_and_scores_as_checking_the_loaded_batch(folder, jobs, start_method):
    batch = load_folder(folder, CONFIG)
    report = check(batch.workbooks, as_of=AS_OF, config=CONFIG)
    scores = score_batch(batch.workbooks, report, as_of=AS_OF, config=CONFIG)

    assessment = assess_folder(folder, CONFIG, as_of=AS_OF, jobs=jobs)

    assert assessment.batch.workbooks == batch.workbooks
    assert assessment.batch.ignored == batch.ignored
    assert assessment.report.findings == report.findings
    assert assessment.scores == scores


def test_a_duplicate_id_found_across_the_batch_counts_in_both_scores(folder, start_method):
    assessment = assess_folder(folder, CONFIG, as_of=AS_OF, jobs=2)
    by_file = {score.file: score for score in assessment.scores}
    errors = {item.file: 0 for item in assessment.report.findings}
    for item in assessment.report.findings:
        errors[item.file] += item.severity == "error"

    assert {item.file for item in assessment.report.findings if item.rule == "register.duplicate_id"} == {
        "team/b.xlsx",
        "team/c.xlsx",
    }
    assert by_file["team/c.xlsx"].findings["error"] == errors["team/c.xlsx"] >= 1
    assert by_file["team/b.xlsx"].findings["error"] == errors["team/b.xlsx"]
    assert by_file["d.xlsx"].findings == {"error": 0, "warning": 0}
    assert by_file["broken.xlsx"].rag == NOT_ASSESSED
