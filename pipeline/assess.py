"""A folder of returns -> the batch, its findings and every partnership's scores, in one pass.

Checking and scoring a workbook need nothing from the rest of the batch except whether another
workbook uses the same Partnership ID. So each workbook is checked (`rules.check_workbook`) and
scored (`score.score_workbook`) in the worker process that read it, and only the batch-wide rule,
duplicate IDs, runs here; the few workbooks it finds are scored again with that finding. The
result is exactly what `rules.check` and `score.score_batch` give over the loaded batch, whatever
`jobs` is: only where the work runs differs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pipeline.config import Config
from pipeline.findings import Finding, ValidationReport
from pipeline.load import Batch, load_folder
from pipeline.progress import Progress, quiet
from pipeline.records import Workbook
from pipeline.rules import batch_findings, batch_report, check_workbook
from pipeline.score import PartnershipScore, mark_duplicates, score_workbook


@dataclass
class Assessment:
    batch: Batch
    report: ValidationReport
    scores: list[PartnershipScore]  # in the batch's workbook order


def assess_folder(input_dir: Path, config: Config, *, as_of: dt.date, jobs: int = 1,
                  progress: Progress = quiet) -> Assessment:
    """Load, check and score every workbook under `input_dir`, in `jobs` worker processes."""
    batch = load_folder(Path(input_dir), config, jobs=jobs, progress=progress,
                        then=partial(_check_and_score, as_of=as_of, config=config))
    checked = [own for own, _ in batch.then_results]
    scores = [score for _, score in batch.then_results]
    batch_wide = batch_findings(batch.workbooks)
    report = batch_report(batch.workbooks, checked, batch_wide)
    by_file: dict[str, list[Finding]] = {}
    for item in batch_wide:
        by_file.setdefault(item.file, []).append(item)
    for index, (workbook, own) in enumerate(zip(batch.workbooks, checked)):
        if workbook.file in by_file:
            scores[index] = score_workbook(workbook, (*workbook.findings, *own, *by_file[workbook.file]),
                                           as_of=as_of, config=config)
    return Assessment(batch, report, mark_duplicates(scores))


def _check_and_score(workbook: Workbook, *, as_of: dt.date,
                     config: Config) -> tuple[tuple[Finding, ...], PartnershipScore]:
    """Runs in the worker that read `workbook`: its own findings and its scores given them."""
    own = check_workbook(workbook, as_of=as_of, config=config)
    return own, score_workbook(workbook, (*workbook.findings, *own), as_of=as_of, config=config)
