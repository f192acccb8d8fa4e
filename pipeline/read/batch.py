"""A folder of returns -> the `Batch`: every workbook read into records, every other file accounted for.

`load_folder` only reads; `pipeline.check.assess` reads, checks and scores in one pass with the same
machinery. Input files are only ever opened for reading, once each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from pipeline.config import Config
from pipeline.progress import Progress, quiet
from pipeline.read.folder import scan_folder
from pipeline.read.workbook import load_workbook_file, stopped_reader
from pipeline.workers import Stopped, in_workers
from pipeline.records import IgnoredFile, Workbook

R = TypeVar("R")


@dataclass
class Batch:
    """Every file of the input folder: the workbooks read (sorted by file) and the files ignored."""

    input_dir: Path
    workbooks: list[Workbook] = field(default_factory=list)
    ignored: list[IgnoredFile] = field(default_factory=list)


def load_folder(input_dir: Path, config: Config, *, jobs: int = 1, progress: Progress = quiet) -> Batch:
    """Load every workbook under `input_dir` (subfolders included), in `jobs` worker processes
    (`pipeline.workers`). The result does not depend on `jobs`: workbooks come back sorted by
    their relative path."""
    input_dir = Path(input_dir)
    paths, ignored = scan_folder(input_dir)
    read = in_workers(
        partial(load_workbook_file, input_dir=input_dir, config=config),
        paths,
        jobs=jobs,
        cpu_seconds=config.limits.load_timeout_seconds,
        progress=progress,
    )
    read, ignored = set_aside(paths, read, ignored)
    workbooks = [
        stopped_reader(path, input_dir, result.code) if isinstance(result, Stopped) else result for path, result in read
    ]
    return Batch(input_dir, workbooks, ignored)


def set_aside(
    paths: list[Path], results: list[R], ignored: list[IgnoredFile]
) -> tuple[list[tuple[Path, R]], list[IgnoredFile]]:
    """Each path with its worker's result, but for the files the workers found to be this tool's own
    outputs (an `IgnoredFile` for a result), which join `ignored` (sorted by file, as the folder's are)."""
    found = [result for result in results if isinstance(result, IgnoredFile)]
    kept = [(path, result) for path, result in zip(paths, results) if not isinstance(result, IgnoredFile)]
    return kept, sorted([*ignored, *found], key=lambda item: item.file) if found else ignored
