"""Every cell rule of the contract, on workbooks made from the real template and filled as officers fill them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from libreoffice import resave
from officer import AS_OF, write_workbook
from pipeline import catalogue
from pipeline.config import DEFAULT_OBJECTIVES, Config, Scoring
from pipeline.findings import FILE_LEVEL_RULES, RULES
from pipeline.read.workbook import load_workbook_file
from pipeline.check.rules import check

CONFIG = Config()

#: One workbook with a problem in (nearly) every answer cell a rule looks at, and what must be found.
BROKEN = dict(
    register={
        "name": None,
        "partners": " ; ",
        "lead_officer_email": "sam.patel@",
        "council_role": "Boss",
        "funding": "lots",
        "officer_days": -3,
        "start_date": "soon",
        "next_review": dt.date(2026, 3, 31),
        "review_completed_on": "31/02/2026",
        "legal_status": "Club",
        "scope_contract": "Maybe",
        "performance_method": "No formal method",
        "total_budget": "£-5",
    },
    # Strategic but Council role not readable: a Moderate partnership, for which no formal method is too little.
    objectives={"O1": {"Contributes": None}, "O2": {"Contributes": "Maybe"}, "O3": {"Contributes": "Yes", "How": None}},
    checklist={
        "1a": {"Status": None},
        "1b": {"Status": "Sometimes"},
        "2a": {"Status": "Partly", "Evidence": None},
        "2b": {"Status": "No", "Evidence": None},
        "2c": {"Status": "N/A", "Evidence": None},
    },
    improvement={
        "I01": {"Answer": None},
        "I02": {"Answer": "Unsure"},
        "I03": {"Answer": "No"},
        "I04": {
            "Answer": "No",
            "Action": "Agree terms",
            "Action owner": None,
            "Due date": None,
            "Action status": "Done",
        },
        "I05": {"Answer": "Yes", "Action": "Refresh plan", "Action owner": "Jo", "Due date": "tomorrow"},
        "I06": {
            "Answer": "No",
            "Action": "Publish aims",
            "Action owner": "Jo",
            "Due date": "01/03/2026",
            "Action status": None,
        },
        "I07": {
            "Answer": "No",
            "Action": "Set targets",
            "Action owner": "Jo",
            "Due date": dt.date(2026, 1, 31),
            "Action status": "Complete",
        },
        "I08": {"Answer": "Yes", "Action": None, "Action owner": "Jo", "Due date": "never", "Action status": "?"},
    },
    risks={
        "R02": {"Likelihood": None, "Impact": None},
        "R03": {"Likelihood": 6, "Impact": "2.5"},
        "R04": {"Likelihood": 5, "Impact": 3, "Mitigation": None},
        "R05": {"Likelihood": 3, "Impact": 4, "Mitigation": None},
        "R10": {"Risk": "Key partner leaves", "Likelihood": "high"},
    },
)
EXPECTED = {
    ("Register", "B3", "register.missing"),
    ("Register", "B5", "register.missing"),  # ' ; ': punctuation alone says nothing
    ("Register", "B7", "register.invalid"),
    ("Register", "B9", "register.invalid"),
    ("Register", "B14", "register.invalid"),
    ("Register", "B17", "register.invalid"),
    ("Register", "B18", "register.invalid"),
    ("Register", "B20", "register.invalid_date"),
    ("Register", "B21", "register.review_overdue"),
    ("Register", "B22", "register.invalid_date"),
    ("Register", "B16", "register.not_proportionate"),
    ("Register", "B28", "register.invalid"),
    ("Register", "B29", "register.invalid"),
    ("Objectives", "C2", "objectives.unanswered"),
    ("Objectives", "C3", "objectives.invalid"),
    ("Objectives", "D4", "objectives.no_how"),
    ("Checklist", "D2", "checklist.unanswered"),
    ("Checklist", "D3", "checklist.invalid"),
    ("Checklist", "E6", "checklist.no_evidence"),
    ("Improvement", "C2", "improvement.unanswered"),
    ("Improvement", "C3", "improvement.invalid"),
    ("Improvement", "D4", "improvement.no_action"),
    ("Improvement", "E5", "action.no_owner"),
    ("Improvement", "F5", "action.no_due_date"),
    ("Improvement", "G5", "action.invalid_status"),
    ("Improvement", "F6", "action.invalid_date"),
    ("Improvement", "F7", "action.overdue"),
    # No Action on I08, but an unreadable due date or an unknown status is still wrong where it is typed.
    ("Improvement", "F9", "action.invalid_date"),
    ("Improvement", "G9", "action.invalid_status"),
    ("Risks", "C3", "risk.unrated"),
    ("Risks", "D3", "risk.unrated"),
    ("Risks", "C4", "risk.invalid"),
    ("Risks", "D4", "risk.invalid"),
    ("Risks", "E5", "risk.unmitigated"),
    ("Risks", "C11", "risk.invalid"),
    ("Risks", "D11", "risk.unrated"),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("rules")


@pytest.fixture(scope="module")
def broken(folder):
    return load_workbook_file(write_workbook(folder / "broken.xlsx", **BROKEN), folder, CONFIG)


@pytest.fixture(scope="module")
def complete(folder):
    return load_workbook_file(write_workbook(folder / "complete.xlsx"), folder, CONFIG)


def cells(report) -> set[tuple[str, str, str]]:
    return {(item.sheet, item.cell, item.rule) for item in report.findings}


def test_each_problem_is_found_at_its_cell_and_nothing_else(broken):
    report = check([broken], as_of=AS_OF, config=CONFIG)
    assert cells(report) == EXPECTED
    assert len(report.findings) == len(EXPECTED)


def test_every_cell_rule_of_the_contract_is_produced(broken, complete, folder):
    copy = dataclasses.replace(complete, file="copy.xlsx")
    early = load_workbook_file(
        write_workbook(
            folder / "early.xlsx",
            partnership_id="P-002",
            register={"next_review": dt.date(2026, 4, 1), "partners": "Police, Fire and Rescue Service"},
        ),
        folder,
        CONFIG,
    )
    excluded = load_workbook_file(
        write_workbook(folder / "excluded.xlsx", partnership_id="P-003", register={"scope_commercial": "yes"}),
        folder,
        CONFIG,
    )
    previous = load_workbook_file(write_workbook(folder / "v1.xlsx", partnership_id="P-004", version=1), folder, CONFIG)
    none = load_workbook_file(
        write_workbook(folder / "none.xlsx", partnership_id="P-005", objectives={"O2": {"Contributes": "No"}}),
        folder,
        CONFIG,
    )
    other = load_workbook_file(write_workbook(folder / "other.xlsx", partnership_id="P-006"), folder, CONFIG)
    in_register = load_workbook_file(
        write_workbook(
            folder / "in-register.xlsx",
            partnership_id="P-007",
            register={"objectives": "O1"},
            objectives={item.ref: {"Contributes": None, "How": None} for item in DEFAULT_OBJECTIVES},
        ),
        folder,
        CONFIG,
    )
    other = dataclasses.replace(other, objectives_list="OBJ-000000000000")
    late = load_workbook_file(
        write_workbook(folder / "late.xlsx", partnership_id="P-008", register={"next_review": dt.date(2031, 3, 31)}),
        folder,
        CONFIG,
    )
    formulas = dataclasses.replace(
        complete,
        file="formulas.xlsx",
        formulas={("Register", "B22"): "=TODAY()", ("Improvement", "F15"): "=TODAY()+30"},
    )
    report = check(
        [broken, complete, copy, early, excluded, previous, none, other, formulas, in_register, late],
        as_of=AS_OF,
        config=CONFIG,
    )
    assert {item.rule for item in report.findings} == set(RULES) - FILE_LEVEL_RULES - {
        "sheet.rows_moved",
        "sheet.other_table",
        "sheet.copy",
        "sheet.merged_cells",
    }  # loading's


def test_findings_carry_partnership_severity_value_and_a_message(broken):
    report = check([broken], as_of=AS_OF, config=CONFIG)
    assert {item.partnership_id for item in report.findings} == {"P-001"}
    assert all(item.severity == RULES[item.rule].severity and item.message for item in report.findings)
    by_cell = {(item.sheet, item.cell, item.rule): item for item in report.findings}
    assert by_cell["Register", "B9", "register.invalid"].value == "Boss"
    assert by_cell["Checklist", "D3", "checklist.invalid"].value == "Sometimes"
    assert by_cell["Risks", "C4", "risk.invalid"].value == "6"
    overdue = by_cell["Improvement", "F7", "action.overdue"]
    assert "01/03/2026" in overdue.message and "I06" in overdue.message and overdue.value == "01/03/2026"
    assert "R10" in by_cell["Risks", "C11", "risk.invalid"].message


def test_complete_return_has_no_finding(complete):
    assert check([complete], as_of=AS_OF, config=CONFIG).findings == []


def test_overdue_is_measured_against_the_as_of_date(complete):
    later = dt.date(2027, 6, 1)
    assert cells(check([complete], as_of=later, config=CONFIG)) == {
        ("Register", "B21", "register.review_overdue"),
        ("Improvement", "F15", "action.overdue"),
    }


def test_high_band_comes_from_the_configuration(broken):
    wider_medium = dataclasses.replace(CONFIG, scoring=Scoring(risk_medium_max=15))
    assert ("Risks", "E5", "risk.unmitigated") in cells(check([broken], as_of=AS_OF, config=CONFIG))  # 5 x 3
    assert ("Risks", "E5", "risk.unmitigated") not in cells(check([broken], as_of=AS_OF, config=wider_medium))


def test_duplicate_ids_ignore_case_and_spaces_one_finding_in_each(complete):
    first = dataclasses.replace(complete, file="a/first.xlsx")
    second = dataclasses.replace(_with_id(complete, "second.xlsx", " p-001 "), sha256="another file's")
    third = dataclasses.replace(_with_id(complete, "third.xlsx", "P-002"), sha256="a third file's")
    report = check([first, second, third], as_of=AS_OF, config=CONFIG)
    duplicates = [(item.file, item.cell) for item in report.findings if item.rule == "register.duplicate_id"]
    assert duplicates == [("a/first.xlsx", "B2"), ("second.xlsx", "B2")]
    assert "second.xlsx" in report.findings[0].message


def test_workbook_not_assessed_gets_only_its_load_findings(broken):
    from pipeline.findings import finding

    blocked = dataclasses.replace(broken, findings=(finding("sheet.missing", file=broken.file, sheet="Guide"),))
    report = check([blocked], as_of=AS_OF, config=CONFIG)
    assert [(item.sheet, item.rule) for item in report.findings] == [("Guide", "sheet.missing")]


def _with_id(workbook, file: str, partnership_id: str):
    register = dict(workbook.register)
    register["id"] = dataclasses.replace(register["id"], value=partnership_id)
    return dataclasses.replace(workbook, file=file, register=register)


def test_scope_tests_are_the_strategys_five():
    assert [field.label for field in catalogue.SCOPE_FIELDS] == [label for _, label, _ in catalogue.SCOPE_TESTS]


def test_an_id_or_name_far_too_long_is_text_pasted_into_the_wrong_cell(tmp_path):
    # A paragraph pasted as the Partnership ID got no finding, and the pack printed it on every page.
    workbook = load_workbook_file(
        write_workbook(tmp_path / "long.xlsx", partnership_id="P" * 500, register={"name": "Board " * 100}),
        tmp_path,
        CONFIG,
    )
    found = {(item.cell, item.rule): item.message for item in check([workbook], as_of=AS_OF, config=CONFIG).findings}
    assert "is 500 characters long, far longer than a Partnership ID" in found["B2", "register.invalid"]
    assert "is 599 characters long, far longer than a partnership's name" in found["B3", "register.invalid"]


def test_a_percentage_typed_into_a_figure_is_not_read_as_a_fraction(tmp_path):
    """'50%' typed into Officer time in Excel is stored as 0.5 with a percent format, and was read as
    half a day, with no finding (and 100% as one day); an amount formatted as dollars or euros was read
    as pounds, where '$25,000' typed is refused. A figure in a percent format, or a currency not pounds,
    is what the cell shows, not a number of days or pounds: register.invalid, with the value as shown."""
    from openpyxl import load_workbook

    def percent(book):
        sheet = book[catalogue.REGISTER.name]
        for key, value, shape in (
            ("officer_days", 0.5, "0%"),
            ("funding", 1.0, "0.0%"),
            ("partner_contributions", 25000, "[$$-409]#,##0"),  # Format Cells > Currency > $ English (US)
            ("total_budget", 25000, "#,##0.00 [$\u20ac-1]"),
            ("councillor_days", 3, "[$-809]0"),  # a locale's tag alone: a plain figure
        ):
            cell = sheet[f"B{catalogue.REGISTER_ROWS[key]}"]
            cell.value, cell.number_format = value, shape

    path = write_workbook(tmp_path / "made" / "percent.xlsx", edit=percent)
    workbook = load_workbook_file(path, tmp_path / "made", CONFIG)
    found = {(item.cell, item.rule): item.value for item in check([workbook], as_of=AS_OF, config=CONFIG).findings}
    # LibreOffice writes the formats its own way: the same figures are read the same.
    saved = resave(path, tmp_path / "saved")
    again = load_workbook_file(saved, tmp_path / "saved", CONFIG)
    assert {(item.cell, item.rule): item.value for item in check([again], as_of=AS_OF, config=CONFIG).findings} == found
    assert found[f"B{catalogue.REGISTER_ROWS['officer_days']}", "register.invalid"] == "50%"
    assert found[f"B{catalogue.REGISTER_ROWS['funding']}", "register.invalid"] == "100.0%"
    assert found[f"B{catalogue.REGISTER_ROWS['partner_contributions']}", "register.invalid"] == "$25,000"
    assert found[f"B{catalogue.REGISTER_ROWS['total_budget']}", "register.invalid"] == "\u20ac25,000.00"
    assert (f"B{catalogue.REGISTER_ROWS['councillor_days']}", "register.invalid") not in found
    assert workbook.value("councillor_days") == 3

    # Pounds by their code, as Excel's currency list writes them, are pounds.
    def pounds(book):
        cell = book[catalogue.REGISTER.name][f"B{catalogue.REGISTER_ROWS['funding']}"]
        cell.value, cell.number_format = 25000, "[$GBP] #,##0.00"

    gbp = load_workbook_file(write_workbook(tmp_path / "gbp" / "gbp.xlsx", edit=pounds), tmp_path / "gbp", CONFIG)
    assert gbp.value("funding") == 25000
    assert not [item for item in check([gbp], as_of=AS_OF, config=CONFIG).findings if item.rule == "register.invalid"]
    # A figure in the template's own formats is read as before.
    plain = load_workbook_file(write_workbook(tmp_path / "plain.xlsx"), tmp_path, CONFIG)
    assert not [item for item in check([plain], as_of=AS_OF, config=CONFIG).findings if item.rule == "register.invalid"]
    assert load_workbook(path)[catalogue.REGISTER.name][f"B{catalogue.REGISTER_ROWS['officer_days']}"].value == 0.5


def test_a_figure_in_euros_below_an_inserted_row_is_still_told_apart(tmp_path):
    """A row inserted under the Register's header moves every answer down one (read by its label, none
    lost); euros in Partner contributions, now a row lower, were read as pounds, as the formats were
    looked up in the template's own cells."""

    def insert_and_format(book):
        sheet = book[catalogue.REGISTER.name]
        sheet.insert_rows(2)
        cell = sheet[f"B{catalogue.REGISTER_ROWS['partner_contributions'] + 1}"]
        cell.value, cell.number_format = 38750, "#,##0.00 [$\u20ac-1]"

    path = write_workbook(tmp_path / "moved" / "moved.xlsx", edit=insert_and_format)
    workbook = load_workbook_file(path, tmp_path / "moved", CONFIG)
    found = {(item.cell, item.rule): item.value for item in check([workbook], as_of=AS_OF, config=CONFIG).findings}
    assert found[f"B{catalogue.REGISTER_ROWS['partner_contributions'] + 1}", "register.invalid"] == "\u20ac38,750.00"


@pytest.mark.parametrize(
    "shape, shown", [('#,##0.00 "EUR"', "25,000.00 EUR"), ('"USD "#,##0', "USD 25,000"), ('"CHF" #,##0', "CHF 25,000")]
)
def test_an_amount_formatted_with_a_currency_code_as_text_is_not_read_as_pounds(tmp_path, shape, shown):
    """A figure formatted '#,##0.00 "EUR"' (a custom format naming the currency as text) showed
    25,000.00 EUR in Excel and was read as £25,000 with no finding, where a euro sign or Excel's
    currency tag was caught."""

    def euros(book):
        cell = book[catalogue.REGISTER.name][f"B{catalogue.REGISTER_ROWS['total_budget']}"]
        cell.value, cell.number_format = 25000, shape

    workbook = load_workbook_file(write_workbook(tmp_path / "in" / "eur.xlsx", edit=euros), tmp_path / "in", CONFIG)
    found = {(item.cell, item.rule): item.value for item in check([workbook], as_of=AS_OF, config=CONFIG).findings}
    assert found[f"B{catalogue.REGISTER_ROWS['total_budget']}", "register.invalid"] == shown


def test_a_required_answer_that_only_says_there_is_none_is_missing(tmp_path):
    """'TBC' as the review's dates, 'N/A' as the partners and 'TBC' as the lead officer passed with no
    finding (a blank cell is `register.missing`), the partners' 'N/A' with only a warning that it was
    one organisation's name holding a '/'. Each is now the required field left blank, at its cell, with
    what was typed, and nothing else."""
    answers = {"next_review": "TBC", "review_completed_on": "N/A", "partners": "N/A", "lead_officer": "tbc."}
    workbook = load_workbook_file(write_workbook(tmp_path / "tbc.xlsx", register=answers), tmp_path, CONFIG)
    found = check([workbook], as_of=AS_OF, config=CONFIG).findings
    cells = {workbook.register[key].cell(): key for key in answers}
    assert sorted((item.cell, item.rule, item.value) for item in found if item.cell in cells) == sorted(
        (cell, "register.missing", answers[key]) for cell, key in cells.items()
    )


def test_an_action_owner_that_only_says_there_is_none_is_no_owner(tmp_path):
    """An Action owner of 'TBC' or 'N/A' passed with no finding, and results.json and register.xlsx's
    Open actions gave 'TBC' as the owner. Each is now `action.no_owner` with what was typed, and the pack
    names no owner for it, as for a blank cell; a named owner is kept."""
    import json

    import openpyxl

    from pipeline.cycle.register import OPEN_ACTION_HEADERS, OPEN_ACTIONS_SHEET
    from pipeline.run import report

    def action(owner):
        return {"Answer": "No", "Action": "Write a protocol", "Action owner": owner, "Due date": "31/12/2026"}

    owners = {"I03": "N/A", "I05": "TBC", "I07": "Sam Patel"}
    inputs = tmp_path / "in"
    write_workbook(inputs / "tbc.xlsx", improvement={ref: action(owner) for ref, owner in owners.items()})
    report(inputs, tmp_path / "out", as_of=AS_OF, year=2026, config=CONFIG, pdf=False)
    workbook = load_workbook_file(inputs / "tbc.xlsx", inputs, CONFIG)
    found = [item for item in check([workbook], as_of=AS_OF, config=CONFIG).findings if item.rule == "action.no_owner"]
    assert [(item.cell, item.value) for item in found] == [("E4", "N/A"), ("E6", "TBC")]
    assert "'TBC' does not name anyone" in found[1].message
    (partnership,) = json.loads((tmp_path / "out" / "results.json").read_text())["partnerships"]
    named = {"I03": "", "I05": "", "I07": "Sam Patel", "I14": "Sam Patel"}  # I14: the officer's own
    assert {line["ref"]: line["owner"] for line in partnership["action_items"]} == named
    sheet = openpyxl.load_workbook(tmp_path / "out" / "register.xlsx")[OPEN_ACTIONS_SHEET]
    owner = OPEN_ACTION_HEADERS.index("Action owner")
    assert {row[1]: row[owner] for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        ref: name or None for ref, name in named.items()
    }
