"""Where each row of a returned table is, and what an officer did to it: one slip, one finding.

The template puts every question, area, risk and register field on a fixed row. Officers insert a row
to make room, delete one, sort a table or type over a Ref. Checking each fixed row against its Ref
would turn one such slip into twenty errors that all say "start again"; instead `locate` finds each
row by its Ref (its key) and, to be sure the row moved whole, by its text (the question, area, risk or
the field's guidance, which an officer cannot edit). Then:

- every row in its place: nothing to say;
- every row found once, moved whole (rows inserted, a table sorted): the table is read by Ref, with
  one `sheet.rows_moved` warning for each slip, at the place it happened, saying what to undo;
- a row deleted, a Ref typed over or repeated: one `sheet.layout` error for each, at its place, saying
  what to undo (and the workbook is not assessed, as its answers cannot be trusted to be where they
  seem); more than `MAX_SLIPS` of them are one error saying to copy the answers into a fresh template.

Answer cells merged into one (`merged`) are a slip too: one `sheet.merged_cells` warning at the merged
cell, as only its first cell's answer is read.

Pure: it reads cells, cleaned (`values.clean`), through a function and returns rows and slips;
`pipeline.read.workbook` makes findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Collection, Sequence

from pipeline import values
from pipeline.catalogue import IMPROVEMENT, SheetLayout, column_letter
from pipeline.findings import RuleCode

#: More problems than this in one table are reported as one: the table is past repairing by hand.
MAX_SLIPS = 3
#: How far down the header row is looked for when it is not in its place (rows inserted above it).
HEADER_SEARCH_ROWS = 10
FRESH_TEMPLATE = "copy your answers into a fresh template"


@dataclass(frozen=True)
class Item:
    """One row the template puts in a table: its key (Ref or field label), what it is called in a
    message ("question 1a", "field 'Purpose'"), and text that only that row holds."""

    key: str
    called: str
    text: str = ""


@dataclass(frozen=True)
class Slip:
    """What an officer did to a table: a rule, the cell where it happened, what is there, the message's
    fields (`problem` and `fix` for sheet.layout and sheet.rows_moved) and the key of the row it is about."""

    rule: str
    cell: str
    value: str
    fields: dict[str, str] = field(default_factory=dict)
    key: str = ""


@dataclass(frozen=True)
class Located:
    rows: dict[str, int]  # key -> the row it is read from
    slips: tuple[Slip, ...]
    header_row: int  # where the header row is
    trusted: bool  # False when the rows cannot be trusted (a sheet.layout slip)


def _fold(value: object) -> str:
    # `get` gives cleaned values (`values.clean`): text needs no second clean-up.
    return (value if type(value) is str else values.text(value)).casefold()


#: Quotation marks, which a key or a template's words may be typed with or without: a finding quotes
#: them ("type 'Lead officer email' in A7"), and Excel keeps a quote typed at the end but takes one at
#: the start for its text marker ("'Rules of engagement' (eg ..." is stored without its first ').
_QUOTES = "'\"\u2018\u2019\u201c\u201d"
_NO_QUOTES = str.maketrans("", "", _QUOTES)


def _key(value: object) -> str:
    """A row's key as it is matched: case and the quotes around it left out."""
    return _fold(value).strip(_QUOTES)


def find_header(get: Callable[[int, int], object], headers: Sequence[str], header_row: int) -> int:
    """The row holding every header, where the template has it or (rows inserted above it) lower down."""

    def holds(row: int) -> bool:
        return all(_fold(get(row, column)) == header.casefold() for column, header in enumerate(headers, start=1))

    if holds(header_row):
        return header_row
    return next((row for row in range(header_row + 1, header_row + HEADER_SEARCH_ROWS + 1) if holds(row)), header_row)


def locate(
    get: Callable[[int, int], object],
    *,
    sheet: str,
    key_column: int,
    key_letter: str,
    text_column: int,
    items: Sequence[Item],
    header_row: int,
    template_header_row: int,
    last_row: int,
    key_name: str = "Ref",
    answered: Callable[[int], bool] = lambda row: False,
    own_rows: bool = False,
) -> Located:
    """Where each item's row is. `get(row, column)` reads a cell; the template has item i at row
    `template_header_row + 1 + i`; the header was found at `header_row`; `key_name` is the key column's
    header as officers see it ("Ref", or "Field" in the Register); `answered(row)` says whether a row
    holds answers. With `own_rows` (the Risks table), a row of answers that is none of the items is the
    officer's own, wherever it is; otherwise a row inserted among the items that holds answers is one
    the review does not read, and said so."""
    offset = header_row - template_header_row
    slips: list[Slip] = []
    if offset:
        slips.append(
            Slip(
                RuleCode.SHEET_ROWS_MOVED,
                f"{key_letter}{template_header_row}",
                "",
                {
                    "problem": _cap(
                        f"{_rows(offset)} inserted above the header of the {sheet} sheet "
                        f"(the header is now in row {header_row})"
                    ),
                    "fix": f"delete {_span(template_header_row, header_row - 1)}",
                },
            )
        )
    expected = {item.key: header_row + 1 + index for index, item in enumerate(items)}
    first, last = header_row + 1, max(last_row, header_row + len(items))
    by_key: dict[str, list[int]] = {}
    for row in range(first, last + 1):
        by_key.setdefault(_key(get(row, key_column)), []).append(row)

    def holds_text(row: int, item: Item) -> bool:
        return bool(item.text) and item.text.casefold().translate(_NO_QUOTES) in _fold(get(row, text_column)).translate(
            _NO_QUOTES
        )

    if all(expected[item.key] in by_key.get(item.key.casefold(), ()) for item in items):
        return Located(expected, tuple(slips), header_row, True)

    def whole_rows(item: Item) -> tuple[list[int], list[int]]:
        """The rows holding an item's key, and those of them that hold its text too."""
        found = by_key.get(item.key.casefold(), [])
        return found, [row for row in found if not item.text or holds_text(row, item)]

    placed: dict[str, int] = {}  # key -> its row, for the items found once, whole
    for item in items:
        found, whole = whole_rows(item)
        if len(found) == 1 and whole:
            placed[item.key] = found[0]
    deleted: dict[str, int] = {}  # key -> the row to insert it at again
    rows: dict[str, int] = {}
    problems: list[Slip] = []
    for item in items:
        found, whole = whole_rows(item)
        if len(found) == 1 and whole:
            rows[item.key] = found[0]
            continue
        if len(found) > 1:
            extra = [row for row in found if row not in whole] or found[1:]
            if len(whole) == 1 and all(any(holds_text(row, other) for other in items) for row in extra):
                rows[item.key] = whole[0]  # typed over another item's Ref: that item's slip says so
                continue
            problems.append(
                Slip(
                    RuleCode.SHEET_LAYOUT,
                    f"{key_letter}{extra[0]}",
                    values.text(get(extra[0], key_column)),
                    {
                        "problem": f"{item.key} is in {_and([f'row {row}' for row in found])}, but only one row is "
                        f"{item.called}",
                        "fix": f"Delete the extra row {extra[0]}, or {FRESH_TEMPLATE}.",
                    },
                    item.key,
                )
            )
            continue
        at_text = [row for row in range(first, last + 1) if holds_text(row, item)]
        if at_text:  # the row is there, with another Ref typed over its own
            row = at_text[0]
            typed = values.text(get(row, key_column))
            problems.append(
                Slip(
                    RuleCode.SHEET_LAYOUT,
                    f"{key_letter}{row}",
                    typed,
                    {
                        "problem": f"Expected '{item.key}' here",
                        "fix": (
                            f"This is the row of {item.called}, but its {key_name} was "
                            f"{'cleared' if not typed else f'changed to {typed!r}'}: type {item.key} back in "
                            f"{key_letter}{row}."
                        ),
                    },
                    item.key,
                )
            )
            continue
        place, where = _where_it_goes(item, items, placed, deleted, expected)
        deleted[item.key] = place
        shown = item.key if key_name == "Ref" else f"'{item.key}'"
        problems.append(
            Slip(
                RuleCode.SHEET_LAYOUT,
                f"{key_letter}{place}",
                values.text(get(place, key_column)),
                {
                    "problem": f"The row of {item.called} was deleted",
                    "fix": (
                        f"To put it back, insert a row {where}; in the new row {place}, type {shown} in "
                        f"{key_letter}{place} and the template's words for it in {column_letter(text_column)}{place}: "
                        f"\u201c{item.text}\u201d, then answer it again. Or {FRESH_TEMPLATE}."
                    ),
                },
                item.key,
            )
        )
    if len(problems) > MAX_SLIPS:
        missing = [slip.key for slip in problems]
        problems = [
            Slip(
                RuleCode.SHEET_LAYOUT,
                problems[0].cell,
                problems[0].value,
                {
                    "problem": f"The rows of the {sheet} sheet are not as in the template ({_and(missing)} are not "
                    "where they should be, or are missing or repeated)",
                    "fix": f"{_cap(FRESH_TEMPLATE)}.",
                },
                problems[0].key,
            )
        ]
    if problems:
        return Located(expected, (*slips, *problems), header_row, False)

    slips.extend(_moves(sheet, key_letter, items, rows, header_row, get, key_column, key_name, answered, own_rows))
    return Located(rows, tuple(slips), header_row, True)


def _moves(
    sheet: str,
    key_letter: str,
    items: Sequence[Item],
    rows: dict[str, int],
    header_row: int,
    get: Callable[[int, int], object],
    key_column: int,
    key_name: str,
    answered: Callable[[int], bool],
    own_rows: bool,
) -> list[Slip]:
    """The slips of a table whose every row was found once, whole, somewhere else: sorted, or rows
    inserted (one warning for each run of inserted rows; an error for one that holds answers, which
    belong to no row of the template, unless the table takes rows of the officer's own)."""
    order = [rows[item.key] for item in items]
    if order != sorted(order):
        moved = next(item for item, row in zip(items, order) if row != header_row + 1 + items.index(item))
        return [
            Slip(
                RuleCode.SHEET_ROWS_MOVED,
                f"{key_letter}{header_row}",
                moved.key,
                {  # the whole table moved
                    "problem": f"The rows of the {sheet} sheet are not in the template's order ({moved.key} is in row "
                    f"{rows[moved.key]}): the table was sorted or rows were moved",
                    "fix": (
                        f"sort the table by its first column (Ref) so that {items[0].key} comes first, then {items[1].key}"
                        if key_name == "Ref"
                        else f"put the rows back in the template's order, '{items[0].key}' first, then '{items[1].key}'"
                    ),
                },
            )
        ]
    slips = []
    previous, above = header_row, None
    for item, row in zip(items, order):
        inserted = range(previous + 1, row)
        answers = [number for number in inserted if answered(number)]
        if answers and own_rows:
            pass  # the officer's own rows (risks sorted above the strategy's), read where they are
        elif answers:
            span = _span(previous + 1, row - 1)
            where = f"below the row of {above.called}" if above else f"above the row of {item.called}"
            slips.append(
                Slip(
                    RuleCode.SHEET_LAYOUT,
                    f"{key_letter}{answers[0]}",
                    values.text(get(answers[0], key_column)),
                    {
                        "problem": f"{_cap(span)}, inserted {where}, "
                        f"{'holds answers that belong' if len(answers) == 1 else 'hold answers that belong'} to "
                        "no row of the template, so the review cannot read them",
                        "fix": f"{_added_to(sheet, above, previous)} Then delete {span}.",
                    },
                    item.key,
                )
            )
        elif row > previous + 1:
            before = item.called
            held = [values.text(get(number, key_column)) for number in inserted]
            slips.append(
                Slip(
                    RuleCode.SHEET_ROWS_MOVED,
                    f"{key_letter}{previous + 1}",
                    next((text for text in held if text), ""),
                    {
                        "problem": _cap(
                            f"{_rows(row - previous - 1)} inserted above the row of {before} in the {sheet} "
                            f"sheet ({_span(previous + 1, row - 1)})"
                        ),
                        "fix": f"delete {_span(previous + 1, row - 1)}",
                    },
                )
            )
        previous, above = row, item
    return slips


def _added_to(sheet: str, above: Item | None, row: int) -> str:
    """Where answers typed in a row inserted below `above` (at `row`) can be read: added to its row's
    cells (the template gives each area one row, so a second action joins the first in its Action
    cell), or in the row they answer."""
    if above is None:
        return "Put them in the row they answer, after what is there."
    if sheet == IMPROVEMENT.name:
        return (
            f"If it is a second action for {above.called}, add it after the first in that area's Action cell "
            f"(row {row}), with both owners in its Action owner cell and the date both will be done by as its "
            "Due date; if it answers another area, put it in that area's row."
        )
    return (
        f"If they add to the answers of {above.called}, add them after what is there in row {row}; if they "
        "answer another, put them in its row."
    )


def _where_it_goes(
    item: Item, items: Sequence[Item], placed: dict[str, int], deleted: dict[str, int], expected: dict[str, int]
) -> tuple[int, str]:
    """Where a deleted item's row can be inserted again, and how to say so: just below the item before it
    as it is now (in a table sorted since, too: the table is then read by Ref) or, deleted too, as it
    will be once put back; else just above the next item found whole, else at its template row. Not
    'it was row 8': typing its Ref there, over the next item's, was a second error."""
    index = items.index(item)
    before = items[index - 1] if index else None
    if before is not None and before.key in placed:
        return placed[before.key] + 1, f"below the row of {before.called} (row {placed[before.key]})"
    if before is not None and before.key in deleted:
        row = deleted[before.key]
        return row + 1, f"below the row of {before.called} once that is put back (row {row})"
    after = next((other for other in items[index + 1 :] if other.key in placed), None)
    if after is not None:
        return placed[after.key], f"above the row of {after.called} (row {placed[after.key]})"
    return expected[item.key], f"at row {expected[item.key]}"


#: Up to this many columns inserted before a table's header, or deleted from it, are recognised as such.
SHIFT_COLUMNS = 5


def moved_columns(headers: Sequence[str], found: Sequence[str], first: int) -> str | None:
    """What to undo when a header row holds the template's `headers` shifted by columns inserted or
    deleted where the first of them out of place (index `first`) should be: `found` is the row's
    cells, folded (`_fold`), up to SHIFT_COLUMNS beyond the headers. None when it is no such shift."""
    rest = [header.casefold() for header in headers[first:]]
    for count in range(1, SHIFT_COLUMNS + 1):
        if list(found[first + count : first + count + len(rest)]) == rest:
            span = _columns(first + 1, first + count)
            inserted = "A column was" if count == 1 else f"{count} columns were"
            return f"{inserted} inserted at {span}, before '{headers[first]}': delete {span}"
    for count in range(1, len(rest) + 1):
        # The last columns deleted: nothing of the header is left after them.
        after = found[first + len(rest) - count : first + len(rest) - count + SHIFT_COLUMNS]
        if list(found[first : first + len(rest) - count]) == rest[count:] and not any(after):
            names = _and([f"'{header}'" for header in headers[first : first + count]])
            span = _columns(first + 1, first + count)
            if count == 1:
                return f"The column {names} was deleted (it was {span}): {_UNDO}"
            return f"The columns {names} were deleted (they were {span}): {_UNDO}"
    return None


_UNDO = "undo the deletion, or copy your answers into a fresh template"


def _columns(first: int, last: int) -> str:
    if first == last:
        return f"column {column_letter(first)}"
    return f"columns {column_letter(first)} to {column_letter(last)}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def merged(ranges: Sequence[tuple[int, int, int, int]], layout: SheetLayout, rows: Collection[int]) -> tuple[Slip, ...]:
    """A `sheet.merged_cells` slip for each merged range (top, left, bottom, right) of a table laid out
    as `layout` that covers an answer cell, on one of the `rows` read, other than its first: a workbook
    keeps a merged range's value in its first cell only, so the others read as blank, whatever the
    officer meant ("Yes" for three questions at once, or the Evidence typed beside the Status into one
    cell). A merged heading of another table pasted below hides no answer that is read."""
    answers = {layout.headers.index(header) + 1 for header in layout.answers}
    slips = []
    for top, left, bottom, right in sorted(ranges):
        hidden = any(
            (row, column) != (top, left)
            for row in range(top, bottom + 1)
            if row in rows
            for column in range(left, right + 1)
            if column in answers
        )
        if not hidden:
            continue
        names = [
            layout.headers[column - 1] if column <= len(layout.headers) else column_letter(column)
            for column in range(left, right + 1)
        ]
        span = f"rows {top} and {bottom}" if bottom == top + 1 else _span(top, bottom)
        if left == right:
            what, first = f"The answers of {span} in column {column_letter(left)} ({names[0]})", f"row {top}'s"
        else:
            what, first = (
                f"The {_and(names)} of {span}",
                f"the {names[0]}" if top == bottom else f"row {top}'s {names[0]}",
            )
        cells = f"{column_letter(left)}{top}:{column_letter(right)}{bottom}"
        fix = "put each answer in its own cell" if top == bottom else f"answer each {layout.row} in its own cell"
        slips.append(
            Slip(
                RuleCode.SHEET_MERGED_CELLS,
                f"{column_letter(left)}{top}",
                cells,
                {"what": what, "cells": cells, "first": first, "fix": fix},
            )
        )
    return tuple(slips)


def _rows(count: int) -> str:
    return "a row was" if count == 1 else f"{count} rows were"


def _span(first: int, last: int) -> str:
    return f"row {first}" if first == last else f"rows {first} to {last}"


def _and(parts: Sequence[str]) -> str:
    return f"{', '.join(parts[:-1])} and {parts[-1]}" if len(parts) > 1 else "".join(parts)
