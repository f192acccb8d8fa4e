"""A folder of returns -> the batch, its findings and every partnership's scores, in one pass.

Checking and scoring a workbook need nothing from the rest of the batch except whether another
workbook uses the same Partnership ID. So each file is read, checked (`rules.check_workbook`) and
scored (`score.score_workbook`) by `assess_file`, in the worker process that read it
(`pipeline.workers`), and only the batch-wide rule, duplicate IDs, runs here; the few
workbooks it finds are scored again with that finding. The result is exactly what `rules.check` and
`score.score_batch` give over the loaded batch, whatever `jobs` is: only where the work runs differs.
`check_folder` is the same pass without the scores, for `partnerships validate`: a worker sends back
only what the reports read of each workbook, so there is less to pass between processes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pipeline.check.rules import batch_findings, batch_report, check_workbook
from pipeline.config import Config
from pipeline.findings import Finding, ValidationReport
from pipeline.progress import Progress, quiet
from pipeline.read.batch import Batch, set_aside
from pipeline.read.folder import scan_folder
from pipeline.read.workbook import load_workbook_file, stopped_reader
from pipeline.workers import Stopped, in_workers
from pipeline.records import IgnoredFile, Workbook

if TYPE_CHECKING:
    from pipeline.check.score import PartnershipScore


@dataclass
class Assessment:
    batch: Batch
    report: ValidationReport
    scores: list[PartnershipScore]  # in the batch's workbook order


@dataclass(frozen=True)
class Assessed:
    """One file read, checked and scored: its workbook, its own findings, its scores given them."""

    workbook: Workbook
    findings: tuple[Finding, ...]
    score: PartnershipScore


def assess_folder(
    input_dir: Path, config: Config, *, as_of: dt.date, jobs: int = 1, progress: Progress = quiet
) -> Assessment:
    """Read, check and score every workbook under `input_dir`, in `jobs` worker processes."""
    from pipeline.check.score import copies_of, mark_duplicates, score_workbook

    input_dir = Path(input_dir)
    paths, ignored, done = _each_file(assess_file, input_dir, config, as_of=as_of, jobs=jobs, progress=progress)
    done, ignored = set_aside(paths, done, ignored)
    assessed = [
        assess(stopped_reader(path, input_dir, result.code), config=config, as_of=as_of)
        if isinstance(result, Stopped)
        else result
        for path, result in done
    ]
    batch = Batch(input_dir, [item.workbook for item in assessed], ignored)
    checked = [item.findings for item in assessed]
    scores = [item.score for item in assessed]
    batch_wide = batch_findings(batch.workbooks)
    report = batch_report(batch.workbooks, checked, batch_wide)
    by_file: dict[str, list[Finding]] = {}
    for item in batch_wide:
        by_file.setdefault(item.file, []).append(item)
    for index, (workbook, own) in enumerate(zip(batch.workbooks, checked)):
        if workbook.file in by_file:
            scores[index] = score_workbook(
                workbook, (*workbook.findings, *own, *by_file[workbook.file]), as_of=as_of, config=config
            )
    return Assessment(batch, report, mark_duplicates(scores, copies_of(report)))


def check_folder(
    input_dir: Path,
    config: Config,
    *,
    as_of: dt.date,
    jobs: int = 1,
    progress: Progress = quiet,
    meanwhile: Callable[[], object] | None = None,
) -> Assessment:
    """What `partnerships validate` needs of `assess_folder`, for less work: every workbook read and checked
    but not scored (`scores` is empty), and sent back from its worker as `for_reports` gives it. The
    findings are the same. `meanwhile` runs here while the workers read (see `in_workers`)."""
    input_dir = Path(input_dir)
    paths, ignored, done = _each_file(
        check_file, input_dir, config, as_of=as_of, jobs=jobs, progress=progress, meanwhile=meanwhile
    )
    done, ignored = set_aside(paths, done, ignored)
    checked = [
        (stopped_reader(path, input_dir, result.code), ()) if isinstance(result, Stopped) else result
        for path, result in done
    ]
    batch = Batch(input_dir, [workbook for workbook, _ in checked], ignored)
    report = batch_report(batch.workbooks, [own for _, own in checked], batch_findings(batch.workbooks))
    return Assessment(batch, report, [])


def _each_file(
    work: Callable,
    input_dir: Path,
    config: Config,
    *,
    as_of: dt.date,
    jobs: int,
    progress: Progress,
    meanwhile: Callable[[], object] | None = None,
):
    """The folder's workbooks, the files it ignores, and `work` done on each workbook in `jobs` worker
    processes within the configured time (a `Stopped` for a file whose worker was stopped)."""
    paths, ignored = scan_folder(input_dir)
    done = in_workers(
        partial(work, input_dir=input_dir, config=config, as_of=as_of),
        paths,
        jobs=jobs,
        cpu_seconds=config.limits.load_timeout_seconds,
        progress=progress,
        meanwhile=meanwhile,
    )
    return paths, ignored, done


def check_file(
    path: Path, *, input_dir: Path, config: Config, as_of: dt.date
) -> tuple[Workbook, tuple[Finding, ...]] | IgnoredFile:
    """Runs in the worker that reads `path` for `check_folder`: the workbook, as `for_reports` gives it,
    and its findings (or, for one of this tool's outputs, why it is not a return)."""
    workbook = load_workbook_file(path, input_dir, config)
    if isinstance(workbook, IgnoredFile):
        return workbook
    return for_reports(workbook), check_workbook(workbook, as_of=as_of, config=config)


def for_reports(workbook: Workbook) -> Workbook:
    """The workbook with only what the validation report, the feedback copies and the batch-wide rule
    (Partnership IDs used twice, naming each other's partnership) read: its file, findings, Partnership
    ID and name; its answers are left out."""
    register = {key: workbook.register[key] for key in ("id", "name") if key in workbook.register}
    return Workbook(
        file=workbook.file,
        sha256=workbook.sha256,
        size=workbook.size,
        register=register,
        findings=workbook.findings,
        template_version=workbook.template_version,
    )


def assess_file(path: Path, *, input_dir: Path, config: Config, as_of: dt.date) -> Assessed | IgnoredFile:
    """Runs in the worker that reads `path`: the workbook read, checked and scored (or, for one of this
    tool's outputs, why it is not a return)."""
    workbook = load_workbook_file(path, input_dir, config)
    return workbook if isinstance(workbook, IgnoredFile) else assess(workbook, config=config, as_of=as_of)


def assess(workbook: Workbook, *, config: Config, as_of: dt.date) -> Assessed:
    """A workbook checked on its own and scored given its findings."""
    from pipeline.check.score import score_workbook

    own = check_workbook(workbook, as_of=as_of, config=config)
    return Assessed(workbook, own, score_workbook(workbook, (*workbook.findings, *own), as_of=as_of, config=config))
