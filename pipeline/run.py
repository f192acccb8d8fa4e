"""The two runs, stage by stage: `partnerships validate` (`validate_folder`) and `partnerships report`
(`report`, the year's run):

    read, check and score (pipeline.read, pipeline.check) -> the batch as tables (pandas) ->
    results.json data -> shared partners, possible duplication and leverage (pipeline.portfolio) -> the years
    side by side and change since last year (pipeline.cycle.history, .compare) -> charts -> pack
    (HTML, PDF) -> register.xlsx -> results.json, answers.csv -> validation report -> feedback copies

The report is built in a staging folder beside `--out` and swapped into place only when complete,
under a lock (`pipeline.files.staging`), so a failed or killed run leaves the last good pack where it
was and two runs never write into one folder at once.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from pipeline import values
from pipeline.catalogue import RAG_ORDER
from pipeline.config import Config
from pipeline.files.staging import check_out_folder, checkpoint, staged_pack
from pipeline.findings import ValidationReport
from pipeline.progress import Progress, quiet
from pipeline.read.batch import Batch
from pipeline.read.folder import SUPPORTED_FORMATS_TEXT

if TYPE_CHECKING:  # the scores are imported only by the runs that score (`report`), not by `validate`
    from pipeline.check.score import PartnershipScore

HTML_FILE, PDF_FILE, REGISTER_FILE = "review_pack.html", "review_pack.pdf", "register.xlsx"
CHARTS_DIR, FEEDBACK_DIR = "charts", "feedback"
#: Files that show a folder holds an earlier pack, so replacing it loses nothing else.
PACK_MARKERS = ("results.json", HTML_FILE)


def findings_said(report: ValidationReport) -> str:
    """The console's count of a run's findings: 'Findings: 1 error, 12 warnings'."""
    return f"Findings: {values.counted(report.errors, 'error')}, {values.counted(report.warnings, 'warning')}"


class ReportError(Exception):
    """The run cannot go on; the message is one line saying why and what to do."""


class PreviousFolderError(ReportError):
    """`--previous` names what cannot be an earlier year's review: a usage error (exit 2)."""


@dataclass
class ReportOutcome:
    out_dir: Path
    scores: list[PartnershipScore]
    report: ValidationReport
    pdf: bool
    workbooks: int
    paths: list[Path] = field(default_factory=list)
    earlier_years: tuple[int, ...] = ()  # the years `--previous` gave, oldest first

    @property
    def totals(self) -> dict[str, Any]:
        from pipeline.check.score import totals

        return totals(self.scores)

    def summary_lines(self) -> list[str]:
        summary = self.totals
        lines = []
        if not self.workbooks:
            lines.append("No workbooks were found: the pack is empty.")
        # The four kinds of workbook add up to the workbooks: a second return of an ID is only one.
        second = summary["duplicates_not_counted"]
        lines.append(
            f"Workbooks: {summary['workbooks']}; in scope {summary['in_scope']}, out of scope "
            f"{summary['out_of_scope']}, not assessed {summary['not_assessed']}"
            + (
                f", {'a second return' if second == 1 else 'second returns'} of an ID (not counted) {second}"
                if second
                else ""
            )
            + "."
        )
        if summary["duplicates_not_counted"]:
            lines.append(
                f"Partnerships: {summary['partnerships']}, each Partnership ID counted once; "
                f"{values.counted(summary['duplicates_not_counted'], 'other return')} of an ID given twice "
                f"{'is' if summary['duplicates_not_counted'] == 1 else 'are'} not counted (see Exceptions)."
            )
        lines.append("RAG: " + ", ".join(f"{rag} {summary['rag'][rag]}" for rag in RAG_ORDER) + ".")
        lines.append(f"{findings_said(self.report)} (see {self.out_dir / 'validation_report.xlsx'}).")
        from pipeline.files.names import FEEDBACK_COPIES_LIST as COPIES_LIST

        lines.append(
            f"Feedback copies: {self.out_dir / FEEDBACK_DIR} ({COPIES_LIST} gives each file with findings "
            "its copy, or why it has none)."
        )
        pack = self.out_dir / HTML_FILE
        lines.append(f"Pack: {pack}" + (f" and {self.out_dir / PDF_FILE}" if self.pdf else " (PDF skipped)"))
        return lines


def report(
    input_dir: Path,
    out_dir: Path,
    *,
    as_of: dt.date,
    year: int,
    previous_dir: Path | Sequence[Path] | None = None,
    config: Config,
    pdf: bool = True,
    jobs: int = 1,
    progress: Progress = quiet,
) -> ReportOutcome:
    """Run the year on the workbooks under `input_dir` and write the pack into `out_dir`.

    `previous_dir`: earlier years' output folders (or folders holding them); the latest is "last year".

    Raises `PreviousFolderError` (a wrong `--previous`), `ReportError`, or `pipeline.files.staging.FolderError` (a wrong
    `--out`, another run writing into it, or a failed write), each with a one-line message."""
    from pipeline.check.assess import assess_folder
    from pipeline.check.feedback import write_feedback
    from pipeline.check.validation_report import write_validation_report
    from pipeline.cycle.register import write_register
    from pipeline.files.atomic import write_atomic
    from pipeline.pack.charts import NETWORK_CHART, render_charts, render_network
    from pipeline.pack.context import build_context
    from pipeline.pack.html import render_html
    from pipeline.pack.pdf import render_pdf
    from pipeline.cycle.history import add_history
    from pipeline.pack.results import RESULTS_FILE, add_leverage, dumps, network_results, results
    from pipeline.records import is_demo
    from pipeline.portfolio.duplication import analyse, members
    from pipeline.portfolio.leverage import leverage_by_file
    from pipeline.pack import tables

    input_dir, out_dir = Path(input_dir), Path(out_dir)
    check_out_folder(input_dir, out_dir, PACK_MARKERS)
    there = _pack_results(out_dir)  # the results.json of a pack already in --out, read once
    _check_not_another_years_pack(out_dir, there, year)
    earlier = read_previous(previous_dir, year)  # every earlier year given, oldest first
    previous = earlier[-1] if earlier else None

    with staged_pack(out_dir) as staging:
        checkpoint("staging")
        with _step("Loading the workbooks"):
            assessment = assess_folder(input_dir, config, as_of=as_of, jobs=jobs, progress=progress)
        batch, findings, scores = assessment.batch, assessment.report, assessment.scores
        checkpoint("loaded")
        check_real_years(out_dir, there, earlier, demo=is_demo(batch.workbooks), empty=not batch.workbooks)

        with _step("Tables"):
            # The batch as tidy tables (pandas): the answers for analysts, the partnerships for the
            # analysis across them that the pack shows.
            answers = tables.answers_frame(batch.workbooks)
            leverage = leverage_by_file(scores, batch.workbooks)  # partners' money per council pound
            strategy = tables.strategy_questions(tables.partnerships_frame(scores, leverage), config, scores, leverage)

        data = results(
            scores, batch.workbooks, as_of=as_of, year=year, config=config, ignored=batch.ignored, strategy=strategy
        )
        add_leverage(data, leverage, strategy["leverage"])
        with _earlier_years_read(earlier):
            # each partnership's rating, completeness and assurance, and each year's money, year by year
            add_history(data, earlier)
        network = analyse(members(scores, batch.workbooks), config)  # shared partners, possible duplication
        data.update(network_results(network))
        with _earlier_years_read(earlier):
            comparison = change_since_previous(data, previous, config)
        if comparison is not None:
            data["change_since_previous"] = comparison.as_dict()

        with _step("Charts"):
            # The charts draw the analysis the pack words and results.json records; the heat map marks risk movement.
            charts = render_charts(scores, config, comparison=comparison, strategy=strategy)
            charts[NETWORK_CHART] = render_network(network)
            (staging / CHARTS_DIR).mkdir()
            for name in progress("Charts", sorted(charts)):
                write_atomic(staging / CHARTS_DIR / f"{name}.svg", charts[name].encode("utf-8"))
        with _step("The pack"):
            context = build_context(
                scores=scores,
                workbooks=batch.workbooks,
                report=findings,
                charts=charts,
                as_of=as_of,
                year=year,
                config=config,
                ignored=batch.ignored,
                comparison=comparison,
                strategy=strategy,
                network=network,
                history=data,
                leverage=leverage,
            )
            for document in progress("Pack", [HTML_FILE, PDF_FILE] if pdf else [HTML_FILE]):
                if document == HTML_FILE:
                    write_atomic(staging / HTML_FILE, render_html(context).encode("utf-8"))
                else:
                    render_pdf(context, staging / PDF_FILE, jobs=jobs)
                checkpoint(document)

        with _step("The register and reports"):
            write_register(
                scores,
                batch.workbooks,
                staging / REGISTER_FILE,
                title=f"{config.council_name} partnership register {year}",
                year=year,
            )
            write_atomic(staging / RESULTS_FILE, dumps(data).encode("utf-8"))
            write_atomic(staging / tables.ANSWERS_FILE, tables.answers_csv(answers))
            write_validation_report(findings, batch, staging)
        checkpoint("reports")
        with _step("Feedback copies"):
            write_feedback(input_dir, batch.workbooks, findings, staging / FEEDBACK_DIR, jobs=jobs)
        checkpoint("feedback")

    paths = [out_dir / name for name in (HTML_FILE, PDF_FILE if pdf else None, REGISTER_FILE, RESULTS_FILE) if name]
    return ReportOutcome(
        out_dir, scores, findings, pdf, len(batch.workbooks), paths, tuple(data["year"] for data in earlier)
    )


@contextmanager
def _step(name: str) -> Iterator[None]:
    """One stage of the run: a file of the tool itself found missing stops the run with a message that
    names the stage and the file, instead of passing for a failure to write the pack."""
    from pipeline.pack.html import MissingToolFile

    try:
        yield
    except MissingToolFile as error:
        raise ReportError(f"{name} stopped: {error}") from None


@contextmanager
def _earlier_years_read(earlier: Sequence[Mapping[str, Any]]) -> Iterator[None]:
    """Reading the earlier years' results.json: one that is JSON, but with a value of another kind than
    a report writes where one is read (a rating count that is text, a history that is a number: edited
    by hand, or written by another tool), stops the run in one line instead of a traceback."""
    try:
        yield
    except (TypeError, ValueError, AttributeError, KeyError, IndexError):
        years = ", ".join(str(data.get("year")) for data in earlier)
        raise PreviousFolderError(
            f"--previous: the results.json of {years} holds a value of another kind than a report writes there "
            "(edited, or written by another tool): give the output folders of reports this tool wrote"
        ) from None


# --- The output folder ------------------------------------------------------------------------------


def check_not_a_pack(out_dir: Path, why: str) -> None:
    """Refuse to write into a review pack's folder what is not part of the pack (`why` says what would
    go wrong): the pack and what it holds are one record, and a run of its year replaces the folder."""
    from pipeline.files.staging import OutFolderError
    from pipeline.pack.results import RESULTS_FILE

    if (Path(out_dir) / RESULTS_FILE).is_file():
        raise OutFolderError(f"{out_dir} holds a review pack{why}")


def _pack_results(out_dir: Path) -> dict[str, Any]:
    """The results.json of the pack in `out_dir`; empty when there is none, or not one this tool can read."""
    import json

    from pipeline.pack.results import RESULTS_FILE

    try:
        found = json.loads((out_dir / RESULTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _check_not_another_years_pack(out_dir: Path, there: Mapping[str, Any], year: int) -> None:
    """Refuse an `out_dir` holding the pack of another year (`there`, its results): a year's pack is its
    record for audit, and `--out` naming last year's folder (the same as `--previous`, or a slip of the
    year) would replace it. A pack of the same year is replaced, as a re-run should."""
    from pipeline.files.staging import OutFolderError

    found = there.get("year")
    if isinstance(found, int) and found != year:
        raise OutFolderError(
            f"--out {out_dir} holds the review pack of {found}, which a run of {year} would replace: give "
            f"a folder for {year} (such as {out_dir.parent / str(year)})"
        )


def check_real_years(
    out_dir: Path, there: Mapping[str, Any], earlier: Sequence[Mapping[str, Any]], *, demo: bool, empty: bool = False
) -> None:
    """Keep the demonstration and the council's years apart: a demo run (every return of a demo set,
    as `make report` runs when input/ has no workbook) does not replace a pack made from real returns
    (`there`, the results of the pack in `out_dir`), and a real year is not compared with a demo pack
    as if it were the council's earlier year. Nor does a run that found no return at all (`empty`: an
    input folder mistyped, a share not mounted) replace such a pack with an empty one."""
    from pipeline.files.staging import OutFolderError

    # `demo` false: made from returns, as a release from 1.2.0 on records it. A pack of an earlier
    # release does not say, and is replaced as before: it is as likely to be that release's demo.
    real = there.get("demo") is False and (there.get("totals") or {}).get("workbooks")
    if empty and real:
        raise OutFolderError(
            f"no return was found to read, and --out {out_dir} holds the review of {there.get('year')} made from "
            f"{there['totals']['workbooks']} of the council's returns: a run on none does not replace it with an "
            "empty pack; check the input folder (python -m pipeline.read.folder INPUT_DIR says what it holds)"
        )
    if demo:
        if real:
            raise OutFolderError(
                f"--out {out_dir} holds the review of {there.get('year')} made from the council's returns: a "
                "demonstration (every workbook of a demo set) does not replace it; give the demo another folder"
            )
        return
    for data in earlier:
        if data.get("demo"):
            raise PreviousFolderError(
                f"--previous: the review of {data.get('year')} given is a demonstration, made from a demo set "
                "(`partnerships demo`, or `make report` when input/ has no workbook), not the council's returns: "
                "move it out of the folder given, or give the council's own years (a year reported from demo "
                "workbooks is a demonstration: report it again from the council's returns)"
            )


# --- Last year --------------------------------------------------------------------------------------


def read_previous(previous_dir: Path | Sequence[Path] | None, year: int) -> list[dict[str, Any]]:
    """Every results.json of a year before `year`, oldest first, read before any work so a wrong
    --previous fails at once."""
    from pipeline.cycle.compare import PreviousError
    from pipeline.cycle.history import load_years

    if previous_dir is None:
        return []
    folders = [previous_dir] if isinstance(previous_dir, (str, Path)) else list(previous_dir)
    try:
        return load_years((Path(folder) for folder in folders), before=year)
    except PreviousError as error:
        raise PreviousFolderError(str(error)) from None


def change_since_previous(current: dict[str, Any], previous: dict[str, Any] | None, config: Config | None = None):
    """The comparison the pack's "Change since last year" shows; None without --previous."""
    if previous is None:
        return None
    from pipeline.cycle.compare import compare

    return compare(current, previous, config)


# --- partnerships validate -------------------------------------------------------------------------


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
            lines.append(
                f"Files read: {len(workbooks)}; workbooks assessed: {assessed}; "
                f"workbooks not assessed: {len(workbooks) - assessed}."
            )
        if self.batch.ignored:
            lines.append(f"Files ignored: {len(self.batch.ignored)} (listed on the report's Summary sheet).")
        lines.append(f"{findings_said(self.report)}.")
        lines += [f"Wrote {path}" for path in self.paths]
        if self.feedback_dir is not None:
            from pipeline.files.names import FEEDBACK_COPIES_LIST as COPIES_LIST

            lines.append(
                f"Wrote {values.counted(len(self.feedback_paths), 'feedback copy', 'feedback copies')} to {self.feedback_dir} "
                f"({self.feedback_dir / COPIES_LIST} gives each file with findings its copy, "
                "or why it has none)"
            )
        return lines


def _load_report_writer() -> None:
    """The reports' writer (XlsxWriter), loaded while the workers read instead of after them."""
    import xlsxwriter  # noqa: F401


def validate_folder(
    input_dir: Path,
    out_dir: Path,
    *,
    as_of: dt.date,
    config: Config,
    jobs: int = 1,
    feedback: bool = False,
    progress: Progress = quiet,
) -> ValidationOutcome:
    """Load every workbook under `input_dir`, validate the batch, write the reports into `out_dir`.

    Raises `pipeline.files.staging.FolderError` when `out_dir` is inside `input_dir` (or holds it)."""
    from pipeline.check.assess import check_folder
    from pipeline.check.validation_report import write_validation_report
    from pipeline.files.staging import check_outside_input

    check_outside_input(Path(input_dir), Path(out_dir))
    check_not_a_pack(
        Path(out_dir),
        ", whose validation report is its own: validate writes its reports into a folder of their own "
        "(such as output/checks)",
    )

    assessment = check_folder(
        Path(input_dir), config, as_of=as_of, jobs=jobs, progress=progress, meanwhile=_load_report_writer
    )
    batch, report = assessment.batch, assessment.report
    paths = write_validation_report(report, batch, Path(out_dir))
    outcome = ValidationOutcome(report, batch, paths)
    if feedback:
        from pipeline.check.feedback import write_feedback

        outcome.feedback_dir = Path(out_dir) / "feedback"
        outcome.feedback_paths = list(
            write_feedback(Path(input_dir), batch.workbooks, report, outcome.feedback_dir, jobs=jobs)
        )
    return outcome
