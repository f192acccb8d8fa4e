"""Property-based tests: whatever an officer puts in the answer cells, and whatever happens to a file's
bytes, the run goes on and accounts for it.

1. Arbitrary values (text with any unicode and control characters, huge, negative and fractional
   numbers, dates, booleans, formula-like text) in any answer cells of the real template: loading,
   validation, scoring and every writer run without an exception; the workbook stays assessed (only
   answers changed); and each value is either reported with a finding at its own cell or accepted,
   where "accepted" is checked against the catalogue independently of the rules (an answer from a
   list is one of its allowed answers, a rating is a whole number 1 to 5, an amount is a number not
   below 0, an email has an @, and the value was not lost on the way).
2. Byte-level mutations of real workbooks (bits flipped, bytes inserted, the file cut short, and the
   same inside a part's XML, re-zipped so the damage reaches the XML reader): every file still gets a
   Workbook, with a file-level finding when it cannot be read, and the batch goes on.

The default profile runs a few dozen examples; `make fuzz` runs the `slow` variants with many more.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from openpyxl import load_workbook

from officer import AS_OF, filled_workbook
from pipeline import catalogue
from pipeline.catalogue import Kind
from pipeline.config import Config
from pipeline.findings import FILE_LEVEL_RULES
from pipeline.read.batch import load_folder
from pipeline.read.workbook import read_workbook
from pipeline.read.preflight import preflight
from pipeline.records import Workbook
from pipeline.pack.results import dumps, results
from pipeline.check.rules import check
from pipeline.check.score import score_batch
from pipeline.check.validation_report import findings_csv, summary_tables
from pipeline.read.batch import Batch

CONFIG = Config()
FORMULA_LIKE = ["=1+1", "=SUM(A1:A3)", "+1", "-1", "@A1", "\t=1", '=HYPERLINK("http://x","y")', "=cmd|'/C calc'!A0"]
ODD_ANSWERS = [
    "yes",
    " YES ",
    "y",
    "Yes.",
    "n/a",
    "NA",
    "partly ",
    "in\u00a0progress",
    "Complete\u200b",
    "3",
    "3.0",
    "5 ",
    "0",
    "6",
    "2.5",
    "£1,200",
    "1e3",
    "-0",
    "31/03/2026",
    "2026-03-31",
    "31/02/2026",
    "2026-13-01",
    "someone@council.gov.uk",
    "@",
    "a@b",
    "Leading",
    "leading",
    "Funding only",
    "Multi organisation",
]
#: openpyxl refuses raw control characters; Excel writes them as _xHHHH_, which readers decode.
CONTROL = [f"_x{code:04X}_" for code in (*range(0, 9), 11, 12, *range(14, 32), 127)]
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

text_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40).map(lambda text: _ILLEGAL.sub("", text))
cell_values = st.one_of(
    st.none(),
    text_values,
    st.lists(st.one_of(text_values, st.sampled_from(CONTROL)), max_size=4).map("".join),
    st.sampled_from(FORMULA_LIKE + ODD_ANSWERS),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.booleans(),
)


def answer_cells() -> dict[tuple[str, str], tuple[str, tuple]]:
    """Every answer cell of the template: (sheet, cell) -> (kind, allowed answers for a list)."""
    cells = {}
    for spec in catalogue.REGISTER_FIELDS:
        kind = spec.kind.value if spec.kind is not Kind.CHOICE else "choice"
        cells[(catalogue.REGISTER.name, f"B{catalogue.REGISTER_ROWS[spec.key]}")] = (kind, spec.choices)
    for row in catalogue.CHECKLIST_ROWS.values():
        cells[("Checklist", f"D{row}")] = ("choice", catalogue.CHECKLIST_STATUSES)
        cells[("Checklist", f"E{row}")] = ("text", ())
        cells[("Checklist", f"F{row}")] = ("text", ())
    for row in catalogue.IMPROVEMENT_ROWS.values():
        cells[("Improvement", f"C{row}")] = ("choice", catalogue.IMPROVEMENT_ANSWERS)
        cells[("Improvement", f"D{row}")] = ("text", ())
        cells[("Improvement", f"E{row}")] = ("text", ())
        cells[("Improvement", f"F{row}")] = ("date", ())
        cells[("Improvement", f"G{row}")] = ("choice", catalogue.ACTION_STATUSES)
    for row in list(catalogue.RISK_ROWS.values()) + [catalogue.RISKS_SHEET.first_row + len(catalogue.RISKS)]:
        cells[("Risks", f"B{row}")] = ("text", ())
        cells[("Risks", f"C{row}")] = ("rating", ())
        cells[("Risks", f"D{row}")] = ("rating", ())
        cells[("Risks", f"E{row}")] = ("text", ())
        cells[("Risks", f"F{row}")] = ("text", ())
    return cells


CELLS = answer_cells()
BASE = io.BytesIO()
filled_workbook().save(BASE)


def shown(value) -> str:
    """What a reader shows for a value: Excel's _xHHHH_ escapes decoded, control characters and runs
    of spaces (of any kind) folded, invisible characters dropped, as the forgiving reading says."""
    text = value if isinstance(value, str) else str(value)
    text = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match.group(1), 16)), text)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060]", "", text)  # and zero-width ones
    return " ".join(text.replace("\u00a0", " ").split())


def as_number(value) -> float | None:
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime)):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = shown(value).replace("£", "", 1).replace(" ", "")
    if "," in text and not re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        return None  # a comma only parts thousands (README): '2,5' is not 25
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def acceptable(kind: str, allowed: tuple, value) -> bool:
    """The catalogue's own answer to "may this value stand without a finding?" (blank aside)."""
    if kind == "choice":
        answers = {answer.casefold() for answer in allowed}  # case, spaces and a closing full stop forgiven
        return isinstance(value, str) and (
            shown(value).casefold() in answers or shown(value).casefold().rstrip(". ") in answers
        )
    if kind == "rating":
        number = as_number(value)
        return number is not None and number in (1, 2, 3, 4, 5)
    if kind == "number":
        number = as_number(value)
        return number is not None and number >= 0
    if kind == "email":
        return isinstance(value, str) and "@" in shown(value)
    if kind == "date":
        return not isinstance(value, bool)
    return True


def loaded_value(workbook: Workbook, sheet: str, cell: str):
    """The value the loader holds for a cell, found through the records' own cell references."""
    for entry in workbook.register.values():
        if sheet == catalogue.REGISTER.name and entry.cell() == cell:
            return entry.value
    tables = {
        "Checklist": (workbook.checklist, {"D": "status", "E": "evidence", "F": "evidence_location"}),
        "Improvement": (
            workbook.improvement,
            {"C": "answer", "D": "action", "E": "owner", "F": "due", "G": "action_status"},
        ),
        "Risks": (workbook.risks, {"B": "text", "C": "likelihood", "D": "impact", "E": "mitigation", "F": "owner"}),
    }
    if sheet in tables:
        rows, attributes = tables[sheet]
        for row in rows:
            if str(row.row) == cell[1:]:
                return getattr(row, attributes[cell[0]])
    return None


def officer_workbook(answers: dict[tuple[str, str], object]) -> bytes:
    book = load_workbook(io.BytesIO(BASE.getvalue()))
    for (sheet, cell), value in answers.items():
        book[sheet][cell].value = value
        if isinstance(value, str):
            book[sheet][cell].data_type = "s"  # text, as Excel keeps text typed with a leading quote
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def check_answers(answers: dict[tuple[str, str], object], tmp: Path) -> None:
    data = officer_workbook(answers)
    preflight(data, ".xlsx", CONFIG.limits)
    workbook = read_workbook(data, "fuzz.xlsx", "0" * 64)
    assert workbook.assessed, workbook.findings
    report = check([workbook], as_of=AS_OF, config=CONFIG)
    assert not {item.rule for item in report.findings} & FILE_LEVEL_RULES
    scores = score_batch([workbook], report, as_of=AS_OF, config=CONFIG)
    dumps(results(scores, [workbook], as_of=AS_OF, year=2026, config=CONFIG))
    findings_csv(report)
    summary_tables(report, Batch(tmp, [workbook], []))
    reported = {(item.sheet, item.cell) for item in report.findings}
    # An entry out of scope (a scope test answered Yes) is checked on its register only (README).
    out_of_scope = scores[0].assessed and not scores[0].in_scope
    for (sheet, cell), value in answers.items():
        if (sheet, cell) in reported or value is None or not shown(value):
            continue
        if out_of_scope and sheet != catalogue.REGISTER.name:
            continue
        kind, allowed = CELLS[(sheet, cell)]
        assert acceptable(kind, allowed, value), f"{sheet}!{cell} = {value!r} accepted without a finding"
        assert loaded_value(workbook, sheet, cell) is not None, f"{sheet}!{cell} = {value!r} was lost"


answers_strategy = st.dictionaries(st.sampled_from(sorted(CELLS)), cell_values, min_size=1, max_size=25)


@settings(max_examples=40)
@given(answers=answers_strategy)
def test_any_answers_are_accepted_or_reported_at_their_cell(answers, tmp_path_factory):
    check_answers(answers, tmp_path_factory.getbasetemp())


@pytest.mark.slow
@given(answers=st.dictionaries(st.sampled_from(sorted(CELLS)), cell_values, min_size=20, max_size=200))
def test_many_answers_at_once_are_accepted_or_reported(answers, tmp_path_factory):
    check_answers(answers, tmp_path_factory.getbasetemp())


# --- Byte-level mutations ---------------------------------------------------------------------------


def mutate(data: bytes, rng: random.Random, edits: int) -> bytes:
    data = bytearray(data)
    for _ in range(edits):
        action = rng.choice(("flip", "insert", "delete", "truncate", "splice"))
        at = rng.randrange(max(len(data), 1))
        if action == "flip":
            data[at : at + 1] = bytes([data[at] ^ (1 << rng.randrange(8))]) if data else b""
        elif action == "insert":
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
        elif action == "delete":
            del data[at : at + rng.randrange(1, 65)]
        elif action == "truncate" and rng.random() < 0.3:
            del data[at:]
        elif action == "splice" and len(data) > 16:
            source = rng.randrange(len(data) - 8)
            data[at : at + 8] = data[source : source + 8]
    return bytes(data)


def mutate_inside(data: bytes, rng: random.Random, edits: int) -> bytes:
    """A valid zip whose XML is damaged: the damage reaches the readers, not just the zip checks."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = source.namelist()
        victim = rng.choice(names)
        for name in names:
            content = source.read(name)
            target.writestr(name, mutate(content, rng, edits) if name == victim else content)
    return out.getvalue()


def check_mutants(seeds: list[int], tmp: Path) -> None:
    folder = tmp / "mutants"
    folder.mkdir()
    original = BASE.getvalue()
    names = []
    for seed in seeds:
        rng = random.Random(seed)
        edits = rng.choice((1, 2, 5, 20))
        mutant = mutate(original, rng, edits) if rng.random() < 0.5 else mutate_inside(original, rng, edits)
        name = f"m{seed}.xlsx"
        (folder / name).write_bytes(mutant)
        names.append(name)
    batch = load_folder(folder, CONFIG)
    assert [workbook.file for workbook in batch.workbooks] == sorted(names)
    report = check(batch.workbooks, as_of=AS_OF, config=CONFIG)
    scores = score_batch(batch.workbooks, report, as_of=AS_OF, config=CONFIG)
    assert len(scores) == len(names)
    dumps(results(scores, batch.workbooks, as_of=AS_OF, year=2026, config=CONFIG))
    findings_csv(report)
    for workbook in batch.workbooks:
        if not workbook.assessed:
            assert any(item.blocks_assessment for item in workbook.findings)


@settings(max_examples=15)
@given(seeds=st.lists(st.integers(0, 2**32 - 1), min_size=4, max_size=4, unique=True))
def test_mutated_workbooks_never_stop_the_batch(seeds, tmp_path_factory):
    check_mutants(seeds, tmp_path_factory.mktemp("mutants"))


@pytest.mark.slow
@given(seeds=st.lists(st.integers(0, 2**32 - 1), min_size=20, max_size=20, unique=True))
def test_many_mutated_workbooks_never_stop_the_batch(seeds, tmp_path_factory):
    check_mutants(seeds, tmp_path_factory.mktemp("mutants"))


def test_a_number_far_outside_any_date_is_reported_at_its_cell():
    """Found by the fuzz: python-calamine panics on -1E+13 in a date cell; it is read as the text shown."""
    next_review = f"B{catalogue.REGISTER_ROWS['next_review']}"
    answers = {("Register", next_review): -1e13, ("Register", "B17"): 25_000_000_000, ("Improvement", "F15"): -1e300}
    workbook = read_workbook(officer_workbook(answers), "fuzz.xlsx", "0" * 64)
    report = check([workbook], as_of=AS_OF, config=CONFIG)
    assert workbook.assessed
    assert {(item.sheet, item.cell, item.rule) for item in report.findings} >= {
        ("Register", next_review, "register.invalid_date"),
        ("Improvement", "F15", "action.invalid_date"),
    }
    check_answers(answers, Path("."))
