"""The tool installed on a machine that is not the developers': what it writes and prints there.

- Outputs get the mode an ordinary write gives them (0666, folders 0777, less the umask), so `umask
  077` keeps the register's names and emails to their owner; a team's shared year folder keeps its
  own mode and group when the pack replaces it.
- Every command's output survives a console whose encoding cannot show an officer's letters.
- An interrupted demo leaves no half set behind to block the next.
- With no writable home, no library prints its warnings on the user's screen, and the outputs are
  the same.

The commands run as the installed tool runs (`python -m pipeline` in a subprocess) where the
process's own state is the point (its umask, its environment, a signal); else through click's runner.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from officer import AS_OF, write_workbook

from pipeline.cli import cli


def partnerships(*arguments: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, arguments)], capture_output=True, text=True, timeout=300, **kwargs
    )


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("returns")
    write_workbook(folder / "P-001.xlsx", register={"lead_officer": "Siân Ŵyn"})
    write_workbook(folder / "P-002.xlsx", partnership_id="P-002", checklist={"1a": {"Status": None}})
    return folder


def report(returns: Path, out: Path) -> list[str]:
    return ["report", str(returns), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"]


def modes(folder: Path) -> set[tuple[str, int]]:
    """Each kind of thing written under `folder` (itself included) with its permission bits."""
    every = [folder, *folder.rglob("*")]
    return {("folder" if path.is_dir() else "file", stat.S_IMODE(path.stat().st_mode)) for path in every}


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_outputs_take_the_umask_as_an_ordinary_write_does(returns, tmp_path):
    """With `umask 077` the pack, the register and the feedback copies are the user's alone."""
    pack, checks = tmp_path / "2026", tmp_path / "checks"
    private = {"preexec_fn": lambda: os.umask(0o077)}
    assert partnerships(*report(returns, pack), **private).returncode == 0
    done = partnerships(
        "validate", returns, "--out", checks, "--as-of", AS_OF.isoformat(), "--feedback", **private
    ).returncode
    assert done in (0, 1)  # 1: a finding is an error
    assert (pack / "register.xlsx").exists() and (pack / "feedback").is_dir() and (checks / "feedback").is_dir()
    assert modes(pack) == modes(checks) == {("folder", 0o700), ("file", 0o600)}


def test_a_shared_year_folder_keeps_its_mode_and_group(returns, tmp_path):
    """IT's year folder, group-writable and setgid (drwxrwsr-x), stays so after the pack replaces it,
    run after run; what is written in it takes its group."""
    shared = tmp_path / "2026"
    shared.mkdir()
    others = [gid for gid in ({100, 65534} if os.geteuid() == 0 else set(os.getgroups())) if gid != os.getgid()]
    group = others[0] if others else os.getgid()  # the mode alone where the user is in no other group
    os.chown(shared, -1, group)
    os.chmod(shared, 0o2775)
    for _ in range(2):  # the first replaces the empty folder, the second the pack
        result = CliRunner().invoke(cli, report(returns, shared))
        assert result.exit_code == 0, result.output
        assert (stat.S_IMODE(shared.stat().st_mode), shared.stat().st_gid) == (0o2775, group)
        assert {path.stat().st_gid for path in shared.rglob("*")} == {group}


@pytest.mark.parametrize("command", ["report", "validate", "demo", "templates", "templates --from-register"])
def test_every_command_survives_a_console_that_cannot_show_the_letters(command, returns, tmp_path):
    """Under LC_ALL=en_GB.ISO-8859-1 or PYTHONIOENCODING=latin-1 a ŵ (in a folder's name, an officer's
    text) is printed as ?, and the command does its work."""
    folder = tmp_path / "Bwrdd Iechyd Cymru" / "ŵyn"
    register = tmp_path / "last year"
    assert CliRunner().invoke(cli, report(returns, register)).exit_code == 0
    arguments = {
        "report": report(returns, folder),
        "validate": ["validate", str(returns), "--out", str(folder), "--as-of", AS_OF.isoformat()],
        "demo": ["demo", "--out", str(folder), "--count", "2"],
        "templates": ["templates", "--out", str(folder)],
        "templates --from-register": [
            "templates",
            "--from-register",
            str(register / "register.xlsx"),
            "--out",
            str(folder),
        ],
    }[command]
    result = CliRunner(charset="latin-1").invoke(cli, arguments)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1) and "Traceback" not in result.output
    assert "?yn" in result.output and any(folder.iterdir())


def interrupt_a_demo(out: Path, interrupt: signal.Signals, seen_in: Path) -> None:
    """A demo of 40 workbooks into `out`, sent `interrupt` once its first workbook shows under `seen_in`."""
    running = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "demo", "--out", str(out), "--count", "40"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not any(seen_in.rglob("*.xlsx")) and running.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    running.send_signal(interrupt)
    running.communicate(timeout=60)
    assert running.returncode != 0, "the demo finished before it could be interrupted"


@pytest.mark.parametrize("interrupt", [signal.SIGINT, signal.SIGKILL], ids=["Ctrl-C", "kill -9"])
def test_an_interrupted_demo_leaves_no_half_set_to_block_the_next(interrupt, tmp_path):
    out = tmp_path / "demo"
    interrupt_a_demo(out, interrupt, seen_in=tmp_path)
    assert not out.exists() or not any(out.rglob("*.xlsx"))
    again = partnerships("demo", "--out", out, "--count", "2")
    assert again.returncode == 0, again.stderr
    assert len(list(out.glob("*.xlsx"))) == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == ["demo"]  # nothing left beside it


@pytest.mark.parametrize("interrupt", [signal.SIGINT, signal.SIGKILL], ids=["Ctrl-C", "kill -9"])
def test_an_interrupted_demo_into_a_folder_that_exists_leaves_nothing_read_as_returns(interrupt, tmp_path):
    """A folder that exists (here holding the officer's notes) gets the set built in a hidden folder inside
    it: what a killed demo leaves there is no return to the reader (the next demo's check, report and
    validate), and the next demo removes it."""
    from pipeline.read.folder import scan_folder

    out = tmp_path / "demo"
    out.mkdir()
    (out / "notes.txt").write_text("to do: the year's returns")
    interrupt_a_demo(out, interrupt, seen_in=out)
    assert sorted(path.name for path in out.iterdir() if not path.name.startswith(".")) == ["notes.txt"]
    returns, ignored = scan_folder(out)
    assert returns == [] and {item.reason for item in ignored} <= {
        "in a hidden folder",
        "hidden file",
        "not a spreadsheet",
    }
    again = partnerships("demo", "--out", out, "--count", "2")
    assert again.returncode == 0, again.stderr
    assert sorted(path.name for path in out.iterdir()) == [
        "P-001_westvale-armed-forces-covenant-partnership.xlsx",
        "P-002_ashcombe-local-enterprise-partnership.xlsx",
        "notes.txt",
    ]  # nothing hidden left in it
    assert sorted(path.name for path in tmp_path.iterdir()) == ["demo"]  # nor beside it


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_no_writable_home_prints_no_library_warning_and_changes_nothing(returns, tmp_path):
    """HOME a path no folder can be made under (as root, for whom every folder is writable): matplotlib
    would say "mkdir -p failed..." and "Matplotlib created a temporary cache directory..."."""
    home = tmp_path / "home"
    home.write_text("a file, not a folder")
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("XDG_", "MPL"))}
    homeless = partnerships(*report(returns, tmp_path / "homeless"), env={**environment, "HOME": str(home)})
    assert homeless.returncode == 0, homeless.stderr
    assert homeless.stderr == ""
    assert partnerships(*report(returns, tmp_path / "at home")).returncode == 0
    for name in ("results.json", "review_pack.html", "charts/risk_heat_map.svg", "charts/action_status.svg"):
        assert (tmp_path / "homeless" / name).read_bytes() == (tmp_path / "at home" / name).read_bytes(), name
