"""Next year's workbooks from last year's register: the yearly cycle's rollover.

`partnerships templates --from-register OUTPUT/register.xlsx --out DIR` reads the compiled register
of a report run and writes one standard workbook per in-scope partnership. Each has:

- the Register answered from last year (dates as dates, numbers as numbers), except "Review completed
  on" and "Review completed by", which belong to the review now being made. "Next review date" keeps
  last year's value: it is the date this review answers to, and the officer sets the next one.
- every assessment answer (checklist, improvement answers, risk ratings) blank: they are made afresh.
- last year's open actions (status not Complete) in the Improvement rows of their area, with owner,
  due date and status, so they are followed to closure.

`read_register` is pure over the file's bytes; `rollover_workbooks` builds workbooks in memory;
`write_rollover` is the thin layer that reads and writes files.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook

from pipeline import catalogue, values
from pipeline.catalogue import Kind
from pipeline.check.validation_report import neutralise
from pipeline.config import Limits
from pipeline.cycle.fill import fill
from pipeline.cycle.template import build_workbook
from pipeline.files.names import UniqueNames, safe_stem, slug
from pipeline.files.xlsx import save

REGISTER_SHEET = "Register"
OPEN_ACTIONS_SHEET = "Open actions"
IN_SCOPE = "In scope"
#: The "Open actions" sheet of register.xlsx, as the report writes it.
OPEN_ACTION_HEADERS = ("Partnership ID", "Ref", "Area of practice", "Action", "Action owner", "Due date",
                       "Action status")
#: Register fields answered afresh in each year's review.
FRESH_FIELDS = ("review_completed_on", "review_completed_by")
#: The Improvement cells a carried action fills, by the register's "Open actions" header.
CARRIED_HEADERS = ("Action", "Action owner", "Due date", "Action status")

_HEADER_SEARCH_ROWS = 10  # the header row is looked for this far down
_NOT_IN_SCOPE = frozenset({"no", "false", "0", "out of scope"})


class RolloverError(Exception):
    """The register cannot be rolled over; the message is one line saying why."""


@dataclass(frozen=True)
class Partnership:
    """One in-scope partnership of last year's register, ready to be rolled over."""

    row: int  # its row in the Register sheet
    register: dict[str, Any]  # by catalogue field key, typed
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)  # area ref -> carried cells

    @property
    def id(self) -> str:
        return values.text(self.register.get("id"))

    @property
    def name(self) -> str:
        return values.text(self.register.get("name"))


@dataclass(frozen=True)
class Register:
    """What rollover needs from a register.xlsx."""

    partnerships: tuple[Partnership, ...]
    out_of_scope: tuple[str, ...]  # Partnership IDs not rolled over
    rows_without_id: tuple[int, ...]  # Register rows with no Partnership ID
    actions_not_carried: tuple[str, ...]  # "ID ref: why", for open actions with nowhere to go


@dataclass(frozen=True)
class RolloverSummary:
    year: int
    out_dir: Path
    written: tuple[Path, ...]
    out_of_scope: tuple[str, ...]
    carried_actions: dict[str, int]  # Partnership ID -> open actions carried into its workbook
    rows_without_id: tuple[int, ...] = ()
    actions_not_carried: tuple[str, ...] = ()

    @property
    def actions_carried(self) -> int:
        return sum(self.carried_actions.values())

    def summary_lines(self) -> list[str]:
        lines = [
            f"Wrote {len(self.written)} workbook(s) for the {self.year} review to {self.out_dir}, "
            f"Register pre-filled from last year, assessment answers blank.",
            f"Carried {self.actions_carried} open action(s) into the Improvement sheets "
            f"of {sum(1 for count in self.carried_actions.values() if count)} workbook(s).",
        ]
        if self.out_of_scope:
            lines.append(f"Not rolled over, out of scope: {', '.join(self.out_of_scope)}.")
        if self.rows_without_id:
            rows = ", ".join(str(row) for row in self.rows_without_id)
            lines.append(f"Not rolled over, no Partnership ID: Register row(s) {rows}.")
        if self.actions_not_carried:
            lines.append(f"Open actions not carried: {'; '.join(self.actions_not_carried)}.")
        return lines


def write_rollover(register_file: Path, out_dir: Path, *, year: int) -> RolloverSummary:
    """Write one pre-filled workbook per in-scope partnership of `register_file` into `out_dir`.

    A workbook already in `out_dir` under the same name is replaced (re-running gives the same files).
    """
    register_file, out_dir = Path(register_file), Path(out_dir)
    register = read_register(_read_bytes(register_file), name=register_file.name)
    names = UniqueNames(out_dir, reserved=(register_file,))
    written = []
    carried = {}
    for partnership, workbook in rollover_workbooks(register, year=year):
        path = names.claim(PurePosixPath(file_name(partnership.id, partnership.name)))
        save(workbook, path)
        written.append(path)
        carried[partnership.id] = carried.get(partnership.id, 0) + len(partnership.actions)
    return RolloverSummary(year=year, out_dir=out_dir, written=tuple(written), out_of_scope=register.out_of_scope,
                           carried_actions=carried, rows_without_id=register.rows_without_id,
                           actions_not_carried=register.actions_not_carried)


def file_name(partnership_id: str, name: str) -> str:
    """'P-014_community-safety-partnership.xlsx': ID and a slug of the name, safe as a file name."""
    stem = safe_stem(partnership_id, fallback="partnership", max_length=30)
    words = slug(name)
    return f"{stem}_{words}.xlsx" if words else f"{stem}.xlsx"


def rollover_workbooks(register: Register, *, year: int) -> Iterable[tuple[Partnership, OpenpyxlWorkbook]]:
    """Each partnership with its workbook for `year`, built from the template, in memory."""
    for partnership in register.partnerships:
        workbook = build_workbook()
        prefilled = {key: value for key, value in partnership.register.items()
                     if key not in FRESH_FIELDS and value is not None}
        fill(workbook, register=prefilled, improvement=partnership.actions)
        _keep_as_text(workbook)
        workbook.properties.title = f"Partnership review {year}: {partnership.id} {partnership.name}".strip()
        workbook.properties.keywords = f"review year {year}; rolled over from last year's register"
        yield partnership, workbook


def _keep_as_text(workbook: OpenpyxlWorkbook) -> None:
    """Answers that look like formulas ('=...') stay text: rolled-over answers are data, never run.

    openpyxl would store such a string as a formula; marking the cell as text keeps the officer's
    words exactly (no added apostrophe), and the quote prefix keeps Excel from running it on edit.
    """
    answer_columns = (
        (catalogue.REGISTER, ("Value",)),
        (catalogue.IMPROVEMENT, CARRIED_HEADERS),
    )
    for layout, headers in answer_columns:
        sheet = workbook[layout.name]
        for header in headers:
            for (cell,) in sheet.iter_rows(min_row=layout.first_row, min_col=layout.headers.index(header) + 1,
                                           max_col=layout.headers.index(header) + 1):
                if cell.data_type == "f":
                    cell.data_type = "s"
                    cell.quotePrefix = True


# --- Reading register.xlsx ---------------------------------------------------------------------------

def _read_bytes(path: Path) -> bytes:
    limit = Limits().max_file_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            raise RolloverError(f"{path} is too large to be a register ({size} bytes, limit {limit})")
        return path.read_bytes()
    except FileNotFoundError:
        raise RolloverError(f"{path} does not exist; give the register.xlsx of last year's report") from None
    except IsADirectoryError:
        raise RolloverError(f"{path} is a folder; give the register.xlsx of last year's report") from None
    except OSError as error:
        raise RolloverError(f"{path} cannot be read: {error.strerror or error}") from None


def read_register(data: bytes, *, name: str = "register.xlsx") -> Register:
    """The partnerships and open actions of a register.xlsx, from its bytes. Headers are found by name."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any failure to open means "not a register workbook"
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RolloverError(f"{name} is not a readable workbook ({reason}); give the register.xlsx of "
                            f"last year's report") from None
    try:
        register_rows = _table(workbook, REGISTER_SHEET, name,
                               (*(item.label for item in catalogue.REGISTER_FIELDS), IN_SCOPE))
        action_rows = _table(workbook, OPEN_ACTIONS_SHEET, name, OPEN_ACTION_HEADERS)
    finally:
        workbook.close()

    partnerships, out_of_scope, without_id = [], [], []
    for row, cells in register_rows:
        typed = {item.key: _typed(item.kind, cells[item.label]) for item in catalogue.REGISTER_FIELDS}
        partnership_id = values.text(typed["id"])
        if not partnership_id:
            without_id.append(row)
            continue
        if values.text(cells[IN_SCOPE]).casefold() in _NOT_IN_SCOPE:
            out_of_scope.append(partnership_id)
            continue
        partnerships.append(Partnership(row=row, register=typed))

    actions, not_carried = _open_actions(action_rows, {item.id for item in partnerships}, set(out_of_scope))
    partnerships = [Partnership(item.row, item.register, actions.get(item.id, {})) for item in partnerships]
    return Register(tuple(partnerships), tuple(out_of_scope), tuple(without_id), tuple(not_carried))


def _table(workbook, sheet: str, name: str, required: tuple[str, ...]) -> list[tuple[int, dict[str, Any]]]:
    """The rows below a sheet's header row, each as {header: value} for the `required` headers."""
    if sheet not in workbook.sheetnames:
        raise RolloverError(f"{name} has no '{sheet}' sheet; give the register.xlsx of last year's report")
    rows = workbook[sheet].iter_rows(values_only=True)
    columns: dict[str, int] = {}
    header_row = 0
    for number, cells in enumerate(rows, start=1):
        labels = [values.text(cell) for cell in cells]
        if required[0] in labels:
            columns = {label: index for index, label in reversed(list(enumerate(labels))) if label}
            header_row = number
            break
        if number >= _HEADER_SEARCH_ROWS:
            break
    missing = [label for label in required if label not in columns]
    if missing:
        raise RolloverError(f"{name}: the '{sheet}' sheet has no column {', '.join(repr(m) for m in missing)}; "
                            f"give the register.xlsx of last year's report")
    table = []
    for number, cells in enumerate(rows, start=header_row + 1):
        record = {label: (cells[columns[label]] if columns[label] < len(cells) else None) for label in required}
        if any(values.clean(value) is not None for value in record.values()):
            table.append((number, record))
    return table


def _open_actions(rows: list[tuple[int, dict[str, Any]]], in_scope: set[str], out_of_scope: set[str],
                  ) -> tuple[dict[str, dict[str, dict[str, Any]]], list[str]]:
    """Open actions by Partnership ID and area ref; and why any cannot be carried."""
    actions: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    not_carried = []
    for row, cells in rows:
        partnership_id, ref = values.text(cells["Partnership ID"]), values.text(cells["Ref"]).upper()
        status = values.choice(cells["Action status"], catalogue.ACTION_STATUSES)
        if status == catalogue.COMPLETE or partnership_id in out_of_scope:
            continue
        if partnership_id not in in_scope:
            not_carried.append(f"{partnership_id or f'Open actions row {row}'} {ref}: not in the Register")
        elif ref not in catalogue.IMPROVEMENT_ROWS:
            not_carried.append(f"{partnership_id} {ref or f'row {row}'}: not an area of practice")
        elif ref in actions[partnership_id]:
            not_carried.append(f"{partnership_id} {ref}: a second action for the same area")
        else:
            actions[partnership_id][ref] = {
                "Action": _typed(Kind.TEXT, cells["Action"]),
                "Action owner": _typed(Kind.TEXT, cells["Action owner"]),
                "Due date": _typed(Kind.DATE, cells["Due date"]),
                "Action status": status if isinstance(status, str) else values.clean(cells["Action status"]),
            }
    return dict(actions), not_carried


def _typed(kind: Kind, value: Any) -> Any:
    """A register value as the template cell wants it: real dates and numbers; text that cannot be
    read stays as it was, so the officer sees it and validation reports it."""
    value = values.clean(value)
    if value is None:
        return None
    if kind is Kind.DATE:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                value = from_excel(value)
            except (ValueError, OverflowError):
                return value
        parsed = values.date(value)
        return parsed if isinstance(parsed, dt.date) else value
    if kind is Kind.NUMBER:
        parsed = values.number(value)
        if isinstance(parsed, float):
            return int(parsed) if parsed.is_integer() else parsed
        return value
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    return _unneutralised(value) if isinstance(value, str) else value


def _unneutralised(text: str) -> str:
    """The officer's text back from register.xlsx, which neutralises text a spreadsheet would run as
    a formula ('=SUM(A1)' is stored as "'=SUM(A1)"). Rolled-over cells are written as text instead."""
    if text.startswith("'") and neutralise(text[1:]) == text:
        return text[1:]
    return text

