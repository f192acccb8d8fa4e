"""The yearly cycle end to end: report -> templates --from-register -> officers answer -> report again."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from officer import complete_answers, write_workbook
from pipeline import catalogue
from pipeline.cli import cli
from pipeline.cycle.fill import fill
from pipeline.files.xlsx import save


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def open_actions(register_file: Path) -> set[tuple]:
    sheet = openpyxl.load_workbook(register_file, read_only=True)["Open actions"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return {
        tuple(dict(zip(header, row))[name] for name in ("Partnership ID", "Ref", "Action", "Action status"))
        for row in rows[1:]
    }


def results(out: Path) -> dict[str, dict]:
    data = json.loads((out / "results.json").read_text())
    return {item["id"]: item for item in data["partnerships"]}


def answer_the_year(rolled: Path, returned: Path, *, completed: set[str]) -> None:
    """An officer's return: every assessment answer given afresh, the carried actions kept (the ones in
    `completed` marked Complete), the review dated."""
    workbook = openpyxl.load_workbook(rolled)
    register = workbook["Register"]
    partnership_id = register[f"B{catalogue.REGISTER_ROWS['id']}"].value
    answers = complete_answers(partnership_id)
    improvement = {}
    for area in catalogue.AREAS:
        row = catalogue.IMPROVEMENT_ROWS[area.ref]
        carried = workbook["Improvement"][f"D{row}"].value
        if carried:
            done = area.ref in completed
            improvement[area.ref] = {"Answer": "Yes" if done else "No"}
            if done:
                improvement[area.ref]["Action status"] = catalogue.COMPLETE
        else:
            improvement[area.ref] = {"Answer": "Yes"}
    fill(
        workbook,
        register={
            "review_completed_on": dt.date(2027, 4, 10),
            "review_completed_by": "Sam Patel",
            "next_review": dt.date(2028, 3, 31),
        },
        checklist=answers["checklist"],
        improvement=improvement,
        risks=answers["risks"],
    )
    save(workbook, returned)


def test_report_rollover_answer_report_keeps_ids_and_follows_open_actions(tmp_path):
    year_one = tmp_path / "returns-2026"
    write_workbook(year_one / "p1.xlsx", partnership_id="P-001")  # I14 action In progress
    write_workbook(
        year_one / "p2.xlsx",
        partnership_id="P-002",
        register={"name": "Youth Forum / North"},
        improvement={
            "I05": {
                "Answer": "No",
                "Action": "Agree the council's role",
                "Action owner": "Ann",
                "Due date": dt.date(2026, 10, 31),
                "Action status": "Not started",
            },
            "I07": {
                "Answer": "No",
                "Action": "Write rules of engagement",
                "Action owner": "Bo",
                "Due date": dt.date(2026, 3, 1),
                "Action status": "Complete",
            },
        },
    )
    write_workbook(year_one / "p3.xlsx", partnership_id="P-003", register={"scope_commercial": "Yes"})
    run("report", str(year_one), "--out", str(tmp_path / "out-2026"), "--as-of", "2026-04-30", "--no-pdf")
    register_file = tmp_path / "out-2026" / "register.xlsx"
    assert {(pid, ref) for pid, ref, *_ in open_actions(register_file)} == {
        ("P-001", "I14"),
        ("P-002", "I05"),
        ("P-002", "I14"),
        ("P-003", "I14"),
    }

    output = run(
        "templates", "--from-register", str(register_file), "--out", str(tmp_path / "rolled"), "--year", "2027"
    )
    assert "P-003" in output  # said to be out of scope
    rolled = sorted((tmp_path / "rolled").glob("*.xlsx"))
    assert [path.name for path in rolled] == [
        "P-001_safer-communities-partnership-p-001.xlsx",
        "P-002_youth-forum-north.xlsx",
    ]

    year_two = tmp_path / "returns-2027"
    for path in rolled:
        answer_the_year(path, year_two / path.name, completed={"I14"} if path.name.startswith("P-002") else set())
    run(
        "report",
        str(year_two),
        "--out",
        str(tmp_path / "out-2027"),
        "--as-of",
        "2027-04-30",
        "--no-pdf",
        "--previous",
        str(tmp_path / "out-2026"),
    )

    last_year, this_year = results(tmp_path / "out-2026"), results(tmp_path / "out-2027")
    assert set(this_year) == {"P-001", "P-002"} == {pid for pid, item in last_year.items() if item["in_scope"]}
    assert this_year["P-002"]["name"] == "Youth Forum / North"
    assert open_actions(tmp_path / "out-2027" / "register.xlsx") == {
        ("P-001", "I14", "Review the governance arrangements with partners", "In progress"),
        ("P-002", "I05", "Agree the council's role", "Not started"),
    }
    assert this_year["P-002"]["actions"]["Complete"] == 1


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_every_in_scope_demo_partnership_is_rolled_over_with_its_open_actions(tmp_path):
    run("demo", "--out", str(tmp_path / "demo"), "--count", "8", "--seed", "3")
    run("report", str(tmp_path / "demo"), "--out", str(tmp_path / "out"), "--as-of", "2026-04-30", "--no-pdf")
    register_file = tmp_path / "out" / "register.xlsx"
    output = run("templates", "--from-register", str(register_file), "--out", str(tmp_path / "rolled"))

    in_scope = {pid for pid, item in results(tmp_path / "out").items() if item["in_scope"] and pid}
    rolled = {}
    for path in sorted((tmp_path / "rolled").glob("*.xlsx")):
        workbook = openpyxl.load_workbook(path)
        register = workbook["Register"]
        rolled[register[f"B{catalogue.REGISTER_ROWS['id']}"].value] = workbook
        assert path.name.startswith(register[f"B{catalogue.REGISTER_ROWS['id']}"].value + "_")
    assert set(rolled) == in_scope and len(in_scope) >= 5
    assert "out of scope" in output
    carried = [item for item in open_actions(register_file) if item[0] in rolled]
    assert carried
    for pid, ref, action, status in carried:
        row = catalogue.IMPROVEMENT_ROWS[ref]
        sheet = rolled[pid]["Improvement"]
        assert (sheet[f"D{row}"].value, sheet[f"G{row}"].value) == (action, status)
        assert sheet[f"C{row}"].value is None
    assert f"Wrote {len(in_scope)} workbooks" in output
