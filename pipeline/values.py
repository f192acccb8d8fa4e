"""Forgiving reading of what officers type: spaces, case, text numbers, dates as the UK writes them.

Each parser returns the parsed value, `None` for a blank, or `INVALID` when the text cannot be
read, so a rule can tell "missing" from "wrong" and a score can use the same reading.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import TYPE_CHECKING, Final, Sequence

if TYPE_CHECKING:  # for annotations only: records reads its answers with this module
    from pipeline.records import Value


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"

    def __bool__(self) -> bool:
        return False


INVALID: Final = _Invalid()

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\ufeff]+")
#: Control characters, and the invisible ones a paste can bring (zero-width spaces and joiners). Not the
#: vertical tab and the form feed: text pasted from Word brings them as line and page breaks, so they
#: part words as any line break does (a space, `_SPACES`; or a line, `_LINE_BREAK`).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u200b-\u200d\u2060]")
#: A line break as Excel (Alt+Enter), Windows or an old Mac writes one, or as text pasted from Word
#: (Shift+Enter's vertical tab, a page break's form feed) or a web page (the Unicode line and
#: paragraph separators, and NEL) brings one.
_LINE_BREAK = re.compile(r"\r\n?|[\n\x0b\x0c\x85\u2028\u2029]")
#: An address after the person's name, in angle brackets, as mail programs write it.
_NAMED_ADDRESS = re.compile(r"^[^<>@]*<([^<>]+)>$")
#: An address: name@domain.tld, the name and the domain each words joined by single dots.
_EMAIL = re.compile(r"^[^@\s;,<>.]+(?:\.[^@\s;,<>.]+)*@[^@\s;,<>.]+(?:\.[^@\s;,<>.]+)*\.[A-Za-z]{2,}$")
#: Midnight after a date, as a system's export writes a date as text ('2026-03-31 00:00:00').
_MIDNIGHT = r"(?:[ T]00:00(?::00(?:\.0+)?)?)?"
_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})" + _MIDNIGHT + "$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _MIDNIGHT + "$")
#: A weekday before a date, as Outlook writes one ('Tuesday 31 March 2026', 'Tue, 31 Mar 2026').
_WEEKDAY = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|rs|r|s|urday)?\.?,?\s+(?=\d)", re.IGNORECASE
)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_YEAR_FIRST_DATE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})" + _MIDNIGHT + "$")
#: '31 March 2026', '31 Mar 2026', '31-Mar-2026', '31st March 2026': day first, as the UK writes it.
_WORDS_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ /.-]+([A-Za-z]{3,9})\.?,?[ /.-]+(\d{4}|\d{2})$", re.IGNORECASE)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
#: A figure as officers type it, spaces taken out: pounds may lead it, and commas may only part the
#: thousands (1,200 or 12,500.50). A comma anywhere else is a decimal comma (2,5) or a slip (£1,2,3),
#: and a figure read by dropping it would be ten or a hundred times out.
_NUMBER = re.compile(r"^£?-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.?\d+)$")
#: Thousands parted by full stops, as much of Europe writes them ('10.000', '1.250.000'): ten thousand,
#: or ten with three decimal places? Not read as either.
_POINT_THOUSANDS = re.compile(r"^£?-?[1-9]\d{0,2}(?:\.\d{3})+$")


def clean(value: Value, lines: bool = False) -> Value:
    """Text with control characters removed and runs of (non-breaking) spaces folded; blank -> None.
    With `lines`, a long answer's line breaks are kept (`clean_text`)."""
    if isinstance(value, str):
        return clean_text(value, lines) or None
    if isinstance(value, float) and value != value:  # NaN (a reader's empty number) means an empty cell
        return None
    return value


def clean_text(value: str, lines: bool = False) -> str:
    """Text cleaned as `clean` does it, '' for blank. With `lines`, text an officer wrote over lines
    (Alt+Enter: '1. Terms agreed', '2. Minutes published') keeps them: each line cleaned so, blank lines
    dropped, every kind of line break (`_LINE_BREAK`: CR LF, CR, a pasted vertical tab...) read as
    one. Without, the line breaks are spaces, as every comparison reads the text (`folded`), and a name
    or a label shows it."""
    if value.isprintable() and "  " not in value:
        # No control character, and no space but single ASCII ones (every other space is not
        # printable): only the ends can need trimming. Most cells are like this.
        return value.strip()
    if lines and _LINE_BREAK.search(value):
        return "\n".join(line for line in map(clean_text, _LINE_BREAK.split(value)) if line)
    return _SPACES.sub(" ", _CONTROL.sub("", value)).strip()


def one_line(text: str) -> str:
    """Text cleaned with its lines kept (`clean_text`), as one line: each line break a space, as a table
    of one line to a row gives it (a finding's quote, answers.csv)."""
    return text.replace("\n", " ") if "\n" in text else text


def folded(text: str) -> str:
    """`text` as people compare it: runs of spaces as one, case aside."""
    return " ".join(text.split()).casefold()


def compact(value: Value) -> str:
    """A key or reference as people compare it: spaces and case aside ('P 001' is 'p001', 'R 21' is 'r21')."""
    return "".join(text(value).split()).casefold()


#: A copy's name as Excel ('Checklist (2)'), LibreOffice ('Checklist_2'), openpyxl or macOS ('X copy',
#: 'X copy 2'), Windows ('X - Copy', 'X - Copy (2)'; before Vista 'Copy of X', 'Copy (2) of X'), a browser's
#: download ('X (1)') or Google ('Copy of X') gives it.
_COPY_NAME = re.compile(
    r"copy(?:\s*\(\d+\))?\s+of\s+(?P<after>.+)|(?P<before>.+?)(?:\s*\(\d+\)|_\d{1,2}|(?:\s+-)?\s+copy(?:\s*\(?\d+\)?)?)",
    re.IGNORECASE,
)


def copied_from(name: str) -> str | None:
    """The name `name` was copied from, when it is named as a copy is ('Risks (2)': 'Risks'), else None."""
    match = _COPY_NAME.fullmatch(name.strip())
    return (match["after"] or match["before"]).strip() if match else None


#: What officers write in a free-text answer to say there is nothing to write: the answer is as blank.
_NOTHING_SAID = frozenset(
    (
        "-", "--", ".", "?", "\u2013", "\u2014",
        "n/a", "na", "n.a.", "n.a", "not applicable", "none", "none.", "nil", "nothing", "no", "tbc", "tbd",
        "none identified", "none needed", "none required", "no action", "no action needed",
        "no action required", "no mitigation", "no evidence", "not known", "unknown",
    )
)  # fmt: skip
#: The same, and the blank left of text that was only punctuation ('...'), made once rather than for each answer.
_NOTHING_SAID_OR_BLANK = _NOTHING_SAID | {""}
#: Excel's error values, as a cell shows them: as free text they say nothing; in a date or a figure they
#: are an answer that cannot be read.
EXCEL_ERRORS = frozenset(
    ("#n/a", "#ref!", "#div/0!", "#value!", "#name?", "#num!", "#null!", "#spill!", "#calc!", "#getting_data")
)


def stated(value: Value) -> str:
    """The text of a free-text answer (an Action, a Mitigation, Evidence), its lines kept, or '' when it
    is blank or only says there is none, with a full stop or not: 'None' is no mitigation, and 'N/A'
    beside a Yes no action to follow."""
    said = text(value, lines=True)
    words = folded(said)
    return "" if _folded_says_nothing(words) or words in EXCEL_ERRORS else said


def says_nothing(value: Value) -> bool:
    """Whether an answer is text that only says there is none ('N/A', 'TBC', '-', 'None.'): in a
    required field, a date or a list's entry, it is as blank as an empty cell."""
    said = text(value)
    return bool(said) and _says_nothing(said)


def _says_nothing(said: str) -> bool:
    """Whether text only says there is nothing to say; written as a sentence, 'N/A.' or 'No action
    needed.' says the same."""
    return _folded_says_nothing(folded(said))


def _folded_says_nothing(words: str) -> bool:
    """`_says_nothing` of text already folded (`folded`)."""
    return words in _NOTHING_SAID or words.rstrip(".!;:, ") in _NOTHING_SAID_OR_BLANK


def counted(count: int, one: str, many: str | None = None) -> str:
    """`count` with its noun: '1 workbook', '2 workbooks' ('2 people' given `many`)."""
    return f"{count} {one if count == 1 else many or one + 's'}"


#: The numbers written in words (ten and below, as the pack writes them); larger ones in figures.
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def in_words(count: int) -> str:
    """A count as a sentence says it: 'nine', 'no'; 11 and above in figures."""
    return _WORDS[count] if 0 <= count < len(_WORDS) else str(count)


def listed(items: Sequence[str], shown: int = 3) -> str:
    """The first `shown` of `items`, joined by commas, then how many more there are."""
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def shortened(text: str, width: int) -> str:
    """`text` in at most `width` characters, cut with an ellipsis when longer (for labels and quotes)."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"


def cut_at_word(text: str, width: int) -> str:
    """`text` in at most `width` characters: whole when it fits, else cut after its last whole word
    that fits (mid-word only when its first word does not), with an ellipsis."""
    if len(text) <= width:
        return text
    kept = text[: width - 1]  # room for the ellipsis
    if not kept[-1].isspace() and not text[width - 1].isspace() and len(kept.split()) > 1:
        kept = kept.rsplit(None, 1)[0]  # the cut fell inside a word
    return kept.rstrip(" ,;:") + "\u2026"


def text(value: Value, lines: bool = False) -> str:
    """A cleaned value as display text ('' for blank); whole floats lose their '.0'. With `lines`, a
    long answer's line breaks are kept (`clean_text`)."""
    if isinstance(value, str):  # most values: text needs only the clean-up
        return clean_text(value, lines)
    value = clean(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@functools.lru_cache(maxsize=4096, typed=True)  # rules and scores ask again of the same few answers
def choice(value: Value, allowed: tuple[str, ...]) -> str | None | object:
    """The allowed answer that `value` spells, ignoring case, spaces and a closing full stop; None if
    blank, else INVALID."""
    value = text(value)
    if not value:
        return None
    folded_allowed = _folded(allowed)
    # 'Yes.' and 'Complete.': an answer written as a sentence ends with a full stop.
    return folded_allowed.get(value.casefold(), folded_allowed.get(value.casefold().rstrip(". "), INVALID))


@functools.lru_cache(maxsize=64)
def _folded(allowed: tuple[str, ...]) -> dict[str, str]:
    """Each allowed answer by its case-folded spelling (the first, should two fold alike)."""
    return {option.casefold(): option for option in reversed(allowed)}


def is_number(value: object) -> bool:
    """Whether `value` is a number as a cell holds one (not text, not True or False)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(value: Value) -> float | None | object:
    """A number, from a number or from text such as '£1,200', '12 500' or ' 12.5 '. A comma that does not
    part thousands ('2,5', '12,50'), full stops that may ('10.000': `points_thousands`), another
    currency's sign and words are INVALID."""
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return INVALID
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and points_thousands(value):
        return INVALID
    if isinstance(value, str) and _NUMBER.match(value.replace(" ", "")):
        try:
            return float(value.replace(" ", "").replace(",", "").lstrip("£"))
        except ValueError:
            return INVALID
    return INVALID


def points_thousands(text: str) -> bool:
    """Whether typed text parts thousands with full stops ('10.000'), which may be ten thousand or ten."""
    return bool(_POINT_THOUSANDS.match(text.replace(" ", "")))


def amount(value: Value) -> float | None | object:
    """An amount of money or time: a `number` that is not negative (a negative one is INVALID)."""
    parsed = number(value)
    if isinstance(parsed, float) and parsed < 0:
        return INVALID
    return parsed


def rating(value: Value, allowed: tuple[int, ...]) -> int | None | object:
    """A whole-number rating within `allowed` (e.g. 1 to 5), from a number or text."""
    parsed = number(value)
    if parsed is None or parsed is INVALID:
        return parsed
    if not float(parsed).is_integer() or int(parsed) not in allowed:
        return INVALID
    return int(parsed)


def date(value: Value) -> dt.date | None | object:
    """A date from a real date cell or from text as officers type it: ISO (2026-03-31 or 2026/03/31),
    UK day first (31/03/2026, 31-03-2026, 31/03/26) or with the month in words (31 March 2026, 31 Mar
    2026, 31-Mar-2026, 31 Mar 26), after a weekday (Tuesday 31 March 2026) or before midnight
    (31/03/2026 00:00). US order (03/31/2026, March 31 2026), impossible dates (31/02/2026) and a
    weekday that is not the date's are INVALID: 05/12/2026 is always 5 December. Words that say there
    is none ('N/A', 'TBC') are no date, as a blank cell is."""
    value = clean(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return INVALID
    if _says_nothing(value):
        return None  # 'N/A', 'TBC', '-': no date given, as a blank cell
    weekday = _WEEKDAY.match(value)
    if weekday:
        day = date(value[weekday.end() :])
        agrees = isinstance(day, dt.date) and _WEEKDAYS[day.weekday()] == weekday.group(1).casefold()
        return day if agrees else INVALID
    for pattern, order in ((_ISO_DATE, (0, 1, 2)), (_YEAR_FIRST_DATE, (0, 1, 2)), (_UK_DATE, (2, 1, 0))):
        match = pattern.match(value)
        if match:
            parts = match.groups()
            return _day(parts[order[0]], parts[order[1]], parts[order[2]])
    match = _WORDS_DATE.match(value)
    if match and match.group(2).casefold() in _MONTHS:
        return _day(match.group(3), _MONTHS[match.group(2).casefold()], match.group(1))
    return INVALID


#: A year typed in two figures: below this, 2000s; from it, 1900s ('31/03/27' is 2027, '01/04/98' 1998),
#: as Excel reads one typed into a cell.
_TWO_FIGURE_CENTURY_TURN = 30


def _day(year: object, month: object, day: object) -> dt.date | object:
    try:
        full = int(year)
        if len(str(year)) == 2:
            full += 2000 if full < _TWO_FIGURE_CENTURY_TURN else 1900
        return dt.date(full, int(month), int(day))
    except ValueError:
        return INVALID


def email(value: Value) -> str | None | object:
    """An email address, also as Outlook pastes it with the person's name ('Sam Patel <sam@x.gov.uk>') or
    a link gives it ('mailto:sam@x.gov.uk'), or with a full stop after it: the address alone. Two dots
    together, or one next to the '@', are not in an address."""
    value = text(value)
    if not value:
        return None
    named = _NAMED_ADDRESS.match(value)
    address = (named.group(1) if named else value).strip()
    if address[:7].casefold() == "mailto:":
        address = address[7:]
    address = address.removesuffix(".")  # the full stop of a sentence typed after it
    return address if _EMAIL.match(address) else INVALID


def items(value: Value, separator: str) -> tuple[str, ...]:
    """The entries of a separated list, cleaned, blanks dropped, and entries that only say there is none
    ('N/A', 'TBC'): none of them is a partner organisation."""
    entries = (part.strip() for part in text(value).split(separator))
    return tuple(entry for entry in entries if entry and not _says_nothing(entry))
