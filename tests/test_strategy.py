"""The strategy's own questions, on workbooks built to known answers: significance tiers and proportionate
performance management, the council's objectives (matrix, none supported, unsupported), answers.csv."""

from __future__ import annotations

import csv
import datetime as dt
import dataclasses
import html
import io
import json
import re

import openpyxl
import pytest
from click.testing import CliRunner

from officer import AS_OF, write_workbook
from pipeline import catalogue
from pipeline.check.assess import assess_folder
from pipeline.cli import cli
from pipeline.config import Config, ConfigError, Objective, load_config
from pipeline.cycle.rollover import read_register, rollover_workbooks
from pipeline.pack import tables

CONFIG = Config()
NONE = {ref: {"Contributes": "No"} for ref in ("O1", "O2", "O3", "O4", "O5", "O6")}
LIMITED = {
    "strategic_operational": "Operational",
    "statutory_voluntary": "Voluntary",
    "council_role": "Supporting",
    "funding": 2000,
    "officer_days": 5,
    "councillor_days": 0,
    "legal_status": "No separate legal status",
}


def report(folder, out, config=None) -> None:
    """`partnerships report` on the returns in `folder`, without the PDF (with the TOML file `config`)."""
    result = CliRunner().invoke(
        cli,
        ["report", str(folder), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"]
        + (["--config", str(config)] if config else []),
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """Four returns with known answers, one of them version 1, and the report run on them."""
    folder = tmp_path_factory.mktemp("strategy") / "returns"
    folder.mkdir()
    # P-001: Major (Strategic, Leading), a proportionate method, supports O2 (complete_answers()).
    write_workbook(folder / "p1.xlsx", partnership_id="P-001")
    # P-002: Major by its funding alone, with no formal method: not proportionate; supports O1 and O2.
    write_workbook(
        folder / "p2.xlsx",
        partnership_id="P-002",
        register={**LIMITED, "funding": 300000, "performance_method": "No formal method"},
        objectives={"O1": {"Contributes": "Yes", "How": "Falls prevention"}},
    )
    # P-003: Limited, no formal method (proportionate), supports none of the objectives.
    write_workbook(
        folder / "p3.xlsx",
        partnership_id="P-003",
        register={**LIMITED, "performance_method": "No formal method"},
        objectives=NONE,
    )
    # P-004: version 1, Moderate (Statutory), objectives not stated.
    write_workbook(
        folder / "p4.xlsx",
        partnership_id="P-004",
        version=1,
        register={**LIMITED, "statutory_voluntary": "Statutory", "funding": 12000},
    )
    out = folder.parent / "out"
    report(folder, out)
    return folder, out


def test_tiers_and_the_disproportionate_method_at_its_cell(year):
    folder, out = year
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    by_id = {item["id"]: item for item in data["partnerships"]}
    assert {key: item["significance"] for key, item in by_id.items()} == {
        "P-001": "Major",
        "P-002": "Major",
        "P-003": "Limited",
        "P-004": "Moderate",
    }
    assert by_id["P-002"]["significance_reasons"] == ["Annual council funding £300,000 is at least £250,000"]
    assert {key: item["method_proportionate"] for key, item in by_id.items()} == {
        "P-001": True,
        "P-002": False,
        "P-003": True,
        "P-004": True,
    }
    rows = list(csv.DictReader(io.StringIO((out / "validation_report.csv").read_text(encoding="utf-8"))))
    found = [
        (row["file"], row["sheet"], row["cell"], row["severity"])
        for row in rows
        if row["rule"] == "register.not_proportionate"
    ]
    assert found == [("p2.xlsx", "Register", "B16", "warning")]


def test_a_limited_partnership_with_no_method_recorded_is_proportionate(tmp_path):
    """README: a method left blank counts as "No formal method", which the Limited tier accepts; its
    method_proportionate was null, register.xlsx's column blank and the profile silent, where a Major
    partnership's blank is false: both now follow the one rule."""
    folder = tmp_path / "returns"
    write_workbook(folder / "p1.xlsx", partnership_id="P-001", register={**LIMITED, "performance_method": None})
    write_workbook(
        folder / "p2.xlsx",
        partnership_id="P-002",
        register={**LIMITED, "funding": 300000, "performance_method": None},
    )
    report(folder, tmp_path / "out")
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    by_id = {item["id"]: (item["significance"], item["method_proportionate"]) for item in data["partnerships"]}
    assert by_id == {"P-001": ("Limited", True), "P-002": ("Major", False)}
    page = html.unescape(re.sub(r"<[^>]+>", "", (tmp_path / "out" / "review_pack.html").read_text(encoding="utf-8")))
    assert "not recorded, proportionate (the tier needs no formal method)" in " ".join(page.split())


def test_objectives_per_partnership_and_across_them(year):
    folder, out = year
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    by_id = {item["id"]: item for item in data["partnerships"]}
    assert {key: item["objectives"] for key, item in by_id.items()} == {
        "P-001": ["O2"],
        "P-002": ["O1", "O2"],
        "P-003": [],
        "P-004": None,
    }
    assessment = assess_folder(folder, CONFIG, as_of=AS_OF)
    matrix = tables.objectives_matrix(tables.partnerships_frame(assessment.scores), CONFIG)
    by_ref = {item["ref"]: item for item in matrix["objectives"]}
    assert (by_ref["O2"]["partnerships"], by_ref["O2"]["funding"], by_ref["O2"]["officer_days"]) == (2, 325000, 45)
    assert (by_ref["O1"]["partnerships"], by_ref["O1"]["funding"]) == (1, 300000)
    assert [item["ref"] for item in matrix["unsupported"]] == ["O3", "O4", "O5", "O6"]
    assert [item["id"] for item in matrix["none"]] == ["P-003"]
    assert [item["id"] for item in matrix["not_stated"]] == ["P-004"]
    assert {row["id"]: row["cells"][:2] for row in matrix["rows"]} == {
        "P-001": [False, True],
        "P-002": [True, True],
        "P-003": [False, False],
    }
    rules = {(item.file, item.rule) for item in assessment.report.findings}
    assert ("p3.xlsx", "objectives.none_supported") in rules and ("p4.xlsx", "template.previous_version") in rules


def test_the_pack_shows_tiers_matrix_and_exceptions(year):
    _, out = year
    html = (out / "review_pack.html").read_text(encoding="utf-8")
    strategy = html[html.index('id="strategy"') : html.index('id="exceptions"')]
    assert "Major" in strategy and "Limited" in strategy and "objectives-matrix" in strategy
    # The strategy's own words, not a stronger "every partnership must support" them.
    said = " ".join(strategy.split())
    assert 'it says: "We also need to ensure that they support our strategic objectives"' in said
    assert "those with no method recorded are among the not proportionate too" in said
    assert (
        "No partnership says it supports" in strategy and "O6 Good digital connections for every community" in strategy
    )
    exceptions = html[html.index('id="exceptions"') : html.index('id="register"')]
    assert "Performance management not proportionate to significance (1)" in exceptions
    assert "Partnerships supporting none of the council's objectives (1)" in exceptions
    assert "1 partnership supports none of the council&#39;s objectives." in html


def test_the_objectives_matrix_says_each_objective_and_each_no_to_a_screen_reader(year):
    """The matrix's columns were headed by the objectives' codes alone and an objective answered No was
    an empty cell: a screen reader said "O2, blank". Each heading now says its objective (hidden on
    screen, where the table above gives the titles) and each No is said."""
    _, out = year
    page = (out / "review_pack.html").read_text(encoding="utf-8")
    matrix = page[
        page.index('class="objectives-matrix"') : page.index("</table>", page.index('class="objectives-matrix"'))
    ]
    headings = re.findall(r'<th scope="col" class="centre">(.*?)</th>', matrix, flags=re.S)
    assert [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", heading)).split()) for heading in headings] == [
        f"{objective.ref} {objective.title}" for objective in CONFIG.objectives
    ]
    row = next(row for row in re.findall(r"<tr>(.*?)</tr>", matrix, flags=re.S) if "P-002" in row)
    cells = [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
    ]
    assert cells[:3] == ["Yes", "Yes", "No"]  # P-002 supports O1 and O2 only


def test_register_xlsx_has_tier_objectives_and_budget(year):
    _, out = year
    book = openpyxl.load_workbook(out / "register.xlsx")
    sheet = book["Register"]
    headers = [cell.value for cell in sheet[1]]
    rows = {row[0]: dict(zip(headers, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["P-002"]["Significance"] == "Major" and rows["P-002"]["Method proportionate"] == "No"
    assert [rows[key]["Objectives supported"] for key in ("P-001", "P-003", "P-004")] == ["O2", "None", "Not stated"]
    assert (rows["P-001"]["Total partnership budget (£)"], rows["P-001"]["Partner contributions (£)"]) == (90000, 65000)
    assert rows["P-004"]["Total partnership budget (£)"] is None
    assert book["Objectives"].max_row == 1 + 3 * 6  # three version 2 returns, six objectives each


def test_rollover_carries_objectives_and_budget_into_the_current_template(year):
    _, out = year
    register = read_register((out / "register.xlsx").read_bytes())
    books = {partnership.id: book for partnership, book in rollover_workbooks(register, year=2027)}
    p2, p4 = books["P-002"], books["P-004"]
    assert p4.defined_names[catalogue.TEMPLATE_VERSION_NAME].attr_text == str(catalogue.TEMPLATE_VERSION)
    sheet = p2[catalogue.OBJECTIVES_SHEET.name]
    assert [(row[0], row[2], row[3]) for row in sheet.iter_rows(min_row=2, max_row=3, values_only=True)] == [
        ("O1", "Yes", "Falls prevention"),
        ("O2", "Yes", "Joint patrols and a shared plan against anti-social behaviour"),
    ]
    assert p2["Register"]["B29"].value == 90000 and p2["Register"]["B30"].value == 65000
    assert [row[2] for row in p4[catalogue.OBJECTIVES_SHEET.name].iter_rows(min_row=2, values_only=True)] == [None] * 6
    # A changed list keeps only the answers to the objectives that are still the same.
    changed = (Objective("O1", "Healthy and independent lives"), Objective("O2", "Something else"))
    p2 = dict((p.id, book) for p, book in rollover_workbooks(register, year=2027, objectives=changed))["P-002"]
    assert [row[2] for row in p2[catalogue.OBJECTIVES_SHEET.name].iter_rows(min_row=2, values_only=True)] == [
        "Yes",
        None,
    ]


def test_a_workbook_made_with_another_list_is_told_so(tmp_path):
    write_workbook(tmp_path / "p.xlsx")
    config = dataclasses.replace(
        CONFIG, objectives=(Objective("O1", "Healthy and independent lives"), Objective("O9", "Net zero"))
    )
    found = {
        (item.sheet, item.cell, item.rule) for item in assess_folder(tmp_path, config, as_of=AS_OF).report.findings
    }
    # O1 is answered (No) on the same row and title, so it is read; O9 is not on the workbook's list, so it
    # is neither Yes nor No, and the partnership is not said to support none of the objectives.
    assert found == {("Objectives", "", "objectives.other_list")}


def _other_list_reason(tmp_path, **workbook) -> str:
    write_workbook(tmp_path / "p.xlsx", **workbook)
    [found] = [
        item
        for item in assess_folder(tmp_path, CONFIG, as_of=AS_OF).report.findings
        if item.rule == "objectives.other_list"
    ]
    return found.message


def test_a_workbook_without_the_name_of_its_list_is_told_that_not_another_order(tmp_path):
    """The defined name objectives_list removed, the sheet as this year's: the finding says what is wrong."""
    message = _other_list_reason(tmp_path, edit=lambda book: book.defined_names.pop(catalogue.OBJECTIVES_LIST_NAME))
    assert "objectives_list is missing" in message and "another order" not in message


def test_a_workbook_with_this_years_objectives_in_another_order_is_told_so(tmp_path):
    message = _other_list_reason(tmp_path, council_objectives=tuple(reversed(CONFIG.objectives)))
    assert "another order" in message


def test_supports_none_only_when_every_objective_of_the_list_is_answered_no(tmp_path):
    """A blank answer is neither Yes nor No: with the others No, the partnership has not said it supports none."""
    write_workbook(tmp_path / "p.xlsx", objectives={**NONE, "O1": {"Contributes": None}})
    found = {(item.cell, item.rule) for item in assess_folder(tmp_path, CONFIG, as_of=AS_OF).report.findings}
    assert found == {("C2", "objectives.unanswered")}


@pytest.fixture(scope="module")
def other_lists(tmp_path_factory):
    """This year's list keeps O1 and O2 of the default list and adds O7; three returns run through the
    report with it: P-007 made with the default list (O5 Yes, O1 and O2 No, O7 not on its sheet), P-008
    made with this year's list and answering No to all three, P-009 made with a list sharing none of them."""
    folder = tmp_path_factory.mktemp("other_lists") / "returns"
    folder.mkdir()
    this_year = (*CONFIG.objectives[:2], Objective("O7", "Homes for everyone"))
    config = folder.parent / "review.toml"
    config.write_text(
        "[objectives]\n" + "".join(f'{item.ref} = "{item.title}"\n' for item in this_year), encoding="utf-8"
    )
    write_workbook(
        folder / "p7.xlsx",
        partnership_id="P-007",
        objectives={**NONE, "O5": {"Contributes": "Yes", "How": "Early help for families"}},
    )
    write_workbook(folder / "p8.xlsx", partnership_id="P-008", council_objectives=this_year)
    write_workbook(
        folder / "p9.xlsx", partnership_id="P-009", council_objectives=(Objective("X1", "A greener district"),)
    )
    out = folder.parent / "out"
    report(folder, out, config)
    return folder, out


def test_an_objective_not_on_the_sheet_is_neither_yes_nor_no(other_lists):
    _, out = other_lists
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    by_id = {item["id"]: item for item in data["partnerships"]}
    assert {key: (item["objectives"], item["objectives_not_listed"]) for key, item in by_id.items()} == {
        "P-007": ([], ["O7"]),
        "P-008": ([], []),
        "P-009": ([], ["O1", "O2", "O7"]),
    }
    strategy = data["strategy"]
    assert strategy["partnerships_supporting_none"] == ["P-008"]
    # O7 was answered (No) by P-008 only: no partnership supports any of the three.
    assert strategy["objectives_supported_by_none"] == ["O1", "O2", "O7"]
    assert {item["ref"]: item["not_listed"] for item in strategy["objectives"]} == {"O1": 1, "O2": 1, "O7": 2}
    rows = csv.DictReader(io.StringIO((out / "validation_report.csv").read_text(encoding="utf-8")))
    found = {(row["partnership_id"], row["rule"]) for row in rows if row["rule"].startswith("objectives.")}
    assert found == {
        ("P-007", "objectives.other_list"),
        ("P-008", "objectives.none_supported"),
        ("P-009", "objectives.other_list"),
    }
    page = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (out / "review_pack.html").read_text("utf-8"))))
    assert "1 partnership supports none of the council's objectives." in page
    assert "1 of the council's 3 objectives (O7) is not on its Objectives sheet" in page
    assert "P-007 (O7)." in page


def test_a_sheet_listing_none_of_the_objectives_is_not_told_it_is_unanswered(other_lists):
    """objectives.other_list already says what to do: the return is counted apart, not as unanswered."""
    _, out = other_lists
    strategy = json.loads((out / "results.json").read_text(encoding="utf-8"))["strategy"]
    assert (strategy["objectives_unanswered"], strategy["objectives_other_list"]) == ([], ["P-009"])
    page = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (out / "review_pack.html").read_text("utf-8"))))
    assert "Objectives sheet not answered" not in page and "answer none of the objectives" not in page
    assert "1 workbook made with another list of objectives lists none of the council's" in page
    register = openpyxl.load_workbook(out / "register.xlsx")["Register"]
    headers = [cell.value for cell in register[1]]
    supported = {
        row[0]: row[headers.index("Objectives supported")] for row in register.iter_rows(min_row=2, values_only=True)
    }
    assert supported == {"P-007": "None answered Yes", "P-008": "None", "P-009": "Not listed"}


def test_answers_csv_one_row_per_answer_cell(year):
    folder, out = year
    text = (out / "answers.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0][:7]) == ("file", "sheet", "cell", "partnership_id", "ref", "field", "value")
    by_file = {}
    for row in rows[1:]:
        by_file.setdefault(row[0], []).append(row)
    assert sorted(by_file) == ["p1.xlsx", "p2.xlsx", "p3.xlsx", "p4.xlsx"]
    # Version 2: 29 register fields, 6 objectives x 2, 29 x 3 checklist, 14 x 5 improvement, 9 x 4 risks.
    assert len(by_file["p1.xlsx"]) == 29 + 12 + 87 + 70 + 36
    assert len(by_file["p4.xlsx"]) == 27 + 87 + 70 + 36
    cells = {(row[0], row[1], row[2]): row for row in rows[1:]}
    assert cells[("p2.xlsx", "Register", "B17")][4:] == ["", "Annual council funding (£)", "300000"]
    assert cells[("p2.xlsx", "Objectives", "D2")][4:] == ["O1", "How", "Falls prevention"]
    assert cells[("p1.xlsx", "Checklist", "D2")][4:] == ["1a", "Status", "Yes"]
    assert cells[("p1.xlsx", "Register", "B21")][6] == "2027-03-31"
    assert cells[("p1.xlsx", "Improvement", "F15")][4:] == ["I14", "Due date", "2026-09-30"]


def test_answers_csv_gives_a_date_typed_as_text_as_the_review_reads_it(tmp_path):
    # '31/03/2027' and '3 March 2026' were written as typed beside 2027-03-11 in the same column, where
    # the data dictionary promises YYYY-MM-DD; what cannot be read as a date stays as typed.
    write_workbook(
        tmp_path / "p.xlsx",
        register={"next_review": "31/03/2027", "review_completed_on": "3 March 2026", "start_date": "spring 2015"},
        improvement={"I14": {"Due date": "30/06/2026"}},
    )
    assessment = assess_folder(tmp_path, CONFIG, as_of=AS_OF)
    rows = csv.reader(io.StringIO(tables.answers_csv(tables.answers_frame(assessment.batch.workbooks)).decode()))
    given = {(row[1], row[5]): row[6] for row in rows}
    assert given["Register", "Next review date"] == "2027-03-31"
    assert given["Register", "Review completed on"] == "2026-03-03"
    assert given["Register", "Start date"] == "spring 2015"
    assert given["Improvement", "Due date"] == "2026-06-30"


def test_answers_csv_neutralises_formula_like_text(tmp_path):
    write_workbook(tmp_path / "p.xlsx", objectives={"O2": {"How": "-50% crime, @the board"}})
    assessment = assess_folder(tmp_path, CONFIG, as_of=AS_OF)
    text = tables.answers_csv(tables.answers_frame(assessment.batch.workbooks)).decode("utf-8")
    assert 'p.xlsx,Objectives,D3,P-001,O2,How,"\'-50% crime, @the board"\n' in text


@pytest.mark.parametrize(
    "text, key",
    [
        (
            '[[significance.tiers]]\nname = "Only"\nfunding_from = 5\nmethods = ["No formal method"]\n',
            "significance.tiers[1]",
        ),
        (
            '[[significance.tiers]]\nname = "A"\nmethods = ["No formal method"]\n[[significance.tiers]]\nname = "B"\n'
            'methods = ["No formal method"]\n',
            "significance.tiers[1]",
        ),
        (
            '[[significance.tiers]]\nname = "A"\nfunding_from = 10\nmethods = ["No formal method"]\n[[significance.tiers]]\n'
            'name = "B"\nfunding_from = 20\nmethods = ["No formal method"]\n[[significance.tiers]]\nname = "C"\n'
            'methods = ["No formal method"]\n',
            "significance.tiers[2].funding_from",
        ),
        (
            '[[significance.tiers]]\nname = "A"\nwhen = ["Council role = Boss"]\nmethods = ["No formal method"]\n'
            '[[significance.tiers]]\nname = "B"\nmethods = ["No formal method"]\n',
            "significance.tiers[1].when",
        ),
        ('[[significance.tiers]]\nname = "A"\nmethods = ["Weekly gossip"]\n', "significance.tiers[1].methods"),
        (
            '[[significance.tiers]]\nname = "A"\nmethods = ["No formal method"]\ncolour = "red"\n',
            "significance.tiers[1].colour",
        ),
        ("[objectives]\n", "[objectives]"),
        ('[objectives]\n"O 1" = "Healthy"\n', "objectives.O 1"),
        ('[objectives]\nO1 = ""\n', "objectives.O1"),
        ('[objectives]\nO1 = "A"\no1 = "B"\n', "objectives.o1"),
    ],
)
def test_bad_significance_or_objectives_settings_are_refused_naming_the_key(tmp_path, text, key):
    path = tmp_path / "review.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert key in str(error.value) and "\n" not in str(error.value)


def test_tiers_and_objectives_from_the_configuration(tmp_path):
    path = tmp_path / "review.toml"
    path.write_text(
        '[objectives]\nA1 = "Thriving towns"\n\n[[significance.tiers]]\nname = "High"\n'
        'when = ["Council role = leading and Statutory or voluntary = statutory"]\n'
        'methods = ["Overview and Scrutiny review"]\n[[significance.tiers]]\nname = "Low"\n'
        'methods = ["No formal method", "Quarterly performance report"]\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert [item.ref for item in config.objectives] == ["A1"]
    from pipeline.significance import classify

    assert classify({"council_role": "Leading", "statutory_voluntary": "Statutory"}, config.tiers)[0] == "High"
    assert classify({"council_role": "Leading", "statutory_voluntary": "Voluntary"}, config.tiers)[0] == "Low"
    assert classify({"council_role": "Leading", "statutory_voluntary": "Maybe"}, config.tiers)[0] == "Low"


def test_an_entry_out_of_scope_has_no_tier_and_no_objectives(tmp_path):
    write_workbook(tmp_path / "p.xlsx", register={"scope_commercial": "Yes", "performance_method": "No formal method"})
    assessment = assess_folder(tmp_path, CONFIG, as_of=AS_OF)
    [score] = assessment.scores
    assert (score.rag, score.significance, score.objectives, score.proportionate) == ("Out of scope", "", None, None)
    assert "register.not_proportionate" not in {item.rule for item in assessment.report.findings}


def test_results_json_records_the_analysis_across_partnerships(year):
    _, out = year
    strategy = json.loads((out / "results.json").read_text(encoding="utf-8"))["strategy"]
    assert [(tier["tier"], tier["partnerships"], tier["not_proportionate"]) for tier in strategy["significance"]] == [
        ("Major", 2, 1),
        ("Moderate", 1, 0),
        ("Limited", 1, 0),
    ]
    assert strategy["objectives_supported_by_none"] == ["O3", "O4", "O5", "O6"]
    assert (strategy["partnerships_supporting_none"], strategy["objectives_not_stated"]) == (["P-003"], ["P-004"])
    assert {row["ref"]: row["rated"] for row in strategy["strategy_risks"]} == {f"R0{n}": 4 for n in range(1, 10)}
    assert strategy["rag_by_service_area"] == [
        {
            "service_area": "Community Safety",
            "total": 4,
            "counts": {"Red": 0, "Amber": 4, "Green": 0, "Out of scope": 0, "Not assessed": 0},
        }
    ]


def test_no_method_recorded_is_not_proportionate_to_a_tier_that_expects_one(tmp_path):
    """A Major or Moderate partnership whose method is left blank is told, at the method's cell, which
    methods its tier expects; a Limited one, for which no formal method is proportionate, is not."""
    write_workbook(
        tmp_path / "major.xlsx",
        partnership_id="P-001",
        register={**LIMITED, "funding": 300000, "performance_method": None},
    )
    write_workbook(
        tmp_path / "moderate.xlsx",
        partnership_id="P-002",
        register={**LIMITED, "statutory_voluntary": "Statutory", "performance_method": None},
    )
    write_workbook(tmp_path / "limited.xlsx", partnership_id="P-003", register={**LIMITED, "performance_method": None})
    assessment = assess_folder(tmp_path, CONFIG, as_of=AS_OF)
    found = {item.file: item for item in assessment.report.findings if item.rule == "register.not_proportionate"}
    assert sorted(found) == ["major.xlsx", "moderate.xlsx"]
    major = found["major.xlsx"]
    assert (major.sheet, major.cell, major.severity, major.value) == ("Register", "B16", "warning", "")
    assert major.message == (
        "Leaving 'Performance management method' blank is not proportionate for a Major partnership (Annual "
        "council funding £300,000 is at least £250,000): its performance should be managed by one of: "
        "Partnership performance framework; Quarterly performance report; Annual report to Cabinet or committee; "
        "Overview and Scrutiny review; Project or programme board. Choose the one used, or, if no formal method "
        "is needed, say why in the Evidence of checklist question 4a (the warning stays, for the pack's readers "
        "to weigh)."
    )
    assert "Moderate partnership (Statutory or voluntary = Statutory)" in found["moderate.xlsx"].message
    assert {
        score.id: (score.significance, score.performance_method, score.proportionate) for score in assessment.scores
    } == {"P-001": ("Major", "", False), "P-002": ("Moderate", "", False), "P-003": ("Limited", "", True)}


def test_a_method_chosen_is_still_told_in_the_same_words(tmp_path):
    write_workbook(
        tmp_path / "p.xlsx", register={**LIMITED, "funding": 300000, "performance_method": "No formal method"}
    )
    [item] = [
        item
        for item in assess_folder(tmp_path, CONFIG, as_of=AS_OF).report.findings
        if item.rule == "register.not_proportionate"
    ]
    assert item.message.startswith("'No formal method' is not proportionate for a Major partnership (")
    assert item.message.endswith(
        "Choose the one used, or, if this method is enough, say why in the Evidence of checklist question 4a "
        "(the warning stays, for the pack's readers to weigh)."
    )


def _chart(html: str, name: str) -> str:
    """One chart's figure in the pack (its SVG with the words, and its data table), as plain text."""
    start = html.index(f'id="chart-{name}"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : html.index("</figure>", start)]))


def test_the_charts_draw_word_and_table_what_results_json_records(year):
    """One computation on the tables feeds each chart, its words, its data table and results.json: the
    four returns' known answers (every return Amber, in Community Safety; R01 rated 4 x 4 by each, the
    other eight risks 2 x 2; P-002 with £300,000 and 45 officer days)."""
    _, out = year
    html = (out / "review_pack.html").read_text(encoding="utf-8")
    strategy = json.loads((out / "results.json").read_text(encoding="utf-8"))["strategy"]
    area = _chart(html, "rag_by_service_area")
    assert strategy["rag_by_service_area"][0]["counts"]["Amber"] == 4
    assert (
        "4 partnerships by the service area that leads each (1 area) and by rating. Community Safety: 4 Amber" in area
    )
    assert "Community Safety 0 4 0 0 0 4" in area  # the data table's row
    assert strategy["strategy_risks"][0] == {
        "ref": "R01",
        "text": catalogue.RISKS[0].text,
        "rated": 4,
        "average": 16.0,
        "high": 4,
    }
    ranked = _chart(html, "strategy_risks_ranked")
    # Each risk is named in the words, as in the picture (they gave the codes alone after the first).
    assert f"16.0 (High, rated by 4 partnerships). Then R02, {catalogue.RISKS[1].text}, 4.0 (Low); R03," in ranked
    assert f"R01 {catalogue.RISKS[0].text} 1 16.0 High 4" in ranked
    heat = _chart(html, "risk_heat_map")
    assert "36 rated risks of the partnerships in scope" in heat and "4 High" in heat
    resources = _chart(html, "resources_vs_assurance")
    assert "Each of the 4 partnerships rated Red, Amber or Green" in resources
    assert "The largest commitment of money is P-002 (£300,000" in resources


def test_objectives_left_unanswered_are_not_read_as_supporting_none(tmp_path):
    """ "Supports none" is said of a partnership that answered No, as objectives.none_supported says;
    one that left the Objectives sheet blank has not said, and is told apart."""
    folder = tmp_path / "returns"
    folder.mkdir()
    write_workbook(folder / "p3.xlsx", partnership_id="P-003", objectives=NONE)
    write_workbook(
        folder / "p5.xlsx",
        partnership_id="P-005",
        objectives={ref: {"Contributes": None, "How": None} for ref in NONE},
    )
    out = tmp_path / "out"
    report(folder, out)
    strategy = json.loads((out / "results.json").read_text(encoding="utf-8"))["strategy"]
    assert strategy["partnerships_supporting_none"] == ["P-003"]
    assert strategy["objectives_unanswered"] == ["P-005"]
    rules = {
        (row["file"], row["rule"])
        for row in csv.DictReader(io.StringIO((out / "validation_report.csv").read_text("utf-8")))
    }
    assert ("p3.xlsx", "objectives.none_supported") in rules and ("p5.xlsx", "objectives.none_supported") not in rules
    page = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (out / "review_pack.html").read_text("utf-8"))))
    assert "1 partnership supports none of the council's objectives." in page
    assert page.count("Objectives supported: none .") == 1  # P-003's profile; P-005's:
    assert "Objectives supported: not said (no objective answered Yes or No)." in page
    assert "1 partnership answers none of the objectives, Yes or No, and is not in the matrix: P-005." in page
    register = openpyxl.load_workbook(out / "register.xlsx")["Register"]
    headers = [cell.value for cell in register[1]]
    supported = {
        row[0]: row[headers.index("Objectives supported")] for row in register.iter_rows(min_row=2, values_only=True)
    }
    assert supported == {"P-003": "None", "P-005": "Not answered"}
    matrix = page[page.index("Partnerships and the council's objectives they contribute to") :]
    assert "P-003" in matrix[:800] and "P-005" not in matrix[: matrix.index("Exceptions")]
    assert (
        "1 partnership has not said which of the council's objectives it supports (Objectives sheet not answered)."
        in page
    )


def test_objectives_named_in_the_register_and_not_on_the_sheet_are_pointed_to_the_sheet(tmp_path):
    """Template version 2 keeps the Register's 'Council objectives supported': an officer who answered
    only there was reported as having not said, with nothing to say where the answer is read."""
    folder = tmp_path / "returns"
    blank = {ref: {"Contributes": None, "How": None} for ref in NONE}
    write_workbook(folder / "p1.xlsx", partnership_id="P-001", register={"objectives": "O1; O6"}, objectives=blank)
    write_workbook(folder / "p2.xlsx", partnership_id="P-002", register={"objectives": "O2"})  # sheet answered
    write_workbook(folder / "p3.xlsx", partnership_id="P-003", register={"objectives": "None"}, objectives=blank)
    out = tmp_path / "out"
    report(folder, out)
    found = [
        (row["file"], row["sheet"], row["cell"], row["value"])
        for row in csv.DictReader(io.StringIO((out / "validation_report.csv").read_text("utf-8")))
        if row["rule"] == "objectives.in_register"
    ]
    cell = f"B{catalogue.REGISTER_ROWS['objectives']}"
    assert found == [("p1.xlsx", "Register", cell, "O1; O6")]


def test_rollover_says_which_objectives_answers_stay_behind(year, tmp_path):
    """Made with another list than last year's (`--config` forgotten, or objectives renamed), rollover
    left last year's answers behind without a word: officers filled the wrong list, and the whole
    year's answers on objectives were lost. The summary names each objective left behind, and when
    none of last year's is on the list, says to give the council's configuration."""
    from pipeline.cycle.rollover import write_rollover

    _, out = year
    changed = (Objective("O1", "Healthy and independent lives"), Objective("O2", "Safer and stronger communities"))
    lines = write_rollover(out / "register.xlsx", tmp_path / "changed", year=2027, objectives=changed).summary_lines()
    [left] = [line for line in lines if line.startswith("Not carried, as the objective")]
    assert left.startswith(
        "Not carried, as the objective is not on this year's list (same Ref and title): O2 Safe and strong communities (answered in 3 workbooks); O3 "
    ), left
    assert "O1 " not in left
    assert not any("None of last year's objectives" in line for line in lines)

    other = (Objective("A1", "Net zero by 2040"),)
    lines = write_rollover(out / "register.xlsx", tmp_path / "other", year=2027, objectives=other).summary_lines()
    assert any(line.startswith("Not carried, as the objective") and "O1 " in line for line in lines)
    assert "None of last year's objectives is on the list these workbooks ask about: if the council's " in lines[-1]

    same = write_rollover(out / "register.xlsx", tmp_path / "same", year=2027).summary_lines()
    assert not any("objective" in line for line in same)


def test_an_objective_left_blank_is_not_said_to_be_unsupported(tmp_path):
    """P-002 answered its other objectives but left O6 blank (objectives.unanswered): the pack said "No
    partnership supports O6" and its matrix showed the blank as "does not". A blank is not a No: the
    matrix says "not answered", and the sentence says who left it unanswered."""
    write_workbook(tmp_path / "returns" / "p1.xlsx", partnership_id="P-001")
    write_workbook(tmp_path / "returns" / "p2.xlsx", partnership_id="P-002", objectives={"O6": {"Contributes": None}})
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["report", str(tmp_path / "returns"), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    page = (out / "review_pack.html").read_text(encoding="utf-8")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "No partnership supports" not in text
    assert (
        "No partnership says it supports" in text
        and "O6 Good digital connections for every community (1 left it unanswered: P-002)" in text
    )
    matrix = page[page.index('class="objectives-matrix"') :]
    row = matrix[matrix.index("P-002") : matrix.index("</tr>", matrix.index("P-002"))]
    assert row.count("not answered") == 1 and '"not answered": left blank' in html.unescape(matrix[:2000])
    strategy = json.loads((out / "results.json").read_text(encoding="utf-8"))["strategy"]
    assert {item["ref"]: item["unanswered"] for item in strategy["objectives"]}["O6"] == ["P-002"]
    # The count of partnerships saying Yes is a number like the others' (it said "None" in a column of numbers).
    summary = page[page.index('class="objectives-summary"') :].split("</table>")[0]
    assert re.search(r'<th scope="row">O6</th><td>[^<]*</td><td class="num">0</td>', summary)


def test_what_the_partnerships_answered_per_section_and_area(tmp_path):
    """Each checklist section's and improvement area's answers across the partnerships in the figures:
    a section answered No everywhere is not hidden behind its 100% completeness. A second return of an
    ID and an entry out of scope are in none of the counts."""
    folder = tmp_path / "returns"
    folder.mkdir()
    # P-001: complete_answers(): every question Yes, every area Yes but I14 No (its action In progress, not overdue).
    write_workbook(folder / "p1.xlsx", partnership_id="P-001")
    # P-002: termination (7) answered No, No, Partly; 2c N/A, 2d blank, 4a not on the list; I06 No with
    # an overdue action, I11 blank, I14 Yes with its action Complete.
    write_workbook(
        folder / "p2.xlsx",
        partnership_id="P-002",
        checklist={
            "7a": {"Status": "No"},
            "7b": {"Status": "No"},
            "7c": {"Status": "Partly"},
            "2c": {"Status": "N/A"},
            "2d": {"Status": None},
            "4a": {"Status": "Maybe"},
        },
        improvement={
            "I06": {
                "Answer": "No",
                "Action": "Agree an exit plan with partners",
                "Action owner": "Sam Patel",
                "Due date": dt.date(2026, 1, 31),
                "Action status": "Not started",
            },
            "I11": {"Answer": None},
            "I14": {"Answer": "Yes", "Action status": "Complete"},
        },
    )
    # A second return of P-002, completed earlier, so not counted: its Nos are in no figure.
    write_workbook(
        folder / "p2-earlier.xlsx",
        partnership_id="P-002",
        register={"review_completed_on": dt.date(2026, 4, 1)},
        checklist={ref: {"Status": "No"} for ref in ("1a", "7a", "7b", "7c")},
        improvement={"I01": {"Answer": "No"}},
    )
    # P-003: out of scope, answering No throughout: in no figure either.
    write_workbook(
        folder / "p3.xlsx",
        partnership_id="P-003",
        register={"scope_commercial": "Yes"},
        checklist={question.ref: {"Status": "No"} for question in catalogue.QUESTIONS},
        improvement={area.ref: {"Answer": "No"} for area in catalogue.AREAS},
    )
    out = tmp_path / "out"
    report(folder, out)
    strategy = json.loads((out / "results.json").read_text(encoding="utf-8"))["strategy"]

    sections = {row["number"]: row for row in strategy["section_answers"]}
    assert [(row["number"], row["section"]) for row in strategy["section_answers"]] == list(
        enumerate(catalogue.SECTION_NAMES, start=1)
    )
    keys = ("yes", "partly", "no", "not_applicable", "not_answered", "partnerships_answering_no")
    assert tuple(sections[7][key] for key in keys) == (3, 1, 2, 0, 0, 1)
    assert tuple(sections[2][key] for key in keys) == (6, 0, 0, 1, 1, 0)
    assert tuple(sections[4][key] for key in keys) == (3, 0, 0, 0, 1, 0)
    assert tuple(sections[1][key] for key in keys) == (8, 0, 0, 0, 0, 0)
    assert strategy["sections_answered_no_most"] == [7]

    areas = {row["ref"]: row for row in strategy["area_answers"]}
    assert [row["ref"] for row in strategy["area_answers"]] == [area.ref for area in catalogue.AREAS]
    assert areas["I06"]["area"] == catalogue.AREAS[5].text
    keys = ("yes", "no", "not_answered", "actions_open", "actions_overdue")
    assert tuple(areas["I06"][key] for key in keys) == (1, 1, 0, 1, 1)
    assert tuple(areas["I14"][key] for key in keys) == (1, 1, 0, 1, 0)
    assert tuple(areas["I11"][key] for key in keys) == (1, 0, 1, 0, 0)
    assert tuple(areas["I01"][key] for key in keys) == (2, 0, 0, 0, 0)
    assert strategy["areas_answered_no_most"] == ["I06", "I14"]

    page = (out / "review_pack.html").read_text(encoding="utf-8")
    part = page[
        page.index("<h3>What the partnerships answered</h3>") : page.index("</section>", page.index('id="strategy"'))
    ]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)).split())
    assert "answered No by most partnerships: 7 Termination arrangements (1 of 2 partnerships answer No" in text
    assert "The improvement areas answered No most often: I06, I14 (1 of 2 partnerships each)" in text
    assert '<caption id="strategy-section-answers">' in part and '<caption id="strategy-area-answers">' in part
    assert '<th scope="row">7 Termination arrangements</th><td class="num">3</td><td class="num">1</td>' in part
    assert f"I06 {catalogue.AREAS[5].text} 1 1 0 1 1 I07" in text
