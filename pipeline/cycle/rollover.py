"""Next year's workbooks from last year's register: the yearly cycle's rollover.

`partnerships templates --from-register OUTPUT/register.xlsx --out DIR` reads the compiled register
of a report run and writes one standard workbook per in-scope partnership. Each has:

- the Register answered from last year (dates as dates, numbers as numbers), except "Review completed
  on" and "Review completed by", which belong to the review now being made. "Next review date" keeps
  last year's value: it is the date this review answers to, and the officer sets the next one.
- every assessment answer (checklist, improvement answers, risk ratings) blank: they are made afresh.
- last year's open actions (status not Complete) in the Improvement rows of their area, with owner,
  due date and status, so they are followed to closure; a status or due date that cannot be read is
  carried as typed and listed in the summary for the policy team, never changed.
- the risks the officer added below the strategy's nine (R10, ...), with their text, mitigation and
  owner; their ratings are blank, for this year's review.

A Partnership ID on two or more rows of the register (two returns last year) is read by partnership
name. Returns of the same name are one partnership returned twice: one workbook, from the return that
counted in last year's figures (the register's Counted column, as the report chose it: a copy of a file
saved twice never counts; of a partnership whose ID another's return counted for, a return that is not
such a copy, as Why not counted says, then, as of a register with no such column, `score.counting_order`: the
latest review, then the first file by name; see `score.partnership_order`), with that return's open actions and own risks only. The other return is an earlier draft or
the copy it replaced: an action it left open may have been closed in the return that counted (the
register lists open actions only, so that would not show), and a risk it kept may have been dropped. Returns of different names are different partnerships that share an ID by mistake: each
gets its own workbook with its own actions and risks, so none is lost, and the summary asks the policy
team, once per ID, to give one of them a new ID.

A register older than last year's (rolled over for a partnership with no return last year, whose open
actions are in the register of its last review) is named by its year in the summary and the workbooks'
keywords (`register_words`), and the summary says which reviews it skips.

`read_register` is pure over the file's bytes; `rollover_workbooks` builds workbooks in memory;
`write_rollover` is the thin layer that reads and writes files.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator, Mapping, NamedTuple, Sequence

from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook

from pipeline import catalogue, values
from pipeline.catalogue import Kind
from pipeline.check.validation_report import neutralise
from pipeline.config import DEFAULT_OBJECTIVES, DEFAULT_TIERS, Limits, Objective, Scoring, Tier
from pipeline.files.reading import CannotRead, read_named_file
from pipeline.check.rules import id_key
from pipeline.check.score import partnership_order
from pipeline.cycle.compare import PreviousError, load_previous, name_key, returns_by_identity
from pipeline.cycle.fill import fill
from pipeline.cycle.history import long_without_return
from pipeline.cycle.register import (
    COUNTED,
    COUNTED_HEADER,
    OBJECTIVE_HEADERS,
    OBJECTIVES_SHEET,
    OPEN_ACTION_HEADERS,
    OPEN_ACTIONS_SHEET,
    OWN_RISK_HEADERS,
    OWN_RISKS_SHEET,
    REGISTER_SHEET,
    WHY_NOT_COUNTED_HEADER,
    is_copy,
    review_year,
    review_year_keywords,
)
from pipeline.cycle.template import build_workbook
from pipeline.files.names import UniqueNames, safe_stem, slug
from pipeline.files.atomic import write_atomic
from pipeline.files.xlsx import workbook_bytes

IN_SCOPE = "In scope"
FILE = "File"
#: Register fields answered afresh in each year's review.
FRESH_FIELDS = ("review_completed_on", "review_completed_by")
#: The Improvement cells a carried action fills, by the register's "Open actions" header.
CARRIED_HEADERS = catalogue.ACTION_HEADERS
#: The Risks cells an own risk fills (with its Ref), by the register's "Own risks" header.
CARRIED_RISK_HEADERS = ("Ref", "Risk", "Mitigation", "Owner")

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
    risks: dict[str, dict[str, Any]] = field(default_factory=dict)  # R10... -> text, mitigation, owner
    unit: tuple[str, str] = ("", "")  # its ID and name as compared (see `Unit`)
    #: Last year's answers on the objectives: (ref, title) folded -> {"Contributes": ..., "How": ...}
    objectives: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

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
    out_of_scope: tuple[tuple[str, str], ...]  # (Partnership ID, name) of each not rolled over
    rows_without_id: tuple[int, ...]  # Register rows with no Partnership ID
    actions_not_carried: tuple[str, ...]  # "ID ref: why", for open actions and own risks with nowhere to go
    to_check: tuple[str, ...] = ()  # carried as typed, for the officer to correct: "ID ref: what"
    returned_twice: tuple[str, ...] = ()  # "ID: which returns, and what was rolled over from them"
    year: int | None = None  # the review the register is of, when it says (`register.review_year`)
    #: Last year's objectives as its returns listed them (ref, title), folded key -> "O2 Safe communities"
    objectives: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Each partnership whose ID another partnership's return had too: (its unit, last year's returns of
    #: it), said once per ID when the names of the workbooks written for them are known (`shared_id_line`).
    shared_ids: tuple[tuple[Unit, tuple[str, ...]], ...] = ()


class RegisterWords(NamedTuple):
    """How the summary and the workbooks name the register rolled over and the review it is of: last
    year's, or an earlier one (a partnership with no return last year brought back from its last)."""

    register: str  # "last year's register", "the 2024 register"
    when: str  # "last year", "in 2024"
    whose: str  # "last year's", "2024's"


def register_words(register_year: int | None, year: int) -> RegisterWords:
    """The words for a register of the review of `register_year` rolled over into workbooks for `year`'s:
    "last year" for the review before (or a register that does not say which it is of), else its year."""
    if register_year is None or register_year == year - 1:
        return RegisterWords("last year's register", "last year", "last year's")
    return RegisterWords(f"the {register_year} register", f"in {register_year}", f"{register_year}'s")


@dataclass(frozen=True)
class RolloverSummary:
    year: int
    out_dir: Path
    written: tuple[Path, ...]
    out_of_scope: tuple[tuple[str, str], ...]  # (Partnership ID, name)
    #: Workbook written (its file name) -> open actions carried into it: two partnerships that share an ID
    #: have a workbook each.
    carried_actions: dict[str, int]
    rows_without_id: tuple[int, ...] = ()
    actions_not_carried: tuple[str, ...] = ()
    carried_risks: int = 0
    to_check: tuple[str, ...] = ()
    returned_twice: tuple[str, ...] = ()
    register_year: int | None = None  # the review the register is of, when it says
    #: Last year's objectives not on this year's list, each with how many workbooks' answers on it stay behind
    objectives_left: tuple[tuple[str, int], ...] = ()
    #: Last year's returns answered objectives, and none of them is on this year's list
    no_objective_kept: bool = False
    #: Partnerships returned the year before the register's but not in it: "ID name (what it had open)"
    not_returned: tuple[str, ...] = ()
    not_returned_since: int | None = None  # the year they were last returned
    #: Partnerships with no return for two years or more up to the register's review: "ID name (since when)"
    not_returned_for_long: tuple[str, ...] = ()

    @property
    def actions_carried(self) -> int:
        return sum(self.carried_actions.values())

    def summary_lines(self) -> list[str]:
        words = register_words(self.register_year, self.year)
        lines = [
            f"Wrote {values.counted(len(self.written), 'workbook')} for the {self.year} review to {self.out_dir}, "
            f"Register pre-filled as answered {words.when}, assessment answers blank.",
            f"Carried {values.counted(self.actions_carried, 'open action')} into the Improvement sheets "
            f"of {values.counted(sum(1 for count in self.carried_actions.values() if count), 'workbook')}.",
        ]
        if self.register_year is not None and self.year <= self.register_year:
            # Written all the same (a re-send may want them), but most likely a slip of the year.
            lines.append(
                f"The register is of the {self.register_year} review, so these workbooks are for "
                f"{'that same review' if self.year == self.register_year else 'an earlier one'}: for next "
                f"year's, give --year {self.register_year + 1}."
            )
        elif self.register_year is not None and self.year > self.register_year + 1:
            # Meant for a partnership with no return since (its actions are in its last register), or a slip.
            skipped = " and ".join(str(year) for year in range(self.register_year + 1, self.year))
            lines.append(
                f"The register is of the {self.register_year} review, not of {skipped}'s: these workbooks carry "
                f"the answers, open actions and own risks of {self.register_year}. For a partnership returned "
                f"since, roll over from the register.xlsx of its latest review instead."
            )
        if self.carried_risks:
            lines.append(
                f"Brought back {values.counted(self.carried_risks, 'risk')} officers added below "
                f"{catalogue.RISKS[-1].ref}, ratings blank."
            )
        if self.returned_twice:
            lines.append(f"Partnership IDs on two returns {words.when}: {'; '.join(self.returned_twice)}.")
        if self.to_check:
            lines.append(f"Carried as typed, for the officer to correct: {'; '.join(self.to_check)}.")
        if self.out_of_scope:
            # Named too: an ID may be shared by mistake with a partnership that was rolled over.
            named = "; ".join(f"{partnership_id} {name}".strip() for partnership_id, name in self.out_of_scope)
            lines.append(f"Not rolled over, out of scope: {named}.")
        if self.rows_without_id:
            rows = ", ".join(str(row) for row in self.rows_without_id)
            lines.append(
                f"Not rolled over, no Partnership ID: Register {'row' if len(self.rows_without_id) == 1 else 'rows'} {rows}."
            )
        if self.actions_not_carried:
            lines.append(f"Not carried: {'; '.join(self.actions_not_carried)}.")
        if self.objectives_left:
            left = "; ".join(
                f"{name} (answered in {values.counted(count, 'workbook')})" for name, count in self.objectives_left
            )
            lines.append(f"Not carried, as the objective is not on this year's list (same Ref and title): {left}.")
        if self.not_returned:
            lines.append(
                f"Not rolled over, no return for the {self.register_year} review: "
                f"{'; '.join(self.not_returned)}. Their open actions and own risks are in the "
                f"{self.not_returned_since} register.xlsx: for any still running, roll over from it too."
            )
        if self.not_returned_for_long:
            lines.append(
                f"Not rolled over, no return for two years or more: {'; '.join(self.not_returned_for_long)}. "
                "Their open actions and own risks are in the register.xlsx of their last review: for any still "
                "running, roll over from it too."
            )
        if self.no_objective_kept:
            lines.append(
                f"None of {words.whose} objectives is on the list these workbooks ask about: if the council's "
                "objectives have not changed, make them again with --config and the council's configuration file."
            )
        return lines


def write_rollover(
    register_file: Path,
    out_dir: Path,
    *,
    year: int | None = None,
    objectives: tuple[Objective, ...] = DEFAULT_OBJECTIVES,
    scoring: Scoring = Scoring(),
    tiers: tuple[Tier, ...] = DEFAULT_TIERS,
) -> RolloverSummary:
    """Write one pre-filled workbook per in-scope partnership of `register_file` into `out_dir`, for the
    review of `year`: by default the one after the register's, or this year's for a register that does
    not say which review it is of (written before registers said).

    Re-running it into the folder it wrote gives the same files; a different file already there under a
    name it would write (an officer's return, say) raises `RolloverError` before anything is written.
    """
    register_file, out_dir = Path(register_file), Path(out_dir)
    register = read_register(_read_bytes(register_file), name=register_file.name)
    if year is None:
        year = register.year + 1 if register.year else dt.date.today().year
    names = UniqueNames(out_dir, reserved=(register_file,))
    planned = [
        (partnership, names.claim(PurePosixPath(file_name(partnership.id, partnership.name))), workbook_bytes(workbook))
        for partnership, workbook in rollover_workbooks(
            register, year=year, objectives=objectives, scoring=scoring, tiers=tiers
        )
    ]
    # Never over an officer's work: a file of the same name that is not what this writes stops it all.
    in_the_way = [path.name for _, path, data in planned if path.is_file() and path.read_bytes() != data]
    if in_the_way:
        raise RolloverError(
            f"{out_dir} already holds {values.listed(in_the_way)}, not the workbook(s) this would write (an officer's return, or "
            "one rolled over from another register): nothing was written. Move them, or give --out an empty folder"
        )
    written = []
    carried = {}
    written_for = {partnership.unit: path.name for partnership, path, _ in planned}
    by_id: dict[str, list[tuple[Unit, tuple[str, ...]]]] = defaultdict(list)
    for unit, files in register.shared_ids:
        by_id[unit[0]].append((unit, files))
    shared = [
        shared_id_line(register.partnerships, units, written_for, register_words(register.year, year))
        for units in by_id.values()
    ]
    for partnership, path, data in planned:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        written.append(path)
        carried[path.name] = len(partnership.actions)
    listed = {_objective_key(item.ref, item.title) for item in objectives}
    answered = Counter(
        key
        for partnership in register.partnerships
        for key, answer in partnership.objectives.items()
        if any(values.text(value) for value in answer.values())
    )
    return RolloverSummary(
        year=year,
        out_dir=out_dir,
        written=tuple(written),
        out_of_scope=register.out_of_scope,
        carried_actions=carried,
        rows_without_id=register.rows_without_id,
        actions_not_carried=register.actions_not_carried,
        carried_risks=sum(len(item.risks) for item in register.partnerships),
        to_check=register.to_check,
        returned_twice=(*register.returned_twice, *shared),
        register_year=register.year,
        objectives_left=tuple(
            (name, answered[key]) for key, name in register.objectives.items() if key not in listed and answered[key]
        ),
        no_objective_kept=bool(answered) and not listed & answered.keys(),
        **_not_returned(register_file.parent, register.year),
    )


def _register_order(entry: tuple[int, dict[str, Any], dict[str, Any]]) -> tuple:
    """A register row's place among its partnership's returns (`score.partnership_order`), from its
    Counted and Why not counted columns ("" when the register has none) and its review date and file."""
    row, cells, typed = entry
    counted = values.text(cells.get(COUNTED_HEADER))
    return partnership_order(
        counted in ("", COUNTED),
        is_copy(counted, values.text(cells.get(WHY_NOT_COUNTED_HEADER))),
        _date_or_none(typed["review_completed_on"]),
        values.text(cells.get(FILE)) or f"{row:09d}",
    )


def shared_id_line(
    partnerships: Sequence[Partnership],
    shared: Sequence[tuple[Unit, Sequence[str]]],
    written_for: Mapping[Unit, str],
    words: RegisterWords,
) -> str:
    """Once for an ID that partnerships of different names share (`shared`: each one's unit and its
    returns' files): 'P-040 is the ID of 2 partnerships, each with its own workbook: 'Ashcombe ...' in
    P-040_ashcombe....xlsx and 'Riverside ...' in P-040_riverside....xlsx (from last year's
    P-060_riverside....xlsx); give one of them a new ID': each workbook named is the one written for it
    this year, where the officer will change the ID."""
    said = []
    for unit, files in shared:
        partnership = next(item for item in partnerships if item.unit == unit)
        written = written_for.get(unit, "")
        from_files = [name for name in files if name != written]
        said.append(
            f"'{partnership.name}' in {written}"
            + (f" (from {words.whose} {', '.join(from_files)})" if from_files else "")
        )
    first = next(item for item in partnerships if item.unit == shared[0][0])
    if len(said) == 1:  # the other is out of scope, not rolled over
        return f"{first.id} is also the ID of another partnership: {said[0]}; give one of them a new ID"
    return (
        f"{first.id} is the ID of {values.counted(len(shared), 'partnership')}, each with its own workbook: "
        f"{', '.join(said[:-1])} and {said[-1]}; give {'one' if len(shared) == 2 else 'all but one'} of them a new ID"
    )


def _not_returned(folder: Path, year: int | None) -> dict[str, Any]:
    """The partnerships with no return in the register's review, as the results.json of the same run
    (beside the register, made with --previous) records them: rollover reads one register, so it leaves
    them out, with their open actions and own risks. Those returned the year before (`_returned_last`)
    and those with no return for two years or more (`_long_without_return`)."""
    try:
        data = load_previous(folder)
    except PreviousError:  # no results.json beside it
        return {}
    if data.get("year") != year:
        return {}
    return {**_returned_last(data), **_long_without_return(data)}


def _returned_last(data: Mapping[str, Any]) -> dict[str, Any]:
    """Those returned the year before the register's review and not in it (not those returned under
    another ID, which the register holds)."""
    try:
        change = data["change_since_previous"]
        # A partnership whose ID changed this year was returned, under its new ID (`ids_changed`: the new
        # ID's partnership has the ended one's name; another partnership that shared the old ID has not).
        names = {
            key: {name_key(item) for item in returns}
            for key, returns in returns_by_identity(data["partnerships"]).items()
        }
        changed = {
            (id_key(pair["ended"]), name)
            for pair in change.get("ids_changed", ())
            for name in names.get(id_key(pair["new"]), ())
        }
        ended = [
            item
            for item in change["partnerships"]
            if item["status"] == "ended"
            and item["rag_then"] != catalogue.OUT_OF_SCOPE
            and (id_key(item["id"]), name_key(item)) not in changed
        ]
        said = [
            f"{item['id']} {item['name']}".strip()
            + (f" ({values.counted(len(item['carried_actions']), 'open action')})" if item["carried_actions"] else "")
            for item in ended
        ]
        return {"not_returned": tuple(said), "not_returned_since": change["previous_year"]} if said else {}
    except (KeyError, TypeError):  # not one with a comparison
        return {}


def _long_without_return(data: Mapping[str, Any]) -> dict[str, Any]:
    """Those with no return for two years or more up to the register's review
    (`history.long_without_return`), each with the year of its last review."""
    try:
        said = [
            f"{item['id']} {item['name']}".strip() + f" (none since the {item['last_review']} review)"
            for item in long_without_return(data["history"]["no_return"], data["partnerships"])
        ]
    except (KeyError, TypeError, IndexError, AttributeError):  # not one with the years (a run without --previous)
        return {}
    return {"not_returned_for_long": tuple(said)} if said else {}


def file_name(partnership_id: str, name: str) -> str:
    """'P-014_community-safety-partnership.xlsx': ID and a slug of the name, safe as a file name."""
    stem = safe_stem(partnership_id, fallback="partnership", max_length=30)
    words = slug(name)
    return f"{stem}_{words}.xlsx" if words else f"{stem}.xlsx"


def rollover_workbooks(
    register: Register,
    *,
    year: int,
    objectives: tuple[Objective, ...] = DEFAULT_OBJECTIVES,
    scoring: Scoring = Scoring(),
    tiers: tuple[Tier, ...] = DEFAULT_TIERS,
) -> Iterable[tuple[Partnership, OpenpyxlWorkbook]]:
    """Each partnership with its workbook for `year`, built from the current template listing this year's
    `objectives` and telling officers the risk bands of `scoring`, in memory. Last year's answer on an
    objective comes back when this year's list has the same objective (same Ref and title); a new or
    changed objective is left for the officer."""
    for partnership in register.partnerships:
        workbook = build_workbook(objectives, scoring=scoring, tiers=tiers)
        prefilled = {
            key: value for key, value in partnership.register.items() if key not in FRESH_FIELDS and value is not None
        }
        answers = {
            item.ref: partnership.objectives[_objective_key(item.ref, item.title)]
            for item in objectives
            if _objective_key(item.ref, item.title) in partnership.objectives
        }
        fill(workbook, register=prefilled, improvement=partnership.actions, risks=partnership.risks, objectives=answers)
        _keep_as_text(workbook)
        workbook.properties.title = f"Partnership review {year}: {partnership.id} {partnership.name}".strip()
        workbook.properties.keywords = (
            f"{review_year_keywords(year)}; rolled over from {register_words(register.year, year).register}"
        )
        yield partnership, workbook


def _keep_as_text(workbook: OpenpyxlWorkbook) -> None:
    """Answers that look like formulas ('=...') stay text: rolled-over answers are data, never run.

    openpyxl would store such a string as a formula; marking the cell as text keeps the officer's
    words exactly (no added apostrophe), and the quote prefix keeps Excel from running it on edit.
    """
    answer_columns = (
        (catalogue.REGISTER, ("Value",)),
        (catalogue.IMPROVEMENT, CARRIED_HEADERS),
        (catalogue.RISKS_SHEET, CARRIED_RISK_HEADERS),
        (catalogue.OBJECTIVES_SHEET, ("How",)),
    )
    for layout, headers in answer_columns:
        sheet = workbook[layout.name]
        for header in headers:
            for (cell,) in sheet.iter_rows(
                min_row=layout.first_row,
                min_col=layout.headers.index(header) + 1,
                max_col=layout.headers.index(header) + 1,
            ):
                if cell.data_type == "f":
                    cell.data_type = "s"
                    cell.quotePrefix = True


# --- Reading register.xlsx ---------------------------------------------------------------------------


_GIVE_THE_REGISTER = "give the register.xlsx of last year's report"


def _read_bytes(path: Path) -> bytes:
    limit = Limits().max_file_bytes
    size = path.stat().st_size if path.is_file() else 0
    if size > limit:
        raise RolloverError(f"{path} is too large to be a register ({size} bytes, limit {limit})")
    try:
        return read_named_file(path)
    except CannotRead as error:
        raise RolloverError(f"{path} {error.reason}; {_GIVE_THE_REGISTER}") from None


def read_register(data: bytes, *, name: str = "register.xlsx") -> Register:
    """The partnerships and open actions of a register.xlsx, from its bytes. Headers are found by name."""
    with warnings.catch_warnings():
        # openpyxl warns of parts it skips (a register re-saved by Excel has some); that is for developers.
        warnings.simplefilter("ignore")
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any failure to open means "not a register workbook"
            raise RolloverError(f"{name} is not an Excel workbook; {_GIVE_THE_REGISTER}") from None
        if catalogue.CHECKLIST.name in workbook.sheetnames:
            raise RolloverError(
                f"{name} is a partnership's review workbook, not the compiled register; {_GIVE_THE_REGISTER} "
                "(the one `partnerships report` wrote beside the pack)"
            )
        try:
            register_rows = _table(
                workbook,
                REGISTER_SHEET,
                name,
                (*(item.label for item in catalogue.register_fields(1)), IN_SCOPE),
                optional=(
                    FILE,
                    COUNTED_HEADER,
                    WHY_NOT_COUNTED_HEADER,
                    *(item.label for item in catalogue.REGISTER_FIELDS if item.since_version > 1),
                ),
            )
            action_rows = _table(workbook, OPEN_ACTIONS_SHEET, name, OPEN_ACTION_HEADERS[:-1], optional=(FILE,))
            risk_rows = (
                _table(workbook, OWN_RISKS_SHEET, name, OWN_RISK_HEADERS[:-1], optional=(FILE,))
                if OWN_RISKS_SHEET in workbook.sheetnames
                else []
            )  # registers before own risks were kept
            objective_rows = (
                _table(workbook, OBJECTIVES_SHEET, name, OBJECTIVE_HEADERS[:-1], optional=(FILE,))
                if OBJECTIVES_SHEET in workbook.sheetnames
                else []
            )  # registers before template 2
            year = review_year(workbook.properties.keywords)
        finally:
            workbook.close()

    # One workbook per partnership: per Partnership ID and name, from the return that counted last
    # year (score.partnership_order); `units` routes each return's file to its partnership.
    groups: dict[Unit, list[tuple[int, dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    without_id = []
    for row, cells in register_rows:
        typed = {
            item.key: _typed(item.kind, cells.get(item.label), item.long_answer) for item in catalogue.REGISTER_FIELDS
        }
        if not values.text(typed["id"]):
            without_id.append(row)
            continue
        groups[(id_key(typed["id"]), _name_key(typed["name"]))].append((row, cells, typed))
    names_by_id: dict[str, list[Unit]] = defaultdict(list)
    for unit in groups:
        names_by_id[unit[0]].append(unit)
    partnerships, out_of_scope, twice, shared = [], [], [], []
    order: dict[Unit, list[str]] = {}  # partnership -> its returns' files, the counted one first
    units = Units()
    for unit, group in groups.items():
        group.sort(key=_register_order)
        row, cells, typed = group[0]
        partnership_id = values.text(typed["id"])
        order[unit] = [values.text(entry[1].get(FILE)) for entry in group]
        units.add(unit, order[unit], counted=_counted_unit(names_by_id[unit[0]], groups) == unit)
        if values.text(cells[IN_SCOPE]).casefold() in _NOT_IN_SCOPE:
            out_of_scope.append((partnership_id, values.text(typed["name"])))
            units.out_of_scope.add(unit)
            continue
        files = [values.text(entry[1].get(FILE)) or f"Register row {entry[0]}" for entry in group]
        if len(group) > 1:
            twice.append(
                f"{partnership_id} ({', '.join(files)}): one workbook, rolled over from {files[0]}, "
                f"with its open actions and own risks (not those of {', '.join(files[1:])}, which it replaced)"
            )
        if len(names_by_id[unit[0]]) > 1:
            shared.append((unit, tuple(files)))
        partnerships.append(Partnership(row=row, register=typed, unit=unit))

    actions, not_carried, to_check = _open_actions(action_rows, units, order)
    to_check = [*(line for item in partnerships for line in _unreadable(item.register)), *to_check]
    risks, risks_not_carried = _own_risks(risk_rows, units, order)
    answers = _objective_answers(objective_rows, units, order)
    partnerships = [
        Partnership(
            item.row,
            item.register,
            actions.get(item.unit, {}),
            risks.get(item.unit, {}),
            item.unit,
            answers.get(item.unit, {}),
        )
        for item in partnerships
    ]
    named = {}
    for _, cells in objective_rows:
        named.setdefault(
            _objective_key(cells["Ref"], cells["Objective"]),
            f"{values.text(cells['Ref'])} {values.text(cells['Objective'])}".strip(),
        )
    return Register(
        tuple(partnerships),
        tuple(sorted(out_of_scope)),
        tuple(without_id),
        tuple(not_carried + risks_not_carried),
        tuple(to_check),
        tuple(twice),
        year,
        named,
        tuple(shared),
    )


def _date_or_none(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


#: One partnership of the register: its Partnership ID and its name, each compared as `id_key` does.
Unit = tuple[str, str]


def _name_key(name: Any) -> str:
    return " ".join(values.text(name).casefold().split())


def _counted_unit(units: list[Unit], groups: dict[Unit, list]) -> Unit:
    """Of the partnerships sharing an ID, the one whose rows of an older register (no File column) join."""
    return min(units, key=lambda unit: min(entry[0] for entry in groups[unit]))


class Units:
    """Which partnership each row of Open actions or Own risks belongs to: by its ID and, where two
    partnerships share the ID, by the file it came from."""

    def __init__(self) -> None:
        self.by_file: dict[tuple[str, str], Unit] = {}
        self.by_id: dict[str, Unit] = {}
        self.out_of_scope: set[Unit] = set()

    def add(self, unit: Unit, files: list[str], *, counted: bool) -> None:
        for file in files:
            self.by_file[(unit[0], file)] = unit
        if counted:
            self.by_id[unit[0]] = unit

    def of(self, cells: dict[str, Any]) -> Unit | None:
        key = id_key(values.text(cells["Partnership ID"]))
        return self.by_file.get((key, values.text(cells.get(FILE)))) or self.by_id.get(key)


def _of_counted_returns(
    rows: list[tuple[int, dict[str, Any]]], units: Units, order: dict[Unit, list[str]]
) -> list[tuple[int, dict[str, Any]]]:
    """Rows of Open actions, Own risks or Objectives of the return that counted for their partnership,
    in their order: a row of its other returns is left out. A row of a register written before rows
    named their file is kept, those of the counted return first, as it cannot be told apart."""

    kept = []
    for row, cells in rows:
        files, file = order.get(units.of(cells), []), values.text(cells.get(FILE))
        if not file or not files or file == files[0]:
            kept.append(((files.index(file) if file in files else len(files), row), (row, cells)))
    return [entry for _, entry in sorted(kept, key=lambda item: item[0])]


def _table(
    workbook, sheet: str, name: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, Any]]]:
    """The rows below a sheet's header row, each as {header: value} for the `required` headers and
    those of the `optional` ones it has."""
    if sheet not in workbook.sheetnames:
        raise RolloverError(f"{name} has no '{sheet}' sheet; {_GIVE_THE_REGISTER}")
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
        raise RolloverError(
            f"{name}: the '{sheet}' sheet has no column {', '.join(repr(m) for m in missing)}; {_GIVE_THE_REGISTER}"
        )
    wanted = (*required, *(label for label in optional if label in columns))
    table = []
    for number, cells in enumerate(rows, start=header_row + 1):
        record = {label: (cells[columns[label]] if columns[label] < len(cells) else None) for label in wanted}
        if any(values.clean(record[label]) is not None for label in required):
            table.append((number, record))
    return table


def _open_actions(
    rows: list[tuple[int, dict[str, Any]]], units: Units, order: dict[Unit, list[str]]
) -> tuple[dict[Unit, dict[str, dict[str, Any]]], list[str], list[str]]:
    """Open actions by partnership and area ref; why any cannot be carried; and those carried with a
    status or due date that cannot be read (as typed, for the officer to correct)."""
    actions: dict[Unit, dict[str, dict[str, Any]]] = defaultdict(dict)
    not_carried, to_check = [], []
    for row, cells in _of_counted_returns(rows, units, order):
        partnership_id, ref = values.text(cells["Partnership ID"]), values.text(cells["Ref"]).upper()
        key = units.of(cells)
        status = values.choice(cells["Action status"], catalogue.ACTION_STATUSES)
        if status == catalogue.COMPLETE or key in units.out_of_scope:
            continue
        if key is None:
            not_carried.append(
                f"{partnership_id} {ref}: not in the Register"
                if partnership_id
                else f"Open actions row {row} {ref}: its partnership has no Partnership ID"
            )
        elif ref not in catalogue.IMPROVEMENT_ROWS:
            not_carried.append(f"{partnership_id} {ref or f'row {row}'}: not an area of practice")
        elif ref in actions[key]:
            file = values.text(cells.get(FILE))
            not_carried.append(
                f"{partnership_id} {ref}: a second action for the same area" + (f" (from {file})" if file else "")
            )
        else:
            due = _typed(Kind.DATE, cells["Due date"])
            typed_status = status if isinstance(status, str) else values.clean(cells["Action status"])
            if status is values.INVALID:
                to_check.append(
                    f"{partnership_id} {ref}: status '{_quoted(typed_status)}' is not "
                    f"{', '.join(catalogue.ACTION_STATUSES[:-1])} or {catalogue.ACTION_STATUSES[-1]}"
                )
            if due is not None and not isinstance(due, dt.date):
                to_check.append(f"{partnership_id} {ref}: due date '{_quoted(due)}' is not a date")
            actions[key][ref] = {
                "Action": _typed(Kind.TEXT, cells["Action"], "Action" in catalogue.IMPROVEMENT.long_answers),
                "Action owner": _typed(Kind.TEXT, cells["Action owner"]),
                "Due date": due,
                "Action status": typed_status,
            }
    return dict(actions), not_carried, to_check


def _own_risks(
    rows: list[tuple[int, dict[str, Any]]], units: Units, order: dict[Unit, list[str]]
) -> tuple[dict[Unit, dict[str, dict[str, Any]]], list[str]]:
    """Officers' own risks by partnership, in the rows below R09 (R10, R11, ...) in order, each one its
    return gave (two of the same words too: each has its own mitigation and owner); of a register whose
    rows do not name their file, a risk given by two returns of the partnership once; and those with no
    free row left."""
    free = [ref for ref in catalogue.RISK_ROWS if ref not in {risk.ref for risk in catalogue.RISKS}]
    risks: dict[Unit, dict[str, dict[str, Any]]] = defaultdict(dict)
    seen: dict[Unit, set[str]] = defaultdict(set)
    not_carried = []
    for _, cells in _of_counted_returns(rows, units, order):
        partnership_id = values.text(cells["Partnership ID"])
        key = units.of(cells)
        if key is None or key in units.out_of_scope:
            continue
        text = _typed(Kind.TEXT, cells["Risk"])
        if not values.text(cells.get(FILE)):
            words = values.text(text).casefold() or values.text(cells["Mitigation"]).casefold()
            if words in seen[key]:
                continue
            seen[key].add(words)
        if len(risks[key]) == len(free):
            not_carried.append(
                f"{partnership_id} own risk '{values.text(text)}': no free row below {catalogue.RISKS[-1].ref}"
            )
            continue
        ref = free[len(risks[key])]
        risks[key][ref] = {
            "Ref": ref,
            "Risk": text,
            "Mitigation": _typed(Kind.TEXT, cells["Mitigation"], "Mitigation" in catalogue.RISKS_SHEET.long_answers),
            "Owner": _typed(Kind.TEXT, cells["Owner"]),
        }
    return dict(risks), not_carried


def _objective_key(ref: Any, title: Any) -> tuple[str, str]:
    return (values.folded(values.text(ref)), values.folded(values.text(title)))


def _objective_answers(
    rows: list[tuple[int, dict[str, Any]]], units: Units, order: dict[Unit, list[str]]
) -> dict[Unit, dict[tuple[str, str], dict[str, Any]]]:
    """Last year's answers on the objectives by partnership, then objective (ref and title); of two
    returns of a partnership, the counted one's answer."""
    answers: dict[Unit, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    for _, cells in _of_counted_returns(rows, units, order):
        key = units.of(cells)
        if key is None or key in units.out_of_scope:
            continue
        answers[key].setdefault(
            _objective_key(cells["Ref"], cells["Objective"]),
            {
                "Contributes": _typed(Kind.TEXT, cells["Contributes"]),
                "How": _typed(Kind.TEXT, cells["How"], "How" in catalogue.OBJECTIVES_SHEET.long_answers),
            },
        )
    return dict(answers)


#: How each kind of Register answer is read, to find the ones carried as typed because they cannot be.
_READERS = {
    Kind.DATE: (values.date, "is not a date"),
    Kind.NUMBER: (values.amount, "is not a figure"),
    Kind.EMAIL: (values.email, "is not an email address"),
}


def _unreadable(register: Mapping[str, Any]) -> Iterator[str]:
    """The Register answers of a partnership carried into next year's workbook as typed, because the
    review cannot read them (a date in words, an address with no domain, an answer not on its list)."""
    for spec in catalogue.REGISTER_FIELDS:
        value = register.get(spec.key)
        if spec.key in FRESH_FIELDS or value is None or isinstance(value, dt.date):
            continue
        if spec.kind is Kind.CHOICE and values.choice(value, spec.choices) is values.INVALID:
            yield f"{values.text(register['id'])} {spec.label}: '{_quoted(value)}' is not on its list"
        elif spec.kind in _READERS and _READERS[spec.kind][0](value) is values.INVALID:
            yield f"{values.text(register['id'])} {spec.label}: '{_quoted(value)}' {_READERS[spec.kind][1]}"


def _typed(kind: Kind, value: Any, lines: bool = False) -> Any:
    """A register value as the template cell wants it: real dates and numbers; text that cannot be
    read stays as it was, so the officer sees it and validation reports it; a long answer (`lines`) on
    the lines the officer wrote it on."""
    value = values.clean(value, lines)
    if value is None:
        return None
    if kind is Kind.DATE:
        if values.is_number(value):
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
    """The officer's text back from a register.xlsx of an earlier version, which neutralised text a
    spreadsheet would run as a formula ('=SUM(A1)' stored as "'=SUM(A1)"); registers now keep it as
    typed, in a text cell. Rolled-over cells are written as text too."""
    if text.startswith("'") and neutralise(text[1:]) == text:
        return text[1:]
    return text


#: How much of a value typed in a cell the console quotes: enough to find it, never a whole paragraph.
QUOTED_CHARACTERS = 40


def _quoted(value: object) -> str:
    return values.shortened(values.text(value), QUOTED_CHARACTERS)
