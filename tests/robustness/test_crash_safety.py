"""A report run killed at any stage leaves the last complete pack in place; two runs at once do not mix.

`partnerships report` runs as a real subprocess on demo workbooks and is killed with SIGKILL, as a
power cut or `kill -9` would: at each stage boundary (the run's test hook `PARTNERSHIPS_TEST_CRASH_AT`
makes it kill itself there; 8 workbooks keep this quick) and, in the slow suite, after fixed delays
during a run of 30 workbooks with the PDF.
The folder must then hold exactly the last complete pack (or, once the swap is done, exactly the new
one), nothing beside it that looks like a pack, and the next run must clean up and succeed. Its
worker processes must end with it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cycle.demo import write_demo_set
from pipeline.files.staging import CRASH_AT_ENV, NO_EXCHANGE_ENV, REPLACED, UNFINISHED

CLI = Path(sys.executable).with_name("partnerships")
AS_OF = "2026-05-01"
LATER = "2026-09-01"  # a second as-of date gives a different pack from the same workbooks
PACK_NAMES = (
    "review_pack.html",
    "review_pack.pdf",
    "results.json",
    "register.xlsx",
    "validation_report.csv",
    "validation_report.xlsx",
)


def report(
    inputs: Path, out: Path, as_of: str, *extra: str, env: dict | None = None, wait: bool = True
) -> subprocess.CompletedProcess | subprocess.Popen:
    command = [str(CLI), "report", str(inputs), "--out", str(out), "--as-of", as_of, "--year", "2026", *extra]
    environment = {**os.environ, **(env or {})}
    if not wait:
        return subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()
    }


def two_packs(root: Path, count: int):
    """The inputs, the pack as of AS_OF (the "last complete pack") and the pack as of LATER."""
    inputs = root / "input"
    write_demo_set(inputs, count=count, seed=3)
    runs = [
        report(inputs, root / name, as_of, "--no-pdf", wait=False) for name, as_of in (("old", AS_OF), ("new", LATER))
    ]
    for process in runs:
        assert process.wait(timeout=300) == 0, process.communicate()[1]
    old, new = snapshot(root / "old"), snapshot(root / "new")
    assert old != new
    return inputs, root, old, new


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    return two_packs(tmp_path_factory.mktemp("crash"), count=8)


@pytest.fixture(scope="module")
def thirty(tmp_path_factory):
    return two_packs(tmp_path_factory.mktemp("crash30"), count=30)


def fresh_copy(root: Path, name: str) -> Path:
    """A folder `name/2026` holding the last complete pack, alone."""
    out = root / name / "2026"
    shutil.copytree(root / "old", out)
    return out


def beside(out: Path) -> list[str]:
    return sorted(path.name for path in out.parent.iterdir() if path.name != out.name)


STAGES = ["staging", "loaded", "review_pack.html", "reports", "feedback", "staged", "swapped"]


@pytest.fixture(scope="module")
def killed(packs) -> dict[str, int]:
    """A run killed at each stage, each into its own copy of the last pack, all at once (quicker)."""
    inputs, root, _, _ = packs
    runs = {
        stage: report(
            inputs, fresh_copy(root, f"killed-{stage}"), LATER, "--no-pdf", env={CRASH_AT_ENV: stage}, wait=False
        )
        for stage in STAGES
    }
    return {stage: process.wait(timeout=300) for stage, process in runs.items()}


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
@pytest.mark.parametrize("stage", STAGES)
def test_a_run_killed_at_a_stage_leaves_one_complete_pack(packs, killed, stage):
    inputs, root, old, new = packs
    out = root / f"killed-{stage}" / "2026"
    assert killed[stage] == -signal.SIGKILL
    after = snapshot(out)
    # Before the swap the last pack is untouched; after it (one atomic exchange) the new one is whole.
    assert after == (new if stage == "swapped" else old)
    for name in beside(out):  # what the dead run left is hidden and says what it is
        assert name.startswith(".2026.") and (name == ".2026.lock" or UNFINISHED in name), name
    if stage == "feedback":  # the next run removes what the dead one left, and succeeds
        assert any(UNFINISHED in name for name in beside(out))
        again = report(inputs, out, LATER, "--no-pdf")
        assert again.returncode == 0, again.stderr
        assert snapshot(out) == new
        assert beside(out) == []


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_run_killed_between_two_renames_gets_its_pack_back(packs):
    """Where no atomic exchange exists, the old pack is set aside then the new one moved in; killed
    between the two, the next run puts the old pack back before it does anything else."""
    inputs, root, old, new = packs
    out = fresh_copy(root, "half-swapped")
    killed = report(inputs, out, LATER, "--no-pdf", env={CRASH_AT_ENV: "half-swapped", NO_EXCHANGE_ENV: "1"})
    assert killed.returncode == -signal.SIGKILL
    assert not out.exists()
    (aside,) = [name for name in beside(out) if REPLACED in name]
    assert snapshot(out.parent / aside) == old
    # The next run dies as soon as it holds the lock: it has still put the last pack back.
    report(inputs, out, LATER, "--no-pdf", env={CRASH_AT_ENV: "staging"})
    assert snapshot(out) == old
    assert report(inputs, out, LATER, "--no-pdf", env={NO_EXCHANGE_ENV: "1"}).returncode == 0
    assert snapshot(out) == new and beside(out) == []


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_two_runs_into_one_folder_at_once_one_refuses_and_one_pack_results(packs):
    inputs, root, old, new = packs
    out = fresh_copy(root, "together")
    first = report(inputs, out, LATER, "--no-pdf", wait=False)
    second = report(inputs, out, LATER, "--no-pdf", wait=False)
    results = [process.communicate(timeout=300) + (process.returncode,) for process in (first, second)]
    codes = sorted(code for _, _, code in results)
    assert codes == [0, 1], results
    (refusal,) = [stderr for _, stderr, code in results if code == 1]
    assert "another report is writing into" in refusal
    assert snapshot(out) == new and beside(out) == []


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.5, 2, 5, 10, 15, 20])
def test_a_run_with_pdf_killed_after_a_delay_leaves_one_complete_pack(thirty, delay):
    inputs, root, old, new = thirty
    out = fresh_copy(root, f"timed-{delay}")
    process = report(inputs, out, LATER, wait=False)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    after = snapshot(out)
    if after != old:  # the swap happened: the new pack, whole, with its PDF
        assert {name: data for name, data in after.items() if name != "review_pack.pdf"} == new
        assert after["review_pack.pdf"].startswith(b"%PDF") and after["review_pack.pdf"].rstrip().endswith(b"%%EOF")
    assert not [name for name in beside(out) if not name.startswith(".2026.")]
    assert report(inputs, out, LATER, "--no-pdf").returncode == 0
    assert snapshot(out) == new and beside(out) == []


def _blocked_or_waiting(process) -> bool:
    """A PDF worker that has finished its part and waits: to write its result, or for the next part."""
    try:
        return process.status() == "sleeping" and process.cpu_percent(interval=0.2) < 5
    except Exception:  # noqa: BLE001 - psutil.NoSuchProcess: it ended, which is as good
        return True


@pytest.mark.slow
def test_a_run_killed_while_its_pdf_workers_hold_their_results_leaves_no_process_behind(tmp_path):
    """Killed (`kill -9`, or a terminal closed) while its PDF workers are handing back their parts: the
    workers go with it. A worker left behind would wait for ever to write into a pipe no one reads,
    holding its memory and the run's output open (a `make report | tee log` would never end)."""
    import psutil

    inputs = tmp_path / "input"
    write_demo_set(inputs, count=12, seed=3)  # 12 profiles: two chunks of the PDF, two workers
    process = report(inputs, tmp_path / "out", AS_OF, "--jobs", "2", wait=False)
    run = psutil.Process(process.pid)
    deadline = time.monotonic() + 120
    workers: list = []
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
        workers = [child for child in run.children() if "spawn_main" in " ".join(child.cmdline())]
    assert len(workers) >= 2, "the PDF workers never started"
    try:
        run.suspend()  # the run stops reading: each worker renders its part, then waits to hand it back
        while not all(_blocked_or_waiting(worker) for worker in workers) and time.monotonic() < deadline:
            time.sleep(0.5)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)  # the output pipes close: no worker holds them
        gone, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive, [worker.pid for worker in alive]
    finally:
        for worker in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                worker.kill()
