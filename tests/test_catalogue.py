"""The catalogue is the strategy's content, word for word where officers see it."""

import re
from pathlib import Path

from pipeline import catalogue

STRATEGY = (Path(__file__).parents[1] / "docs" / "partnership-strategy.txt").read_text(encoding="utf-8")


def test_checklist_has_eight_sections_and_29_questions_with_the_strategys_refs():
    assert len(catalogue.SECTION_NAMES) == 8
    assert [question.ref for question in catalogue.QUESTIONS] == [
        f"{number}{letter}"
        for number, count in enumerate((4, 4, 6, 2, 4, 3, 3, 3), start=1)
        for letter in "abcdef"[:count]
    ]


def test_every_question_and_section_is_in_the_strategy_word_for_word():
    for number, section in enumerate(catalogue.SECTION_NAMES, start=1):
        assert f"{number}. {section}\n" in STRATEGY
    for question in catalogue.QUESTIONS:
        assert f" - {question.ref[-1]}. {question.text}\n" in STRATEGY, question.ref


def test_fourteen_areas_in_the_strategys_order():
    table_rows = [
        line.split("\t")[0]
        for line in STRATEGY.splitlines()
        if line.endswith("\t\t\t") and not line.startswith("Area of Practice")
    ]
    plain = [re.sub(r"<[^>]+>", " ", row) for row in table_rows]
    assert [area.ref for area in catalogue.AREAS] == [f"I{n:02d}" for n in range(1, 15)]
    for area, row in zip(catalogue.AREAS, plain, strict=True):
        assert area.text in row
        for bullet in area.guidance:
            assert bullet in row


def test_nine_risks_and_five_exclusions_word_for_word():
    assert [risk.ref for risk in catalogue.RISKS] == [f"R{n:02d}" for n in range(1, 10)]
    for risk in catalogue.RISKS:
        assert f"- {risk.text}\n" in STRATEGY
    for _, _, words in catalogue.SCOPE_TESTS:
        assert f"- {words}\n" in STRATEGY
    assert f"\u201c{catalogue.DEFINITION}\u201d" in STRATEGY
    assert f" {catalogue.SUPPORT_OBJECTIVES}, " in STRATEGY  # quoted, never made stronger
    for kind in catalogue.PARTNERSHIP_TYPES:  # whole lines: the last keeps its full stop
        assert f"- {kind}\n" in STRATEGY


def test_no_register_guidance_says_required_or_optional_twice():
    """The Register's Guidance column read "Optional. Optional, in your own words. ..."."""
    for field in catalogue.REGISTER_FIELDS:
        assert not field.guidance.lower().startswith(("optional", "required")), field.key


def test_register_fields_have_the_contract_labels_and_unique_rows():
    labels = [field.label for field in catalogue.REGISTER_FIELDS]
    assert labels[:3] == ["Partnership ID", "Partnership name", "Purpose"]
    assert len(set(labels)) == len(labels) == 29
    assert len(catalogue.register_fields(1)) == 27  # version 2 adds two fields below the rest
    assert labels[27:] == ["Total partnership budget (£)", "Partner contributions (£)"]
    required = {field.label for field in catalogue.REGISTER_FIELDS if field.required}
    assert {"Next review date", "Review completed on", "Commercial agreement"} <= required
    assert "Legal status" not in required
    assert len(set(catalogue.REGISTER_ROWS.values())) == len(catalogue.REGISTER_FIELDS)


def test_the_version_note_is_quoted_as_the_strategy_gives_it():
    assert catalogue.STRATEGY_VERSION_NOTE in STRATEGY.splitlines()
