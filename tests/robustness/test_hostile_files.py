"""Hostile files are survived in bounded memory, refused by their content (not by running out of
time), and the batch goes on.

One folder holds every hostile file of `hostile.py` beside a good workbook; `partnerships validate`
runs on it as a real subprocess, measured from a small parent process (its peak resident memory is
the child's `ru_maxrss`). Each hostile file must get exactly its finding, the good workbook must still
be assessed with exactly its own finding, and the whole batch must stay under 1 GB. Each file is
also loaded alone, in this process: its finding must come from what it holds, never from the time
limit that would have stopped a reader stuck on it. Behind pre-flight, the
reading itself is bounded: with the limits loosened so that a file reaches the reader, a reader
that needs too much memory or never finishes ends only its worker process, and the file gets a finding.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from hostile import CHECKLIST_PART, LEAD_OFFICER_CELL, REGISTER_PART, hostile_files
from officer import AS_OF, write_workbook
from test_bad_files import part, rezip

from pipeline.config import Config, Limits
from pipeline.read.batch import load_folder
from pipeline.read.workbook import load_workbook_file, stopped_reader
from pipeline.workers import Stopped, in_workers

CLI = Path(sys.executable).with_name("partnerships")
ONE_GIGABYTE_KB = 1_000_000  # ru_maxrss is in kilobytes on Linux
#: What a file's finding says when the reader was stopped by `limits.load_timeout_seconds`.
TIMED_OUT = "took longer than the time allowed"

#: Runs `partnerships validate` and prints its exit code and the child's peak memory.
MEASURE = """
import json, resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(json.dumps({"code": code, "max_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> tuple[Path, dict[str, set[str]]]:
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "input"
    plain = write_workbook(root / "plain.xlsx")

    def mac(book):
        book.epoch = CALENDAR_MAC_1904

    mac_bytes = write_workbook(root / "mac.xlsx", edit=mac, partnership_id="P-MAC").read_bytes()
    write_workbook(folder / "good.xlsx", partnership_id="P-GOOD", checklist={"1a": {"Status": None}})
    expected = {"good.xlsx": {"checklist.unanswered"}}
    for name, (data, rules) in hostile_files(plain.read_bytes(), plain, mac_bytes).items():
        (folder / name).write_bytes(data)
        expected[name] = rules
    first: dict[bytes, str] = {}
    for name in sorted(expected):  # a file kept under two names (the same bytes) is a copy of the first too
        data = (folder / name).read_bytes()
        if data and first.setdefault(data, name) != name:
            expected[name] = {*expected[name], "file.copy"}
    return folder, expected


def measured_validate(folder: Path, out: Path, *extra: str) -> dict:
    command = [str(CLI), "validate", str(folder), "--out", str(out), "--as-of", AS_OF.isoformat(), *extra]
    result = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, timeout=300)
    return json.loads(result.stdout)


def findings_by_file(out: Path) -> dict[str, set[str]]:
    rows = list(csv.DictReader(io.StringIO((out / "validation_report.csv").read_text(encoding="utf-8"))))
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["file"], set()).add(row["rule"])
    return found


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_batch_survives_every_hostile_file_in_bounded_memory(folder, tmp_path, jobs):
    input_dir, expected = folder
    run = measured_validate(input_dir, tmp_path / "out", "--jobs", jobs)
    assert run["code"] == 1  # error findings, and no crash (a crash exits 1 too, but writes no report)
    assert run["max_rss_kb"] < ONE_GIGABYTE_KB, f"peak memory {run['max_rss_kb'] / 1000:.0f} MB"
    found = findings_by_file(tmp_path / "out")
    assert {name: found.get(name, set()) for name in expected} == expected
    assert set(found) <= set(expected)


def test_each_hostile_file_is_refused_for_what_it_holds_not_for_taking_too_long(folder):
    input_dir, expected = folder
    for name in sorted(expected):
        workbook = load_workbook_file(input_dir / name, input_dir, Config())
        assert workbook.assessed == (not expected[name] or name == "good.xlsx"), name
        assert not any(TIMED_OUT in item.message for item in workbook.findings), name


def test_control_characters_are_removed_and_1904_dates_read_the_same(folder):
    input_dir, _ = folder
    control = load_workbook_file(input_dir / "control-characters.xlsx", input_dir, Config())
    assert control.value("lead_officer") == "Sam Patel"
    assert control.register["lead_officer"].cell() == LEAD_OFFICER_CELL
    assert control.value("service_area") == "Community Safety"
    mac = load_workbook_file(input_dir / "mac-1904.xlsx", input_dir, Config())
    assert mac.findings == ()
    assert mac.value("next_review") == dt.date(2027, 3, 31)
    assert mac.value("start_date") == dt.date(2015, 4, 1)


def far_cell_in_single_quotes(plain: bytes) -> bytes:
    """One cell at KN100000, written r='KN100000': a reader given it asks for half a terabyte and dies,
    and python-calamine, with RUST_BACKTRACE=1 in its environment, then waits for ever on a lock,
    using no processor time, as it tries to print its backtrace without memory."""
    sheet = part(plain, REGISTER_PART).replace(
        b"</sheetData>", b"<row r='100000'><c r='KN100000' t='inlineStr'><is><t>x</t></is></c></row></sheetData>", 1
    )
    return rezip(plain, {REGISTER_PART: sheet})


def run_with_backtraces(command: str, folder: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    """`partnerships validate` or `report` with RUST_BACKTRACE=1 in its environment (as on many machines)."""
    arguments = [str(CLI), command, str(folder), "--out", str(out), "--as-of", AS_OF.isoformat(), *extra]
    if command == "report":
        arguments += ["--no-pdf", "--year", str(AS_OF.year)]
    environment = {**os.environ, "RUST_BACKTRACE": "1"}
    return subprocess.run(arguments, env=environment, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", ["validate", "report"])
def test_a_far_cell_in_single_quotes_is_too_large_and_the_run_ends(tmp_path, command):
    """Pre-flight sees a cell however its reference is quoted: the file gets file.too_large, where the run
    waited for ever (and, without backtraces, the officer read that the file was damaged)."""
    plain = write_workbook(tmp_path / "plain.xlsx").read_bytes()
    folder = tmp_path / "input"
    write_workbook(folder / "good.xlsx", partnership_id="P-GOOD")
    (folder / "far.xlsx").write_bytes(far_cell_in_single_quotes(plain))
    run = run_with_backtraces(command, folder, tmp_path / "out", "--jobs", "1")
    assert findings_by_file(tmp_path / "out")["far.xlsx"] == {"file.too_large"}
    assert "panicked" not in run.stderr and "backtrace" not in run.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_reader_that_dies_printing_a_backtrace_ends_and_prints_nothing(tmp_path, jobs):
    """Limits loosened so that the reader is given the far cell: it dies for want of memory, and its file
    gets its finding, with nothing of the reader's panic on the terminal (the finding says it)."""
    plain = write_workbook(tmp_path / "plain.xlsx").read_bytes()
    folder = tmp_path / "input"
    write_workbook(folder / "good.xlsx", partnership_id="P-GOOD")
    (folder / "far.xlsx").write_bytes(far_cell_in_single_quotes(plain))
    config = tmp_path / "review.toml"
    config.write_text("[limits]\nmax_rows = 1048576\nmax_columns = 16384\nload_timeout_seconds = 5\n", encoding="utf-8")
    run = run_with_backtraces("validate", folder, tmp_path / "out", "--config", str(config), "--jobs", jobs)
    assert findings_by_file(tmp_path / "out")["far.xlsx"] == {"file.unreadable"}
    assert run.stderr.count("\n") < 10 and "panicked" not in run.stderr and "MemoryError" not in run.stderr


# --- Hard bounds behind pre-flight: what a reader does wrong ends its worker, not the batch ----------


def relaxed(**limits) -> Config:
    """Limits loosened so that a file pre-flight would refuse reaches the reader."""
    return dataclasses.replace(Config(), limits=Limits(**{"max_rows": 1_048_576, "max_columns": 16_384, **limits}))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_reader_that_needs_too_much_memory_stops_only_its_worker(tmp_path, jobs, start_method):
    """A cell at BL1048576 makes python-calamine allocate a 2 GB grid (and Python far more): over the
    worker's 1 GB allowance, the allocation fails and the reader aborts its own process only."""
    plain = write_workbook(tmp_path / "plain.xlsx").read_bytes()
    folder = tmp_path / "input"
    write_workbook(folder / "a-good.xlsx", partnership_id="P-A")
    write_workbook(folder / "z-good.xlsx", partnership_id="P-Z")
    sheet = part(plain, CHECKLIST_PART).replace(
        b"</sheetData>", b'<row r="1048576"><c r="BL1048576"><v>1</v></c></row></sheetData>', 1
    )
    (folder / "m-tall.xlsx").write_bytes(rezip(plain, {CHECKLIST_PART: sheet}))
    batch = load_folder(folder, relaxed(), jobs=jobs)
    assert [(item.file, item.assessed) for item in batch.workbooks] == [
        ("a-good.xlsx", True),
        ("m-tall.xlsx", False),
        ("z-good.xlsx", True),
    ]
    (tall,) = batch.workbooks[1].findings
    assert tall.rule == "file.unreadable" and "SIGABRT" in tall.message
    assert batch.workbooks[1].sha256 == hashlib.sha256((folder / "m-tall.xlsx").read_bytes()).hexdigest()
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < ONE_GIGABYTE_KB * 1.5


def endless_for_one(path: Path):
    """A reader that never finishes on b-endless.xlsx (at module level, so that a worker started afresh
    or by a forkserver imports it rather than inheriting it)."""
    while path.name == "b-endless.xlsx":
        pass
    return load_workbook_file(path, path.parent, relaxed())


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_reader_that_never_finishes_is_stopped(tmp_path, start_method):
    folder = tmp_path / "input"
    paths = [write_workbook(folder / "a-good.xlsx"), write_workbook(folder / "b-endless.xlsx")]
    done = in_workers(endless_for_one, paths, jobs=1, cpu_seconds=1)
    assert done[0].assessed and isinstance(done[1], Stopped)
    stopped = stopped_reader(paths[1], folder, done[1].code)
    assert [item.rule for item in stopped.findings] == ["file.too_large"]
    assert TIMED_OUT in stopped.findings[0].message


def waiting_for_one(path: Path):
    """A reader that waits for ever on b-waits.xlsx, using no processor time (as a reader deadlocked on a
    lock does), and notes each time it starts on it."""
    if path.name == "b-waits.xlsx":
        with open(path.with_name("starts.txt"), "a", encoding="utf-8") as starts:
            starts.write("started\n")
        threading.Event().wait()
    return load_workbook_file(path, path.parent, relaxed())


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_reader_that_waits_for_ever_is_stopped_once_by_the_clock(tmp_path, jobs):
    """Its processor-time limit never comes: the run stops it after `workers.wall_seconds` on the clock, gives its
    file the finding of a file that took too long, and does not read it again (to wait again)."""
    folder = tmp_path / "input"
    paths = [write_workbook(folder / name) for name in ("a-good.xlsx", "b-waits.xlsx", "c-good.xlsx")]
    began = time.monotonic()
    done = in_workers(waiting_for_one, paths, jobs=jobs, cpu_seconds=1)
    assert time.monotonic() - began < 60  # the clock's limit for a second of processor time, once
    assert done[0].assessed and done[2].assessed and isinstance(done[1], Stopped)
    stopped = stopped_reader(paths[1], folder, done[1].code)
    assert [item.rule for item in stopped.findings] == ["file.too_large"]
    assert TIMED_OUT in stopped.findings[0].message
    assert (folder / "starts.txt").read_text(encoding="utf-8") == "started\n"


def test_a_reader_stopped_where_there_are_no_such_signals_is_a_finding(tmp_path, monkeypatch):
    """Windows has neither SIGXCPU nor SIGKILL, and a process that dies there gives an exit code: the
    file whose reader died still gets its finding, where the run stopped on an AttributeError."""
    import signal

    path = write_workbook(tmp_path / "a.xlsx")
    monkeypatch.delattr(signal, "SIGXCPU")
    monkeypatch.delattr(signal, "SIGKILL")
    stopped = stopped_reader(path, tmp_path, 3221225477)  # Windows' "access violation"
    assert [item.rule for item in stopped.findings] == ["file.unreadable"]
    assert "exit code 3221225477" in stopped.findings[0].message
