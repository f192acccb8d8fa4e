"""`partnerships report`: the year's run, stage by stage.

    load -> validate -> score -> chart -> pack (HTML, PDF) -> register.xlsx -> results.json
         -> validation report -> feedback copies

Everything is written into a staging folder beside `--out` (`.NAME.unfinished-*`) and swapped into
place only when the whole pack is complete, so a failed or killed run leaves the last good pack where
it was. On Linux the swap is one atomic exchange of the two folders; elsewhere it is two renames, and a
run killed between them is repaired by the next run. A lock file beside `--out` (`.NAME.lock`, held
with an advisory lock that the system releases when the run dies) stops two runs writing into the same
folder at once: the second refuses with a message. Each run first removes what killed runs left beside
`--out`.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import glob
import os
import shutil
import signal
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from pipeline.config import Config
from pipeline.findings import ValidationReport
from pipeline.progress import Progress, quiet
from pipeline.score import RAG_ORDER, PartnershipScore, totals

HTML_FILE, PDF_FILE, REGISTER_FILE = "review_pack.html", "review_pack.pdf", "register.xlsx"
CHARTS_DIR, FEEDBACK_DIR = "charts", "feedback"
#: Files that show a folder holds an earlier pack, so replacing it loses nothing else.
PACK_MARKERS = ("results.json", HTML_FILE)
#: Names of the folders a run builds in, and that a swap sets aside, beside `--out`.
UNFINISHED, REPLACED = "unfinished", "replaced"
#: For tests only (tests/robustness/test_crash_safety.py): the name of a stage (see `_stage`) at which
#: the run kills itself with SIGKILL, as a power cut or `kill -9` would. Never set in normal use.
CRASH_AT_ENV = "PARTNERSHIPS_TEST_CRASH_AT"
#: For tests only: swap with two renames even where an atomic exchange is available.
NO_EXCHANGE_ENV = "PARTNERSHIPS_TEST_NO_EXCHANGE"


class ReportError(Exception):
    """The run cannot go on; the message is one line saying why and what to do."""


@dataclass
class ReportOutcome:
    out_dir: Path
    scores: list[PartnershipScore]
    report: ValidationReport
    pdf: bool
    workbooks: int
    paths: list[Path] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Any]:
        return totals(self.scores)

    def summary_lines(self) -> list[str]:
        summary = self.totals
        lines = []
        if not self.workbooks:
            lines.append("No workbooks were found: the pack is empty.")
        lines.append(f"Workbooks: {summary['workbooks']}; in scope {summary['in_scope']}, out of scope "
                     f"{summary['out_of_scope']}, not assessed {summary['not_assessed']}.")
        lines.append("RAG: " + ", ".join(f"{rag} {summary['rag'][rag]}" for rag in RAG_ORDER) + ".")
        lines.append(f"Findings: {self.report.errors} errors, {self.report.warnings} warnings "
                     f"(see {self.out_dir / 'validation_report.xlsx'}).")
        from pipeline.feedback import COPIES_LIST

        lines.append(f"Feedback copies: {self.out_dir / FEEDBACK_DIR} ({COPIES_LIST} gives each file with findings "
                     "its copy, or why it has none).")
        pack = self.out_dir / HTML_FILE
        lines.append(f"Pack: {pack}" + (f" and {self.out_dir / PDF_FILE}" if self.pdf else " (PDF skipped)"))
        return lines


def report(input_dir: Path, out_dir: Path, *, as_of: dt.date, year: int, previous_dir: Path | None = None,
           config: Config, pdf: bool = True, jobs: int = 1, progress: Progress = quiet) -> ReportOutcome:
    """Run the year on the workbooks under `input_dir` and write the pack into `out_dir`."""
    from pipeline.charts import render_charts
    from pipeline.assess import assess_folder
    from pipeline.pack import build_context, render_html, render_pdf
    from pipeline.register_export import write_register
    from pipeline.results import RESULTS_FILE, dumps, results
    from pipeline.atomic import write_atomic
    from pipeline.validation_report import write_validation_report

    input_dir, out_dir = Path(input_dir), Path(out_dir)
    _check_folders(input_dir, out_dir)
    previous = read_previous(previous_dir) if previous_dir is not None else None

    with _locked(out_dir), _staging(out_dir) as staging:
        _stage("staging")
        with _step("Loading the workbooks"):
            assessment = assess_folder(input_dir, config, as_of=as_of, jobs=jobs, progress=progress)
        batch, findings, scores = assessment.batch, assessment.report, assessment.scores
        _stage("loaded")

        data = results(scores, batch.workbooks, as_of=as_of, year=year, config=config, ignored=batch.ignored)
        comparison = change_since_previous(data, previous)
        if comparison is not None:
            data["change_since_previous"] = comparison.as_dict()

        with _step("Charts"):
            charts = render_charts(scores, config, comparison=comparison)  # the heat map marks risk movement
            (staging / CHARTS_DIR).mkdir()
            for name in progress("Charts", sorted(charts)):
                write_atomic(staging / CHARTS_DIR / f"{name}.svg", charts[name].encode("utf-8"))
        with _step("The pack"):
            context = build_context(scores=scores, workbooks=batch.workbooks, report=findings, charts=charts,
                                    as_of=as_of, year=year, config=config, ignored=batch.ignored,
                                    comparison=comparison)
            for document in progress("Pack", [HTML_FILE, PDF_FILE] if pdf else [HTML_FILE]):
                if document == HTML_FILE:
                    write_atomic(staging / HTML_FILE, render_html(context).encode("utf-8"))
                else:
                    render_pdf(context, staging / PDF_FILE, jobs=jobs)
                _stage(document)

        with _step("The register and reports"):
            write_register(scores, batch.workbooks, staging / REGISTER_FILE,
                           title=f"{config.council_name} partnership register {year}")
            write_atomic(staging / RESULTS_FILE, dumps(data).encode("utf-8"))
            write_validation_report(findings, batch, staging)
        _stage("reports")
        with _step("Feedback copies"):
            _write_feedback(input_dir, batch.workbooks, findings, staging / FEEDBACK_DIR, jobs=jobs)
        _stage("feedback")

    paths = [out_dir / name for name in (HTML_FILE, PDF_FILE if pdf else None, REGISTER_FILE, RESULTS_FILE) if name]
    return ReportOutcome(out_dir, scores, findings, pdf, len(batch.workbooks), paths)


# --- Last year --------------------------------------------------------------------------------------

def read_previous(previous_dir: Path) -> dict[str, Any]:
    """Last year's results.json, read before any work so a wrong --previous fails at once."""
    from pipeline.compare import PreviousError, load_previous

    try:
        return load_previous(Path(previous_dir))
    except PreviousError as error:
        raise ReportError(str(error)) from None


def change_since_previous(current: dict[str, Any], previous: dict[str, Any] | None):
    """The comparison the pack's "Change since last year" shows; None without --previous."""
    if previous is None:
        return None
    from pipeline.compare import compare

    return compare(current, previous)


# --- Feedback ---------------------------------------------------------------------------------------

def _write_feedback(input_dir: Path, workbooks, findings: ValidationReport, folder: Path, *, jobs: int) -> None:
    from pipeline.feedback import write_feedback

    write_feedback(input_dir, workbooks, findings, folder, jobs=jobs)


# --- Writing safely ---------------------------------------------------------------------------------

def _check_folders(input_dir: Path, out_dir: Path) -> None:
    from pipeline.validate import OutInsideInput, check_out_outside_input

    try:
        check_out_outside_input(input_dir, out_dir)
    except OutInsideInput as error:
        raise ReportError(str(error)) from None
    target = out_dir.resolve()
    if target.exists() and not target.is_dir():
        raise ReportError(f"--out {out_dir} is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not any((target / name).exists() for name in PACK_MARKERS):
        raise ReportError(f"--out {out_dir} holds files that are not a review pack; give a new or empty folder "
                          "(the pack replaces the whole folder)")


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """Hold the lock file beside `out_dir` for the length of the run; refuse if another run holds it.

    The lock is an advisory `flock` on `.NAME.lock`, which the system releases when its holder dies,
    so a killed run never blocks the next one; the file also names the holder's process id. What a
    killed run left beside `out_dir` is cleaned up once the lock is ours.
    """
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = out_dir.parent / f".{out_dir.name}.lock"
    busy = ReportError(f"another report is writing into {out_dir} (lock {lock}); wait for it to finish, "
                       "or delete the lock file if no run is going on")
    while True:
        handle = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
        if not _try_flock(handle):
            os.close(handle)
            raise busy
        try:
            current = os.stat(lock).st_ino == os.fstat(handle).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        os.close(handle)  # the run that held it removed the file meanwhile: lock the new one
    if _holder_alive(handle):  # a lock written without flock (by hand, or an older version) that is live
        os.close(handle)
        raise busy
    try:
        os.ftruncate(handle, 0)
        os.pwrite(handle, str(os.getpid()).encode(), 0)
        _clean_leftovers(out_dir)
        yield
    finally:
        lock.unlink(missing_ok=True)  # while still holding it, so no other run is inside
        os.close(handle)


def _try_flock(handle: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: the process id in the file is the only guard
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder_alive(handle: int) -> bool:
    try:
        pid = int(os.pread(handle, 32, 0).decode("ascii", "replace").strip() or 0)
    except ValueError:
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(out_dir: Path, kind: str) -> list[Path]:
    pattern = f".{glob.escape(out_dir.name)}.{kind}-*"
    return sorted(path for path in out_dir.parent.glob(pattern) if path.is_dir() and not path.is_symlink())


def _clean_leftovers(out_dir: Path) -> None:
    """Remove the folders of killed runs; restore the last pack if a run died in the middle of a swap."""
    for replaced in _leftovers(out_dir, REPLACED):
        if not out_dir.exists():
            os.rename(replaced, out_dir)  # the run died between its two renames: the old pack goes back
        else:
            shutil.rmtree(replaced, ignore_errors=True)
    for unfinished in _leftovers(out_dir, UNFINISHED):
        shutil.rmtree(unfinished, ignore_errors=True)


def _stage(name: str) -> None:
    """A point between two stages of the run; with CRASH_AT_ENV set to `name`, the run dies here (tests)."""
    if os.environ.get(CRASH_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """A folder beside `out_dir` to build the pack in; swapped into place only if the body succeeds."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{UNFINISHED}-", dir=out_dir.parent))
    try:
        yield staging
        os.chmod(staging, 0o755)  # mkdtemp makes it private; the pack is for sharing
        _stage("staged")
        _swap_into_place(staging, out_dir)
    except OSError as error:
        raise ReportError(f"could not write the pack into {out_dir}: {error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def _step(name: str) -> Iterator[None]:
    """One stage of the run: a file of the tool itself found missing stops the run with a message that
    names the stage and the file, instead of passing for a failure to write the pack."""
    from pipeline.pack import MissingToolFile

    try:
        yield
    except MissingToolFile as error:
        raise ReportError(f"{name} stopped: {error}") from None


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    """New pack in, old pack out: one atomic exchange where the system offers it, else two renames.

    After an exchange `staging` holds the old pack, which the caller removes. With two renames the old
    pack is set aside first; if the second rename fails it comes back, and if the run is killed
    between them the next run puts it back (`_clean_leftovers`).
    """
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        _stage("swapped")
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{REPLACED}-", dir=out_dir.parent))
    os.rmdir(backup)
    os.rename(out_dir, backup)
    _stage("half-swapped")
    try:
        os.rename(staging, out_dir)
    except OSError:
        os.rename(backup, out_dir)
        raise
    shutil.rmtree(backup, ignore_errors=True)


_RENAME_EXCHANGE = 2  # linux/fs.h
_EXCHANGE_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where that is not available."""
    if os.environ.get(NO_EXCHANGE_ENV) or not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_cwd = -100  # AT_FDCWD
    if renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _EXCHANGE_UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(second))
