"""The README stays true: every command, rule code and configuration key is documented."""

import dataclasses
import json
import re
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import Config
from pipeline.findings import RULES

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_and_is_documented(command):
    result = CliRunner().invoke(cli, [command, "--help"], catch_exceptions=False)
    assert result.exit_code == 0 and "Example:" in result.output
    assert f"partnerships {command} " in README


def test_every_rule_code_is_documented():
    for code in RULES:
        assert f"`{code}`" in README, code


def test_every_configuration_key_is_documented():
    def keys(obj, prefix=""):
        for field in dataclasses.fields(obj):
            value = getattr(obj, field.name)
            if dataclasses.is_dataclass(value):
                yield from keys(value, f"{prefix}{field.name}.")
            else:
                yield prefix + field.name

    written_as = {"tiers": "significance.tiers"}  # a section of its own in the file, [[significance.tiers]]
    for key in keys(Config()):
        assert f"`{written_as.get(key, key)}`" in README, key


def test_python_dash_m_pipeline_answers_without_loading_heavy_libraries():
    code = (
        "import sys; from pipeline.cli import cli; "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'weasyprint', 'openpyxl') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
    assert subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True).returncode == 0


def test_every_module_is_in_the_development_table():
    package = Path(__file__).parents[1] / "pipeline"
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        if path.name not in ("__init__.py", "__main__.py"):
            assert f"`{name}`" in README, name


def make_dry_run(*settings: str) -> str:
    """The commands `make report` would run with these settings, as `make -n` prints them (the
    recipe whole, both its branches)."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    return subprocess.run(
        ["make", "-n", "report", *settings], cwd=Path(__file__).parents[1], capture_output=True, text=True, check=True
    ).stdout


def real_year_command(dry: str) -> list[str]:
    """The recipe's first branch, the run of a real year's returns, as the shell splits it."""
    return shlex.split(
        dry[dry.index("partnerships report") + len("partnerships ") :].split(";")[0].replace("\\\n", " ")
    )


def demo_commands(dry: str) -> list[list[str]]:
    """The demo branch's commands after its message, each as the shell splits it."""
    demo = dry[dry.index("No workbooks in") :].replace("\\\n", " ")
    return [shlex.split(command.split(";")[0]) for command in demo.split("&&")[1:]]


def test_make_report_passes_the_years_settings_on(tmp_path):
    """README's `make report CONFIG=... PREVIOUS=... AS_OF=...` reaches the command (a dry run of make),
    with as many worker processes as the machine has processors, up to 4 (the run took 30 s where
    it could take 18 on two processors)."""
    settings = ["CONFIG=review.toml", "PREVIOUS=output/2025", "AS_OF=2026-04-30", "YEAR=2026", f"INPUT={tmp_path}"]
    assert "make report CONFIG=review.toml PREVIOUS=output/2025 AS_OF=2026-04-30" in README
    assert (
        real_year_command(make_dry_run(*settings))
        == (
            f"report {tmp_path} --out output/2026 --year 2026 --config review.toml --previous output/2025 --as-of 2026-04-30"
            f" --jobs {min(os.sysconf('SC_NPROCESSORS_ONLN'), 4)}"
        ).split()
    )


@pytest.mark.parametrize(
    ("files", "real_year", "told"),
    [
        (["P-001 return.xls", "P-002 return.ods"], True, ""),  # returns in formats not read: each told how to resend
        (["~$P-001 return.xlsx", "notes.txt"], False, ""),  # Excel's lock file and a note: no return at all
        (["returns.zip"], False, "returns.zip is a zip file: unzip it into the input folder"),
    ],
)
def test_make_report_runs_the_demo_only_when_no_return_came_in(tmp_path, files, real_year, told):
    """`make report` runs on a demo set only when input/ holds no return: returns saved as .xls or .ods
    are reported (each with the finding that says how to send it again), not replaced by a demo pack
    under the message 'No workbooks in input/'; returns left in a zip are named, with what to do. The
    recipe runs with an `echo` for the command."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    inputs = tmp_path / "input"
    inputs.mkdir()
    for name in files:
        (inputs / name).write_bytes(b"not read here")
    scratch = {name: tmp_path / name for name in ("demo", "demo-2025", "demo-input-2025")}
    settings = [
        f"INPUT={inputs}",
        "CLI=echo",
        f"DEMO={scratch['demo']}",
        f"DEMO_PREVIOUS={scratch['demo-2025']}",
        f"DEMO_PREVIOUS_INPUT={scratch['demo-input-2025']}",
        "YEAR=2026",
    ]
    said = subprocess.run(
        ["make", "--no-print-directory", "report", *settings],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (f"report {inputs} --out output/2026" in said) is real_year, said
    assert ("No workbooks in" in said) is not real_year, said
    assert told in said


def test_make_reports_demo_is_set_in_the_year_it_reports(tmp_path):
    """With input/ empty, `make report` runs a demo year and last year's before it: each demo set is
    drawn in the review season of the year it is reported as, and as of a month after it, so a demo run
    in 2027 reads as 2027 against 2026 (it read 'Position as at 1 May 2026' in a 2027 pack, compared
    with 2025), and last year's pack has no review completed after its own as-of date."""
    commands = [" ".join(command) for command in demo_commands(make_dry_run("YEAR=2027", f"INPUT={tmp_path}"))]
    assert "demo --out output/demo/input-2026 --count 40 --seed 2026 --year 2026" in commands[0]
    assert "report output/demo/input-2026 --out output/demo/2026 --year 2026 --as-of 2026-05-01" in commands[1]
    assert "demo --out output/demo/input --count 40 --seed 2026 --year 2027" in commands[2]
    assert "--out output/2027 --year 2027 --as-of 2027-05-01" in commands[3]
    assert "--previous output/demo/2026" in commands[3]


def test_make_report_takes_folders_whose_names_have_spaces(tmp_path):
    """`make report INPUT="Partnership returns 2027"` (a shared drive's folder; OneDrive's are all named
    "OneDrive - <council>") split each folder at its spaces: the returns were not found and the demo ran
    instead (and `mkdir -p` made folders named after the pieces). Each folder now goes on whole. The
    recipe runs with a stand-in for the command that prints its arguments."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    inputs, output, config = (
        tmp_path / "Partnership returns 2027",
        tmp_path / "Review packs" / "2027",
        tmp_path / "our review.toml",
    )
    inputs.mkdir()
    (inputs / "P-001 return.xls").write_bytes(b"not read here")
    stand_in = tmp_path / "arguments"
    stand_in.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n", encoding="utf-8")
    stand_in.chmod(0o755)
    said = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "report",
            f"INPUT={inputs}",
            f"OUTPUT={output}",
            f"CONFIG={config}",
            f"PREVIOUS={tmp_path / 'Review packs' / '2026'}",
            "YEAR=2027",
            f"CLI={stand_in}",
        ],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    arguments = json.loads(said.strip().splitlines()[-1])
    assert arguments[:4] == ["report", str(inputs), "--out", str(output)], said
    assert arguments[arguments.index("--config") + 1] == str(config)
    assert arguments[arguments.index("--previous") + 1] == str(tmp_path / "Review packs" / "2026")


def test_make_reports_year_is_the_as_of_dates_when_only_that_is_given(tmp_path):
    """`partnerships report` takes its year from --as-of; `make report AS_OF=...` took this year's instead,
    so a review as of 31 December finished in January was written to next year's folder, titled with
    next year. Without YEAR, make report's year (and folder) is now the as-of date's."""
    arguments = real_year_command(make_dry_run("AS_OF=2024-12-31", f"INPUT={tmp_path}"))
    assert arguments[arguments.index("--out") + 1] == "output/2024"
    assert arguments[arguments.index("--year") + 1] == "2024"
    assert arguments[arguments.index("--as-of") + 1] == "2024-12-31"


def test_make_report_leaves_an_as_of_date_written_another_way_for_the_report_to_refuse(tmp_path):
    """`make report AS_OF=30/04/2026` took '30/04/2026' for the year, and the run was refused for a
    --year the user never gave, not told how to write the date."""
    import datetime as dt

    (tmp_path / "p1.xlsx").write_bytes(b"")  # any file: the real year's branch
    arguments = real_year_command(make_dry_run("AS_OF=30/04/2026", f"INPUT={tmp_path}"))
    assert arguments[arguments.index("--year") + 1] == str(dt.date.today().year)
    assert arguments[arguments.index("--as-of") + 1] == "30/04/2026"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "report",
            str(tmp_path),
            "--out",
            str(tmp_path.parent / "out"),
            *arguments[4:],
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "give it as 2026-04-30" in result.stderr, result.stderr


def test_the_demos_last_year_is_not_taken_for_a_real_year(tmp_path):
    """After `make report` has run the demo once (input/ empty), the real year's `make report
    PREVIOUS=output` (a folder of years) took the demo's last year, output/demo-2025, for the council's
    2025 and compared with it; a later demo's output/demo-2026 beside the real output/2026 stopped the run
    ("both the review of 2026"). The demo's last year is kept where a folder of years does not look."""
    from pipeline.cycle.history import year_folders

    commands = demo_commands(make_dry_run("YEAR=2026", f"INPUT={tmp_path / 'empty'}"))
    last_year = commands[1][commands[1].index("--out") + 1]  # the demo's 2025 pack
    output = tmp_path / "output"
    for folder in (last_year, "output/2026"):  # the demo's 2025, and a real year's pack beside it
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "results.json").write_text('{"year": 2025, "partnerships": []}', encoding="utf-8")
    assert year_folders(output) == [output / "2026"]


def test_make_report_refuses_an_input_folder_that_is_not_there(tmp_path):
    """A mistyped INPUT= (or a share not mounted) was made by `mkdir -p` and the demo run in its place
    into the year's folder, exit 0."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    missing = tmp_path / "Partnership retruns 2026"
    said = subprocess.run(
        ["make", "--no-print-directory", "report", f"INPUT={missing}", "CLI=echo", "YEAR=2026"],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
    )
    assert said.returncode != 0 and f"INPUT={missing} is not a folder" in said.stderr
    assert not missing.exists() and "demo" not in said.stdout


def test_make_run_from_another_folder_says_where_to_run_it(tmp_path):
    """`make -f path/to/Makefile report` from the folder of the year's returns failed with make's
    "No rule to make target 'pyproject.toml'"; it now says to run make in the project's folder, and how."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    project = Path(__file__).parents[1]
    said = subprocess.run(
        ["make", "-f", str(project / "Makefile"), "report"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert said.returncode != 0
    assert f'Run make in the project\'s folder: make -C "{project}" report' in said.stderr
    assert not (tmp_path / ".venv").exists() and not (tmp_path / "output").exists()


def test_readme_names_exactly_the_rules_that_make_a_workbook_not_assessed():
    """It said "the first seven rules", which include two warnings (file.copy, template.previous_version)
    and leave out sheet.missing and sheet.layout."""
    from pipeline.findings import FILE_LEVEL_RULES

    said = next(line for line in README.splitlines() if "makes that workbook *Not assessed*" in line)
    assert set(re.findall(r"`([a-z_]+\.[a-z_]+)`", said)) == set(FILE_LEVEL_RULES)


def test_every_guarantees_test_file_is_where_readme_says():
    """README sent the reader to tests/robustness/ for test_out_folders.py, which is in tests/."""
    tests = Path(__file__).parent
    section = README[README.index("## Guarantees") :]
    section = section[: section.index("\n## ", 1)]
    named = re.findall(r"\*\(([\w/.]+\.py)\)\*", section)
    assert len(named) > 5
    for name in named:
        path = tests.parent / name if "/" in name else tests / "robustness" / name
        assert path.is_file(), name


def test_readme_says_what_read_batch_is_used_for():
    """README called read/batch.py the run's reading of the whole folder; the run reads, checks and scores
    in check/assess.py, and only tests call load_folder."""
    package = Path(__file__).parents[1] / "pipeline"
    callers = [path for path in package.rglob("*.py") if "load_folder(" in path.read_text(encoding="utf-8")]
    assert callers == [package / "read" / "batch.py"]
    row = next(line for line in README.splitlines() if line.startswith("| `read/batch.py` |"))
    assert "`load_folder`" in row and "used only by tests" in row


def section(title: str) -> str:
    """A section of README, from its heading to the next heading or the end."""
    text = README[README.index(f"\n### {title}\n") + 1 :]
    end = re.search(r"\n#", text)
    return text[: end.start()] if end else text


def test_changing_the_strategys_content_names_only_what_is_there():
    from pipeline import catalogue

    said = section("Changing the strategy's content")
    root = Path(__file__).parents[1]
    paths = re.findall(r"`((?:tests|pipeline|docs|input_templates)/[\w/.-]+)`", said)
    assert len(paths) > 8
    for path in paths:
        assert (root / path).is_file(), path
    for name in ("TEMPLATE_VERSION", "TEMPLATE_VERSIONS_READ", "ACTIONS", "since_version", "required_sheets"):
        assert f"`{name}" in said, name
    assert hasattr(catalogue, "required_sheets") and "since_version" in catalogue.Field.__dataclass_fields__


def test_what_readme_says_of_a_return_on_a_template_older_than_the_catalogue(tmp_path, monkeypatch):
    """README's "Changing the strategy's content": a question reworded keeps the rows, so last year's
    return is read by Ref and assessed; a question added moves them, so it is Not assessed (sheet.layout)."""
    from officer import AS_OF, write_workbook

    from pipeline import catalogue
    from pipeline.check.rules import check
    from pipeline.config import Config
    from pipeline.read.workbook import _table_items, load_workbook_file

    def assessed(path):
        """Read and checked in this process, which sees the catalogue as changed (a worker might not), with
        the rows the reader makes of the catalogue made afresh."""
        _table_items.cache_clear()
        try:
            workbook = load_workbook_file(path, tmp_path, Config())
            return workbook, check([workbook], as_of=AS_OF, config=Config())
        finally:
            _table_items.cache_clear()  # made again from the catalogue as it is put back

    said = section("Changing the strategy's content").replace("\n", " ")
    path = write_workbook(tmp_path / "p1.xlsx")
    questions = [
        dataclasses.replace(question, text="How do we know that funds are spent well and on time")
        if question.ref == "2c"
        else question
        for question in catalogue.QUESTIONS
    ]
    monkeypatch.setattr(catalogue, "QUESTIONS", tuple(questions))
    workbook, report = assessed(path)
    assert report.findings == [] and workbook.assessed
    assert "still read by Ref and assessed, with no finding" in said

    after = [question.ref for question in questions].index("3f") + 1
    questions.insert(after, catalogue.Question("3g", 3, questions[after - 1].section, "Who audits them"))
    monkeypatch.setattr(catalogue, "QUESTIONS", tuple(questions))
    monkeypatch.setattr(
        catalogue, "CHECKLIST_ROWS", {item.ref: catalogue.CHECKLIST.first_row + n for n, item in enumerate(questions)}
    )
    workbook, report = assessed(path)
    layout = {item.cell: item.message for item in report.findings if item.rule == "sheet.layout"}
    assert layout["A16"].startswith("The row of question 3g was deleted")
    assert not workbook.assessed
    assert '("The row of question 3g was deleted"), so the workbook is *Not assessed*' in said
