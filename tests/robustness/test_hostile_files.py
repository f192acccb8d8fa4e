"""Hostile files are survived in bounded time and memory, and the batch goes on.

One folder holds every hostile file of `hostile.py` beside a good workbook; `partnerships validate`
runs on it as a real subprocess, measured from a small parent process (its peak resident memory is
the child's `ru_maxrss`). Each hostile file must get exactly its finding, the good workbook must still
be assessed with exactly its own finding, and the whole batch must stay under 1 GB and a time bound.
Each file is also loaded alone, in this process, to bound its own time. Behind pre-flight, the
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
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from hostile import CHECKLIST_PART, LEAD_OFFICER_CELL, hostile_files
from officer import AS_OF, write_workbook
from test_bad_files import part, rezip

from pipeline.read import workbook as workbook_reader
from pipeline.config import Config, Limits
from pipeline.read.batch import load_folder
from pipeline.read.workbook import load_workbook_file

CLI = Path(sys.executable).with_name("partnerships")
ONE_GIGABYTE_KB = 1_000_000  # ru_maxrss is in kilobytes on Linux
PER_FILE_SECONDS = 10

#: Runs `partnerships validate` and prints its exit code, wall time and the child's peak memory.
MEASURE = """
import json, resource, subprocess, sys, time
started = time.monotonic()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(json.dumps({"code": code, "seconds": time.monotonic() - started,
                  "max_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
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
def test_the_batch_survives_every_hostile_file_in_bounded_time_and_memory(folder, tmp_path, jobs):
    input_dir, expected = folder
    run = measured_validate(input_dir, tmp_path / "out", "--jobs", jobs)
    assert run["code"] == 1  # error findings, and no crash (a crash exits 1 too, but writes no report)
    assert run["max_rss_kb"] < ONE_GIGABYTE_KB, f"peak memory {run['max_rss_kb'] / 1000:.0f} MB"
    assert run["seconds"] < 60
    found = findings_by_file(tmp_path / "out")
    assert {name: found.get(name, set()) for name in expected} == expected
    assert set(found) <= set(expected)


def test_each_hostile_file_alone_takes_under_ten_seconds(folder):
    input_dir, expected = folder
    slow = {}
    for name in sorted(expected):
        started = time.monotonic()
        workbook = load_workbook_file(input_dir / name, input_dir, Config())
        elapsed = time.monotonic() - started
        if elapsed >= PER_FILE_SECONDS:
            slow[name] = elapsed
        assert workbook.assessed == (not expected[name] or name == "good.xlsx"), name
    assert slow == {}


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


# --- Hard bounds behind pre-flight: what a reader does wrong ends its worker, not the batch ----------

def relaxed(**limits) -> Config:
    """Limits loosened so that a file pre-flight would refuse reaches the reader."""
    return dataclasses.replace(Config(), limits=Limits(**{"max_rows": 1_048_576, "max_columns": 16_384, **limits}))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_reader_that_needs_too_much_memory_stops_only_its_worker(tmp_path, jobs):
    """A cell at BL1048576 makes python-calamine allocate a 2 GB grid (and Python far more): over the
    worker's 1 GB allowance, the allocation fails and the reader aborts its own process only."""
    plain = write_workbook(tmp_path / "plain.xlsx").read_bytes()
    folder = tmp_path / "input"
    write_workbook(folder / "a-good.xlsx", partnership_id="P-A")
    write_workbook(folder / "z-good.xlsx", partnership_id="P-Z")
    sheet = part(plain, CHECKLIST_PART).replace(b"</sheetData>", b'<row r="1048576"><c r="BL1048576"><v>1</v>'
                                                                 b"</c></row></sheetData>", 1)
    (folder / "m-tall.xlsx").write_bytes(rezip(plain, {CHECKLIST_PART: sheet}))
    started = time.monotonic()
    batch = load_folder(folder, relaxed(), jobs=jobs)
    assert time.monotonic() - started < PER_FILE_SECONDS
    assert [(item.file, item.assessed) for item in batch.workbooks] == [
        ("a-good.xlsx", True), ("m-tall.xlsx", False), ("z-good.xlsx", True)]
    (tall,) = batch.workbooks[1].findings
    assert tall.rule == "file.unreadable" and "SIGABRT" in tall.message
    assert batch.workbooks[1].sha256 == hashlib.sha256((folder / "m-tall.xlsx").read_bytes()).hexdigest()
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < ONE_GIGABYTE_KB * 1.5


def test_a_reader_that_never_finishes_is_stopped(tmp_path, monkeypatch):
    folder = tmp_path / "input"
    write_workbook(folder / "a-good.xlsx")
    write_workbook(folder / "b-endless.xlsx")
    real = workbook_reader.read_workbook

    def endless_for_one(data, name, *args):
        while name == "b-endless.xlsx":
            pass
        return real(data, name, *args)

    monkeypatch.setattr(workbook_reader, "read_workbook", endless_for_one)  # the workers are forked with it
    batch = load_folder(folder, relaxed(load_timeout_seconds=1))
    assert [(item.file, item.assessed) for item in batch.workbooks] == [("a-good.xlsx", True),
                                                                        ("b-endless.xlsx", False)]
    assert [item.rule for item in batch.workbooks[1].findings] == ["file.too_large"]
    assert "longer than the time allowed" in batch.workbooks[1].findings[0].message
