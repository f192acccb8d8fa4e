"""The forgiving reading of what officers type."""

import datetime as dt

import pytest
from hypothesis import example, given, settings, strategies as st

from pipeline import catalogue, values
from pipeline.values import INVALID


@pytest.mark.parametrize(
    "typed, read",
    [
        ("yes", "Yes"),
        ("  PARTLY ", "Partly"),
        ("n/a", "N/A"),
        ("No\u00a0", "No"),
        (None, None),
        ("   ", None),
        ("Maybe", INVALID),
        ("Y", INVALID),
    ],
)
def test_choice_ignores_case_and_spaces(typed, read):
    assert values.choice(typed, catalogue.CHECKLIST_STATUSES) == read


@pytest.mark.parametrize(
    "typed, read",
    [
        (dt.datetime(2026, 3, 31), dt.date(2026, 3, 31)),
        (dt.date(2026, 3, 31), dt.date(2026, 3, 31)),
        ("2026-03-31", dt.date(2026, 3, 31)),
        ("05/12/2026", dt.date(2026, 12, 5)),
        (" 5/12/2026 ", dt.date(2026, 12, 5)),
        ("2026-03-31 00:00:00", dt.date(2026, 3, 31)),
        ("31/02/2026", INVALID),
        ("01/04/98", dt.date(1998, 4, 1)),  # two figures: 00 to 29 are 2000 to 2029, 30 to 99 the 1900s (Excel's rule)
        ("01/04/29", dt.date(2029, 4, 1)),
        ("01/04/30", dt.date(1930, 4, 1)),
        ("next April", INVALID),
        (45000, INVALID),
        (None, None),
    ],
)
def test_dates_iso_uk_or_real(typed, read):
    assert values.date(typed) == read


@pytest.mark.parametrize(
    "typed, read",
    [
        (12, 12.0),
        ("1,200", 1200.0),
        ("£2,500.50", 2500.5),
        (" 7 ", 7.0),
        ("-3", -3.0),
        ("12 500", 12500.0),
        ("1,234,567.5", 1234567.5),
        (".5", 0.5),
        ("2,5", INVALID),
        ("12,50", INVALID),
        ("£1,2,3", INVALID),
        ("12.500,00", INVALID),
        ("10.000", INVALID),  # ten thousand, as much of Europe writes it, or ten?
        ("£1.250.000", INVALID),
        ("0.500", 0.5),
        ("10.5", 10.5),
        ("1,2000", INVALID),
        ("$500", INVALID),
        ("ten", INVALID),
        (True, INVALID),
        ("", None),
    ],
)
def test_numbers_may_be_text(typed, read):
    assert values.number(typed) == read


@pytest.mark.parametrize(
    "typed, read",
    [
        (3, 3),
        ("4", 4),
        (5.0, 5),
        (" 1 ", 1),
        (0, INVALID),
        (6, INVALID),
        (2.5, INVALID),
        ("high", INVALID),
        (None, None),
    ],
)
def test_ratings_are_whole_numbers_one_to_five(typed, read):
    assert values.rating(typed, catalogue.RISK_RATINGS) == read


def test_emails_and_lists():
    assert values.email(" jo.bloggs@council.gov.uk ") == "jo.bloggs@council.gov.uk"
    assert values.email("jo.bloggs at council") is INVALID
    assert values.items("NHS Trust; Police ;; Fire service", ";") == ("NHS Trust", "Police", "Fire service")


def test_clean_drops_control_characters_and_folds_spaces():
    assert values.clean("Health\x07 and\u00a0\u00a0wellbeing\t") == "Health and wellbeing"
    assert values.clean(float("nan")) is None


def test_invalid_is_distinct_from_blank_and_from_any_value():
    assert INVALID != None and INVALID != "" and not INVALID  # noqa: E711


_ANY_SPACE = "[\\s\u00a0\u2007\u202f\ufeff]+"
#: Not the vertical tab and the form feed: pasted from Word they are line and page breaks, which part
#: words as spaces (fold with the other spaces), where removing them ran 'agreed' and 'Minutes' together.
_CONTROL = "[\x00-\x08\x0e-\x1f\x7f]"
#: What officers type and paste, the awkward characters often: spaces of every kind, line breaks of
#: every kind (Word's vertical tab and form feed, the Unicode separators), controls, invisible ones.
TYPED = st.text(
    alphabet=st.sampled_from("ab  \t\n\r\x00\x07\x0b\x0c\x7f\x85\xa0\u2007\u2028\u2029\u202f\u3000\ufeff\u200b")
    | st.characters(),
    max_size=12,
)


@settings(max_examples=1000)  # cheap: no workbook is read
@given(TYPED)
@example("a  b")
@example(" a\u00a0 b\t")
@example("a\x07b")
def test_clean_removes_controls_folds_every_kind_of_space_and_trims(typed):
    import re

    expected = re.sub(_ANY_SPACE, " ", re.sub(_CONTROL, "", typed)).strip() or None
    assert values.clean(typed) == expected


@pytest.mark.parametrize(
    "typed, read",
    [
        (
            "1. Terms agreed\n2. Minutes published\n\n\n3. Annual report\n",
            "1. Terms agreed\n2. Minutes published\n3. Annual report",
        ),
        ("\r\n  Agree  terms\r\rReport\x07 to\u00a0Cabinet \r\n", "Agree terms\nReport to Cabinet"),
        ("\u200b\nOne line only\n\t\n", "One line only"),
        ("One line, as typed", "One line, as typed"),
        ("\n \r\n\u200b", ""),
    ],
)
def test_a_long_answer_keeps_its_lines_and_each_is_cleaned(typed, read):
    assert values.clean_text(typed, lines=True) == read
    assert values.clean(typed, lines=True) == (read or None)


@settings(max_examples=1000)  # cheap: no workbook is read
@given(TYPED)
@example("a\r\n\r\nb")
def test_a_long_answer_on_one_line_is_the_text_every_check_reads(typed):
    """Checks, keys and comparisons read text as `clean_text` gives it; a long answer's lines, as one line,
    are that same text, so keeping them changes no check."""
    kept = values.clean_text(typed, lines=True)
    assert values.one_line(kept) == values.clean_text(typed)
    assert values.clean_text(kept, lines=True) == kept and "\n\n" not in kept and "\r" not in kept
    assert values.folded(kept) == values.folded(values.clean_text(typed))


def test_an_email_pasted_with_a_name_or_as_a_link_is_its_address():
    assert values.email("Sam Patel <sam.patel@council.gov.uk>") == "sam.patel@council.gov.uk"
    assert values.email("MAILTO:sam.patel@council.gov.uk") == "sam.patel@council.gov.uk"
    assert values.email("Sam Patel <not an address>") is INVALID
    assert values.email("sam.patel@council.gov.uk; jo@council.gov.uk") is INVALID  # two people: name one


@pytest.mark.parametrize(
    "typed, read",
    [
        ("Quarterly review at the board", "Quarterly review at the board"),
        (" None ", ""),
        ("N/A", ""),
        ("n/a", ""),
        ("-", ""),
        ("TBC", ""),
        ("No action needed", ""),
        ("None of the partners has left", "None of the partners has left"),
        (None, ""),
    ],
)
def test_a_free_text_answer_that_only_says_there_is_none_is_blank(typed, read):
    assert values.stated(typed) == read


@pytest.mark.parametrize(
    "typed, read",
    [
        ("sam.patel@council.gov.uk.", "sam.patel@council.gov.uk"),
        ("sam.patel@council\u200b.gov.uk", "sam.patel@council.gov.uk"),
        ("sam.patel@council..gov.uk", INVALID),
        ("sam.patel.@council.gov.uk", INVALID),
        (".sam@council.gov.uk", INVALID),
        ("sam@.council.gov.uk", INVALID),
        ("sam@council.gov.uk; jo@council.gov.uk", INVALID),
    ],
)
def test_an_email_address_is_one_address_of_words_joined_by_single_dots(typed, read):
    """A full stop after the address (the end of a sentence) and an invisible character from a paste
    are forgiven; two dots together, or one beside the '@', are not an address."""
    assert values.email(typed) == read


@pytest.mark.parametrize("typed, read", [("yes.", "Yes"), ("Complete.", "Complete"), ("n/a.", "N/A"), ("Ye.s", None)])
def test_a_list_answer_written_as_a_sentence_is_read(typed, read):
    # 'yes.', 'n/a.' and 'Complete.' were errors, where Evidence, an Action and an email forgive the stop.
    found = values.choice(typed, ("Yes", "Partly", "No", "N/A", "Complete"))
    assert found == (read if read else values.INVALID)


@pytest.mark.parametrize("typed", ["N/A", "TBC", "-", "none"])
def test_a_date_that_says_there_is_none_is_no_date(typed):
    # 'N/A' as a Complete action's due date was an error ('not a date that can be read').
    assert values.date(typed) is None
