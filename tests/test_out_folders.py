"""Every command that writes, given an output folder it cannot write into (a file where a folder must
be, a full disk, no permission), says so in one line naming the folder and why, and ends without a
traceback; what was there before is left as it was."""

from __future__ import annotations

import errno
import os
import shlex
import shutil
import subprocess
import sys
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


def replaced_whole(out: Path) -> str:
    return (
        f"Error: could not write into {out}: it is replaced whole, in one step, which needs permission to write "
        f"in the folder that holds it ({out.parent}); write into a folder whose parent you can write, or ask "
        f"for write access to {out.parent}"
    )


def test_a_folder_whose_parent_cannot_be_written_says_the_parent_is_needed(returns, register, tmp_path, monkeypatch):
    """reviews/2026 writable, reviews/ not (a provisioned share): the lock beside 2026 cannot be made.
    Simulated through the real code path, as root may write anywhere: creating the lock is refused.
    (A demo set is new workbooks, put in beside what the folder holds: it goes there, below.)"""
    import os

    out = tmp_path / "reviews" / "2026"
    out.mkdir(parents=True)
    refused = out.parent / ".2026.lock"
    opened = os.open

    def no_permission(path, *args, **kwargs):
        if Path(os.fsdecode(path)) == refused:
            raise PermissionError(errno.EACCES, "Permission denied", str(refused))
        return opened(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", no_permission)
    result = CliRunner().invoke(cli, commands(returns, register, out)["report"])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1] == replaced_whole(out)
    assert list(out.iterdir()) == []


def test_the_parent_is_needed_for_a_user_who_cannot_write_it(returns):
    """The same, for real: as the user nobody, into a folder of theirs whose parent is root's."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run as the user nobody")
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    if subprocess.run([*nobody, sys.executable, "-c", "import pipeline"], capture_output=True).returncode != 0:
        pytest.skip(f"the user nobody cannot run {sys.executable} with this project")
    root = Path(tempfile.mkdtemp())  # not under pytest's own folder, which only root may enter
    try:
        os.chmod(root, 0o755)
        shutil.copytree(returns, root / "returns")
        os.chmod(root / "returns", 0o755)
        out = root / "reviews" / "2026"
        out.mkdir(parents=True)
        os.chown(out, 65534, 65534)
        command = [*nobody, sys.executable, "-m", "pipeline", *commands(root / "returns", Path(), out)["report"]]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=out)
        assert result.returncode == 1, result.stderr
        assert result.stderr.splitlines()[-1] == replaced_whole(out)
    finally:
        shutil.rmtree(root)


def partnerships(*arguments: object) -> list[str]:
    """The installed tool's command line, as a user types it (the quoting of `sh -c` done)."""
    return [sys.executable, "-m", "pipeline", *map(str, arguments)]


def test_a_demo_goes_into_a_folder_whose_parent_cannot_be_written(tmp_path):
    """`mkdir -p p/year; chattr +i p`: the demo writes its workbooks into year, which the user can write,
    as 1.8.0 did (and as templates and validate do), leaving nothing hidden behind; a new folder that
    cannot be made there is said to be the user's permission, not a folder to replace."""
    import shutil
    import subprocess

    parent, out = tmp_path / "p", tmp_path / "p" / "year"
    out.mkdir(parents=True)
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        pytest.skip("needs root and chattr to make a folder no one may write")
    if subprocess.run(["chattr", "+i", str(parent)], capture_output=True).returncode != 0:
        pytest.skip(f"the disk of {tmp_path} has no immutable folders")
    try:
        result = subprocess.run(
            partnerships("demo", "--out", out, "--count", "2"), capture_output=True, text=True, timeout=300
        )
        new = subprocess.run(
            partnerships("demo", "--out", parent / "new", "--count", "2"), capture_output=True, text=True, timeout=300
        )
    finally:
        subprocess.run(["chattr", "-i", str(parent)], check=True)
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in out.iterdir()) == [
        "P-001_westvale-armed-forces-covenant-partnership.xlsx",
        "P-002_ashcombe-local-enterprise-partnership.xlsx",
    ]
    assert sorted(path.name for path in parent.iterdir()) == ["year"]
    assert new.returncode == 1
    assert new.stderr.splitlines()[-1] == (
        f"Error: could not write into {parent / 'new'}: you do not have permission to write there ({parent / 'new'})"
    )


def on_a_disk_of_its_own(out: Path, script: str) -> subprocess.CompletedProcess:
    """`script` (sh) run where `out` is the top folder of a disk mounted for it alone (tmpfs, in a mount
    namespace of its own); skips where the machine cannot do that."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to mount a disk of its own")
    out.mkdir()
    mounted = f"mount -t tmpfs tmpfs {shlex.quote(str(out))} || exit 99; {script}"
    result = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", mounted], capture_output=True, text=True, timeout=300
    )
    if result.returncode == 99:
        pytest.skip(f"cannot mount here: {result.stderr.strip()}")
    return result


def test_a_demo_goes_into_the_top_folder_of_a_mounted_disk(tmp_path):
    """`mount -t tmpfs none stick`: the demo writes its workbooks on the disk, as 1.8.0 did."""
    import shlex

    out = tmp_path / "stick"
    demo = shlex.join(partnerships("demo", "--out", out, "--count", "2"))
    result = on_a_disk_of_its_own(out, f"{demo} || exit; ls -A {shlex.quote(str(out))}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Wrote 2 demo workbooks to {out}",
        "P-001_westvale-armed-forces-covenant-partnership.xlsx",
        "P-002_ashcombe-local-enterprise-partnership.xlsx",
    ]


MOUNT_POINT = (
    "the system is using it, most likely as the top folder of a mounted disk or share, which cannot be "
    "replaced whole as a run replaces its folder; write into a new folder inside it"
)


def test_a_mount_point_is_said_in_words(returns, tmp_path, monkeypatch):
    """--out the top folder of a mounted disk: the system refuses to move it (EBUSY), simulated where
    the pack is swapped in by two renames."""
    import os

    from pipeline.files.staging import NO_EXCHANGE_ENV

    out = tmp_path / "stick"
    out.mkdir()
    renamed = os.rename

    def busy(source, target, *args, **kwargs):
        if Path(source) == out:
            raise OSError(errno.EBUSY, "Device or resource busy", str(source), None, str(target))
        return renamed(source, target, *args, **kwargs)

    monkeypatch.setenv(NO_EXCHANGE_ENV, "1")
    monkeypatch.setattr(os, "rename", busy)
    result = CliRunner().invoke(cli, commands(returns, Path(), out)["report"])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1] == f"Error: could not write into {out}: {MOUNT_POINT}"
    assert list(out.iterdir()) == [] and sorted(path.name for path in tmp_path.iterdir()) == ["stick"]


def test_a_real_mount_point_is_said_in_words(returns, tmp_path):
    import sys

    out = tmp_path / "stick"
    report = shlex.join([sys.executable, "-m", "pipeline", *map(str, commands(returns, Path(), out)["report"])])
    result = on_a_disk_of_its_own(out, report)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1] == f"Error: could not write into {out}: {MOUNT_POINT}"


@pytest.mark.parametrize("command", ["report", "demo"])
def test_a_name_too_long_for_the_hidden_folder_beside_it_says_so(command, returns, register, tmp_path):
    out = tmp_path / ("a" * 240)  # a name the disk takes, but not with .unfinished-12345678 around it
    result = CliRunner().invoke(cli, commands(returns, register, out)[command])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1] == (
        f"Error: could not write into {out}: its name is too long: a run builds in a hidden folder beside it "
        "named after it with 21 characters more, more than the disk allows; give it a shorter name"
    )
    assert list(tmp_path.iterdir()) == []
