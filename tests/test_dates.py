"""Dates as officers type them (issue 13, item 7), on workbooks made from the real template."""

from __future__ import annotations

import datetime as dt

import pytest

from officer import AS_OF, write_workbook
from pipeline.config import Config
from pipeline.read.workbook import load_workbook_file
from pipeline.check.rules import check
from pipeline.check.score import score_workbook

CONFIG = Config()


def findings(tmp_path, **answers) -> set[tuple[str, str, str]]:
    workbook = load_workbook_file(write_workbook(tmp_path / "return.xlsx", **answers), tmp_path, CONFIG)
    return {(item.sheet, item.cell, item.rule) for item in check([workbook], as_of=AS_OF, config=CONFIG).findings}


@pytest.mark.parametrize("typed", ["31 March 2027", "31 Mar 2027", "31-Mar-2027", "2027/03/31", "31st March 2027",
                                   " 31 march 2027 ", "31/03/2027", "2027-03-31"])
def test_dates_typed_the_uk_way_are_read(tmp_path, typed):
    answers = dict(register={"next_review": typed, "review_completed_on": "15 April 2026"},
                   improvement={"I14": {"Due date": typed}})
    assert findings(tmp_path, **answers) == set()
    workbook = load_workbook_file(tmp_path / "return.xlsx", tmp_path, CONFIG)
    score = score_workbook(workbook, (), as_of=AS_OF, config=CONFIG)
    assert score.next_review == dt.date(2027, 3, 31)
    assert [line.due for line in score.action_lines] == [dt.date(2027, 3, 31)]


@pytest.mark.parametrize("typed", ["03/31/2027", "March 31, 2027", "31/02/2027", "30 Febuary 2027", "31 Sept 2027"])
def test_us_order_and_impossible_dates_are_still_refused(tmp_path, typed):
    assert findings(tmp_path, register={"next_review": typed}, improvement={"I14": {"Due date": typed}}) == {
        ("Register", "B21", "register.invalid_date"), ("Improvement", "F15", "action.invalid_date")}


def test_a_next_review_before_the_review_just_completed_is_a_warning(tmp_path):
    # Last year's rolled-over date left unchanged: the officer is asked to set the next one.
    assert findings(tmp_path, register={"next_review": dt.date(2026, 3, 31),
                                        "review_completed_on": dt.date(2026, 4, 15)}) == {
        ("Register", "B21", "register.next_review_early"), ("Register", "B21", "register.review_overdue")}
    assert findings(tmp_path, register={"next_review": "15 April 2026", "review_completed_on": "15/04/2026"}) == {
        ("Register", "B21", "register.review_overdue")}
