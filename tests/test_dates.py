"""Dates as officers type them (issue 13, item 7), on workbooks made from the real template."""

from __future__ import annotations

import datetime as dt

import pytest

from officer import AS_OF, write_workbook
from pipeline import catalogue
from pipeline.config import Config
from pipeline.read.workbook import load_workbook_file
from pipeline.check.rules import check
from pipeline.check.score import score_workbook

CONFIG = Config()


def findings(tmp_path, **answers) -> set[tuple[str, str, str]]:
    workbook = load_workbook_file(write_workbook(tmp_path / "return.xlsx", **answers), tmp_path, CONFIG)
    return {(item.sheet, item.cell, item.rule) for item in check([workbook], as_of=AS_OF, config=CONFIG).findings}


@pytest.mark.parametrize(
    "typed",
    [
        "31 March 2027",
        "31 Mar 2027",
        "31-Mar-2027",
        "2027/03/31",
        "31st March 2027",
        " 31 march 2027 ",
        "31/03/2027",
        "2027-03-31",
        "31/03/27",  # a year in two figures, as Excel reads it in a cell formatted as text: 2027
        "31.03.27",
        "31 Mar 27",
    ],
)
def test_dates_typed_the_uk_way_are_read(tmp_path, typed):
    answers = dict(
        register={"next_review": typed, "review_completed_on": "15 April 2026"},
        improvement={"I14": {"Due date": typed}},
    )
    assert findings(tmp_path, **answers) == set()
    workbook = load_workbook_file(tmp_path / "return.xlsx", tmp_path, CONFIG)
    score = score_workbook(workbook, (), as_of=AS_OF, config=CONFIG)
    assert score.next_review == dt.date(2027, 3, 31)
    assert [line.due for line in score.action_lines] == [dt.date(2027, 3, 31)]


@pytest.mark.parametrize("typed", ["03/31/2027", "March 31, 2027", "31/02/2027", "30 Febuary 2027", "31 Sept 2027"])
def test_us_order_and_impossible_dates_are_still_refused(tmp_path, typed):
    assert findings(tmp_path, register={"next_review": typed}, improvement={"I14": {"Due date": typed}}) == {
        ("Register", "B21", "register.invalid_date"),
        ("Improvement", "F15", "action.invalid_date"),
    }


def test_a_next_review_before_the_review_just_completed_is_a_warning(tmp_path):
    # Last year's rolled-over date left unchanged: the officer is asked to set the next one.
    assert findings(
        tmp_path, register={"next_review": dt.date(2026, 3, 31), "review_completed_on": dt.date(2026, 4, 15)}
    ) == {("Register", "B21", "register.next_review_early"), ("Register", "B21", "register.review_overdue")}
    assert findings(tmp_path, register={"next_review": "15 April 2026", "review_completed_on": "15/04/2026"}) == {
        ("Register", "B21", "register.review_overdue")
    }


def with_cached_values(path, cached: dict[str, float]):
    """The workbook as Excel saves it: each formula cell also holds the value it last worked out."""
    import re
    import zipfile

    data = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            content = archive.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                for cell, value in cached.items():
                    # openpyxl writes the empty value as <v/> or, when lxml is installed, <v></v>
                    content = re.sub(
                        rb'(<c r="%s"[^>]*><f>[^<]*</f>)<v\s*(?:/>|></v>)' % cell.encode(),
                        rb"\g<1><v>%d</v>" % value,
                        content,
                    )
            data[info] = content
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in data.items():
            archive.writestr(info, content)
    return path


def serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def test_a_formula_in_a_date_cell_asks_for_the_date_to_be_typed(tmp_path):
    path = write_workbook(
        tmp_path / "return.xlsx",
        register={"review_completed_on": "=TODAY()"},
        improvement={"I14": {"Due date": "=TODAY()+150"}},
    )
    with_cached_values(path, {"B22": serial(dt.date(2026, 4, 15)), "F15": serial(dt.date(2026, 9, 12))})
    workbook = load_workbook_file(path, tmp_path, CONFIG)
    report = check([workbook], as_of=AS_OF, config=CONFIG)
    found = {(item.sheet, item.cell, item.rule): item for item in report.findings}
    assert set(found) == {("Register", "B22", "register.date_formula"), ("Improvement", "F15", "action.date_formula")}
    assert "=TODAY()" in found["Register", "B22", "register.date_formula"].message
    assert "Type the date itself" in found["Improvement", "F15", "action.date_formula"].message
    # The value last saved is still read, so the review is not lost meanwhile.
    assert score_workbook(workbook, (), as_of=AS_OF, config=CONFIG).action_lines[0].due == dt.date(2026, 9, 12)


def test_a_fixed_date_formula_is_not_said_to_change_and_its_value_is_the_formula(tmp_path):
    """=DATE(2027,3,31) was told its date 'changes each time the workbook is saved', which only a
    formula of today's date does; and the register's finding gave the date as its value where the
    action's gave the formula."""
    path = write_workbook(
        tmp_path / "return.xlsx",
        register={"next_review": "=DATE(2027,3,31)", "review_completed_on": "=TODAY()"},
        improvement={"I14": {"Due date": "=DATE(2026,9,30)"}},
    )
    with_cached_values(
        path,
        {"B21": serial(dt.date(2027, 3, 31)), "B22": serial(dt.date(2026, 4, 15)), "F15": serial(dt.date(2026, 9, 30))},
    )
    report = check([load_workbook_file(path, tmp_path, CONFIG)], as_of=AS_OF, config=CONFIG)
    found = {item.cell: item for item in report.findings}
    assert set(found) == {"B21", "B22", "F15"}
    assert found["B21"].message == (
        "'Next review date' is worked out by a formula (=DATE(2027,3,31)). Type the date itself, such as 31/03/2026."
    )
    assert "=TODAY()), so its date changes each time the workbook is saved." in found["B22"].message
    assert "changes" not in found["F15"].message
    assert [found[cell].value for cell in ("B21", "B22", "F15")] == ["=DATE(2027,3,31)", "=TODAY()", "=DATE(2026,9,30)"]


def test_a_date_formula_filled_down_is_quoted_and_its_today_is_said(tmp_path):
    """=TODAY()+30 typed in one Due date and filled down: Excel saves the cells below as a shared
    formula, its text in the first cell only. Each cell below was told it was worked out by "(=)", with
    no word that it is today's date and will move. They now quote the formula they share."""
    import re
    import zipfile

    due = {
        ref: {"Answer": "No", "Action": "Do it", "Action owner": "Sam", "Due date": "=TODAY()+30"}
        for ref in ("I01", "I02", "I03")
    }
    path = write_workbook(tmp_path / "return.xlsx", improvement=due)
    cells = [f"F{catalogue.IMPROVEMENT_ROWS[ref]}" for ref in due]
    data = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            content = archive.read(info.filename)
            first, *below = cells
            shared = re.sub(
                rb'(<c r="%s"[^>]*>)<f>TODAY\(\)\+30</f>' % first.encode(),
                rb'\1<f t="shared" ref="%s:%s" si="0">TODAY()+30</f>' % (first.encode(), below[-1].encode()),
                content,
            )
            for cell in below:
                shared = re.sub(
                    rb'(<c r="%s"[^>]*>)<f>TODAY\(\)\+30</f>' % cell.encode(), rb'\1<f t="shared" si="0"/>', shared
                )
            data[info] = shared
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in data.items():
            archive.writestr(info, content)
    report = check([load_workbook_file(path, tmp_path, CONFIG)], as_of=AS_OF, config=CONFIG)
    found = {item.cell: item for item in report.findings if item.rule == "action.date_formula"}
    assert set(found) == set(cells)
    for cell in cells:
        assert found[cell].value == "=TODAY()+30", cell
        assert "changes each time the workbook is saved" in found[cell].message, cell


def test_a_next_review_years_ahead_is_a_warning(tmp_path):
    """A next review five years away passed with no word, though the council reviews every partnership
    each year (the Register's guidance says so): most likely the year typed wrong."""
    completed = {"review_completed_on": dt.date(2026, 4, 15)}
    assert findings(tmp_path, register={"next_review": dt.date(2031, 3, 31), **completed}) == {
        ("Register", "B21", "register.next_review_late")
    }
    assert findings(tmp_path, register={"next_review": dt.date(2027, 10, 15), **completed}) == set()  # 18 months
    # Not completed yet: counted from the as-of date.
    assert findings(tmp_path, register={"next_review": dt.date(2028, 3, 31), "review_completed_on": None}) >= {
        ("Register", "B21", "register.next_review_late")
    }
