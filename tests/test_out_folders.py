"""Every command that writes, given an output folder it cannot write into (a file where a folder must
be, a full disk, no permission), says so in one line naming the folder and why, and ends without a
traceback; what was there before is left as it was."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from click.testing import CliRunner
from officer import AS_OF, write_workbook

from pipeline.cli import cli


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("returns")
    write_workbook(folder / "P-001.xlsx")
    return folder


@pytest.fixture(scope="module")
def register(returns, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("packs") / "2026"
    result = CliRunner().invoke(
        cli, ["report", str(returns), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    return out / "register.xlsx"


def commands(returns: Path, register: Path, out: Path) -> dict[str, list[str]]:
    return {
        "report": ["report", str(returns), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"],
        "validate": ["validate", str(returns), "--out", str(out), "--as-of", AS_OF.isoformat()],
        "validate --feedback": [
            "validate",
            str(returns),
            "--out",
            str(out),
            "--as-of",
            AS_OF.isoformat(),
            "--feedback",
        ],
        "templates": ["templates", "--out", str(out)],
        "templates --from-register": [
            "templates",
            "--from-register",
            str(register),
            "--out",
            str(out),
            "--year",
            "2027",
        ],
        "demo": ["demo", "--out", str(out), "--count", "2"],
    }


COMMANDS = list(commands(Path(), Path(), Path()))


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_where_the_output_folder_should_be_is_named_in_one_line(command, returns, register, tmp_path):
    in_the_way = tmp_path / "reports"
    in_the_way.write_text("a file an officer saved here")
    result = CliRunner().invoke(cli, commands(returns, register, in_the_way / "2026")[command])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    (line,) = [line for line in result.output.splitlines() if line.strip()][-1:]
    assert line == f"Error: could not write into {in_the_way / '2026'}: {in_the_way} is a file, not a folder"
    assert "Traceback" not in result.output and "Errno" not in result.output
    assert in_the_way.read_text() == "a file an officer saved here"


@pytest.mark.parametrize("command", ["validate", "templates", "demo"])
def test_a_full_disk_is_said_in_words(command, returns, register, tmp_path, monkeypatch):
    """The disk fills while the outputs are written (simulated: every file written finds it full)."""
    import tempfile

    def full(*args, dir=None, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(dir))

    monkeypatch.setattr(tempfile, "mkstemp", full)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, commands(returns, register, out)[command])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1].startswith(f"Error: could not write into {out}: the disk is full (")
    assert "Traceback" not in result.output


def test_the_reasons_are_in_words(tmp_path):
    from pipeline.files.staging import cannot_write

    out = tmp_path / "2026"
    assert cannot_write(out, OSError(errno.EACCES, "Permission denied", str(out))) == (
        f"could not write into {out}: you do not have permission to write there ({out})"
    )
    assert cannot_write(out, OSError(errno.EROFS, "Read-only file system", str(out))) == (
        f"could not write into {out}: the disk is read-only ({out})"
    )
    assert (
        cannot_write(out, OSError(errno.EIO, "Input/output error")) == f"could not write into {out}: Input/output error"
    )


def test_only_an_error_about_the_output_folder_is_put_down_to_it(tmp_path):
    from pipeline.files.staging import of_out_folder

    out = tmp_path / "output" / "2026"
    assert of_out_folder(out, OSError(errno.ENOSPC, "No space left on device"))  # no path: the disk
    assert of_out_folder(out, OSError(errno.EACCES, "Permission denied", str(out / "feedback" / "p1.xlsx")))
    assert of_out_folder(out, OSError(errno.EACCES, "Permission denied", str(tmp_path / "output")))
    assert of_out_folder(out, OSError(errno.EACCES, "Permission denied", str(out.parent / ".2026.unfinished-x1")))
    assert not of_out_folder(out, OSError(errno.EACCES, "Permission denied", str(tmp_path / "input" / "team")))
    assert not of_out_folder(out, OSError(errno.EACCES, "Permission denied", str(out.parent / "2025" / "results.json")))
