"""`partnerships report` end to end: reproducible outputs, clean failures that keep the last pack,
the lock, last year's comparison, and a real browser opening the HTML pack."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from officer import AS_OF, write_workbook
from year_set import write_year

from pipeline.cli import cli

ARGS = ("--as-of", AS_OF.isoformat(), "--year", "2026", "--no-pdf")
COMPARED = (
    "review_pack.html",
    "results.json",
    "validation_report.csv",
    "register.xlsx",
    "answers.csv",
    "validation_report.xlsx",
    "charts/risk_heat_map.svg",
    "charts/resources_vs_assurance.svg",
)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    return write_year(tmp_path_factory.mktemp("report") / "input")


@pytest.fixture(scope="module")
def good_pack(inputs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("packs") / "2026"
    result = run(inputs, out)
    assert result.exit_code == 0, result.output
    return out


def run(inputs: Path, out: Path, *extra: str):
    return CliRunner().invoke(cli, ["report", str(inputs), "--out", str(out), *ARGS, *extra])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_summary_names_the_ratings_findings_and_pack(good_pack, inputs, tmp_path):
    result = run(inputs, tmp_path / "again")
    assert "RAG: Red 2, Amber 0, Green 1, Out of scope 1, Not assessed 1." in result.output
    assert "Findings:" in result.output and "review_pack.html" in result.output
    assert sorted(path.name for path in good_pack.iterdir()) == sorted(
        [
            "answers.csv",
            "charts",
            "feedback",
            "register.xlsx",
            "results.json",
            "review_pack.html",
            "validation_report.csv",
            "validation_report.xlsx",
        ]
    )


def test_two_runs_give_byte_identical_outputs(good_pack, inputs, tmp_path):
    result = run(inputs, tmp_path / "second")
    assert result.exit_code == 0, result.output
    first, second = snapshot(good_pack), snapshot(tmp_path / "second")
    for name in COMPARED:
        assert first[name] == second[name], name


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_rerun_into_the_same_folder_replaces_the_pack_and_leaves_nothing_beside_it(inputs, tmp_path):
    out = tmp_path / "2026"
    assert run(inputs, out).exit_code == 0
    (out / "results.json").write_text("stale", encoding="utf-8")
    assert run(inputs, out).exit_code == 0
    assert (out / "results.json").read_text(encoding="utf-8") != "stale"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["2026"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("[rag\nred_completeness_below = 0.5\n", "not valid TOML"),
        ("[rag]\nred_completness_below = 0.5\n", "rag.red_completness_below"),
        ('[rag]\nred_completeness_below = "half"\n', "rag.red_completeness_below"),
    ],
)
def test_a_broken_config_fails_in_one_line_and_keeps_the_last_pack(good_pack, inputs, tmp_path, text, names):
    before = snapshot(good_pack)
    config = tmp_path / "review.toml"
    config.write_text(text, encoding="utf-8")
    result = run(inputs, good_pack, "--config", str(config))
    assert result.exit_code == 2
    message = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(message) == 1 and names in message[0]
    assert "Traceback" not in result.output
    assert snapshot(good_pack) == before


def test_a_run_that_fails_midway_keeps_the_last_pack_and_cleans_up(good_pack, inputs, monkeypatch):
    import pipeline.cycle.register

    before = snapshot(good_pack)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline.cycle.register, "write_register", broken)
    result = run(inputs, good_pack)
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert snapshot(good_pack) == before
    assert sorted(path.name for path in good_pack.parent.iterdir()) == [good_pack.name]


def test_a_second_run_into_the_same_folder_is_refused(inputs, tmp_path):
    from filelock import FileLock

    out = tmp_path / "2026"
    with FileLock(tmp_path / ".2026.lock"):  # as the run writing into it holds it
        result = run(inputs, out)
    assert result.exit_code == 1 and "another report is writing into" in result.output
    assert not out.exists()


def test_a_stale_lock_of_a_dead_run_is_taken_over(inputs, tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / ".2026.lock").write_text(str(dead.pid), encoding="utf-8")
    assert run(inputs, tmp_path / "2026").exit_code == 0
    assert not (tmp_path / ".2026.lock").exists()


def test_out_must_not_be_a_folder_of_other_files(inputs, tmp_path):
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "budget.xlsx").write_bytes(b"mine")
    result = run(inputs, tmp_path / "documents")
    assert result.exit_code == 2 and "not a review pack" in result.output  # usage errors, as validate's
    assert (tmp_path / "documents" / "budget.xlsx").read_bytes() == b"mine"
    assert run(inputs, inputs / "out").exit_code == 2


def test_previous_year_must_exist_and_is_shown(good_pack, inputs, tmp_path):
    missing = run(inputs, tmp_path / "x", "--previous", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and len(missing.output.strip().splitlines()) == 1
    result = run(inputs, tmp_path / "2027", "--year", "2027", "--previous", str(good_pack))
    assert result.exit_code == 0, result.output
    page = (tmp_path / "2027" / "review_pack.html").read_text(encoding="utf-8")
    assert 'id="change"' in page and "Rating then" in page


@pytest.mark.skipif(not shutil.which("chromium"), reason="Chromium is not installed (apt-get install chromium)")
def test_a_real_browser_renders_the_html_pack(good_pack, tmp_path):
    shot = tmp_path / "s.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            (good_pack / "review_pack.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    from PIL import Image

    image = Image.open(shot).convert("L")
    assert image.size == (1280, 2000)
    histogram = image.histogram()
    assert max(histogram) < 0.97 * sum(histogram), "the screenshot is blank"
    dark = sum(histogram[:128])
    assert dark > 2000, "no text drawn"


def test_the_console_says_when_a_partnership_id_counts_once(tmp_path):
    from officer import write_workbook

    (tmp_path / "in").mkdir()
    write_workbook(tmp_path / "in" / "final.xlsx", partnership_id="P-001")
    write_workbook(tmp_path / "in" / "draft.xlsx", partnership_id="P-001")
    write_workbook(tmp_path / "in" / "other.xlsx", partnership_id="P-002")
    result = run(tmp_path / "in", tmp_path / "out")
    # The kinds of workbook add up to the workbooks.
    assert (
        "Workbooks: 3; in scope 2, out of scope 0, not assessed 0, a second return of an ID (not counted) 1."
        in result.output
    )
    assert (
        "Partnerships: 2, each Partnership ID counted once; 1 other return of an ID given twice is not counted"
        in result.output
    )


@pytest.mark.parametrize(
    "returned", ["nothing yet", "only a file that is not a workbook", "only an entry out of scope"]
)
def test_a_year_with_no_partnership_to_assess_still_makes_its_pack(tmp_path, returned):
    """Early in the year the first return may be unreadable, or not a partnership at all: the pack says
    so (Exceptions, the appendix) rather than the run failing."""
    inputs = tmp_path / "input"
    inputs.mkdir()
    if returned == "only a file that is not a workbook":
        (inputs / "P-001.xlsx").write_text("saved from the email as text", encoding="utf-8")
    elif returned == "only an entry out of scope":
        write_workbook(inputs / "P-001.xlsx", register={"scope_informal_group": "Yes"})
    result = run(inputs, tmp_path / "out")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "review_pack.html").read_text(encoding="utf-8")
    assert "The strategy's nine risks, ranked" in page and "No partnership has rated the strategy's risks yet" in page
    assert (
        "No partnership says it supports" not in page
    )  # no partnership has answered on the objectives: nothing to say


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_a_name_in_a_script_the_charts_font_lacks_says_nothing_of_fonts_on_the_console(tmp_path):
    """A partnership named in Chinese printed matplotlib's 'Glyph 20013 ... missing from font(s)
    DejaVu Sans' warning once for each character: a library's words on the policy team's console."""

    (tmp_path / "in").mkdir()
    write_workbook(
        tmp_path / "in" / "p1.xlsx",
        register={"name": "中文 Community Partnership", "service_area": "社区"},
        risks={"R01": {"Likelihood": 1, "Impact": 1}},
    )
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "report", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--no-pdf"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Glyph" not in result.stderr and "Warning" not in result.stderr, result.stderr
    assert "社区" in (tmp_path / "out" / "charts" / "rag_by_service_area.svg").read_text(encoding="utf-8")


def test_an_out_folder_that_is_a_link_gets_the_pack_in_the_folder_it_links_to(inputs, tmp_path):
    """`--out local/2026`, a link to the team's shared/2026: the run replaced the link with a folder of
    its own, left the shared folder's old pack, and left a link named .2026.unfinished-... behind."""
    (tmp_path / "shared" / "2026").mkdir(parents=True)
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "2026").symlink_to(Path("..") / "shared" / "2026", target_is_directory=True)
    result = run(inputs, tmp_path / "local" / "2026")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "local" / "2026").is_symlink()
    assert (tmp_path / "shared" / "2026" / "results.json").is_file()
    assert sorted(path.name for path in (tmp_path / "local").iterdir()) == ["2026"]
    assert sorted(path.name for path in (tmp_path / "shared").iterdir()) == ["2026"]


def test_the_summary_says_the_date_configuration_and_years_the_run_took(inputs, tmp_path):
    # `make report AS-OF=2026-05-01` (a mistyped variable) ran as of today, with different figures, and
    # nothing the run printed said so.
    today = CliRunner().invoke(cli, ["report", str(inputs), "--out", str(tmp_path / "today"), "--no-pdf"])
    assert today.exit_code == 0, today.output
    first = today.output.splitlines()[0]
    assert (
        first.startswith("Review of ") and " (today); configuration: the defaults; earlier years: none given." in first
    )
    config = tmp_path / "review.toml"
    config.write_text('council_name = "Northshire"\n', encoding="utf-8")
    given = run(inputs, tmp_path / "given", "--config", str(config))
    assert given.output.splitlines()[0] == (
        f"Review of {AS_OF.year} as of 30 April {AS_OF.year}; configuration: {config}; earlier years: none given."
    )


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_the_summary_names_the_earlier_years_found_and_says_when_there_is_none(inputs, tmp_path):
    """`--previous output` in the first year (the folder holds only this year's own pack): no change
    since last year was made, and nothing said so. The summary now names the years found."""
    first = run(inputs, tmp_path / "output" / "2026")
    assert first.exit_code == 0, first.output
    again = run(inputs, tmp_path / "output" / "2026", "--previous", str(tmp_path / "output"))
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0].endswith(
        f"earlier years: {tmp_path / 'output'} (no year before {AS_OF.year} there, so no change since last year)."
    )
    later = run(inputs, tmp_path / "output" / "2027", "--year", "2027", "--previous", str(tmp_path / "output"))
    assert later.exit_code == 0, later.output
    assert later.output.splitlines()[0].endswith(f"earlier years: {tmp_path / 'output'} (2026).")


@pytest.mark.parametrize("typed", ["2O26", "26", "1999"])
def test_a_year_that_is_not_one_is_told_how_to_write_it(inputs, tmp_path, typed):
    # `make report YEAR=2O26` (a letter O) was told "'2O26' is not a valid integer range".
    result = CliRunner().invoke(cli, ["report", str(inputs), "--out", str(tmp_path / "out"), "--year", typed])
    assert result.exit_code == 2
    assert f"'{typed}' is not a year: give the review's year in four figures, such as 2026" in result.output
