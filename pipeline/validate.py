"""`partnerships validate`: load a folder of returns, check them, write the validation report.

`validate_folder` is the whole command as a library function; the CLI only prints its summary and
exits with its code (0 no error, 1 at least one error-severity finding).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Config
from pipeline.findings import ValidationReport
from pipeline.assess import assess_folder
from pipeline.load import SUPPORTED_FORMATS_TEXT, Batch
from pipeline.progress import Progress, quiet
from pipeline.validation_report import write_validation_report


@dataclass
class ValidationOutcome:
    report: ValidationReport
    batch: Batch
    paths: list[Path] = field(default_factory=list)  # the reports written
    feedback_dir: Path | None = None  # where feedback copies were written, when asked for
    feedback_paths: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return self.report.exit_code

    def summary_lines(self) -> list[str]:
        workbooks = self.batch.workbooks
        assessed = sum(1 for workbook in workbooks if workbook.assessed)
        lines = []
        if not workbooks:
            lines.append(f"No workbooks ({SUPPORTED_FORMATS_TEXT}) found in {self.batch.input_dir}.")
        else:
            lines.append(f"Files read: {len(workbooks)}; partnerships assessed: {assessed}; "
                         f"files not assessed: {len(workbooks) - assessed}.")
        if self.batch.ignored:
            lines.append(f"Files ignored: {len(self.batch.ignored)} (listed on the report's Summary sheet).")
        lines.append(f"Findings: {self.report.errors} errors, {self.report.warnings} warnings.")
        lines += [f"Wrote {path}" for path in self.paths]
        if self.feedback_dir is not None:
            from pipeline.feedback import COPIES_LIST

            lines.append(f"Wrote {len(self.feedback_paths)} feedback copies to {self.feedback_dir} "
                         f"({self.feedback_dir / COPIES_LIST} gives each file with findings its copy, "
                         "or why it has none)")
        return lines


class OutInsideInput(ValueError):
    """The output folder is the input folder, or inside it, or holds it: the one-line message says so."""


def check_out_outside_input(input_dir: Path, out_dir: Path) -> None:
    """Outputs never become inputs: `out_dir` must not be, or be inside, or hold `input_dir` (the next
    run would read the reports and feedback copies as returns)."""
    source, target = Path(input_dir).resolve(), Path(out_dir).resolve()
    if target == source or source.is_relative_to(target) or target.is_relative_to(source):
        raise OutInsideInput(f"--out {out_dir} must be outside the input folder {input_dir} (and not contain it)")


def validate_folder(input_dir: Path, out_dir: Path, *, as_of: dt.date, config: Config, jobs: int = 1,
                    feedback: bool = False, progress: Progress = quiet) -> ValidationOutcome:
    """Load every workbook under `input_dir`, validate the batch, write the reports into `out_dir`
    (which must be outside `input_dir`: `OutInsideInput`)."""
    check_out_outside_input(input_dir, out_dir)
    assessment = assess_folder(Path(input_dir), config, as_of=as_of, jobs=jobs, progress=progress)
    batch, report = assessment.batch, assessment.report
    paths = write_validation_report(report, batch, Path(out_dir))
    outcome = ValidationOutcome(report, batch, paths)
    if feedback:
        from pipeline.feedback import write_feedback

        outcome.feedback_dir = Path(out_dir) / "feedback"
        outcome.feedback_paths = list(write_feedback(Path(input_dir), batch.workbooks, report,
                                                     outcome.feedback_dir, jobs=jobs))
    return outcome
