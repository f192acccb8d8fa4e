"""The standard workbook follows the contract README.md gives, and the committed copy is current.

The checks read the saved file back with openpyxl, because the saved file is what officers get.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from libreoffice import resave

from pipeline import catalogue
from pipeline.cycle import template
from pipeline.catalogue import Kind
from pipeline.cli import cli
from pipeline.config import DEFAULT_OBJECTIVES, Objective
from pipeline.files.xlsx import save

COMMITTED = Path(__file__).resolve().parent.parent / "input_templates" / catalogue.TEMPLATE_FILE_NAME
TABLE_SHEETS = {layout.name: layout for layout in catalogue.TABLE_LAYOUTS}
STRATEGY_RISKS = {risk.ref: risk.text for risk in catalogue.RISKS}
OWN_RISK_ROWS = {ref: row for ref, row in catalogue.RISK_ROWS.items() if ref not in STRATEGY_RISKS}


@pytest.fixture(scope="module")
def template_path(tmp_path_factory) -> Path:
    return template.write_blank(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="module")
def workbook(template_path):
    return openpyxl.load_workbook(template_path)


def validations_at(sheet, cell: str) -> list:
    return [item for item in sheet.data_validations.dataValidation if cell in item.sqref]


def list_options(validation) -> tuple[str, ...]:
    return tuple(validation.formula1.strip('"').split(","))


def answer_cells() -> list[tuple[str, str]]:
    """Every (sheet, cell) an officer types in."""
    cells = [(catalogue.REGISTER.name, f"B{row}") for row in catalogue.REGISTER_ROWS.values()]
    for name, rows in (
        (catalogue.CHECKLIST.name, catalogue.CHECKLIST_ROWS),
        (catalogue.IMPROVEMENT.name, catalogue.IMPROVEMENT_ROWS),
        (catalogue.RISKS_SHEET.name, catalogue.RISK_ROWS),
    ):
        layout = TABLE_SHEETS[name]
        cells += [(name, f"{layout.column(header)}{row}") for header in layout.answers for row in rows.values()]
    layout = catalogue.RISKS_SHEET
    cells += [
        (layout.name, f"{layout.column(header)}{row}")
        for header in catalogue.OWN_RISK_HEADERS
        for row in OWN_RISK_ROWS.values()
    ]
    return cells


def strategy_cells() -> list[tuple[str, str]]:
    """Every (sheet, cell) holding the strategy's text or a label the loader relies on."""
    cells = []
    for row in catalogue.REGISTER_ROWS.values():
        cells += [(catalogue.REGISTER.name, f"A{row}"), (catalogue.REGISTER.name, f"C{row}")]
    for row in catalogue.CHECKLIST_ROWS.values():
        cells += [(catalogue.CHECKLIST.name, f"{column}{row}") for column in "ABC"]
    for row in catalogue.IMPROVEMENT_ROWS.values():
        cells += [(catalogue.IMPROVEMENT.name, f"{column}{row}") for column in "AB"]
    for ref in STRATEGY_RISKS:
        cells += [(catalogue.RISKS_SHEET.name, f"{column}{catalogue.RISK_ROWS[ref]}") for column in "AB"]
    for layout in catalogue.TABLE_LAYOUTS:
        cells += [(layout.name, f"{layout.column(header)}{layout.header_row}") for header in layout.headers]
    return cells


def test_sheets_are_the_contract_in_order(workbook):
    assert workbook.sheetnames == list(catalogue.REQUIRED_SHEETS)
    assert workbook.active.title == catalogue.GUIDE_SHEET


def test_template_version_is_a_defined_name(workbook):
    assert workbook.defined_names[catalogue.TEMPLATE_VERSION_NAME].value == str(catalogue.TEMPLATE_VERSION)
    assert catalogue.TEMPLATE_VERSION == 2 and catalogue.TEMPLATE_VERSIONS_READ == (1, 2)


@pytest.mark.parametrize("layout", catalogue.TABLE_LAYOUTS, ids=lambda layout: layout.name)
def test_header_row(workbook, layout):
    sheet = workbook[layout.name]
    assert tuple(cell.value for cell in sheet[layout.header_row]) == layout.headers


def test_register_has_every_field_label_in_its_row(workbook):
    sheet = workbook[catalogue.REGISTER.name]
    found = {sheet[f"A{row}"].value: row for row in range(2, sheet.max_row + 1)}
    assert found == {field.label: catalogue.REGISTER_ROWS[field.key] for field in catalogue.REGISTER_FIELDS}
    assert all(sheet[f"B{row}"].value is None for row in found.values())
    required = [field for field in catalogue.REGISTER_FIELDS if field.required]
    assert all(sheet[f"C{catalogue.REGISTER_ROWS[field.key]}"].value.startswith("Required") for field in required)


def test_checklist_has_every_question_word_for_word(workbook):
    sheet = workbook[catalogue.CHECKLIST.name]
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows(min_row=2, max_col=6)]
    assert rows == [
        (question.ref, question.section, question.text, None, None, None) for question in catalogue.QUESTIONS
    ]
    assert [catalogue.CHECKLIST_ROWS[question.ref] for question in catalogue.QUESTIONS] == list(range(2, 31))


def test_improvement_has_every_area_with_its_bullets(workbook):
    sheet = workbook[catalogue.IMPROVEMENT.name]
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows(min_row=2, max_col=7)]
    assert rows == [(area.ref, area.full_text, None, None, None, None, None) for area in catalogue.AREAS]
    assert sheet[f"B{catalogue.IMPROVEMENT_ROWS['I12']}"].value.count("\u2022") == 3


def test_risks_have_the_strategy_risks_then_open_rows(workbook):
    sheet = workbook[catalogue.RISKS_SHEET.name]
    rows = {sheet[f"A{row}"].value: sheet[f"B{row}"].value for row in range(2, sheet.max_row + 1)}
    expected = {ref: STRATEGY_RISKS.get(ref) for ref in catalogue.RISK_ROWS}
    assert rows == expected
    assert list(OWN_RISK_ROWS)[:2] == ["R10", "R11"] and len(OWN_RISK_ROWS) == catalogue.EXTRA_RISK_ROWS


def test_guide_explains_the_strategy_and_the_answers(workbook):
    text = "\n".join(
        str(cell.value) for row in workbook[catalogue.GUIDE_SHEET].iter_rows() for cell in row if cell.value is not None
    )
    assert catalogue.DEFINITION in text
    for kind in catalogue.PARTNERSHIP_TYPES:
        assert kind in text
    for _, label, words in catalogue.SCOPE_TESTS:
        assert label in text and words in text
    for meanings in catalogue.ANSWER_MEANINGS.values():
        for _, meaning in meanings:
            assert meaning in text


LISTS = (
    [
        (catalogue.REGISTER.name, f"B{catalogue.REGISTER_ROWS[field.key]}", field.choices)
        for field in catalogue.REGISTER_FIELDS
        if field.kind is Kind.CHOICE
    ]
    + [(catalogue.CHECKLIST.name, f"D{row}", catalogue.CHECKLIST_STATUSES) for row in catalogue.CHECKLIST_ROWS.values()]
    + [
        (catalogue.IMPROVEMENT.name, f"C{row}", catalogue.IMPROVEMENT_ANSWERS)
        for row in catalogue.IMPROVEMENT_ROWS.values()
    ]
    + [
        (catalogue.IMPROVEMENT.name, f"G{row}", catalogue.ACTION_STATUSES)
        for row in catalogue.IMPROVEMENT_ROWS.values()
    ]
    + [
        (catalogue.RISKS_SHEET.name, f"{column}{row}", tuple(map(str, catalogue.RISK_RATINGS)))
        for row in catalogue.RISK_ROWS.values()
        for column in "CD"
    ]
)


def test_every_list_answer_has_one_dropdown_with_an_error_alert(workbook):
    problems = []
    for sheet_name, cell, allowed in LISTS:
        found = [item for item in validations_at(workbook[sheet_name], cell) if item.type == "list"]
        if len(found) != 1 or list_options(found[0]) != tuple(allowed):
            problems.append((sheet_name, cell, [item.formula1 for item in found]))
        elif not (found[0].showErrorMessage and found[0].errorStyle in (None, "stop") and found[0].error):
            problems.append((sheet_name, cell, "no stopping error alert"))
    assert problems == []
    scope_cells = {f"B{catalogue.REGISTER_ROWS[field.key]}" for field in catalogue.SCOPE_FIELDS}
    assert scope_cells <= {cell for _, cell, allowed in LISTS if allowed == catalogue.YES_NO}


def test_every_answer_cell_has_an_input_message(workbook):
    missing = [
        (sheet, cell)
        for sheet, cell in answer_cells()
        if (sheet, cell[0]) != (catalogue.RISKS_SHEET.name, "A")  # the own-risk Ref is pre-filled
        and not any(item.showInputMessage and item.prompt for item in validations_at(workbook[sheet], cell))
    ]
    assert missing == []


def test_date_cells_hint_but_do_not_refuse_typed_text(workbook):
    # Officers type '31/03/2026' as text; a strict date rule would refuse what the reader accepts.
    date_cells = [
        (catalogue.REGISTER.name, f"B{catalogue.REGISTER_ROWS[field.key]}")
        for field in catalogue.REGISTER_FIELDS
        if field.kind is Kind.DATE
    ]
    date_cells += [(catalogue.IMPROVEMENT.name, f"F{row}") for row in catalogue.IMPROVEMENT_ROWS.values()]
    for sheet, cell in date_cells:
        found = validations_at(workbook[sheet], cell)
        assert found and all(item.type in (None, "none") for item in found), (sheet, cell)
        assert any("/" in item.prompt for item in found), (sheet, cell)
        assert workbook[sheet][cell].number_format.upper() == "DD/MM/YYYY"


def test_messages_fit_within_excels_limits(workbook):
    # Longer messages make Excel offer to "repair" the file and drop the validation.
    for sheet in workbook.worksheets:
        for item in sheet.data_validations.dataValidation:
            assert len(item.prompt or "") <= 255 and len(item.error or "") <= 255
            assert len(item.promptTitle or "") <= 32 and len(item.errorTitle or "") <= 32
            assert item.type != "list" or len(item.formula1) <= 257


def test_sheets_are_protected_without_a_password(workbook):
    for sheet in workbook.worksheets:
        assert sheet.protection.sheet is True, sheet.title
        assert not sheet.protection.password, sheet.title
    assert workbook.security.lockStructure and not workbook.security.workbookPassword


def test_answer_cells_are_unlocked_and_strategy_text_locked(workbook):
    unlocked = [(sheet, cell) for sheet, cell in strategy_cells() if not workbook[sheet][cell].protection.locked]
    locked = [(sheet, cell) for sheet, cell in answer_cells() if workbook[sheet][cell].protection.locked]
    assert (unlocked, locked) == ([], [])
    guide = workbook[catalogue.GUIDE_SHEET]
    assert all(cell.protection.locked for row in guide.iter_rows() for cell in row)


@pytest.mark.parametrize("layout", catalogue.TABLE_LAYOUTS, ids=lambda layout: layout.name)
def test_header_frozen_and_printed_on_every_page(workbook, layout):
    sheet = workbook[layout.name]
    assert sheet.freeze_panes == f"B{layout.first_row}"
    assert sheet.print_title_rows.replace("$", "") == f"{layout.header_row}:{layout.header_row}"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.orientation == "landscape"


def test_questions_wrap_in_wide_enough_columns(workbook):
    sheet = workbook[catalogue.CHECKLIST.name]
    assert sheet.column_dimensions["C"].width >= 40
    for row in catalogue.CHECKLIST_ROWS.values():
        assert sheet[f"C{row}"].alignment.wrap_text
        # A row tall enough for the question's wrapped lines (about 13 points each).
        assert sheet.row_dimensions[row].height >= 13 * (len(sheet[f"C{row}"].value) // 70 + 1)


def test_committed_template_is_what_the_code_generates(workbook):
    committed = openpyxl.load_workbook(COMMITTED)
    assert committed.sheetnames == workbook.sheetnames
    for sheet in workbook.worksheets:
        other = committed[sheet.title]
        assert (other.max_row, other.max_column) == (sheet.max_row, sheet.max_column), sheet.title
        differences = [
            cell.coordinate for row in sheet.iter_rows() for cell in row if other[cell.coordinate].value != cell.value
        ]
        assert differences == [], f"{sheet.title}: run `make template` and commit input_templates/"
    assert committed.defined_names[catalogue.TEMPLATE_VERSION_NAME].value == str(catalogue.TEMPLATE_VERSION)


def test_saving_is_reproducible_and_atomic(tmp_path, template_path):
    again = template.write_blank(tmp_path)
    assert again == tmp_path / catalogue.TEMPLATE_FILE_NAME
    assert again.read_bytes() == template_path.read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == [catalogue.TEMPLATE_FILE_NAME]


def test_a_failed_save_leaves_the_previous_file_in_place(tmp_path, monkeypatch):
    path = template.write_blank(tmp_path)
    before = path.read_bytes()

    def broken(self):
        raise OSError("disk full")

    from openpyxl.writer.excel import ExcelWriter

    from pipeline.files.xlsx import save

    monkeypatch.setattr(ExcelWriter, "write_data", broken)
    with pytest.raises(OSError):
        save(template.build_workbook(), path)
    assert path.read_bytes() == before
    assert [item.name for item in tmp_path.iterdir()] == [catalogue.TEMPLATE_FILE_NAME]


def test_libreoffice_opens_and_converts_the_template(tmp_path, template_path):
    converted = resave(template_path, tmp_path / "converted")
    reopened = openpyxl.load_workbook(converted)
    assert reopened.sheetnames == list(catalogue.REQUIRED_SHEETS)
    assert reopened.defined_names[catalogue.TEMPLATE_VERSION_NAME].value == str(catalogue.TEMPLATE_VERSION)
    for layout, rows in (
        (catalogue.CHECKLIST, catalogue.CHECKLIST_ROWS),
        (catalogue.IMPROVEMENT, catalogue.IMPROVEMENT_ROWS),
        (catalogue.RISKS_SHEET, catalogue.RISK_ROWS),
    ):
        sheet = reopened[layout.name]
        assert tuple(cell.value for cell in sheet[layout.header_row]) == layout.headers
        assert {ref: sheet[f"A{row}"].value for ref, row in rows.items()} == {ref: ref for ref in rows}
    register = reopened[catalogue.REGISTER.name]
    assert [register[f"A{catalogue.REGISTER_ROWS[field.key]}"].value for field in catalogue.REGISTER_FIELDS] == [
        field.label for field in catalogue.REGISTER_FIELDS
    ]
    # LibreOffice understood the dropdowns: it wrote them back.
    status = validations_at(reopened[catalogue.CHECKLIST.name], f"D{catalogue.CHECKLIST.first_row}")
    assert [list_options(item) for item in status if item.type == "list"] == [catalogue.CHECKLIST_STATUSES]


def test_each_answer_sheet_is_an_excel_table_with_its_header_row(workbook):
    """Excel and screen readers announce a cell's column header only when the header row is defined
    (as a table's): the officer hears "Status" or "Evidence" as they move along a row."""
    last_rows = {
        catalogue.REGISTER.name: max(catalogue.REGISTER_ROWS.values()),
        catalogue.CHECKLIST.name: max(catalogue.CHECKLIST_ROWS.values()),
        catalogue.IMPROVEMENT.name: max(catalogue.IMPROVEMENT_ROWS.values()),
        catalogue.RISKS_SHEET.name: max(catalogue.RISK_ROWS.values()),
        catalogue.OBJECTIVES_SHEET.name: catalogue.OBJECTIVES_SHEET.header_row + len(DEFAULT_OBJECTIVES),
    }
    names = set()
    layouts = (*catalogue.TABLE_LAYOUTS, catalogue.OBJECTIVES_SHEET)
    for layout in layouts:
        sheet = workbook[layout.name]
        assert len(sheet.tables) == 1, layout.name
        table = next(iter(sheet.tables.values()))
        names.add(table.displayName)
        assert table.ref == f"A{layout.header_row}:{layout.column(layout.headers[-1])}{last_rows[layout.name]}"
        assert table.headerRowCount == 1 and [column.name for column in table.tableColumns] == list(layout.headers)
        assert table.autoFilter is None  # no filter buttons on a protected sheet
    assert len(names) == len(layouts)


def test_the_guide_names_the_answer_columns_rather_than_their_colour(workbook):
    guide = {row[0]: row[1] for row in workbook[catalogue.GUIDE_SHEET].iter_rows(values_only=True) if row[0]}
    typing = guide["Typing"]
    assert "pale yellow cells" not in typing
    for clause in (
        "Register: Value (column B)",
        "Checklist: Status, Evidence and Evidence location (columns D to F)",
        "Improvement: Answer, Action, Action owner, Due date and Action status (columns C to G)",
        "Risks: Likelihood, Impact, Mitigation and Owner (columns C to F)",
        "Objectives: Contributes and How (columns C and D)",
        "Ref and Risk are answers too in the open rows R10 to R20",
    ):
        assert clause in typing, clause


def test_every_example_date_is_the_one_the_messages_give(workbook):
    """The Guide, the prompts of the date cells and the findings that ask for a date show one date."""
    import re

    from pipeline.findings import RULES, RuleCode
    from pipeline.formats import EXAMPLE_DATE

    texts = [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    texts += [
        validation.prompt or "" for sheet in workbook.worksheets for validation in sheet.data_validations.dataValidation
    ]
    shown = {date for text in texts for date in re.findall(r"\b\d{2}/\d{2}/\d{4}\b", text)}
    assert shown == {EXAMPLE_DATE}
    for code in (
        RuleCode.REGISTER_INVALID_DATE,
        RuleCode.REGISTER_DATE_FORMULA,
        RuleCode.ACTION_INVALID_DATE,
        RuleCode.ACTION_DATE_FORMULA,
    ):
        assert EXAMPLE_DATE in RULES[code].template, code


def test_long_objective_references_fit_their_column():
    """A council's references may be up to 16 characters ('PRIORITY-HOMES-1'): the Objectives sheet's
    Ref column is wide enough to show each on one line, where it wrapped over three."""
    from pipeline.config import Objective

    objectives = (Objective("PRIORITY-HOMES-1", "Good homes for all"), Objective("O2", "A thriving economy"))
    sheet = template.build_workbook(objectives)[catalogue.OBJECTIVES_SHEET.name]
    width = sheet.column_dimensions[catalogue.OBJECTIVES_SHEET.column("Ref")].width
    assert width >= len("PRIORITY-HOMES-1") + 2
    default = template.build_workbook()[catalogue.OBJECTIVES_SHEET.name]
    assert default.column_dimensions[catalogue.OBJECTIVES_SHEET.column("Ref")].width == 8  # the usual O1..O6


def guide_text(workbook) -> str:
    sheet = workbook[catalogue.GUIDE_SHEET]
    return "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None)


def test_the_guide_points_to_the_rows_that_hold_the_scope_tests(workbook):
    # It said "the last 5 fields", which in version 2 are three scope tests and the two budget fields.
    found = re.search(r"The (\d+) fields in rows (\d+) to (\d+) are the strategy's tests", guide_text(workbook))
    assert found, "the Guide does not say which rows hold the strategy's tests"
    count, first, last = map(int, found.groups())
    register = workbook[catalogue.REGISTER.name]
    labels = [register[f"A{row}"].value for row in range(first, last + 1)]
    assert count == len(labels) and labels == [field.label for field in catalogue.SCOPE_FIELDS]


def test_message_titles_are_whole_words(workbook):
    # Excel shows 32 characters of a title: 'Statutory or voluntary: not on t' was cut mid-word.
    register = workbook[catalogue.REGISTER.name]
    for field in catalogue.REGISTER_FIELDS:
        for item in validations_at(register, f"B{catalogue.REGISTER_ROWS[field.key]}"):
            title = item.promptTitle
            assert title == field.label or (
                title.endswith("\u2026") and (field.label + " ").startswith(title[:-1].rstrip() + " ")
            ), (field.label, title)
            if item.type == "list":
                assert item.errorTitle in (f"{field.label}: not on the list", "Not on the list"), item.errorTitle
    for sheet in workbook.worksheets:
        for item in sheet.data_validations.dataValidation:
            for title in (item.promptTitle, item.errorTitle):
                assert title is None or len(title) <= 32, title


def test_the_template_tells_officers_the_configured_risk_bands(tmp_path):
    # It always said 'above 12' while the report rated a score over the configured band High.
    config = tmp_path / "review.toml"
    config.write_text("[scoring]\nrisk_low_max = 3\nrisk_medium_max = 9\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["templates", "--out", str(tmp_path / "blank"), "--config", str(config)])
    assert result.exit_code == 0, result.output
    made = openpyxl.load_workbook(tmp_path / "blank" / catalogue.TEMPLATE_FILE_NAME)
    assert "a score above 9 is a High risk" in guide_text(made) and "above 12" not in guide_text(made)
    risks = made[catalogue.RISKS_SHEET.name]
    mitigation = f"{catalogue.RISKS_SHEET.column('Mitigation')}{catalogue.RISK_ROWS[catalogue.RISKS[0].ref]}"
    prompts = [item.prompt for item in validations_at(risks, mitigation)]
    assert prompts == ["What is being done to reduce the risk. Every High risk (score above 9) needs one."]


def test_an_objective_title_beginning_with_equals_is_written_as_words(tmp_path):
    # openpyxl made it a formula that Excel would run when the officer opened the workbook.
    objectives = (Objective("O1", '=HYPERLINK("http://example.org","Click")'), *DEFAULT_OBJECTIVES[1:])
    path = tmp_path / "blank.xlsx"
    save(template.build_workbook(objectives), path)
    number = catalogue.REQUIRED_SHEETS.index(catalogue.OBJECTIVES_SHEET.name) + 1
    with zipfile.ZipFile(path) as package:
        assert b"<f>" not in package.read(f"xl/worksheets/sheet{number}.xml")
    cell = openpyxl.load_workbook(path)[catalogue.OBJECTIVES_SHEET.name]["B2"]
    assert (cell.data_type, cell.value) == ("s", objectives[0].title)


def test_a_return_saved_under_the_templates_name_is_never_written_over(tmp_path):
    # Officers mail the workbook back as partnership_review.xlsx; saved in the template's folder, the
    # next `templates --out` replaced it with a blank one.
    folder = tmp_path / "to-send"
    assert CliRunner().invoke(cli, ["templates", "--out", str(folder)]).exit_code == 0
    path = folder / catalogue.TEMPLATE_FILE_NAME
    returned = openpyxl.load_workbook(path)
    returned[catalogue.REGISTER.name][f"B{catalogue.REGISTER_ROWS['id']}"] = "P-042"
    returned.save(path)
    kept = path.read_bytes()
    refused = CliRunner().invoke(cli, ["templates", "--out", str(folder)])
    assert refused.exit_code == 1 and "is not a blank template" in refused.output
    assert path.read_bytes() == kept
    config = tmp_path / "review.toml"
    config.write_text("[scoring]\nrisk_medium_max = 9\n", encoding="utf-8")
    path.unlink()
    assert CliRunner().invoke(cli, ["templates", "--out", str(folder)]).exit_code == 0
    again = CliRunner().invoke(cli, ["templates", "--out", str(folder), "--config", str(config)])
    assert again.exit_code == 0, again.output  # a blank template made with other settings is replaced


def test_the_template_tells_officers_which_methods_suit_each_tier(tmp_path):
    """With significance tiers configured, the report warned 7 of 12 returns that their performance
    management method was not proportionate, and the template had never said which methods suit which
    partnerships. Its Guide now sets out each tier, as the pack's Method does, and so does a rolled-over
    workbook's."""
    config = tmp_path / "review.toml"
    config.write_text(
        "[[significance.tiers]]\n"
        'name = "Strategic"\nfunding_from = 100000\nofficer_days_from = 100\n'
        'methods = ["Partnership performance framework", "Quarterly performance report"]\n'
        "[[significance.tiers]]\n"
        'name = "Light"\nmethods = ["Quarterly performance report", "No formal method"]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["templates", "--out", str(tmp_path / "blank"), "--config", str(config)])
    assert result.exit_code == 0, result.output
    text = guide_text(openpyxl.load_workbook(tmp_path / "blank" / catalogue.TEMPLATE_FILE_NAME))
    assert (
        "Strategic\nTaken by council funding at least £100,000; or officer time at least 100 days. Proportionate "
        "methods: Partnership performance framework; Quarterly performance report." in text
    )
    assert (
        "Light\nTaken by every other partnership. Proportionate methods: Quarterly performance report; No formal method."
        in text
    )
    default = guide_text(openpyxl.load_workbook(template.write_blank(tmp_path / "default")))
    assert "Major\nTaken by council funding at least £250,000" in default


def test_the_guide_promises_only_the_risk_checks_the_review_makes(tmp_path):
    """The Guide said a High risk 'needs a Mitigation and an Owner', but a High risk with a mitigation
    and no owner got no finding (risk.unmitigated is about the mitigation alone)."""
    result = CliRunner().invoke(cli, ["templates", "--out", str(tmp_path / "blank")])
    assert result.exit_code == 0, result.output
    guide = guide_text(openpyxl.load_workbook(tmp_path / "blank" / catalogue.TEMPLATE_FILE_NAME))
    assert "needs a Mitigation and an Owner" not in guide
    assert "is a High risk and needs a Mitigation (the review reports a High risk with none)" in guide


def test_a_year_given_for_the_blank_workbook_is_said_to_be_unused(tmp_path):
    """`templates --out DIR --year 2027` wrote the blank workbook and said nothing of the year, as if
    it had made a workbook for 2027: it says the year is not used, and for what it is."""
    result = CliRunner().invoke(cli, ["templates", "--out", str(tmp_path), "--year", "2027"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "partnership_review.xlsx").is_file()
    assert "--year 2027 is not used: the blank workbook is the same for every year" in result.output


def test_the_next_review_date_says_a_date_filled_in_is_this_reviews(workbook):
    """Rollover fills in the date this review is due; officers left it once the review was done, and the
    pack called their reviews overdue. The Register's guidance for the field says to change it."""
    row = catalogue.REGISTER_ROWS["next_review"]
    guidance = workbook[catalogue.REGISTER.name][f"C{row}"].value
    assert "A date filled in for you is this review's: change it once this review is done." in guidance


def test_question_1d_says_which_answer_gives_assurance(workbook):
    """1d asks "Can we identify a better way of serving the public": read with the Guide's Yes ("the
    arrangement is in place"), an officer who had found a better way answered Yes and gave the
    partnership full assurance. Its Status cell and the Guide say what Yes and No mean for it."""
    row = catalogue.CHECKLIST_ROWS["1d"]
    [status] = [item for item in validations_at(workbook[catalogue.CHECKLIST.name], f"D{row}") if item.type == "list"]
    assert status.prompt.startswith("For 1d, Yes: the partnership has been compared with other ways")
    assert "or a better way was found" in status.prompt
    guide = [tuple(cell.value for cell in row[:2]) for row in workbook[catalogue.GUIDE_SHEET].iter_rows()]
    assert ("Question 1d", catalogue.YES_MEANS["1d"]) in guide


def test_the_template_declares_its_language(tmp_path):
    """An officer's screen reader reads the workbook in the language its document properties declare
    (en-GB, as the pack's); the template declared none, nor the workbooks made from it."""
    from officer import document_properties

    result = CliRunner().invoke(cli, ["templates", "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for path in (tmp_path / catalogue.TEMPLATE_FILE_NAME, COMMITTED):
        assert document_properties(path)["dc:language"] == "en-GB", path
