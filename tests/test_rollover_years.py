"""What `templates --from-register` says and writes is true of the register it read: how many workbooks
it carried actions into, which year's register it was (one older than last year's, for a partnership
that returned nothing last year), and an ID two partnerships share said once. Real workbooks, the CLI."""

from __future__ import annotations

import datetime as dt

import openpyxl
from click.testing import CliRunner

from officer import write_workbook
from pipeline.cli import cli


def run(*args: str) -> list[str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.output.splitlines()


def action(text: str) -> dict:
    return {
        "Answer": "No",
        "Action": text,
        "Action owner": "Ann",
        "Due date": dt.date(2025, 9, 30),
        "Action status": "In progress",
    }


def report_2024(tmp_path) -> str:
    """The 2024 review: P-004 returned by two partnerships (an officer typed another's ID), P-005 returned
    twice (a draft as well), P-006 once; each with an open action. Returns its register.xlsx."""
    returns = tmp_path / "in-2024"
    write_workbook(
        returns / "food.xlsx",
        partnership_id="P-004",
        register={"name": "Riverside Food Network"},
        improvement={"I04": action("Agree the bottom line")},
    )
    write_workbook(
        returns / "arts.xlsx",
        partnership_id="P-004",
        register={"name": "Eastbrook Arts Trust"},
        improvement={"I09": action("Minute every decision")},
    )
    write_workbook(returns / "p5.xlsx", partnership_id="P-005", improvement={"I01": action("Name a lead")})
    write_workbook(returns / "p5-draft.xlsx", partnership_id="P-005", improvement={"I01": action("Name a lead")})
    write_workbook(returns / "p6.xlsx", partnership_id="P-006", improvement={"I02": action("Set aims")})
    run("report", str(returns), "--out", str(tmp_path / "2024"), "--as-of", "2024-04-30", "--no-pdf")
    return str(tmp_path / "2024" / "register.xlsx")


def test_the_workbooks_actions_were_carried_into_are_counted_as_workbooks(tmp_path):
    """Two partnerships shared P-004, each with an open action, each given its own workbook: the command
    said 'Carried 8 open actions into the Improvement sheets of 3 workbooks' where it wrote 4 (each with
    two: its own and the I14 every one of these returns has open), as it counted Partnership IDs."""
    lines = run("templates", "--from-register", report_2024(tmp_path), "--out", str(tmp_path / "rolled"))
    assert len(list((tmp_path / "rolled").glob("*.xlsx"))) == 4
    assert "Carried 8 open actions into the Improvement sheets of 4 workbooks." in lines


def test_an_id_two_partnerships_share_is_said_once(tmp_path):
    """'P-004 is also the ID of another partnership: ... give one of them a new ID' came twice, once from
    each partnership's side. It is said once, naming both and the workbook written for each."""
    output = "\n".join(run("templates", "--from-register", report_2024(tmp_path), "--out", str(tmp_path / "x")))
    assert output.count("give one of them a new ID") == 1
    assert (
        "P-004 is the ID of 2 partnerships, each with its own workbook: 'Eastbrook Arts Trust' in "
        "P-004_eastbrook-arts-trust.xlsx (from last year's arts.xlsx) and 'Riverside Food Network' in "
        "P-004_riverside-food-network.xlsx (from last year's food.xlsx); give one of them a new ID"
    ) in output


def test_a_register_older_than_last_years_is_named_by_its_year(tmp_path):
    """Rolled over from the 2024 register into workbooks for 2026 (for a partnership with no return in
    2025), the command said nothing of 2025 and spoke of 'last year' throughout, and the workbooks said
    'rolled over from last year's register'. It now says which register it is, and that 2025 is skipped."""
    register = report_2024(tmp_path)
    lines = run("templates", "--from-register", register, "--out", str(tmp_path / "2026"), "--year", "2026")
    output = "\n".join(lines)
    assert "last year" not in output
    assert lines[0].endswith("Register pre-filled as answered in 2024, assessment answers blank.")
    assert (
        "The register is of the 2024 review, not of 2025's: these workbooks carry the answers, open actions and "
        "own risks of 2024. For a partnership returned since, roll over from the register.xlsx of its latest "
        "review instead."
    ) in lines
    assert "Partnership IDs on two returns in 2024: P-005 (p5-draft.xlsx, p5.xlsx)" in output
    assert "(from 2024's arts.xlsx)" in output
    book = openpyxl.load_workbook(tmp_path / "2026" / "P-006_safer-communities-partnership-p-006.xlsx")
    assert book.properties.keywords == "review year 2026; rolled over from the 2024 register"
    # Rolled over into the next year's workbooks, it is last year's register, as before.
    lines = run("templates", "--from-register", register, "--out", str(tmp_path / "2025"))
    assert lines[0].endswith("Register pre-filled as answered last year, assessment answers blank.")
    assert not any(line.startswith("The register is of") for line in lines)
    assert "Partnership IDs on two returns last year: " in "\n".join(lines)
    book = openpyxl.load_workbook(tmp_path / "2025" / "P-006_safer-communities-partnership-p-006.xlsx")
    assert book.properties.keywords == "review year 2025; rolled over from last year's register"


def test_an_id_three_partnerships_share_asks_for_two_new_ids(tmp_path):
    """Three partnerships on P-050: 'give one of them a new ID' left two of them still sharing it."""
    returns = tmp_path / "in"
    for file, name in (("a.xlsx", "Ashcombe Arts Trust"), ("b.xlsx", "Brookside Food Bank"), ("c.xlsx", "Cove Forum")):
        write_workbook(returns / file, partnership_id="P-050", register={"name": name})
    run("report", str(returns), "--out", str(tmp_path / "out"), "--as-of", "2026-04-30", "--no-pdf")
    output = " ".join(
        run("templates", "--from-register", str(tmp_path / "out" / "register.xlsx"), "--out", str(tmp_path / "x"))
    )
    assert "P-050 is the ID of 3 partnerships, each with its own workbook" in output
    assert "give all but one of them a new ID" in output and "give one of them a new ID" not in output
