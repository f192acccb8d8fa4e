"""An entry out of scope is not asked to complete the assessment (issue 13, item 10): it gets the scope
finding and nothing it need not answer; the feedback copy's Findings rows are tall enough for their
wrapped messages. A real workbook as an officer returns an arrangement that is not a partnership."""

from __future__ import annotations

import openpyxl
from click.testing import CliRunner

from officer import AS_OF, write_workbook
from pipeline import catalogue
from pipeline.cli import cli
from pipeline.check.feedback import FINDINGS_HEADER_ROW


def validate(inputs, out) -> None:
    result = CliRunner().invoke(
        cli,
        ["validate", str(inputs), "--out", str(out), "--as-of", AS_OF.isoformat(), "--feedback"],
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1), result.output


def findings(out) -> set[tuple]:
    sheet = openpyxl.load_workbook(out / "validation_report.xlsx", read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return {tuple(dict(zip(header, row))[name] for name in ("file", "sheet", "cell", "rule")) for row in rows[1:]}


def test_an_entry_out_of_scope_gets_only_what_it_must_answer(tmp_path):
    inputs = tmp_path / "in"
    # A contract for service delivery: the officer answers the register and the scope test, and leaves
    # the checklist, improvement tool and risks blank, as the Guide says they do not apply.
    write_workbook(
        inputs / "contract.xlsx",
        partnership_id="P-030",
        register={"scope_contract": "Yes", "next_review": None, "review_completed_on": None},
        checklist={question.ref: {"Status": None, "Evidence": None} for question in catalogue.QUESTIONS},
        improvement={
            area.ref: {"Answer": None, "Action": None, "Action owner": None, "Due date": None, "Action status": None}
            for area in catalogue.AREAS
        },
        risks={risk.ref: {"Likelihood": None, "Impact": None, "Mitigation": None} for risk in catalogue.RISKS},
    )
    validate(inputs, tmp_path / "out")
    assert findings(tmp_path / "out") == {("contract.xlsx", "Register", "B28", "scope.excluded")}
    copy = openpyxl.load_workbook(tmp_path / "out" / "feedback" / "contract.xlsx")
    rules = [row[2] for row in copy["Findings"].iter_rows(min_row=FINDINGS_HEADER_ROW + 1, values_only=True) if row[2]]
    assert rules == ["scope.excluded"]


def test_the_findings_sheet_rows_are_tall_enough_for_their_messages(tmp_path):
    inputs = tmp_path / "in"
    write_workbook(
        inputs / "slips.xlsx",
        register={"name": None, "council_role": "Boss", "funding": "lots"},
        checklist={"1a": {"Status": "Sometimes"}},
        risks={"R02": {"Likelihood": None}},
    )
    validate(inputs, tmp_path / "out")
    sheet = openpyxl.load_workbook(tmp_path / "out" / "feedback" / "slips.xlsx")["Findings"]
    width = sheet.column_dimensions["E"].width
    for row in range(FINDINGS_HEADER_ROW + 1, sheet.max_row + 1):
        message = sheet.cell(row, 5).value
        if message and len(message) > width:
            lines = -(-len(message) // int(width * 0.95))
            assert (sheet.row_dimensions[row].height or 15) >= 15 * lines, (row, message)


def test_an_entry_out_of_scope_has_no_scores_where_the_pack_says_none_are_given(tmp_path):
    """Its profile said 'no scores are given', yet the register showed a checklist completeness of 0%
    for one left blank and 100% for one answered, and results.json held both."""
    import json

    inputs, out = tmp_path / "in", tmp_path / "out"
    blank = {question.ref: {"Status": None, "Evidence": None} for question in catalogue.QUESTIONS}
    write_workbook(inputs / "blank.xlsx", partnership_id="P-030", register={"scope_contract": "Yes"}, checklist=blank)
    write_workbook(inputs / "answered.xlsx", partnership_id="P-031", register={"scope_commercial": "Yes"})
    write_workbook(inputs / "partnership.xlsx", partnership_id="P-001")
    result = CliRunner().invoke(
        cli,
        ["report", str(inputs), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = {item["id"]: item for item in json.loads((out / "results.json").read_text(encoding="utf-8"))["partnerships"]}
    for entry in ("P-030", "P-031"):
        scores = data[entry]
        assert scores["rag"] == "Out of scope"
        assert (scores["checklist_completeness"], scores["checklist_assurance"], scores["improvement_coverage"]) == (
            None,
            None,
            None,
        )
        assert set(scores["section_completeness"].values()) == {None}
    assert data["P-001"]["checklist_completeness"] == 1.0
    sheet = openpyxl.load_workbook(out / "register.xlsx", read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    column = next(index for index, name in enumerate(header) if "completeness" in str(name).lower())
    by_id = {row[0]: row[column] for row in rows[1:]}
    assert (by_id["P-030"], by_id["P-031"], by_id["P-001"]) == (None, None, 1.0)


def test_an_entry_out_of_scope_is_not_stopped_by_a_review_sheet_it_need_not_keep(tmp_path):
    """README: an entry out of scope is checked on its register only. Yet with its Risks sheet deleted,
    or a checklist row, it was 'Not assessed' (sheet.missing, sheet.layout) rather than out of scope."""

    def delete_risks(book):
        del book["Risks"]

    def delete_row(book):
        book["Checklist"].delete_rows(5)

    inputs = tmp_path / "in"
    write_workbook(
        inputs / "no-risks.xlsx", partnership_id="P-030", register={"scope_commercial": "Yes"}, edit=delete_risks
    )
    write_workbook(
        inputs / "row-gone.xlsx", partnership_id="P-031", register={"scope_contract": "Yes"}, edit=delete_row
    )
    write_workbook(inputs / "partnership.xlsx", partnership_id="P-001", edit=delete_risks)
    validate(inputs, tmp_path / "out")
    assert findings(tmp_path / "out") == {
        ("no-risks.xlsx", "Register", "B27", "scope.excluded"),
        ("row-gone.xlsx", "Register", "B28", "scope.excluded"),
        ("partnership.xlsx", "Risks", None, "sheet.missing"),  # a partnership still needs it
    }
