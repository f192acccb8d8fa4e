"""Rollover: last year's register.xlsx -> one pre-filled standard workbook per in-scope partnership."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline import catalogue
from pipeline.cli import cli
from pipeline.cycle.rollover import OPEN_ACTION_HEADERS, RolloverError, file_name, read_register, write_rollover
from pipeline.config import Scoring
from officer import write_workbook

LABELS = tuple(field.label for field in catalogue.REGISTER_FIELDS)
SCORE_HEADERS = ("File", "In scope", "RAG", "Checklist completeness")


def register_row(**overrides) -> dict:
    """Last year's register entry of an in-scope partnership, by field key."""
    row = {
        "id": "P-014",
        "name": "Community Safety Partnership",
        "purpose": "Reduce crime and disorder",
        "partners": "Police; Fire service; NHS",
        "lead_officer": "Asha Patel",
        "lead_officer_email": "asha.patel@council.gov.uk",
        "service_area": "Community safety",
        "council_role": "Leading",
        "strategic_operational": "Strategic",
        "statutory_voluntary": "Statutory",
        "single_multi": "Multi organisation",
        "geographic_level": "Local",
        "legal_status": "No separate legal status",
        "objectives": "Safer places",
        "performance_method": "Quarterly performance report",
        "funding": 25000,
        "officer_days": 40.5,
        "councillor_days": 6,
        "start_date": dt.datetime(2019, 4, 1),
        "next_review": dt.datetime(2026, 3, 31),
        "review_completed_on": dt.datetime(2025, 4, 12),
        "review_completed_by": "Asha Patel",
        **{field.key: "No" for field in catalogue.SCOPE_FIELDS},
    }
    row.update(overrides)
    return row


def write_register(
    path: Path,
    rows: list[tuple[dict, str]],
    actions: list[tuple],
    *,
    drop_label: str | None = None,
    sheets=("Register", "Open actions"),
) -> Path:
    """A register.xlsx in the report's format: Register (field labels, then scores) and Open actions."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    if "Register" in sheets:
        sheet = workbook.create_sheet("Register")
        headers = [label for label in LABELS if label != drop_label] + list(SCORE_HEADERS)
        sheet.append(headers)
        for values, in_scope in rows:
            by_label = {field.label: values.get(field.key) for field in catalogue.REGISTER_FIELDS}
            by_label |= {
                "File": f"{values.get('id')}.xlsx",
                "In scope": in_scope,
                "RAG": "Green" if in_scope == "Yes" else "Out of scope",
                "Checklist completeness": 0.9,
            }
            sheet.append([by_label.get(header) for header in headers])
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # text that looks like a formula is stored as text
                    cell.data_type = "s"
    if "Open actions" in sheets:
        sheet = workbook.create_sheet("Open actions")
        sheet.append(list(OPEN_ACTION_HEADERS))
        for action in actions:
            sheet.append(list(action))
    workbook.save(path)
    return path


AREA = {area.ref: area.text for area in catalogue.AREAS}


@pytest.fixture
def register_file(tmp_path: Path) -> Path:
    return write_register(
        tmp_path / "register.xlsx",
        rows=[
            (register_row(), "Yes"),
            (register_row(id="P-020", name="Arts Forum", scope_informal_group="Yes"), "No"),
            (
                register_row(
                    id="../../etc/x",
                    name="CON",
                    funding="£1,200",
                    next_review="31/03/2026",
                    purpose='=HYPERLINK("http://evil")',
                    objectives="'-20% crime",
                    lead_officer="'Sam",
                ),
                "Yes",
            ),
            (register_row(id=None, name="Nameless"), "Yes"),
        ],
        actions=[
            ("P-014", "I03", AREA["I03"], "Agree legal status", "Legal team", dt.datetime(2025, 12, 31), "In progress"),
            ("P-014", "I09", AREA["I09"], "Review decisions", "Chair", "2026-06-30", "Not started"),
            ("P-014", "I10", AREA["I10"], "Find funding", "Finance", dt.datetime(2025, 9, 30), "Complete"),
            ("P-020", "I01", AREA["I01"], "Name a lead", "Head of arts", dt.datetime(2025, 9, 30), "Not started"),
            ("P-999", "I02", AREA["I02"], "Unknown partnership", "Nobody", None, "Not started"),
        ],
    )


def load(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def register_value(workbook, key: str):
    return workbook[catalogue.REGISTER.name][f"B{catalogue.REGISTER_ROWS[key]}"].value


def improvement_cell(workbook, ref: str, header: str):
    row = catalogue.IMPROVEMENT_ROWS[ref]
    return workbook[catalogue.IMPROVEMENT.name][f"{catalogue.IMPROVEMENT.column(header)}{row}"]


def test_one_workbook_per_in_scope_partnership_named_by_id_and_name(register_file, tmp_path):
    out = tmp_path / "next"
    summary = write_rollover(register_file, out, year=2026)

    names = sorted(path.name for path in summary.written)
    assert names == ["P-014_community-safety-partnership.xlsx", "etc_x_con.xlsx"]
    assert all(path.parent == out.resolve() and path.is_file() for path in summary.written)
    assert sorted(path.name for path in out.iterdir()) == names  # no temporary files left behind
    assert [partnership_id for partnership_id, _ in summary.out_of_scope] == ["P-020"]
    assert summary.rows_without_id == (5,)
    assert summary.carried_actions == {"P-014_community-safety-partnership.xlsx": 2, "etc_x_con.xlsx": 0}
    text = "\n".join(summary.summary_lines())
    assert "P-020" in text and "out of scope" in text and "2026" in text and "P-999" in text


def test_register_is_pre_filled_with_typed_values_and_review_fields_blank(register_file, tmp_path):
    summary = write_rollover(register_file, tmp_path / "next", year=2026)
    workbook = load(next(path for path in summary.written if path.name.startswith("P-014")))

    expected = register_row()
    for key in (
        "id",
        "name",
        "purpose",
        "partners",
        "lead_officer_email",
        "council_role",
        "legal_status",
        "funding",
        "councillor_days",
        *(field.key for field in catalogue.SCOPE_FIELDS),
    ):
        assert register_value(workbook, key) == expected[key], key
    assert register_value(workbook, "officer_days") == 40.5
    assert register_value(workbook, "start_date") == dt.datetime(2019, 4, 1)
    assert register_value(workbook, "next_review") == dt.datetime(2026, 3, 31)  # what this review answers to
    assert register_value(workbook, "review_completed_on") is None
    assert register_value(workbook, "review_completed_by") is None
    assert "2026" in workbook.properties.title


def test_text_dates_and_numbers_become_real_ones_and_formulas_stay_text(register_file, tmp_path):
    summary = write_rollover(register_file, tmp_path / "next", year=2026)
    workbook = load(next(path for path in summary.written if path.name.startswith("etc")))

    assert register_value(workbook, "funding") == 1200
    assert register_value(workbook, "next_review") == dt.datetime(2026, 3, 31)
    purpose = workbook[catalogue.REGISTER.name][f"B{catalogue.REGISTER_ROWS['purpose']}"]
    assert purpose.value == '=HYPERLINK("http://evil")' and purpose.data_type == "s"
    assert register_value(workbook, "id") == "../../etc/x"  # the ID itself is kept; only the file name is safe
    # register.xlsx neutralises text a spreadsheet would run; the officer's own text comes back.
    assert register_value(workbook, "objectives") == "-20% crime"
    assert register_value(workbook, "lead_officer") == "'Sam"


def test_assessment_answers_blank_and_open_actions_carried_to_their_area_rows(register_file, tmp_path):
    summary = write_rollover(register_file, tmp_path / "next", year=2026)
    workbook = load(next(path for path in summary.written if path.name.startswith("P-014")))

    for question in catalogue.QUESTIONS:
        row = catalogue.CHECKLIST_ROWS[question.ref]
        assert [workbook["Checklist"][f"{column}{row}"].value for column in "DEF"] == [None, None, None]
    for risk in catalogue.RISKS:
        row = catalogue.RISK_ROWS[risk.ref]
        assert [workbook["Risks"][f"{column}{row}"].value for column in "CDEF"] == [None] * 4

    carried = {
        area.ref: tuple(
            improvement_cell(workbook, area.ref, header).value
            for header in ("Answer", "Action", "Action owner", "Due date", "Action status")
        )
        for area in catalogue.AREAS
    }
    assert carried["I03"] == (None, "Agree legal status", "Legal team", dt.datetime(2025, 12, 31), "In progress")
    assert carried["I09"] == (None, "Review decisions", "Chair", dt.datetime(2026, 6, 30), "Not started")
    assert all(values == (None,) * 5 for ref, values in carried.items() if ref not in ("I03", "I09"))


def test_workbooks_keep_the_template_structure(register_file, tmp_path):
    summary = write_rollover(register_file, tmp_path / "next", year=2026)
    workbook = load(summary.written[0])
    assert workbook.sheetnames == list(catalogue.REQUIRED_SHEETS)
    assert workbook.defined_names[catalogue.TEMPLATE_VERSION_NAME].attr_text == str(catalogue.TEMPLATE_VERSION)
    for name in (catalogue.REGISTER.name, catalogue.IMPROVEMENT.name):
        assert workbook[name].protection.sheet
        assert workbook[name].data_validations.dataValidation
    due = improvement_cell(workbook, "I03", "Due date")
    assert due.protection.locked is False


def test_same_register_gives_same_bytes(register_file, tmp_path):
    first = write_rollover(register_file, tmp_path / "a", year=2026)
    second = write_rollover(register_file, tmp_path / "b", year=2026)
    digest = lambda paths: [hashlib.sha256(path.read_bytes()).hexdigest() for path in paths]  # noqa: E731
    assert digest(first.written) == digest(second.written)


def test_register_file_is_only_read(register_file, tmp_path):
    before = register_file.read_bytes()
    write_rollover(register_file, register_file.parent, year=2026)
    assert register_file.read_bytes() == before


def rolled_over(tmp_path, rows):
    """The rollover of a register of `rows` (each a register row and its In scope answer), no actions."""
    return write_rollover(
        write_register(tmp_path / "register.xlsx", rows=rows, actions=[]), tmp_path / "out", year=2026
    )


def test_colliding_names_get_a_suffix(tmp_path):
    summary = rolled_over(
        tmp_path,
        [
            (register_row(id="P/1", name="Same"), "Yes"),
            (register_row(id="P:1", name="Same"), "Yes"),
            (register_row(id="P_1", name="SAME"), True),
            (register_row(id="P-2", name="Gone"), False),
        ],
    )
    assert [path.name for path in summary.written] == ["P_1_same.xlsx", "P_1_same-2.xlsx", "P_1_same-3.xlsx"]
    assert summary.out_of_scope == (("P-2", "Gone"),)


def test_a_partnership_not_rolled_over_is_named_when_another_shares_its_id(tmp_path):
    summary = rolled_over(
        tmp_path,
        [
            (register_row(id="P-026", name="Eastbrook Affordable Warmth Partnership"), "Yes"),
            (register_row(id="P-026", name="Eastbrook Road Safety Partnership"), "No"),
        ],
    )

    assert [path.name for path in summary.written] == ["P-026_eastbrook-affordable-warmth-partnership.xlsx"]
    lines = summary.summary_lines()
    assert "Not rolled over, out of scope: P-026 Eastbrook Road Safety Partnership." in lines


@pytest.mark.parametrize(
    "partnership_id, name, expected",
    [
        ("P-014", "Community Safety Partnership", "P-014_community-safety-partnership.xlsx"),
        ("../../etc/x", "", "etc_x.xlsx"),
        ("CON", "", "_CON.xlsx"),
        ("", "", "partnership.xlsx"),
        ("..", "..", "partnership.xlsx"),
        ("P/1\\2:3", "Café Société ../x", "P_1_2_3_cafe-societe-x.xlsx"),
        ("P-1", "x" * 300, "P-1_" + "x" * 50 + ".xlsx"),
    ],
)
def test_file_names_are_safe(partnership_id, name, expected):
    assert file_name(partnership_id, name) == expected


def test_missing_or_malformed_register_is_a_one_line_error(tmp_path, register_file):
    cases = {
        "missing": tmp_path / "nothing.xlsx",
        "text": tmp_path / "notes.xlsx",
        "no sheet": write_register(tmp_path / "no_actions.xlsx", [], [], sheets=("Register",)),
        "no column": write_register(
            tmp_path / "no_column.xlsx", [(register_row(), "Yes")], [], drop_label="Partnership name"
        ),
        "folder": tmp_path,
    }
    cases["text"].write_text("not a workbook")
    cases["a return"] = write_workbook(tmp_path / "P-001_harbour-board.xlsx")  # a partnership's own workbook
    messages = {}
    for case, path in cases.items():
        with pytest.raises(RolloverError) as raised:
            write_rollover(path, tmp_path / "out", year=2026)
        messages[case] = str(raised.value)
    assert all("\n" not in message for message in messages.values())
    assert "'Open actions'" in messages["no sheet"]
    assert "'Partnership name'" in messages["no column"]
    # Said in the policy team's words: what the file is and which file to give, never a library's text.
    assert messages["text"] == "notes.xlsx is not an Excel workbook; give the register.xlsx of last year's report"
    assert messages["a return"] == (
        "P-001_harbour-board.xlsx is a partnership's review workbook, not the compiled register; give the "
        "register.xlsx of last year's report (the one `partnerships report` wrote beside the pack)"
    )
    assert not (tmp_path / "out").exists()


def test_read_register_finds_headers_by_name_in_any_order(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Register"
    sheet.append(["Compiled register 2025"])  # a title row above the header
    headers = ["RAG", "In scope", *reversed(LABELS)]
    sheet.append(headers)
    row = register_row(id="P-7", name="Seven")
    labels = {field.label: field.key for field in catalogue.REGISTER_FIELDS}
    sheet.append([{"RAG": "Amber", "In scope": "yes"}.get(header) or row.get(labels[header]) for header in headers])
    actions = workbook.create_sheet("Open actions")
    actions.append(list(reversed(OPEN_ACTION_HEADERS[:-1])))  # a register written before its File column
    actions.append(["In progress", "2026-01-31", "Owner", "Do it", "area", "i05", "P-7"])
    path = tmp_path / "register.xlsx"
    workbook.save(path)

    register = read_register(path.read_bytes())
    [partnership] = register.partnerships
    assert (partnership.id, partnership.name, partnership.row) == ("P-7", "Seven", 3)
    assert partnership.actions == {
        "I05": {
            "Action": "Do it",
            "Action owner": "Owner",
            "Due date": dt.date(2026, 1, 31),
            "Action status": "In progress",
        }
    }


def test_cli_templates_from_register(register_file, tmp_path):
    result = CliRunner().invoke(
        cli,
        ["templates", "--from-register", str(register_file), "--out", str(tmp_path / "cli"), "--year", "2026"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 2 workbooks" in result.output
    assert (tmp_path / "cli" / "P-014_community-safety-partnership.xlsx").is_file()

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    result = CliRunner().invoke(cli, ["templates", "--from-register", str(bad), "--out", str(tmp_path / "x")])
    assert result.exit_code == 1 and "bad.xlsx is not an Excel workbook" in result.output


@pytest.mark.parametrize("from_register", [True, False])
def test_workbooks_are_not_written_into_a_review_packs_folder(register_file, tmp_path, from_register):
    """`templates --out output/2026`, the folder the register came from: the workbooks were written
    among the pack's files, and the next run of 2026 replaces that whole folder, them with it."""
    pack = tmp_path / "2026"
    pack.mkdir()
    (pack / "results.json").write_text('{"year": 2026, "partnerships": []}', encoding="utf-8")
    before = sorted(path.name for path in pack.iterdir())
    args = ["templates", "--out", str(pack), *(["--from-register", str(register_file)] if from_register else [])]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "holds a review pack" in result.output and "a folder of their own" in result.output, result.output
    assert sorted(path.name for path in pack.iterdir()) == before


def test_rolled_over_workbooks_tell_officers_the_configured_risk_bands(register_file, tmp_path):
    summary = write_rollover(register_file, tmp_path / "next", year=2026, scoring=Scoring(risk_medium_max=9))
    workbook = load(summary.written[0])
    guide = " ".join(str(cell.value) for row in workbook[catalogue.GUIDE_SHEET].iter_rows() for cell in row)
    assert "a score above 9 is a High risk" in guide


def test_rolled_over_workbooks_tell_officers_the_configured_tiers(register_file, tmp_path):
    from pipeline.config import Tier

    tiers = (Tier("Strategic", funding_from=100_000, methods=("Quarterly performance report",)), Tier("Light"))
    summary = write_rollover(register_file, tmp_path / "next", year=2026, tiers=tiers)
    guide = "\n".join(
        str(cell.value) for row in load(summary.written[0])[catalogue.GUIDE_SHEET].iter_rows() for cell in row
    )
    assert "Strategic\nTaken by council funding at least £100,000. Proportionate methods: Quarterly" in guide


def test_register_answers_that_cannot_be_read_are_listed_for_the_officer_to_correct(tmp_path):
    # A Next review date in words and an address with no domain were carried as typed without a word,
    # where an action's unreadable status or date is listed.
    register = write_register(
        tmp_path / "register.xlsx",
        [
            (register_row(next_review="March 2027", lead_officer_email="j.smith@council", council_role="Boss"), "Yes"),
            (register_row(id="P-020", name="Arts Forum"), "Yes"),
        ],
        [],
    )
    summary = write_rollover(register, tmp_path / "next", year=2026)
    text = "\n".join(summary.summary_lines())
    assert "P-014 Next review date: 'March 2027' is not a date" in text
    assert "P-014 Lead officer email: 'j.smith@council' is not an email address" in text
    assert "P-014 Council role: 'Boss' is not on its list" in text
    assert "P-020" not in text.partition("Carried as typed")[2]
