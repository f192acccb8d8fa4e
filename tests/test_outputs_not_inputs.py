"""Outputs never become inputs (issue 13, item 5): `validate --out` inside the input folder is refused
as `report` refuses it, and the tool's own outputs in the input folder are never taken for returns."""

from __future__ import annotations

import json

from click.testing import CliRunner

from officer import AS_OF, write_workbook
from pipeline.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_validate_out_inside_the_input_folder_is_refused(tmp_path):
    inputs = tmp_path / "in"
    write_workbook(inputs / "p1.xlsx", register={"council_role": "Boss"})
    result = run("validate", str(inputs), "--out", str(inputs / "checks"))
    assert result.exit_code == 2
    assert "must be outside the input folder" in result.output
    assert not (inputs / "checks").exists()


def test_feedback_copies_and_reports_inside_the_input_folder_are_not_returns(tmp_path):
    inputs = tmp_path / "in"
    write_workbook(inputs / "p1.xlsx", partnership_id="P-001", register={"council_role": "Boss"})
    write_workbook(inputs / "p2.xlsx", partnership_id="P-002", register={"funding": "lots"})
    # Last round's checks, written elsewhere and then dropped into input/ with the returns.
    assert run("validate", str(inputs), "--out", str(tmp_path / "checks"), "--feedback").exit_code == 1
    (tmp_path / "checks").rename(inputs / "checks")
    assert (
        run("report", str(inputs), "--out", str(tmp_path / "pack"), "--as-of", AS_OF.isoformat(), "--no-pdf").exit_code
        == 0
    )
    data = json.loads((tmp_path / "pack" / "results.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in data["partnerships"]] == ["P-001", "P-002"]
    ignored = {item["file"]: item["reason"] for item in data["ignored"]}
    assert set(ignored) >= {"checks/feedback/p1.xlsx", "checks/feedback/p2.xlsx", "checks/validation_report.xlsx"}
    assert all("written by this tool" in reason for file, reason in ignored.items() if file.startswith("checks/"))
    assert data["totals"]["files"]["received"] == len(data["inputs"]) + len(data["ignored"])


def test_a_report_or_register_copied_on_its_own_into_the_input_folder_is_not_a_return(tmp_path):
    """Last year's register.xlsx (to roll over from) or a validation report, dropped into input/ beside
    the returns without the folder it came from: named as this tool's output and left out, not taken
    for a return made without the template."""
    inputs = tmp_path / "in"
    write_workbook(inputs / "p1.xlsx", partnership_id="P-001")
    assert (
        run("report", str(inputs), "--out", str(tmp_path / "2025"), "--as-of", AS_OF.isoformat(), "--no-pdf").exit_code
        == 0
    )
    # The CSVs too: they were taken for returns in the wrong format, each an error and a workbook "Not assessed".
    for name in ("register.xlsx", "validation_report.xlsx", "answers.csv", "validation_report.csv"):
        (inputs / name).write_bytes((tmp_path / "2025" / name).read_bytes())
    result = run("validate", str(inputs), "--out", str(tmp_path / "checks"), "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output  # no error: p1 is clean, the outputs are not returns
    csv_text = (tmp_path / "checks" / "validation_report.csv").read_text(encoding="utf-8")
    assert "register.xlsx" not in csv_text and "validation_report.xlsx" not in csv_text
    assert "answers.csv" not in csv_text and "validation_report.csv" not in csv_text
    assert (
        run("report", str(inputs), "--out", str(tmp_path / "2026"), "--as-of", AS_OF.isoformat(), "--no-pdf").exit_code
        == 0
    )
    data = json.loads((tmp_path / "2026" / "results.json").read_text(encoding="utf-8"))
    assert [item["file"] for item in data["inputs"]] == ["p1.xlsx"]
    ignored = {item["file"]: item["reason"] for item in data["ignored"]}
    assert ignored == {
        "answers.csv": "an output of this tool (answers.csv), not a return",
        "register.xlsx": "an output of this tool (The Council partnership register 2026), not a return",
        "validation_report.csv": "an output of this tool (validation_report.csv), not a return",
        "validation_report.xlsx": "an output of this tool (Validation report), not a return",
    }
    assert data["totals"]["files"] == {"received": 5, "assessed": 1, "not_assessed": 0, "ignored": 4}
