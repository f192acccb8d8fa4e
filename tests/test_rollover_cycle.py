"""Nothing is lost between years (issue 13, item 4): last year's returns -> report -> rollover keeps an
officer's own risks, the open actions of every in-scope partnership (also when two files shared an ID),
tells the truth on the console, and lists what it carried as typed. Real workbooks, real commands."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner

from officer import write_workbook
from pipeline import catalogue
from pipeline.cli import cli


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.output


#: A status an officer wrote as a note, as they do: carried as typed, quoted short on the console.
LONG_STATUS = (
    "Started - first meeting held on 3 March, now waiting for the county council to send back its draft of "
    "the protocol before the board can agree it"
)


def action(text: str, status: object = "In progress", due: object = dt.date(2026, 9, 30)) -> dict:
    return {"Answer": "No", "Action": text, "Action owner": "Ann", "Due date": due, "Action status": status}


@pytest.fixture(scope="module")
def rolled(tmp_path_factory):
    root = tmp_path_factory.mktemp("cycle")
    returns = root / "returns"
    returns.mkdir()
    write_workbook(
        returns / "p1.xlsx",
        partnership_id="P-001",
        risks={
            "R10": {
                "Risk": "Key funder withdraws",
                "Likelihood": 4,
                "Impact": 3,
                "Mitigation": "Second funder sought",
                "Owner": "Ann",
            },
            "R11": {"Risk": "Venue lease ends", "Likelihood": 2, "Impact": 2, "Owner": "Bo"},
            # The same words again, with its own mitigation and owner: an officer's second risk, not a repeat.
            "R12": {
                "Risk": "Key funder withdraws",
                "Likelihood": 3,
                "Impact": 3,
                "Mitigation": "Reserves",
                "Owner": "Cy",
            },
        },
        improvement={
            "I05": action("Agree the role", "Done"),
            "I06": action("Set targets", due="soon"),
            "I07": action("Agree a joint protocol", LONG_STATUS),
        },
    )
    # P-002 twice: this year's return (counted) and an older, out-of-scope draft.
    write_workbook(
        returns / "p2.xlsx",
        partnership_id="P-002",
        register={"name": "Youth Forum"},
        improvement={"I03": action("Publish the aims")},
    )
    write_workbook(
        returns / "p2-draft.xlsx",
        partnership_id="P-002",
        register={"name": "Youth Forum", "scope_contract": "Yes", "review_completed_on": dt.date(2026, 3, 1)},
    )
    # P-003 twice, both in scope: p3-a (the later review) counted and replaced p3-b, whose action for I02
    # (closed since, or never the partnership's final word) does not come back.
    write_workbook(returns / "p3-a.xlsx", partnership_id="P-003", register={"name": "Harbour Board"})
    write_workbook(
        returns / "p3-b.xlsx",
        partnership_id="P-003",
        register={"name": "Harbour Board", "review_completed_on": dt.date(2026, 4, 1)},
        improvement={"I02": action("Write the terms of reference")},
    )
    run("report", str(returns), "--out", str(root / "out"), "--as-of", "2026-04-30", "--no-pdf")
    output = run(
        "templates",
        "--from-register",
        str(root / "out" / "register.xlsx"),
        "--out",
        str(root / "rolled"),
        "--year",
        "2027",
    )
    books = {}
    for path in sorted((root / "rolled").glob("*.xlsx")):
        book = openpyxl.load_workbook(path)
        books[book["Register"][f"B{catalogue.REGISTER_ROWS['id']}"].value] = book
    return output, books


def cells(book, sheet: str, ref: str, rows: dict, headers: tuple[str, ...]) -> tuple:
    layout = {"Risks": catalogue.RISKS_SHEET, "Improvement": catalogue.IMPROVEMENT}[sheet]
    return tuple(book[sheet][f"{layout.column(header)}{rows[ref]}"].value for header in headers)


def test_an_officers_own_risks_come_back_with_ratings_blank(rolled):
    _, books = rolled
    headers = ("Ref", "Risk", "Likelihood", "Impact", "Mitigation", "Owner")
    assert cells(books["P-001"], "Risks", "R10", catalogue.RISK_ROWS, headers) == (
        "R10",
        "Key funder withdraws",
        None,
        None,
        "Second funder sought",
        "Ann",
    )
    assert cells(books["P-001"], "Risks", "R11", catalogue.RISK_ROWS, headers) == (
        "R11",
        "Venue lease ends",
        None,
        None,
        None,
        "Bo",
    )
    # Two risks of the same words in one return both come back: the second was dropped as a repeat.
    assert cells(books["P-001"], "Risks", "R12", catalogue.RISK_ROWS, headers) == (
        "R12",
        "Key funder withdraws",
        None,
        None,
        "Reserves",
        "Cy",
    )


def test_one_workbook_per_partnership_and_the_console_tells_the_truth(rolled):
    output, books = rolled
    assert sorted(books) == ["P-001", "P-002", "P-003"]
    assert "out of scope" not in output  # P-002's counted return is in scope, and it is rolled over
    assert "P-002 (p2.xlsx, p2-draft.xlsx): one workbook, rolled over from p2.xlsx" in output
    assert "P-003 (p3-a.xlsx, p3-b.xlsx): one workbook, rolled over from p3-a.xlsx" in output


def test_open_actions_come_back_from_the_return_that_counted_only(rolled):
    """A partnership returned twice: the return that counted replaced the other (a draft, or the copy
    it corrected), so an action the other left open, which the counted one may have closed (the register
    lists open actions only), is not opened again."""
    output, books = rolled
    headers = ("Action", "Action status")
    assert cells(books["P-003"], "Improvement", "I02", catalogue.IMPROVEMENT_ROWS, headers) == (None, None)
    assert "not those of p3-b.xlsx, which it replaced" in output
    assert cells(books["P-003"], "Improvement", "I14", catalogue.IMPROVEMENT_ROWS, headers) == (
        "Review the governance arrangements with partners",
        "In progress",
    )
    assert cells(books["P-002"], "Improvement", "I03", catalogue.IMPROVEMENT_ROWS, headers) == (
        "Publish the aims",
        "In progress",
    )


def test_an_unknown_status_or_unreadable_due_date_is_carried_as_typed_and_listed(rolled):
    output, books = rolled
    headers = ("Action", "Due date", "Action status")
    assert cells(books["P-001"], "Improvement", "I05", catalogue.IMPROVEMENT_ROWS, headers)[2] == "Done"
    assert cells(books["P-001"], "Improvement", "I06", catalogue.IMPROVEMENT_ROWS, headers)[1] == "soon"
    assert "P-001 I05: status 'Done' is not Not started, In progress or Complete" in output
    assert "P-001 I06: due date 'soon' is not a date" in output


def test_a_long_value_carried_as_typed_is_quoted_short_on_the_console(rolled):
    output, books = rolled
    headers = ("Action", "Action status")
    assert cells(books["P-001"], "Improvement", "I07", catalogue.IMPROVEMENT_ROWS, headers) == (
        "Agree a joint protocol",
        LONG_STATUS,
    )
    assert "P-001 I07: status 'Started - first meeting held on 3 March…' is not Not started" in output
    assert LONG_STATUS not in output


def test_two_partnerships_sharing_an_id_each_come_back_with_their_own_actions(tmp_path):
    """Two different partnerships returned under one ID (an officer typed another's ID): neither is
    lost next year; each gets its own workbook and actions, and the policy team is told to fix an ID."""
    returns = tmp_path / "returns"
    returns.mkdir()
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
    run("report", str(returns), "--out", str(tmp_path / "out"), "--as-of", "2026-04-30", "--no-pdf")
    output = run(
        "templates",
        "--from-register",
        str(tmp_path / "out" / "register.xlsx"),
        "--out",
        str(tmp_path / "rolled"),
        "--year",
        "2027",
    )
    books = {}
    for path in sorted((tmp_path / "rolled").glob("*.xlsx")):
        book = openpyxl.load_workbook(path)
        register = book["Register"]
        books[register[f"B{catalogue.REGISTER_ROWS['name']}"].value] = (
            register[f"B{catalogue.REGISTER_ROWS['id']}"].value,
            book,
        )
    assert sorted(books) == ["Eastbrook Arts Trust", "Riverside Food Network"]
    headers = ("Action", "Action status")
    food, arts = books["Riverside Food Network"][1], books["Eastbrook Arts Trust"][1]
    assert cells(food, "Improvement", "I04", catalogue.IMPROVEMENT_ROWS, headers) == (
        "Agree the bottom line",
        "In progress",
    )
    assert cells(food, "Improvement", "I09", catalogue.IMPROVEMENT_ROWS, headers) == (None, None)
    assert cells(arts, "Improvement", "I09", catalogue.IMPROVEMENT_ROWS, headers) == (
        "Minute every decision",
        "In progress",
    )
    assert cells(arts, "Improvement", "I04", catalogue.IMPROVEMENT_ROWS, headers) == (None, None)
    assert "Wrote 2 workbooks" in output
    assert "give one of them a new ID" in output


def test_a_return_already_in_the_folder_is_never_written_over(tmp_path):
    """Rolled over into a folder that holds an officer's answered workbook of the same name (the
    returns folder, say): nothing is written and the command names it. Rolling over again into the
    folder it wrote before changes nothing and is allowed."""
    returns = tmp_path / "returns"
    write_workbook(returns / "p1.xlsx", partnership_id="P-001", register={"name": "Youth Forum"})
    write_workbook(returns / "p2.xlsx", partnership_id="P-002", register={"name": "Harbour Board"})
    run("report", str(returns), "--out", str(tmp_path / "2026"), "--as-of", "2026-04-30", "--no-pdf")
    register = str(tmp_path / "2026" / "register.xlsx")
    sent = tmp_path / "to-send"
    run("templates", "--from-register", register, "--out", str(sent), "--year", "2027")
    first = {path.name: path.read_bytes() for path in sent.iterdir()}
    assert len(first) == 2
    run("templates", "--from-register", register, "--out", str(sent), "--year", "2027")  # again: the same files
    assert {path.name: path.read_bytes() for path in sent.iterdir()} == first

    (answered,) = [path for path in sent.iterdir() if path.name.startswith("P-002")]
    book = openpyxl.load_workbook(answered)
    book["Checklist"][f"D{catalogue.CHECKLIST_ROWS['1a']}"] = "Yes"  # the officer starts answering
    book.save(answered)
    returned = answered.read_bytes()
    result = CliRunner().invoke(cli, ["templates", "--from-register", register, "--out", str(sent), "--year", "2027"])
    assert result.exit_code == 1
    assert f"{sent} already holds {answered.name}" in result.output
    assert "nothing was written" in result.output
    assert answered.read_bytes() == returned


def test_without_a_year_the_workbooks_are_for_the_review_after_the_registers(tmp_path):
    """`templates --from-register` without --year writes the workbooks for the review after the one the
    register comes from: a register of the 2024 review gives the 2025 review's workbooks. It gave this
    year's, so next year's workbooks, sent out in the autumn after a review, said that same year."""
    returns = tmp_path / "returns"
    returns.mkdir()
    write_workbook(returns / "p1.xlsx", partnership_id="P-001")
    run("report", str(returns), "--out", str(tmp_path / "2024"), "--year", "2024", "--as-of", "2024-05-01", "--no-pdf")
    output = run(
        "templates", "--from-register", str(tmp_path / "2024" / "register.xlsx"), "--out", str(tmp_path / "to-send")
    )
    assert "for the 2025 review" in output
    (path,) = (tmp_path / "to-send").glob("*.xlsx")
    assert openpyxl.load_workbook(path).properties.title.startswith("Partnership review 2025:")


def test_workbooks_for_the_registers_own_year_are_pointed_out(tmp_path):
    """`--year` naming the register's own review (or an earlier one) is most likely a slip of the year:
    the workbooks are written, as a re-send may want, and the console says which review they are for."""
    returns = tmp_path / "returns"
    returns.mkdir()
    write_workbook(returns / "p1.xlsx", partnership_id="P-001")
    run("report", str(returns), "--out", str(tmp_path / "2026"), "--as-of", "2026-05-01", "--no-pdf")
    register = str(tmp_path / "2026" / "register.xlsx")
    again = run("templates", "--from-register", register, "--out", str(tmp_path / "same"), "--year", "2026")
    assert "for the 2026 review" in again
    assert (
        "The register is of the 2026 review, so these workbooks are for that same review: for next year's, "
        "give --year 2027."
    ) in again
    ahead = run("templates", "--from-register", register, "--out", str(tmp_path / "next"), "--year", "2027")
    assert "The register is of" not in ahead


def test_the_registers_open_actions_give_each_area_whole(tmp_path):
    """Area I12's accountability bullets were cut from register.xlsx's Open actions, where the policy
    team follows up the actions: the strategy's text is given whole wherever officers read it."""
    returns = tmp_path / "returns"
    write_workbook(returns / "p1.xlsx", improvement={"I12": {"Answer": "No", **action("Report to scrutiny each year")}})
    run("report", str(returns), "--out", str(tmp_path / "out"), "--as-of", "2026-04-30", "--no-pdf")
    sheet = openpyxl.load_workbook(tmp_path / "out" / "register.xlsx", read_only=True)["Open actions"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    areas = {row[header.index("Ref")]: row[header.index("Area of practice")] for row in rows[1:]}
    [i12] = [area for area in catalogue.AREAS if area.ref == "I12"]
    assert i12.guidance and areas["I12"] == i12.full_text


def test_a_return_not_assessed_keeps_its_open_actions_and_own_risks_for_next_year(tmp_path):
    # A deleted checklist row made the return Not assessed, and register.xlsx then left out its open
    # action and own risk: next year's workbook came back without them, and next year's pack said
    # "No action was open at last year's review".
    returns, returns_next = tmp_path / "returns", tmp_path / "returns-2027"
    returns.mkdir()
    write_workbook(
        returns / "p4.xlsx",
        partnership_id="P-004",
        register={"name": "Rural Transport Group"},
        improvement={"I09": action("Agree a shared risk register")},
        risks={"R10": {"Risk": "Loss of external grant", "Likelihood": 3, "Impact": 3, "Mitigation": "Bid early"}},
        edit=lambda book: book[catalogue.CHECKLIST.name].delete_rows(catalogue.CHECKLIST_ROWS["2b"]),
    )
    run("report", str(returns), "--out", str(tmp_path / "2026"), "--as-of", "2026-04-30", "--no-pdf")
    assert '"rag": "Not assessed"' in (tmp_path / "2026" / "results.json").read_text(encoding="utf-8")
    run("templates", "--from-register", str(tmp_path / "2026" / "register.xlsx"), "--out", str(returns_next))
    (rolled,) = returns_next.glob("*.xlsx")
    book = openpyxl.load_workbook(rolled)
    assert cells(book, "Improvement", "I09", catalogue.IMPROVEMENT_ROWS, ("Action", "Action status")) == (
        "Agree a shared risk register",
        "In progress",
    )
    assert cells(book, "Risks", "R10", catalogue.RISK_ROWS, ("Risk", "Mitigation")) == (
        "Loss of external grant",
        "Bid early",
    )
    run(
        "report",
        str(returns_next),
        "--out",
        str(tmp_path / "2027"),
        "--as-of",
        "2027-04-30",
        "--no-pdf",
        "--previous",
        str(tmp_path / "2026"),
    )
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    assert "No action was open at last year" not in page
    assert "Agree a shared risk register" in page[page.index('class="profile"') :]


def test_a_file_saved_twice_is_rolled_over_from_the_return_that_counted_not_its_copy(tmp_path):
    """'P-003_x.xlsx' and its download copy 'P-003_x (1).xlsx' (the same bytes): the register said the
    copy did not count, but rollover, ordering the two by review date then file name, said it rolled
    over from the copy "(not those of P-003_x.xlsx, which it replaced)". It now takes the return the
    report counted."""
    returns = tmp_path / "returns"
    returns.mkdir()
    original = write_workbook(returns / "P-003_x.xlsx", partnership_id="P-003")
    (returns / "P-003_x (1).xlsx").write_bytes(original.read_bytes())
    run("report", str(returns), "--out", str(tmp_path / "out"), "--as-of", "2026-04-30", "--no-pdf")
    sheet = openpyxl.load_workbook(tmp_path / "out" / "register.xlsx")["Register"]
    rows = list(sheet.iter_rows(values_only=True))
    counted = {
        row[rows[0].index("File")]: (row[rows[0].index("Counted")], row[rows[0].index("Why not counted")])
        for row in rows[1:]
    }
    assert counted == {
        "P-003_x.xlsx": ("Yes", None),
        "P-003_x (1).xlsx": ("No", "the same file as P-003_x.xlsx, which counts for P-003"),
    }
    output = run(
        "templates", "--from-register", str(tmp_path / "out" / "register.xlsx"), "--out", str(tmp_path / "rolled")
    )
    assert (
        "P-003 (P-003_x.xlsx, P-003_x (1).xlsx): one workbook, rolled over from P-003_x.xlsx, with its open "
        "actions and own risks (not those of P-003_x (1).xlsx, which it replaced)"
    ) in " ".join(output.split())


@pytest.mark.parametrize(
    "copy", ["P-004 (1) - Copy.xlsx", "Copy (2) of P-004.xlsx", "P-004 - Copy.xlsx", "P-004 copy 2.xlsx"]
)
def test_every_output_takes_the_file_not_named_as_a_copy_for_the_original(tmp_path, copy):
    """'P-004 (1) - Copy.xlsx' (Windows' copy of a browser's download copy) or 'Copy (2) of P-004.xlsx'
    (as older Windows names a second copy) beside 'P-004.xlsx', the same bytes: neither was seen as a
    copy's name, so the first by name was the original, and the validation report told the officer to
    remove 'P-004.xlsx', results.json, register.xlsx and the pack counted the copy, and rollover named
    it. Every output now takes the file whose name is not a copy's for the original."""
    import csv
    import json

    returns = tmp_path / "returns"
    original = write_workbook(returns / "P-004.xlsx", partnership_id="P-004")
    (returns / copy).write_bytes(original.read_bytes())
    out = tmp_path / "out"
    run("report", str(returns), "--out", str(out), "--as-of", "2026-04-30", "--no-pdf")
    with open(out / "validation_report.csv", encoding="utf-8", newline="") as handle:
        copies = [(row["file"], row["value"]) for row in csv.DictReader(handle) if row["rule"] == "file.copy"]
    assert copies == [(copy, "P-004.xlsx")]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {item["file"]: item["duplicate_of"] for item in results["partnerships"]} == {
        "P-004.xlsx": None,
        copy: "P-004.xlsx",
    }
    rows = list(openpyxl.load_workbook(out / "register.xlsx")["Register"].iter_rows(values_only=True))
    counted = {
        row[rows[0].index("File")]: (row[rows[0].index("Counted")], row[rows[0].index("Why not counted")])
        for row in rows[1:]
    }
    assert counted == {
        "P-004.xlsx": ("Yes", None),
        copy: ("No", "the same file as P-004.xlsx, which counts for P-004"),
    }
    page = (out / "review_pack.html").read_text(encoding="utf-8")
    assert "Not counted: the same file as P-004.xlsx, which counts for P-004" in " ".join(page.split())
    output = " ".join(
        run("templates", "--from-register", str(out / "register.xlsx"), "--out", str(tmp_path / "r")).split()
    )
    assert "rolled over from P-004.xlsx," in output


def test_a_copy_of_a_return_whose_id_another_partnership_counted_for_is_not_rolled_over(tmp_path):
    """Two partnerships shared P-001 and Alpha's later return counted for it; Beta's 'B.xlsx' was saved
    twice as 'B - Copy.xlsx'. Neither of Beta's counted, so rollover took the first by file name, the copy:
    "rolled over from B - Copy.xlsx ... (not those of B.xlsx, which it replaced)". The register now says
    which is the copy, and rollover (like next year's comparison) takes the file it copies."""
    import json

    returns = tmp_path / "returns"
    write_workbook(
        returns / "A.xlsx",
        partnership_id="P-001",
        register={"name": "Alpha", "review_completed_on": dt.date(2026, 4, 20)},
    )
    beta = write_workbook(returns / "B.xlsx", partnership_id="P-001", register={"name": "Beta"})
    (returns / "B - Copy.xlsx").write_bytes(beta.read_bytes())
    out = tmp_path / "out"
    run("report", str(returns), "--out", str(out), "--as-of", "2026-04-30", "--no-pdf")
    output = " ".join(
        run("templates", "--from-register", str(out / "register.xlsx"), "--out", str(tmp_path / "r")).split()
    )
    assert (
        "P-001 (B.xlsx, B - Copy.xlsx): one workbook, rolled over from B.xlsx, with its open actions and own "
        "risks (not those of B - Copy.xlsx, which it replaced)"
    ) in output
    rows = list(openpyxl.load_workbook(out / "register.xlsx")["Register"].iter_rows(values_only=True))
    counted = {
        row[rows[0].index("File")]: (row[rows[0].index("Counted")], row[rows[0].index("Why not counted")])
        for row in rows[1:]
    }
    assert counted == {
        "A.xlsx": ("Yes", None),
        "B.xlsx": ("No", "A.xlsx counts for P-001"),
        "B - Copy.xlsx": ("No", "the same file as B.xlsx; A.xlsx counts for P-001"),
    }
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {item["file"]: item["copy_of"] for item in results["partnerships"]} == {
        "A.xlsx": None,
        "B.xlsx": None,
        "B - Copy.xlsx": "B.xlsx",
    }
    page = " ".join((out / "review_pack.html").read_text(encoding="utf-8").split())
    assert "Not counted: the same file as B.xlsx; A.xlsx counts for P-001" in page


def test_an_id_typed_as_tbc_is_no_id_in_the_register_and_in_rollover(tmp_path):
    """Two new partnerships whose officers typed 'TBC' for the Partnership ID they were waiting for: the
    register's Register sheet gave 'TBC' while its Open actions gave no ID, so rollover said their
    actions were 'not in the Register'. Every sheet of the register gives no ID, as the review reads
    it, and rollover says why neither they nor their actions are rolled over."""
    inputs = tmp_path / "in"
    for file, name in (("a.xlsx", "Alpha Board"), ("b.xlsx", "Beta Forum")):
        write_workbook(inputs / file, partnership_id="TBC", register={"name": name})
    write_workbook(inputs / "c.xlsx", partnership_id="P-003", register={"name": "Gamma Group"})
    run("report", str(inputs), "--out", str(tmp_path / "out"), "--as-of", "2026-05-01", "--no-pdf")
    book = openpyxl.load_workbook(tmp_path / "out" / "register.xlsx", read_only=True)
    for sheet in ("Register", "Open actions"):
        ids = [row[0] for row in book[sheet].iter_rows(min_row=2, values_only=True)]
        assert sorted(ids, key=lambda value: value or "") == [None, None, "P-003"], sheet
    said = run("templates", "--from-register", str(tmp_path / "out" / "register.xlsx"), "--out", str(tmp_path / "next"))
    assert "Not rolled over, no Partnership ID: Register rows" in said
    assert said.count("its partnership has no Partnership ID") == 2
    assert "not in the Register" not in said
