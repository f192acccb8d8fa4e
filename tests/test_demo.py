"""The demo set is deterministic and has the spread of quality a real year has.

The workbooks are read back with openpyxl and the project's own forgiving parsers, so "complete",
"invalid", "overdue" and "High" mean here what they mean to the review.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from pipeline import catalogue, values
from pipeline.cycle import demo
from pipeline.catalogue import Kind
from pipeline.config import Scoring

COUNT, SEED = 40, 11


@dataclass(frozen=True)
class Summary:
    """What one demo workbook holds, as the review would read it."""

    file: str
    partnership_id: str
    out_of_scope: bool
    statuses: tuple
    answers: tuple
    overdue_actions: int
    high_risks: tuple[bool, ...]  # one per High risk: whether it has a Mitigation
    invalid: tuple[str, ...]  # (sheet!cell) of values the review must refuse
    forgiven: int  # values that need the forgiving reading (case, spaces, text numbers and dates)
    email: object


@pytest.fixture(scope="module")
def demo_set(tmp_path_factory) -> list[Path]:
    return demo.write_demo_set(tmp_path_factory.mktemp("demo"), count=COUNT, seed=SEED)


@pytest.fixture(scope="module")
def summaries(demo_set) -> list[Summary]:
    return [summarise(path) for path in demo_set]


def cell_values(path: Path) -> dict[str, list[tuple]]:
    workbook = openpyxl.load_workbook(path)
    return {
        sheet.title: [tuple(cell.value for cell in row) for row in sheet.iter_rows()] for sheet in workbook.worksheets
    }


def summarise(path: Path) -> Summary:
    workbook = openpyxl.load_workbook(path)
    invalid, forgiven = [], 0

    def read(sheet: str, cell: str, parse, *args):
        nonlocal forgiven
        raw = workbook[sheet][cell].value
        parsed = parse(raw, *args)
        if parsed is values.INVALID:
            invalid.append(f"{sheet}!{cell}")
        elif isinstance(raw, str) and parsed is not None and parsed != raw:
            forgiven += 1
        return parsed

    register = {}
    for field in catalogue.REGISTER_FIELDS:
        cell = f"B{catalogue.REGISTER_ROWS[field.key]}"
        parse = {
            Kind.CHOICE: lambda raw: values.choice(raw, field.choices),
            Kind.DATE: values.date,
            Kind.NUMBER: values.number,
            Kind.EMAIL: values.email,
        }.get(field.kind, values.clean)
        register[field.key] = read(catalogue.REGISTER.name, cell, parse)
    statuses = tuple(
        read(catalogue.CHECKLIST.name, f"D{row}", values.choice, catalogue.CHECKLIST_STATUSES)
        for row in catalogue.CHECKLIST_ROWS.values()
    )
    answers, overdue = [], 0
    for row in catalogue.IMPROVEMENT_ROWS.values():
        answers.append(read(catalogue.IMPROVEMENT.name, f"C{row}", values.choice, catalogue.IMPROVEMENT_ANSWERS))
        due = read(catalogue.IMPROVEMENT.name, f"F{row}", values.date)
        status = read(catalogue.IMPROVEMENT.name, f"G{row}", values.choice, catalogue.ACTION_STATUSES)
        overdue += isinstance(due, dt.date) and due < demo.REFERENCE_DATE and status != catalogue.COMPLETE
    high = []
    sheet = catalogue.RISKS_SHEET.name
    for row in catalogue.RISK_ROWS.values():
        likelihood = read(sheet, f"C{row}", values.rating, catalogue.RISK_RATINGS)
        impact = read(sheet, f"D{row}", values.rating, catalogue.RISK_RATINGS)
        if (
            isinstance(likelihood, int)
            and isinstance(impact, int)
            and Scoring().risk_band(likelihood * impact) == "High"
        ):
            high.append(bool(values.clean(workbook[sheet][f"E{row}"].value)))
    return Summary(
        path.name,
        values.text(register["id"]),
        any(register[field.key] == catalogue.YES for field in catalogue.SCOPE_FIELDS),
        statuses,
        tuple(answers),
        overdue,
        tuple(high),
        tuple(invalid),
        forgiven,
        register["lead_officer_email"],
    )


def test_writes_the_count_with_readable_unique_names(demo_set):
    paths = demo_set
    assert len(paths) == COUNT and len({path.name for path in paths}) == COUNT
    assert all(path.exists() for path in paths)
    assert all(re.fullmatch(r"P-\d{3}_[a-z0-9]+(-[a-z0-9]+)*\.xlsx", path.name) for path in paths)
    assert [path.name[:5] for path in paths] == [f"P-{number:03d}" for number in range(1, COUNT + 1)]


def test_workbooks_are_made_from_the_template(demo_set):
    workbook = openpyxl.load_workbook(demo_set[0])
    assert workbook.sheetnames == list(catalogue.REQUIRED_SHEETS)
    assert workbook.defined_names[catalogue.TEMPLATE_VERSION_NAME].value == str(catalogue.TEMPLATE_VERSION)
    checklist = workbook[catalogue.CHECKLIST.name]
    assert [checklist[f"C{row}"].value for row in catalogue.CHECKLIST_ROWS.values()] == [
        question.text for question in catalogue.QUESTIONS
    ]
    assert checklist.protection.sheet


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_same_seed_same_workbooks(tmp_path, demo_set):
    paths = demo_set
    again = demo.write_demo_set(tmp_path, count=COUNT, seed=SEED)
    assert [path.name for path in again] == [path.name for path in paths]
    assert all(first.read_bytes() == second.read_bytes() for first, second in zip(paths, again))
    # The promise is the cells (what officers and the loader see); equal bytes are the stronger check.
    assert all(cell_values(first) == cell_values(second) for first, second in zip(paths[:8], again[:8]))


def test_another_seed_other_workbooks(tmp_path, demo_set):
    other = demo.write_demo_set(tmp_path, count=3, seed=SEED + 1)
    assert [cell_values(path) for path in other] != [cell_values(path) for path in demo_set[:3]]


def complete(summary: Summary) -> bool:
    return all(status not in (None, values.INVALID) for status in summary.statuses) and all(
        answer not in (None, values.INVALID) for answer in summary.answers
    )


def partial(summary: Summary) -> bool:
    return sum(status is None for status in summary.statuses) >= 3


def test_most_are_complete_and_some_partial(summaries):
    in_scope = [summary for summary in summaries if not summary.out_of_scope]
    assert sum(map(complete, in_scope)) >= 0.6 * len(in_scope)
    assert any(map(partial, in_scope))


def test_at_least_one_is_out_of_scope(summaries):
    assert 1 <= sum(summary.out_of_scope for summary in summaries) < COUNT / 4


def test_some_actions_are_overdue(summaries):
    assert sum(summary.overdue_actions > 0 for summary in summaries) >= 3


def test_some_high_risks_with_and_without_mitigation(summaries):
    high = [mitigated for summary in summaries for mitigated in summary.high_risks]
    assert True in high and False in high


def test_a_few_have_the_mistakes_officers_make(summaries):
    with_errors = [summary for summary in summaries if summary.invalid]
    assert 2 <= len(with_errors) <= COUNT / 3
    sheets = {cell.split("!")[0] for summary in with_errors for cell in summary.invalid}
    assert len(sheets) >= 2  # mistakes are spread over the sheets, not all of one kind
    assert sum(summary.forgiven > 0 for summary in summaries) >= 2
    assert any(summary.email is None or summary.email is values.INVALID for summary in summaries)


def test_one_partnership_id_is_duplicated_in_a_large_set(summaries):
    ids = [summary.partnership_id for summary in summaries]
    assert len(ids) - len(set(ids)) == 1


def test_small_sets_still_have_each_kind_of_quality(tmp_path):
    from pipeline.check.assess import assess_folder
    from pipeline.config import Config

    small = [summarise(path) for path in demo.write_demo_set(tmp_path, count=4, seed=0)]
    assert sum(summary.out_of_scope for summary in small) == 1
    in_scope = [summary for summary in small if not summary.out_of_scope]
    assert any(complete(summary) for summary in in_scope)
    assert any(partial(summary) for summary in in_scope)
    # and one with the mistakes officers make, which the validator reports as errors
    report = assess_folder(tmp_path, Config(), as_of=demo.REFERENCE_DATE + dt.timedelta(days=30)).report
    assert any(item.severity == "error" for item in report.findings)


def test_ratings_have_the_spread_of_a_real_year(demo_set):
    # Scored as the report scores them, as of a month after the demo's review season (as `make report`).
    from pipeline.config import Config
    from pipeline.read.batch import load_folder
    from pipeline.check.rules import check
    from pipeline.check.score import score_batch, totals

    config, as_of = Config(), demo.REFERENCE_DATE + dt.timedelta(days=30)
    batch = load_folder(demo_set[0].parent, config)
    summary = totals(
        score_batch(batch.workbooks, check(batch.workbooks, as_of=as_of, config=config), as_of=as_of, config=config)
    )
    in_scope = summary["in_scope"]
    assert 0.1 * in_scope <= summary["rag"]["Red"] <= 0.3 * in_scope, summary["rag"]
    assert summary["rag"]["Green"] >= 0.2 * in_scope, summary["rag"]


def test_the_register_names_the_objectives_the_objectives_sheet_says_yes_to(demo_set):
    """A manager reads both in each profile: "Council objectives supported" and the Objectives sheet's
    answers must not contradict each other, as they would not in an officer's return."""
    from pipeline.config import Config, DEFAULT_OBJECTIVES
    from pipeline.read.workbook import load_workbook_file

    titles = {objective.ref: objective.title for objective in DEFAULT_OBJECTIVES}
    named = 0
    for path in demo_set:
        workbook = load_workbook_file(path, path.parent, Config())
        if not workbook.objectives or "objectives" not in workbook.register:
            continue  # template version 1, or out of scope with the sheet left empty
        text = values.text(workbook.register["objectives"].value)
        said_yes = [titles[row.ref] for row in workbook.objectives if values.text(row.contributes) == catalogue.YES]
        if text:  # blank when left so by an officer who stopped part-way, or when it supports none
            assert [part.strip() for part in text.split(catalogue.LIST_SEPARATOR)] == said_yes, path.name
            named += 1
    assert named >= COUNT // 2


def test_the_demo_is_never_written_among_returns(tmp_path):
    """`partnerships demo --out input` with this year's returns already there: refused, nothing written,
    as demo workbooks beside them would be read as returns; an empty or new folder is fine."""
    from click.testing import CliRunner
    from officer import write_workbook

    from pipeline.cli import cli

    returns = tmp_path / "input"
    write_workbook(returns / "team" / "P-007_our-partnership.xlsx", partnership_id="P-007")
    before = sorted(path.relative_to(returns) for path in returns.rglob("*"))
    result = CliRunner().invoke(cli, ["demo", "--out", str(returns), "--count", "3"])
    assert result.exit_code == 2, result.output
    assert "already holds workbooks (team/P-007_our-partnership.xlsx)" in result.output
    assert sorted(path.relative_to(returns) for path in returns.rglob("*")) == before
    (tmp_path / "empty").mkdir()
    assert CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "empty"), "--count", "3"]).exit_code == 0


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_set_for_another_year_is_set_in_that_years_review_season(tmp_path, demo_set):
    """`demo --year 2025` (last year's demo, which `make report` compares with): its reviews were
    completed early in 2025 and its actions are due around then, so as of a month after its season no
    review is dated after the as-of date and the ratings have a real year's spread; its partnerships are
    the 2026 set's (IDs and names)."""
    from pipeline.check.assess import assess_folder
    from pipeline.check.score import totals
    from pipeline.config import Config
    from pipeline.read.batch import load_folder

    earlier = demo.write_demo_set(tmp_path, count=COUNT, seed=SEED, year=2025)
    as_of = dt.date(2025, 5, 1)
    workbooks = load_folder(tmp_path, Config()).workbooks
    completed = [values.date(workbook.register["review_completed_on"].value) for workbook in workbooks]
    completed = [day for day in completed if isinstance(day, dt.date)]
    assert len(completed) > COUNT / 2 and all(dt.date(2024, 12, 1) <= day < as_of for day in completed)
    due = [values.date(row.due) for workbook in workbooks for row in workbook.improvement]
    due = [day for day in due if isinstance(day, dt.date)]
    assert due and min(due).year == 2024 and max(due) < demo.season(2026)  # open ones due by the next review
    summary = totals(assess_folder(tmp_path, Config(), as_of=as_of).scores)
    assert 0.1 * summary["in_scope"] <= summary["rag"]["Red"] <= 0.3 * summary["in_scope"], summary["rag"]
    assert [path.name for path in earlier] == [path.name for path in demo_set]


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_two_years_of_one_seed_show_the_change_between_them(tmp_path, demo_set):
    """`make report`'s demo compares a year with the one before, drawn from one seed: the same
    partnerships under the same IDs and names (two seeds compared different partnerships that shared an
    ID), some rated better and some worse, and last year's open actions partly closed."""
    from click.testing import CliRunner

    from pipeline.cli import cli

    demo.write_demo_set(tmp_path / "2025-in", count=COUNT, seed=SEED, year=2025)

    def report(inputs, out, as_of, *more):
        result = CliRunner().invoke(
            cli, ["report", str(inputs), "--out", str(out), "--as-of", as_of, "--no-pdf", *more]
        )
        assert result.exit_code == 0, result.output

    report(tmp_path / "2025-in", tmp_path / "2025", "2025-05-01")
    report(demo_set[0].parent, tmp_path / "2026", "2026-05-01", "--previous", str(tmp_path / "2025"))
    change = json.loads((tmp_path / "2026" / "results.json").read_text(encoding="utf-8"))["change_since_previous"]
    assert change["names_changed"] == [] and change["new"] == [] and change["ended"] == []
    assert change["worse"] and change["better"]
    assert 0 < change["carried_actions_closed"] < change["carried_actions"]


def _partnerships(*args: str):
    from click.testing import CliRunner

    from pipeline.cli import cli

    return CliRunner().invoke(cli, list(args))


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_demonstration_does_not_replace_the_councils_year_nor_stand_for_one(tmp_path):
    """`make report` with no workbook in input/ runs the demo into output/<year>/: it replaced a pack
    made from the council's returns there, and the next real year, given `--previous output`, compared
    itself with the demo as the council's last year."""
    from officer import write_workbook

    returns, out = tmp_path / "returns", tmp_path / "output"
    write_workbook(returns / "p1.xlsx", partnership_id="P-001")
    assert (
        _partnerships("report", str(returns), "--out", str(out / "2026"), "--as-of", "2026-05-01", "--no-pdf").exit_code
        == 0
    )
    real = (out / "2026" / "results.json").read_bytes()
    assert json.loads(real)["demo"] is False

    assert _partnerships("demo", "--out", str(tmp_path / "demo"), "--count", "3").exit_code == 0
    refused = _partnerships(
        "report", str(tmp_path / "demo"), "--out", str(out / "2026"), "--as-of", "2026-05-01", "--no-pdf"
    )
    assert refused.exit_code != 0
    assert "holds the review of 2026 made from the council's returns: a demonstration" in refused.output
    assert (out / "2026" / "results.json").read_bytes() == real  # the council's pack as it was

    shown = _partnerships(
        "report", str(tmp_path / "demo"), "--out", str(tmp_path / "demo-2026"), "--as-of", "2026-05-01", "--no-pdf"
    )
    assert shown.exit_code == 0, shown.output
    assert json.loads((tmp_path / "demo-2026" / "results.json").read_text(encoding="utf-8"))["demo"] is True
    page = (tmp_path / "demo-2026" / "review_pack.html").read_text(encoding="utf-8")
    assert "<strong>A demonstration</strong>, made from 3 workbooks of a" in page

    # A pack of a release before 1.2.0 does not say whether it was a demonstration (the demo it most
    # likely is, from make report, was replaced as before): it is replaced, as it always was.
    data = json.loads(real)
    del data["demo"]
    (out / "2026" / "results.json").write_text(json.dumps(data), encoding="utf-8")
    replaced = _partnerships(
        "report", str(tmp_path / "demo"), "--out", str(out / "2026"), "--as-of", "2026-05-01", "--no-pdf"
    )
    assert replaced.exit_code == 0, replaced.output

    compared = _partnerships(
        "report",
        str(returns),
        "--out",
        str(out / "2027"),
        "--as-of",
        "2027-05-01",
        "--no-pdf",
        "--previous",
        str(tmp_path / "demo-2026"),
    )
    assert compared.exit_code != 0
    assert "--previous: the review of 2026 given is a demonstration" in compared.output
    # Demo workbooks put among the returns make a demonstration too: the message says how to mend it.
    assert "a year reported from demo workbooks is a demonstration: report it again" in " ".join(
        compared.output.split()
    )


def test_a_run_that_finds_no_return_does_not_replace_the_councils_year(tmp_path):
    # An input folder mistyped or a share not mounted: the year's pack was replaced by an empty one, exit 0.
    from officer import write_workbook

    returns, out = tmp_path / "returns", tmp_path / "output" / "2026"
    write_workbook(returns / "p1.xlsx", partnership_id="P-001")
    assert _partnerships("report", str(returns), "--out", str(out), "--as-of", "2026-05-01", "--no-pdf").exit_code == 0
    real = (out / "results.json").read_bytes()
    (tmp_path / "empty").mkdir()
    refused = _partnerships("report", str(tmp_path / "empty"), "--out", str(out), "--as-of", "2026-05-01", "--no-pdf")
    assert refused.exit_code == 2 and len(refused.output.strip().splitlines()) == 1, refused.output
    assert "no return was found to read" in refused.output and "made from 1 of the council's returns" in refused.output
    assert (out / "results.json").read_bytes() == real


def test_an_area_added_to_the_catalogue_with_no_demo_action_is_named_with_what_to_add(tmp_path, monkeypatch):
    """The demo's actions were a list zipped with the areas: a fifteenth area had none, and the demo
    failed on a bare KeyError 'I15' (and only when a draw answered it No)."""
    added = catalogue.Area("I15", "Whether partners can share data lawfully.")
    monkeypatch.setattr(catalogue, "AREAS", (*catalogue.AREAS, added))
    with pytest.raises(LookupError) as raised:
        demo.write_demo_set(tmp_path, count=3, seed=SEED)
    assert str(raised.value) == (
        "The demo has no action for area of practice I15 (Whether partners can share data lawfully.): add one to "
        "ACTIONS in pipeline/cycle/demo.py, keyed by its Ref."
    )
    assert not list(tmp_path.iterdir())


def test_each_demo_action_is_keyed_by_the_area_it_answers():
    assert list(demo.ACTIONS) == [area.ref for area in catalogue.AREAS]
