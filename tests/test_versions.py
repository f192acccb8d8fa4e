"""Template version 2 beside version 1: both read and assessed; version 1's objectives are not stated."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner

from officer import AS_OF, write_workbook
from pipeline import catalogue
from pipeline.check.assess import assess_folder
from pipeline.cli import cli
from pipeline.config import Config, objectives_fingerprint, Objective

CONFIG = Config()


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    folder = tmp_path_factory.mktemp("versions")
    write_workbook(folder / "v1.xlsx", partnership_id="P-001", version=1)
    write_workbook(folder / "v2.xlsx", partnership_id="P-002")
    return folder


def test_both_versions_are_assessed_and_version_1_is_told_to_move_on(returns):
    assessment = assess_folder(returns, CONFIG, as_of=AS_OF)
    found = {(item.file, item.sheet, item.cell, item.rule) for item in assessment.report.findings}
    assert found == {("v1.xlsx", "Guide", "", "template.previous_version")}
    by_file = {score.file: score for score in assessment.scores}
    assert [by_file[name].assessed for name in ("v1.xlsx", "v2.xlsx")] == [True, True]
    assert (by_file["v1.xlsx"].objectives, by_file["v2.xlsx"].objectives) == (None, ("O2",))
    assert (by_file["v1.xlsx"].total_budget, by_file["v2.xlsx"].total_budget) == (None, 90000)
    assert by_file["v2.xlsx"].partner_contributions == 65000
    assert by_file["v1.xlsx"].rag == by_file["v2.xlsx"].rag == "Amber"  # the same answers, the same rating
    assert by_file["v1.xlsx"].significance == by_file["v2.xlsx"].significance == "Major"


def test_version_1_has_no_objectives_sheet_and_its_register_keeps_its_rows(returns):
    old = openpyxl.load_workbook(returns / "v1.xlsx")
    new = openpyxl.load_workbook(returns / "v2.xlsx")
    assert catalogue.OBJECTIVES_SHEET.name not in old.sheetnames
    assert new.sheetnames == list(catalogue.REQUIRED_SHEETS)
    assert old.defined_names[catalogue.TEMPLATE_VERSION_NAME].attr_text == "1"
    assert new.defined_names[catalogue.TEMPLATE_VERSION_NAME].attr_text == "2"
    for field in catalogue.register_fields(1):
        row = catalogue.REGISTER_ROWS[field.key]
        assert old["Register"][f"A{row}"].value == new["Register"][f"A{row}"].value == field.label
    assert old["Register"].max_row == 28 and new["Register"]["A30"].value == "Partner contributions (£)"


def test_an_unknown_version_says_which_versions_are_read(tmp_path):
    from openpyxl.workbook.defined_name import DefinedName

    def nine(book):
        book.defined_names[catalogue.TEMPLATE_VERSION_NAME] = DefinedName(
            catalogue.TEMPLATE_VERSION_NAME, attr_text="9"
        )

    write_workbook(tmp_path / "v9.xlsx", edit=nine)
    [item] = assess_folder(tmp_path, CONFIG, as_of=AS_OF).report.findings
    assert item.rule == "template.version" and "versions 1 and 2" in item.message


def test_templates_config_lists_the_councils_objectives(tmp_path):
    config = tmp_path / "review.toml"
    config.write_text('[objectives]\nA = "Thriving towns"\nB = "Net zero by 2040"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["templates", "--out", str(tmp_path / "t"), "--config", str(config)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "t" / catalogue.TEMPLATE_FILE_NAME)
    sheet = book[catalogue.OBJECTIVES_SHEET.name]
    assert [[cell.value for cell in row] for row in sheet.iter_rows(max_col=4)] == [
        ["Ref", "Objective", "Contributes", "How"],
        ["A", "Thriving towns", None, None],
        ["B", "Net zero by 2040", None, None],
    ]
    [validation] = [item for item in sheet.data_validations.dataValidation if item.type == "list"]
    assert validation.formula1 == '"Yes,No"' and str(validation.sqref) == "C2 C3"
    fingerprint = objectives_fingerprint((Objective("A", "Thriving towns"), Objective("B", "Net zero by 2040")))
    assert book.defined_names[catalogue.OBJECTIVES_LIST_NAME].attr_text == f'"{fingerprint}"'


def test_results_json_has_significance_and_objectives_per_partnership(returns, tmp_path):
    result = CliRunner().invoke(
        cli,
        ["report", str(returns), "--out", str(tmp_path / "out"), "--as-of", AS_OF.isoformat(), "--no-pdf"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    by_id = {item["id"]: item for item in data["partnerships"]}
    assert (by_id["P-001"]["significance"], by_id["P-001"]["objectives"]) == ("Major", None)
    assert (by_id["P-002"]["significance"], by_id["P-002"]["objectives"]) == ("Major", ["O2"])
    assert data["template_versions_read"] == [1, 2]
