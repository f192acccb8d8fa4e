"""One slip, one finding (issue 13, item 8): a row inserted or deleted, a table sorted or a Ref typed
over gives one finding where it happened, saying what to undo; when every Ref is still there once, the
table is read by Ref with a warning instead of losing the workbook. Real workbooks from the template,
edited as officers edit them."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from officer import AS_OF, write_workbook
from pipeline import catalogue
from pipeline.config import Config
from pipeline.read.workbook import load_workbook_file
from pipeline.check.rules import check
from pipeline.check.score import score_workbook

CONFIG = Config()


def load(tmp_path, edit, **answers):
    workbook = load_workbook_file(write_workbook(tmp_path / "return.xlsx", edit=edit, **answers), tmp_path, CONFIG)
    report = check([workbook], as_of=AS_OF, config=CONFIG)
    return workbook, {(item.sheet, item.cell, item.rule): item for item in report.findings}


def insert_row(sheet: str, row: int):
    return lambda book: book[sheet].insert_rows(row)


def test_a_row_inserted_in_the_risks_is_one_warning_and_every_risk_is_read_by_ref(tmp_path):
    workbook, found = load(
        tmp_path, insert_row("Risks", 5), risks={"R04": {"Likelihood": 5, "Impact": 4, "Mitigation": None}}
    )
    assert workbook.assessed
    assert set(found) == {("Risks", "A5", "sheet.rows_moved"), ("Risks", "E6", "risk.unmitigated")}
    message = found["Risks", "A5", "sheet.rows_moved"].message
    assert "A row was inserted above the row of risk R04 in the Risks sheet (row 5)" in message
    assert "delete row 5" in message
    assert [(risk.ref, risk.row) for risk in workbook.risks][3:5] == [("R04", 6), ("R05", 7)]


def test_a_sorted_checklist_is_one_warning_and_read_by_ref(tmp_path):
    def sort_by_status(book):
        sheet = book["Checklist"]
        rows = [[cell.value for cell in sheet[row]] for row in range(2, 31)]
        rows.sort(key=lambda cells: (str(cells[3]), cells[0]))
        for row, cells in enumerate(rows, start=2):
            for column, value in enumerate(cells, start=1):
                sheet.cell(row, column, value)

    workbook, found = load(
        tmp_path,
        sort_by_status,
        checklist={"1a": {"Status": "No"}, "3c": {"Status": "Partly"}, "8c": {"Status": "N/A"}},
    )
    assert workbook.assessed
    assert list(found) == [("Checklist", "A1", "sheet.rows_moved")]
    assert "sort the table by its first column (Ref)" in found["Checklist", "A1", "sheet.rows_moved"].message
    statuses = {row.question.ref: row.status for row in workbook.checklist}
    assert (statuses["1a"], statuses["3c"], statuses["8c"], statuses["2a"]) == ("No", "Partly", "N/A", "Yes")
    assert score_workbook(workbook, (), as_of=AS_OF, config=CONFIG).checklist_completeness == 1.0


def test_a_deleted_row_is_one_error_at_its_place(tmp_path):
    workbook, found = load(tmp_path, lambda book: book["Improvement"].delete_rows(8))
    assert not workbook.assessed
    assert list(found) == [("Improvement", "A8", "sheet.layout")]
    assert found["Improvement", "A8", "sheet.layout"].message.startswith("The row of area I07 was deleted.")


#: How a finding for a deleted row says to put it back, read as an officer reads it.
PUT_BACK = re.compile(
    r"insert a row (?P<side>below|above) the row of .*? \(row (?P<at>\d+)\); in the new row (?P<row>\d+), "
    r"type '?(?P<key>[^']+?)'? in (?P<key_cell>[A-Z]+\d+) and the template's words for it in "
    r"(?P<text_cell>[A-Z]+\d+): \u201c(?P<text>.+)\u201d, then answer it again"
)


def put_back(book, sheet: str, message: str, answers: dict[str, object]) -> None:
    """Do what a sheet.layout finding for a deleted row says, to the letter: insert the row, type its Ref
    (or field) and the template's words where it says, then answer it (column letter -> answer)."""
    told = PUT_BACK.search(message)
    assert told, message
    row = int(told["row"])
    assert row == int(told["at"]) + (told["side"] == "below")
    book[sheet].insert_rows(row)
    book[sheet][told["key_cell"]], book[sheet][told["text_cell"]] = told["key"], told["text"]
    for column, answer in answers.items():
        book[sheet][f"{column}{row}"] = answer


@pytest.mark.parametrize(
    "sheet, deleted, cell, answers",
    [
        ("Risks", 8, "A8", {"C": 2, "D": 2, "E": "Standing item at the board", "F": "Sam Patel"}),
        ("Improvement", 8, "A8", {"C": "Yes"}),
        ("Register", 4, "A4", {"B": "To reduce crime"}),
        ("Checklist", 2, "A2", {"D": "Yes", "E": "Terms of reference"}),
    ],
)
def test_a_deleted_row_put_back_as_the_finding_says_leaves_no_finding(tmp_path, sheet, deleted, cell, answers):
    """'Expected 'R07' here' at A8, where R08 now is: typing R07 there, as it says, gave two errors. The
    finding says what happened and how to put the row back, and doing just that leaves nothing to say."""
    workbook, found = load(tmp_path, lambda book: book[sheet].delete_rows(deleted))
    assert list(found) == [(sheet, cell, "sheet.layout")]
    message = found[sheet, cell, "sheet.layout"].message
    assert "Expected" not in message and "was deleted. To put it back, insert a row" in message, message

    def deleted_then_put_back(book):
        book[sheet].delete_rows(deleted)
        put_back(book, sheet, message, answers)

    workbook, found = load(tmp_path, deleted_then_put_back)
    assert workbook.assessed and not found, [item.message for item in found.values()]


def test_a_risk_deleted_from_a_register_sorted_since_is_put_back_where_the_finding_says(tmp_path):
    """An own risk inserted, R07 deleted, then the register sorted by score: told 'it was row 10', a row
    R07 never had. The finding names the row below which to insert it (R06's, wherever the sort put it),
    and an officer who does so is left with the sort's warning only."""

    def deleted_and_sorted(book):
        book["Risks"].insert_rows(5)
        for column, value in zip("BCDEF", ("Key staff leave the partnership", 3, 4, "Succession plan", "Dev")):
            book["Risks"][f"{column}5"] = value
        book["Risks"].delete_rows(9)
        sort_risks_by_score(book)

    answers = {"risks": {"R02": {"Likelihood": 5, "Impact": 3}, "R08": {"Likelihood": 3, "Impact": 3}}}
    workbook, found = load(tmp_path, deleted_and_sorted, **answers)
    [(sheet, cell, rule)] = found
    message = found[sheet, cell, rule].message
    assert (sheet, rule) == ("Risks", "sheet.layout") and "(it was row" not in message
    assert f"in the new row {cell[1:]}, type R07 in {cell}" in message, message

    def followed(book):
        deleted_and_sorted(book)
        put_back(book, "Risks", message, {"C": 2, "D": 2, "E": "Standing item at the board", "F": "Sam Patel"})

    workbook, found = load(tmp_path, followed, **answers)
    assert workbook.assessed and [rule for _, _, rule in found] == ["sheet.rows_moved"]
    assert {risk.ref: (risk.likelihood, risk.impact) for risk in workbook.risks}["R07"] == (2, 2)


def test_two_rows_deleted_together_are_put_back_one_below_the_other(tmp_path):
    workbook, found = load(tmp_path, lambda book: book["Risks"].delete_rows(7, 2))
    messages = [found[key].message for key in sorted(found)]
    assert [cell for _, cell, _ in sorted(found)] == ["A7", "A8"]

    def followed(book):
        book["Risks"].delete_rows(7, 2)
        for message in messages:
            put_back(book, "Risks", message, {"C": 2, "D": 2, "E": "Standing item at the board", "F": "Sam Patel"})

    workbook, found = load(tmp_path, followed)
    assert workbook.assessed and not found, [item.message for item in found.values()]


def test_a_ref_typed_over_with_another_risks_ref_is_one_finding(tmp_path):
    """R07 typed over R08's Ref was two errors at A9, one saying to delete row 9 (R08's own row) as an
    extra R07: it is one, saying to type R08 back."""
    path = write_workbook(tmp_path / "return.xlsx", edit=lambda book: book["Risks"].__setitem__("A9", "R07"))
    found = check([load_workbook_file(path, tmp_path, CONFIG)], as_of=AS_OF, config=CONFIG).findings
    assert [(item.sheet, item.cell, item.rule) for item in found] == [("Risks", "A9", "sheet.layout")]
    assert "type R08 back in A9" in found[0].message


def test_a_ref_typed_over_is_one_error_saying_to_type_it_back(tmp_path):
    def overtype(book):
        book["Checklist"]["A7"] = "2x"

    workbook, found = load(tmp_path, overtype)
    assert list(found) == [("Checklist", "A7", "sheet.layout")]
    assert "type 2b back in A7" in found["Checklist", "A7", "sheet.layout"].message


def test_a_row_inserted_in_the_register_and_above_a_header_are_read_as_the_officer_meant(tmp_path):
    def edit(book):
        book["Register"].insert_rows(catalogue.REGISTER_ROWS["purpose"])
        book["Improvement"].insert_rows(1)

    workbook, found = load(
        tmp_path, edit, register={"funding": 1234}, improvement={"I14": {"Due date": dt.date(2026, 1, 31)}}
    )
    assert workbook.assessed
    assert set(found) == {
        ("Register", "A4", "sheet.rows_moved"),
        ("Improvement", "A1", "sheet.rows_moved"),
        ("Improvement", "F16", "action.overdue"),
    }
    assert "delete row 1" in found["Improvement", "A1", "sheet.rows_moved"].message
    assert workbook.register["funding"].value == 1234 and workbook.register["funding"].cell() == "B18"


def test_register_fields_moved_are_named_as_fields(tmp_path):
    def swap(book):
        sheet = book["Register"]
        purpose, name = catalogue.REGISTER_ROWS["purpose"], catalogue.REGISTER_ROWS["name"]
        for column in "ABC":
            sheet[f"{column}{purpose}"].value, sheet[f"{column}{name}"].value = (
                sheet[f"{column}{name}"].value,
                sheet[f"{column}{purpose}"].value,
            )

    workbook, found = load(tmp_path, swap)
    assert workbook.assessed and list(found) == [("Register", "A1", "sheet.rows_moved")]
    message = found["Register", "A1", "sheet.rows_moved"].message
    assert "put the rows back in the template's order, 'Partnership ID' first" in message and "(Ref)" not in message
    assert workbook.register["purpose"].value.startswith("Reduce crime")


def test_a_column_inserted_in_a_table_is_one_finding_saying_which_to_delete(tmp_path):
    workbook, found = load(tmp_path, lambda book: book["Improvement"].insert_cols(3))
    layout = [key for key in found if key[2] == "sheet.layout"]
    assert layout == [("Improvement", "C1", "sheet.layout")]
    message = found["Improvement", "C1", "sheet.layout"].message
    assert "A column was inserted at column C, before 'Answer': delete column C" in message


def test_two_columns_inserted_say_both(tmp_path):
    workbook, found = load(tmp_path, lambda book: book["Risks"].insert_cols(3, 2))
    assert [key for key in found if key[2] == "sheet.layout"] == [("Risks", "C1", "sheet.layout")]
    assert "2 columns were inserted at columns C to D, before 'Likelihood': delete columns C to D" in (
        found["Risks", "C1", "sheet.layout"].message
    )


def test_a_column_deleted_from_a_table_is_one_finding_naming_it(tmp_path):
    workbook, found = load(tmp_path, lambda book: book["Checklist"].delete_cols(5))
    assert [key for key in found if key[2] == "sheet.layout"] == [("Checklist", "E1", "sheet.layout")]
    assert "The column 'Evidence' was deleted (it was column E): undo the deletion" in (
        found["Checklist", "E1", "sheet.layout"].message
    )


def test_a_header_typed_over_is_put_back_not_the_whole_workbook_copied(tmp_path):
    def rename(book):
        book["Improvement"]["D1"] = "What we will do"

    workbook, found = load(tmp_path, rename)
    assert [key for key in found if key[2] == "sheet.layout"] == [("Improvement", "D1", "sheet.layout")]
    message = found["Improvement", "D1", "sheet.layout"].message
    assert "Expected 'Action' here. The header was changed: change it back to 'Action'." == message


def test_a_sheet_renamed_is_named_in_the_finding(tmp_path):
    def rename(book):
        book["Risks"].title = "Risk register"
        book.create_sheet("Notes")

    workbook, found = load(tmp_path, rename)
    assert found["Risks", "", "sheet.missing"].message == (
        "The sheet 'Risks' is missing. A sheet named 'Risk register' is there instead: give it back its name, 'Risks'."
    )


def test_a_sheet_deleted_is_still_missing_whatever_other_sheets_are_there(tmp_path):
    def delete(book):
        del book["Objectives"]
        book.create_sheet("Notes")

    workbook, found = load(tmp_path, delete)
    assert found["Objectives", "", "sheet.missing"].message == (
        "The sheet 'Objectives' is missing. Copy your answers into a fresh copy of the standard template, which "
        "has every sheet, and do not delete or rename its sheets."
    )


def sort_risks_by_score(book):
    """What an officer does to a risk register: sort it by likelihood x impact, largest first."""
    sheet = book["Risks"]
    rows = [[cell.value for cell in sheet[row]][:6] for row in range(2, sheet.max_row + 1)]
    rows = [cells for cells in rows if any(value is not None for value in cells[1:])]
    rows.sort(key=lambda cells: -((cells[2] or 0) * (cells[3] or 0)))
    for row in range(2, sheet.max_row + 1):
        for column in range(1, 7):
            sheet.cell(row, column).value = None
    for row, cells in enumerate(rows, start=2):
        for column, value in enumerate(cells, start=1):
            sheet.cell(row, column).value = value


def test_an_own_risk_sorted_above_the_strategys_is_read(tmp_path):
    # Sorted by score, the officer's own High risk went to row 2 and was never read: no risk.unmitigated,
    # the partnership Green, and a warning telling the officer to delete that row as "none is lost".
    own = {"Risk": "Loss of key partner", "Likelihood": 5, "Impact": 4, "Mitigation": None, "Owner": "Ann"}
    workbook, found = load(tmp_path, sort_risks_by_score, risks={"R10": own})
    risks = {risk.ref: risk for risk in workbook.risks}
    assert risks["R10"].row == 2 and risks["R10"].text == "Loss of key partner"
    assert ("Risks", "E2", "risk.unmitigated") in found
    assert not any("delete row 2" in item.message for item in found.values())
    assert score_workbook(workbook, found.values(), as_of=AS_OF, config=CONFIG).rag == "Red"


def test_a_row_inserted_with_answers_in_it_is_said_not_to_be_read(tmp_path):
    # A second action typed in a row inserted under I02 was not read (its overdue date lost, Green for Red),
    # while the warning said to delete the row, "so none is lost".
    def second_action(book):
        sheet = book["Improvement"]
        sheet.insert_rows(4)
        for column, value in zip("DEFG", ("Train the board", "Ann", dt.date(2025, 11, 30), "Not started")):
            sheet[f"{column}4"] = value

    workbook, found = load(tmp_path, second_action)
    slip = found["Improvement", "A4", "sheet.layout"]
    assert "holds answers that belong to no row of the template, so the review cannot read them" in slip.message
    assert "none is lost" not in " ".join(item.message for item in found.values())
    assert not score_workbook(workbook, found.values(), as_of=AS_OF, config=CONFIG).assessed


def test_a_second_action_inserted_under_an_area_is_told_to_join_the_first_and_doing_so_leaves_no_finding(tmp_path):
    """A second action typed in a row inserted under I05, which has one, was told to put it 'in the row
    they answer (one row each)': I05's row was taken and there is no second. It is told to add it to I05's
    Action cell, with both owners and one due date, and then to delete the row; doing so reads both."""
    first = {"Answer": "No", "Action": "Agree a protocol", "Action owner": "Dev Mistry", "Due date": "31/12/2026"}

    def second_action(book):
        sheet = book["Improvement"]
        sheet.insert_rows(7)
        for column, value in zip("DEFG", ("Train staff on the protocol", "Jo Bloggs", "31/03/2027", "Not started")):
            sheet[f"{column}7"] = value

    workbook, found = load(tmp_path, second_action, improvement={"I05": first})
    assert list(found) == [("Improvement", "A7", "sheet.layout")]
    message = found["Improvement", "A7", "sheet.layout"].message
    assert not message.startswith("Expected") and "one row each" not in message, message
    assert "add it after the first in that area's Action cell (row 6)" in message and "Then delete row 7." in message

    def followed(book):
        second_action(book)
        sheet = book["Improvement"]
        sheet["D6"] = f"{sheet['D6'].value}; {sheet['D7'].value}"
        sheet["E6"] = f"{sheet['E6'].value}; {sheet['E7'].value}"
        sheet["F6"] = sheet["F7"].value
        sheet.delete_rows(7)

    workbook, found = load(tmp_path, followed, improvement={"I05": first})
    assert workbook.assessed and not found, [item.message for item in found.values()]
    [row] = [row for row in workbook.improvement if row.area.ref == "I05"]
    assert row.action == "Agree a protocol; Train staff on the protocol"


def test_the_last_column_deleted_is_named_as_a_middle_one_is(tmp_path):
    # Deleting the last column got the general "copy your answers into a fresh template".
    workbook, found = load(tmp_path, lambda book: book["Improvement"].delete_cols(7))
    [layout] = [item for key, item in found.items() if key[2] == "sheet.layout"]
    assert "The column 'Action status' was deleted (it was column G): undo the deletion" in layout.message


def merge(sheet: str, *ranges: str):
    def edit(book):
        for cells in ranges:
            book[sheet].merge_cells(cells)

    return edit


def test_status_cells_merged_over_several_questions_are_one_warning_saying_only_the_first_is_read(tmp_path):
    """An officer merged the Status cells of 1a to 1c into one and chose Yes in it: Excel keeps the
    value in the first cell only, so 1b and 1c were read as not answered with no word of why."""
    workbook, found = load(tmp_path, merge("Checklist", "D2:D4"))
    assert workbook.assessed
    assert set(found) == {
        ("Checklist", "D2", "sheet.merged_cells"),
        ("Checklist", "D3", "checklist.unanswered"),
        ("Checklist", "D4", "checklist.unanswered"),
    }
    merged = found["Checklist", "D2", "sheet.merged_cells"]
    assert (merged.severity, merged.value) == ("warning", "D2:D4")
    assert "rows 2 to 4" in merged.message and "only row 2's is read" in merged.message
    assert "answer each question in its own cell" in merged.message
    assert [row.status for row in workbook.checklist[:3]] == ["Yes", None, None]


def test_each_of_several_merges_on_one_sheet_gets_its_warning(tmp_path):
    """Two sets of Status cells merged on the Checklist: each is said, the second as the first."""
    workbook, found = load(tmp_path, merge("Checklist", "D2:D3", "D8:D10"))
    assert {key for key in found if key[2] == "sheet.merged_cells"} == {
        ("Checklist", "D2", "sheet.merged_cells"),
        ("Checklist", "D8", "sheet.merged_cells"),
    }
    assert "rows 8 to 10" in found["Checklist", "D8", "sheet.merged_cells"].message


def test_a_blank_merged_cell_hides_no_answer(tmp_path):
    """An area answered Yes with its empty action cells merged into one (D2:G2) was told that only its
    Action is read, when no action is needed and nothing was typed there."""
    workbook, found = load(tmp_path, merge("Improvement", "D2:G2"))
    assert not [key for key in found if key[2] == "sheet.merged_cells"]


def test_answers_merged_on_the_improvement_and_register_sheets_are_found_too(tmp_path):
    workbook, found = load(
        tmp_path,
        lambda book: (merge("Improvement", "C2:C3")(book), merge("Register", "B4:B5")(book)),
    )
    assert {key for key in found if key[2] == "sheet.merged_cells"} == {
        ("Improvement", "C2", "sheet.merged_cells"),
        ("Register", "B4", "sheet.merged_cells"),
    }
    assert "rows 2 and 3" in found["Improvement", "C2", "sheet.merged_cells"].message
    assert "answer each field in its own cell" in found["Register", "B4", "sheet.merged_cells"].message


def test_a_status_merged_with_its_evidence_says_the_evidence_needs_its_own_cell(tmp_path):
    """Status and Evidence of one row merged: what the merged cell holds is the Status, and the Evidence
    reads as blank; the officer is told why, not only that there is no Evidence."""
    workbook, found = load(tmp_path, merge("Checklist", "D6:E6"))
    assert set(found) == {("Checklist", "D6", "sheet.merged_cells"), ("Checklist", "E6", "checklist.no_evidence")}
    message = found["Checklist", "D6", "sheet.merged_cells"].message
    assert "The Status and Evidence of row 6 were merged into one cell, D6:E6, so only the Status is read" in message
    assert "put each answer in its own cell" in message


def test_cells_merged_outside_the_answers_read_are_no_finding(tmp_path):
    """A Register value merged with its guidance hides no answer (the value is the first cell); nor does
    the merged heading of another table pasted below the risk register, which is not read."""

    def edit(book):
        merge("Register", "B3:C3")(book)
        book["Risks"]["A25"] = "Budget lines"
        merge("Risks", "A25:F25")(book)

    workbook, found = load(tmp_path, edit)
    assert set(found) == {("Risks", "A25", "sheet.other_table")}


#: What a literal reading types, as Excel stores it: a quote at the start of a cell is Excel's marker of
#: text and is not kept; one anywhere else is.
def typed_in_excel(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def sort_improvement_by_answer(book):
    """An officer sorting the improvement tool by its Answer column, No first."""
    sheet = book["Improvement"]
    rows = [[cell.value for cell in sheet[row]][:7] for row in range(2, sheet.max_row + 1)]
    rows = [cells for cells in rows if cells[0]]
    rows.sort(key=lambda cells: str(cells[2]))
    for row, cells in enumerate(rows, start=2):
        for column, value in enumerate(cells, start=1):
            sheet.cell(row, column).value = value


@pytest.mark.parametrize(
    "sheet, edit, answers, left",
    [
        # The field is quoted in the message: typed with its quotes, Excel keeps the closing one.
        (
            "Register",
            lambda book: book["Register"].delete_rows(catalogue.REGISTER_ROWS["lead_officer_email"]),
            {"B": "ann@council.gov.uk"},
            [],
        ),
        # I07's words begin with a quote ("'Rules of engagement' (eg ..."), which Excel takes for its marker.
        ("Improvement", "I07", {"C": "Yes"}, ["sheet.rows_moved"]),
    ],
)
def test_a_deleted_row_put_back_as_typed_in_excel_leaves_no_error(tmp_path, sheet, edit, answers, left):
    """Followed to the letter in Excel, putting back the Register's 'Lead officer email' (typed with the
    quotes the message gives it) or a sorted improvement tool's I07 (whose words Excel stored without
    their first quote) gave the same error again: the key and words are matched with or without quotes."""
    improvement = {
        "I03": {"Answer": "No", "Action": "Fix three", "Action owner": "Al", "Due date": dt.date(2026, 9, 30)}
    }

    def deleted(book):
        if callable(edit):
            edit(book)
        else:
            rows = book[sheet]
            rows.delete_rows(next(row for row in range(2, rows.max_row + 1) if rows.cell(row, 1).value == edit))
            sort_improvement_by_answer(book)

    workbook, found = load(tmp_path, deleted, improvement=improvement)
    [(_, cell, rule)] = [key for key in found if key[2] == "sheet.layout"]
    told = PUT_BACK.search(found[sheet, cell, rule].message)
    assert told, found[sheet, cell, rule].message
    typed_key = re.search(r"type (.+?) in [A-Z]+\d+ and", found[sheet, cell, rule].message).group(1)

    def put_back_in_excel(book):
        deleted(book)
        row = int(told["row"])
        book[sheet].insert_rows(row)
        book[sheet][told["key_cell"]] = typed_in_excel(typed_key)
        book[sheet][told["text_cell"]] = typed_in_excel(told["text"])
        for column, answer in answers.items():
            book[sheet][f"{column}{row}"] = answer

    workbook, found = load(tmp_path, put_back_in_excel, improvement=improvement)
    assert workbook.assessed and sorted(rule for _, _, rule in found) == left, [item.message for item in found.values()]
