"""The `partnerships` command line: each command parses, calls one library function, prints.

Heavy libraries (openpyxl, matplotlib, WeasyPrint) are imported inside the commands that use them so
that `partnerships --help` answers at once.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterable, Iterator, TypeVar

import click

from pipeline import __version__
from pipeline.cycle import DEMO_YEAR

T = TypeVar("T")


def terminal_progress(label: str, items: Iterable[T]) -> Iterator[T]:
    """A click progress bar on stderr when it is a terminal; nothing at all in logs and pipes."""
    if not sys.stderr.isatty():
        yield from items
        return
    items = list(items)
    with click.progressbar(items, label=label.ljust(12), file=sys.stderr, show_pos=True) as bar:
        yield from bar


@contextmanager
def _writing_into(out_dir: Path) -> Iterator[None]:
    """An output folder that cannot be written (a file where a folder must be, no permission, a full
    disk) ends the command in one line naming the folder and why, never a traceback."""
    from pipeline.files.staging import cannot_write, of_out_folder

    try:
        yield
    except OSError as error:
        if not of_out_folder(out_dir, error):
            raise
        raise click.ClickException(cannot_write(out_dir, error)) from None


def _config(path: Path | None):
    from pipeline.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as error:
        raise OneLineUsageError(str(error)) from None


class OneLineUsageError(click.ClickException):
    """A usage error said in one line, as a run's other errors are (exit 2, as click's own usage
    errors, but without the usage lines above it)."""

    exit_code = 2


class ReviewYear(click.ParamType):
    """A review's year, four figures from 2000 to 2100; anything else refused in words, with an example
    (Click's own 'is not a valid integer range' would not tell a policy officer that 2O26 has a letter O)."""

    name = "YYYY"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        typed = str(value).strip()
        if not re.fullmatch(r"\d{4}", typed) or not 2000 <= int(typed) <= 2100:
            self.fail(f"'{value}' is not a year: give the review's year in four figures, such as 2026", param, ctx)
        return int(typed)


#: The furthest after today an as-of date may be: a year's review is measured at most to its year's end.
FURTHEST_AHEAD_DAYS = 366


class YearMonthDay(click.ParamType):
    """A date written 2026-04-30 and no other way, so that 05/12/2026 is never read the wrong way round;
    anything else is refused in words, with an example."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> dt.date:
        if isinstance(value, dt.date):
            return value
        typed = str(value).strip()
        try:
            day = dt.datetime.strptime(typed, "%Y-%m-%d").date()
        except ValueError:
            if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", typed):
                self.fail(
                    f"'{value}' is written year-month-day, but there is no such day: give a date that exists",
                    param,
                    ctx,
                )
            self.fail(
                f"'{value}' is not a date written year-month-day: give it as 2026-04-30 for 30 April 2026", param, ctx
            )
        today = dt.date.today()
        if day > today + dt.timedelta(days=FURTHEST_AHEAD_DAYS):
            from pipeline.formats import long_date

            # 2062 for 2026: every open action would be overdue, in a pack filed under the wrong year.
            self.fail(
                f"'{value}' is more than a year after today ({long_date(today)}): give the date that 'overdue' is "
                "measured against, such as the end of the review's year",
                param,
                ctx,
            )
        return day


as_of_option = click.option(
    "--as-of",
    "as_of",
    type=YearMonthDay(),
    default=None,
    help="Date that 'overdue' is measured against (2026-04-30). Default: today.",
)
jobs_option = click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Workbooks loaded in parallel processes. The outputs do not depend on it.",
)
config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="TOML file overriding thresholds, bands, limits and names (see README, Configuration).",
)


def _as_of(value: dt.date | None) -> dt.date:
    return value or dt.date.today()


class AnyConsole(click.Group):
    """The command group, whose output survives any console: a character the console's encoding cannot
    show (an officer's ŵ under ISO-8859-1, or PYTHONIOENCODING=latin-1) is printed as ?, never a crash."""

    def main(self, *args, **kwargs):
        for stream in (sys.stdout, sys.stderr):
            with suppress(AttributeError, ValueError, OSError):  # a stream that is not a text file
                stream.reconfigure(errors="replace")
        return super().main(*args, **kwargs)


@click.group(cls=AnyConsole, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="partnerships")
def cli() -> None:
    """Partnership review: the council's yearly review of its partnerships.

    Officers complete one standard workbook per partnership; this tool validates the returns,
    scores them and writes the annual review pack. Start with `partnerships templates --help`.
    """


@cli.command()
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the workbook(s) into.",
)
@click.option(
    "--from-register",
    "register_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="register.xlsx from last year's report: one pre-filled workbook per partnership.",
)
@click.option(
    "--year",
    type=ReviewYear(),
    default=None,
    help="Review year the rolled-over workbooks are for. Default: the year after the register's review "
    "(this year for a register that does not say which review it is of).",
)
@config_option
def templates(out_dir: Path, register_file: Path | None, year: int | None, config_path: Path | None) -> None:
    """Write the blank standard workbook, or next year's pre-filled ones, listing the council's
    objectives from --config ([objectives]) on the Objectives sheet and giving its risk bands
    ([scoring]) in the guidance.

    Example: partnerships templates --out input_templates --config review.toml
    """
    from pipeline.files.staging import FolderError
    from pipeline.run import check_not_a_pack

    config = _config(config_path)
    try:
        check_not_a_pack(
            out_dir,
            ": a run of its year replaces the whole folder, and workbooks written into it with it; write them "
            "into a folder of their own (such as returns-2027)",
        )
    except FolderError as error:
        raise click.BadParameter(str(error), param_hint="--out") from None
    if register_file is None:
        from pipeline.cycle.template import NotATemplate, write_blank

        try:
            with _writing_into(out_dir):
                click.echo(f"Wrote {write_blank(out_dir, config.objectives, config.scoring, config.tiers)}")
        except NotATemplate as error:
            raise click.ClickException(str(error)) from None
        if year is not None:
            click.echo(
                f"--year {year} is not used: the blank workbook is the same for every year; --year is the "
                "year of the workbooks rolled over with --from-register."
            )
        return
    from pipeline.cycle.rollover import RolloverError, write_rollover

    try:
        with _writing_into(out_dir):
            summary = write_rollover(
                register_file,
                out_dir,
                year=year,
                objectives=config.objectives,
                scoring=config.scoring,
                tiers=config.tiers,
            )
    except RolloverError as error:
        raise click.ClickException(str(error)) from None
    for line in summary.summary_lines():
        click.echo(line)


@cli.command()
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the demo workbooks into.",
)
@click.option("--count", type=click.IntRange(1, 100_000), default=40, show_default=True, help="How many workbooks.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same workbooks.")
@click.option(
    "--year",
    type=ReviewYear(),
    default=DEMO_YEAR,
    show_default=True,
    help="Review year the workbooks are for: reviews completed early that year, actions due around April. "
    "Report them as of a month later (--as-of YEAR-05-01).",
)
def demo(out_dir: Path, count: int, seed: int, year: int) -> None:
    """Write realistic filled workbooks (mixed quality) to try the review on.

    Example: partnerships demo --out demo-input --count 40 --seed 7 --year 2027
    """
    from pipeline.cycle.demo import write_demo_set
    from pipeline.read.folder import scan_folder

    if out_dir.is_dir():
        from pipeline.values import listed

        returns = [path.relative_to(out_dir).as_posix() for path in scan_folder(out_dir)[0]]
        if returns:
            raise click.BadParameter(
                f"{out_dir} already holds workbooks ({listed(returns)}): demo workbooks beside them would be read as "
                "returns. Give a new or empty folder",
                param_hint="--out",
            )
    from pipeline.files.staging import FolderError

    try:
        with _writing_into(out_dir):
            paths = write_demo_set(out_dir, count=count, seed=seed, year=year)
    except FolderError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {len(paths)} demo workbooks to {out_dir}")


@cli.command()
@click.argument("input_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output/validation"),
    show_default=True,
    help="Folder for the validation report.",
)
@as_of_option
@jobs_option
@config_option
@click.option("--feedback", is_flag=True, help="Also write feedback copies of workbooks with findings.")
def validate(input_dir: Path, out_dir: Path, as_of, jobs: int, config_path: Path | None, feedback: bool) -> None:
    """Load and validate every workbook; write validation_report.csv and .xlsx.

    Exits 0 when no finding is an error, 1 when one is, 2 for a usage error.

    Example: partnerships validate input --out output/checks --as-of 2026-04-30
    """
    from pipeline.files.staging import FolderError
    from pipeline.run import validate_folder

    as_of_date, config = _as_of(as_of), _config(config_path)
    try:
        with _writing_into(out_dir):
            outcome = validate_folder(
                input_dir,
                out_dir,
                as_of=as_of_date,
                config=config,
                jobs=jobs,
                feedback=feedback,
                progress=terminal_progress,
            )
    except FolderError as error:
        raise click.BadParameter(str(error), param_hint="--out") from None
    for line in outcome.summary_lines():
        click.echo(line)
    sys.exit(outcome.exit_code)


@cli.command()
@click.argument("input_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the pack; replaced only when the new pack is complete.",
)
@as_of_option
@click.option("--year", type=ReviewYear(), default=None, help="Review year. Default: the as-of year.")
@click.option(
    "--previous",
    "previous_dirs",
    type=click.Path(file_okay=False, path_type=Path),
    multiple=True,
    help="An earlier year's output folder, or a folder holding earlier years' output folders; may be "
    "given more than once. The latest is compared as last year; all show the years side by side.",
)
@config_option
@click.option("--no-pdf", is_flag=True, help="Skip the PDF (the HTML pack is still written).")
@jobs_option
def report(
    input_dir: Path,
    out_dir: Path,
    as_of,
    year: int | None,
    previous_dirs: tuple[Path, ...],
    config_path: Path | None,
    no_pdf: bool,
    jobs: int,
) -> None:
    """Run the year: validate, score, chart and write the annual review pack.

    Example: partnerships report input --out output/2026 --as-of 2026-04-30 --previous output/2025
    """
    from pipeline.files.staging import FolderError, OutFolderError
    from pipeline.run import PreviousFolderError, ReportError
    from pipeline.run import report as run_report

    as_of_date, config = _as_of(as_of), _config(config_path)
    from pipeline.formats import long_date

    try:
        with _writing_into(out_dir):
            outcome = run_report(
                input_dir,
                out_dir,
                as_of=as_of_date,
                year=year or as_of_date.year,
                previous_dir=list(previous_dirs),
                config=config,
                pdf=not no_pdf,
                jobs=jobs,
                progress=terminal_progress,
            )
    except (OutFolderError, PreviousFolderError) as error:  # a folder given that cannot be: a usage error
        raise OneLineUsageError(str(error)) from None
    except (ReportError, FolderError) as error:  # the run failed
        raise click.ClickException(str(error)) from None
    # What the run took, said first: a setting mistyped (make's AS-OF= for AS_OF=) is seen in the summary.
    review_year = year or as_of_date.year
    earlier = ", ".join(str(folder) for folder in previous_dirs) or "none given"
    if previous_dirs:
        found = ", ".join(map(str, outcome.earlier_years))
        earlier += f" ({found or f'no year before {review_year} there, so no change since last year'})"
    click.echo(
        f"Review of {review_year} as of {long_date(as_of_date)}{' (today)' if as_of is None else ''}; "
        f"configuration: {config_path or 'the defaults'}; earlier years: {earlier}."
    )
    for line in outcome.summary_lines():
        click.echo(line)
