"""answers.csv as an analyst's dashboard reads it: loaded the way README's data dictionary says, its
figures add up to the pack's, its completeness is the pack's, and a number is written as a number."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas
import pytest
from click.testing import CliRunner

from officer import AS_OF, write_workbook
from pipeline import catalogue
from pipeline.cli import cli

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
#: How README's data dictionary says to load answers.csv with pandas.
READ = 'pandas.read_csv("answers.csv", dtype=str, keep_default_na=False)'


def report(folder: Path, out: Path) -> dict:
    result = CliRunner().invoke(
        cli,
        ["report", str(folder), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"],
        catch_exceptions=False,
    )
    assert result.exit_code in (0, 1), result.output
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def read_as_readme_says(out: Path, monkeypatch) -> "pandas.DataFrame":
    assert f"`{READ}`" in " ".join(README.split())
    monkeypatch.chdir(out)
    return eval(READ, {"pandas": pandas})  # noqa: S307 - README's own line, run as an analyst would


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """Figures typed as text ('£76,000', '12,500', ' 3 '), one the review cannot read, one negative
    number, and Status answered N/A (which pandas' default reading takes for a blank)."""
    root = tmp_path_factory.mktemp("answers")
    folder = root / "in"
    write_workbook(
        folder / "p1.xlsx",
        partnership_id="P-001",
        register={
            "funding": "£76,000",
            "officer_days": "12,500",
            "councillor_days": " 3 ",
            "total_budget": "£90,000.50",
            "partner_contributions": 6000,
        },
        checklist={"1a": {"Status": "N/A"}, "1b": {"Status": "N/A"}, "2a": {"Status": None}},
        risks={"R02": {"Likelihood": "3", "Impact": " 4 "}},
    )
    write_workbook(
        folder / "p2.xlsx",
        partnership_id="P-002",
        register={"funding": "£6,000", "officer_days": "2,5", "councillor_days": -2500},
        checklist={"8c": {"Status": "n/a"}},
        risks={"R03": {"Likelihood": "high"}},
    )
    out = root / "out"
    return out, report(folder, out)


def test_every_figure_the_review_reads_is_written_as_that_number(year, monkeypatch):
    """'£76,000', '£6,000' and '12,500' were written as typed: a dashboard summing the column with a
    type of number got errors or left them out, short of the pack's total. Each figure the review reads
    is now that number, as a date is YYYY-MM-DD; what it cannot read stays as typed."""
    out, results = year
    answers = read_as_readme_says(out, monkeypatch)
    given = {(row.file, row.sheet, row.ref, row.field): row.value for row in answers.itertuples()}
    register = {
        (file, field): value for (file, sheet, _, field), value in given.items() if sheet == catalogue.REGISTER.name
    }
    assert register["p1.xlsx", "Annual council funding (£)"] == "76000"
    assert register["p1.xlsx", "Officer time (days per year)"] == "12500"
    assert register["p1.xlsx", "Councillor time (days per year)"] == "3"
    assert register["p1.xlsx", "Total partnership budget (£)"] == "90000.5"
    assert register["p1.xlsx", "Partner contributions (£)"] == "6000"
    assert register["p2.xlsx", "Annual council funding (£)"] == "6000"
    assert register["p2.xlsx", "Officer time (days per year)"] == "2,5"  # a decimal comma: not read, as typed
    assert register["p2.xlsx", "Councillor time (days per year)"] == "-2500"  # a number, not read (negative)
    assert given["p1.xlsx", "Risks", "R02", "Likelihood"] == "3"
    assert given["p1.xlsx", "Risks", "R02", "Impact"] == "4"
    assert given["p2.xlsx", "Risks", "R03", "Likelihood"] == "high"
    funding = answers[answers["field"] == "Annual council funding (£)"]["value"]
    assert pandas.to_numeric(funding).sum() == results["totals"]["funding"] == 82000


def test_read_as_readme_says_na_is_an_answer_and_completeness_is_the_packs(year, monkeypatch):
    """pandas' default reading takes every Status 'N/A' for a blank: completeness recomputed from it was
    wrong. README now says how to read it; read so, each workbook's completeness is the pack's."""
    out, results = year
    answers = read_as_readme_says(out, monkeypatch)
    status = answers[(answers["sheet"] == catalogue.CHECKLIST.name) & (answers["field"] == "Status")]
    valid = status["value"].str.strip().str.casefold().isin([item.casefold() for item in catalogue.CHECKLIST_STATUSES])
    completeness = valid.groupby(status["file"]).sum() / len(catalogue.QUESTIONS)
    pack = {item["file"]: item["checklist_completeness"] for item in results["partnerships"]}
    assert completeness.round(4).to_dict() == {file: round(value, 4) for file, value in pack.items()}
    assert (status["value"] == "N/A").sum() == 2 and (status["value"] == "").sum() == 1


def test_a_number_is_not_guarded_as_a_formula_but_text_is(year):
    """A negative number typed as a number came out as '-2500 in answers.csv and the validation report
    (but -2500 in the XLSX): a number is never a formula. Text stays guarded."""
    out, _ = year
    text = (out / "answers.csv").read_text(encoding="utf-8")
    assert "p2.xlsx,Register,B19,P-002,,Councillor time (days per year),-2500\n" in text
    assert "'-2500" not in text
    report = (out / "validation_report.csv").read_text(encoding="utf-8")
    lines = [line for line in report.splitlines() if line.startswith("p2.xlsx,Register,B19,")]
    assert lines and all(line.endswith(",-2500") for line in lines), lines
    assert not re.search(r"'-?\d", report)
