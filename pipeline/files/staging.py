"""Writing the pack into its folder safely: a lock, a staging folder, and one swap into place.

Everything is written into a staging folder beside `--out` (`.NAME.unfinished-*`) and swapped into
place only when the whole pack is complete, so a failed or killed run leaves the last good pack where
it was. On Linux the swap is one atomic exchange of the two folders; elsewhere it is two renames, and a
run killed between them is repaired by the next run. A lock file beside `--out` (`.NAME.lock`, held
with `filelock`, which the system releases when the run dies) stops two runs writing into the same
folder at once: the second refuses with a message. Each run first removes what killed runs left beside
`--out`. The pack's folder keeps the mode and group of the folder it replaces (a team's shared folder
stays shared); a new one gets a new folder's mode. The demo's set of workbooks (`staged_set`) is new
files, not a pack to replace: a new folder is built beside and put in place the same way, but into a
folder that exists the set is built in a hidden folder inside it and moved in, so it goes wherever the
user can write into the folder itself (the top folder of a mounted disk, a folder whose parent is not
theirs); either way an interrupted demo leaves no half set.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import os
import shutil
import signal
import stat
import sys
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator

from pipeline.files.atomic import folder_mode

#: Names of the folders a run builds in, and that a swap sets aside, beside `--out`.
UNFINISHED, REPLACED = "unfinished", "replaced"
#: How many characters the name of the folder a run builds in adds to `--out`'s (dots, kind, mkdtemp's 8).
_HIDDEN_ADDS = len(f"..{UNFINISHED}-") + 8
#: For tests only (tests/robustness/test_crash_safety.py): the name of a stage (see `checkpoint`) at
#: which the run kills itself with SIGKILL, as a power cut or `kill -9` would. Never set in normal use.
CRASH_AT_ENV = "PARTNERSHIPS_TEST_CRASH_AT"
#: For tests only: swap with two renames even where an atomic exchange is available.
NO_EXCHANGE_ENV = "PARTNERSHIPS_TEST_NO_EXCHANGE"


class FolderError(Exception):
    """The pack cannot be written into its folder; the message is one line saying why and what to do."""


class OutFolderError(FolderError):
    """`--out` names a folder the run must not write into (inside the input folder, a file, another
    year's pack...): a usage error, which the command line exits with 2, where a failure to write is 1."""


#: Why a folder cannot be written, in words, by the system's error number.
_WHY_NOT_WRITTEN = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk space allowed to you is used up",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "you do not have permission to write there",
    errno.EPERM: "you do not have permission to write there",
    errno.ENAMETOOLONG: "a name in it is too long",
    errno.ENOENT: "a folder cannot be made there",
}


def of_out_folder(out_dir: Path, error: OSError) -> bool:
    """Whether `error` is about the output folder: a path in it, one of the folders above it, or the lock
    or a staging folder beside it (or no path at all, as for a full disk); not, say, an input file."""
    if not error.filename:
        return True
    out_dir, path = Path(out_dir).absolute(), Path(error.filename).absolute()
    return path == out_dir or out_dir in path.parents or path in out_dir.parents or _beside(out_dir, error)


def _beside(out_dir: Path, error: OSError) -> bool:
    """Whether `error` is about the lock or a staging folder of `out_dir`, the hidden names beside it."""
    if not error.filename:
        return False
    out_dir, path = Path(out_dir).absolute(), Path(os.fsdecode(error.filename)).absolute()
    return path.parent == out_dir.parent and path.name.startswith(f".{out_dir.name}.")


def cannot_write(out_dir: Path, error: OSError) -> str:
    """One line saying that `out_dir` could not be written into, and why in words, for any command."""
    out_dir = Path(out_dir)
    in_the_way = next((path for path in (*reversed(out_dir.parents), out_dir) if path.is_file()), None)
    if in_the_way is not None:
        why = f"{in_the_way} is a file, not a folder"
    elif error.errno in (errno.EACCES, errno.EPERM) and _beside(out_dir, error):
        why = (
            "it is replaced whole, in one step, which needs permission to write in the folder that holds it "
            f"({out_dir.parent}); write into a folder whose parent you can write, or ask for write access to "
            f"{out_dir.parent}"
        )
    elif error.errno == errno.ENAMETOOLONG and _beside(out_dir, error):
        why = (
            f"its name is too long: a run builds in a hidden folder beside it named after it with {_HIDDEN_ADDS} "
            "characters more, more than the disk allows; give it a shorter name"
        )
    elif error.errno == errno.EBUSY:
        why = (
            "the system is using it, most likely as the top folder of a mounted disk or share, which cannot be "
            "replaced whole as a run replaces its folder; write into a new folder inside it"
        )
    elif error.errno in _WHY_NOT_WRITTEN:
        why = _WHY_NOT_WRITTEN[error.errno] + (f" ({error.filename})" if error.filename else "")
    else:
        why = error.strerror or str(error)
    return f"could not write into {out_dir}: {why}"


@contextmanager
def staged_pack(out_dir: Path, writer: str = "report") -> Iterator[Path]:
    """A staging folder to build the pack in, under the lock of `out_dir`; swapped into place only if
    the body succeeds. An `out_dir` that is a link to a folder (a team's shared folder) is that folder:
    the pack is swapped in there, where the link was replaced by a folder of its own. `writer` names
    the command in the message of a second run refused."""
    out_dir = Path(out_dir)
    if out_dir.is_symlink():
        out_dir = out_dir.resolve()
    with _locked(out_dir, writer), _staging(out_dir) as staging:
        yield staging


@contextmanager
def staged_set(out_dir: Path, writer: str) -> Iterator[Path]:
    """A staging folder to build a set of new files in (the demo's workbooks), put into `out_dir` only if
    the body succeeds. A new `out_dir` whose parent the user can write is built beside and put in place
    whole, in one step. Into a folder that exists (empty or not, the top folder of a mounted disk, one
    whose parent is not the user's) the files are built in a hidden folder inside it
    (`.WRITER.unfinished-*`, under the lock `.WRITER.lock`) and moved in beside what it holds, never
    replacing it; moved back out if the moving is stopped. The next run removes a hidden folder that a
    killed one left; the input folder's reader never reads a hidden folder (`pipeline.read.folder`)."""
    out_dir = Path(out_dir)
    if not out_dir.exists() and _can_write_beside(out_dir):
        with staged_pack(out_dir, writer) as staging:
            yield staging
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    with _locked(out_dir, writer, inside=True):
        staging = Path(tempfile.mkdtemp(prefix=f".{writer}.{UNFINISHED}-", dir=out_dir))
        try:
            yield staging
            _move_in(staging, out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _can_write_beside(out_dir: Path) -> bool:
    """Whether the user may make files beside `out_dir`: in its parent, or the nearest folder above that
    exists (the folders between are made)."""
    folder = out_dir.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK | os.X_OK)


def _move_in(staging: Path, out_dir: Path) -> None:
    """Move every file of `staging` into `out_dir`; if that is stopped (Ctrl-C, an error), the files moved
    so far go back, so `out_dir` never keeps part of the set."""
    moved: list[str] = []
    try:
        for path in sorted(staging.iterdir()):
            os.rename(path, out_dir / path.name)
            moved.append(path.name)
    except BaseException:
        for name in moved:
            with suppress(OSError):
                os.rename(out_dir / name, staging / name)
        raise


def check_outside_input(input_dir: Path, out_dir: Path) -> None:
    """Outputs never become inputs: refuse an `out_dir` that is the input folder, inside it or holds it
    (a later run would read the reports and feedback copies as returns). For `report` and `validate`."""
    source, target = Path(input_dir).resolve(), Path(out_dir).resolve()
    if target == source or source.is_relative_to(target) or target.is_relative_to(source):
        raise OutFolderError(f"--out {out_dir} must be outside the input folder {input_dir} (and not contain it)")


def check_out_folder(input_dir: Path, out_dir: Path, pack_markers: tuple[str, ...]) -> None:
    """Refuse an `out_dir` inside the input folder (or holding it), a file, or a folder of other files
    (one without any of `pack_markers`, the files an earlier pack holds)."""
    check_outside_input(input_dir, out_dir)
    target = out_dir.resolve()
    if target.exists() and not target.is_dir():
        raise OutFolderError(f"--out {out_dir} is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not any((target / name).exists() for name in pack_markers):
        raise OutFolderError(
            f"--out {out_dir} holds files that are not a review pack; give a new or empty folder "
            "(the pack replaces the whole folder)"
        )


@contextmanager
def _locked(out_dir: Path, writer: str, inside: bool = False) -> Iterator[None]:
    """Hold the lock file beside `out_dir` (`inside` it, for a set moved in: `.WRITER.lock`) for the length
    of the run; refuse if another run holds it.

    The lock (`filelock`: an advisory `flock` on Linux and macOS, a locked file on Windows) is released
    by the system when its holder dies, so a killed run never blocks the next one. What a killed run
    left beside `out_dir` (inside it) is cleaned up once the lock is ours. The file is removed while
    still held, so no other run is inside; a run that opened it meanwhile finds it gone and locks a new one.
    """
    from filelock import FileLock, Timeout

    home, name = (out_dir, writer) if inside else (out_dir.parent, out_dir.name)
    home.mkdir(parents=True, exist_ok=True)
    path = home / f".{name}.lock"
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise FolderError(f"another {writer} is writing into {out_dir} (lock {path}); wait for it to finish") from None
    try:
        if not inside:
            _restore_replaced(out_dir)
        for unfinished in _leftovers(home, name, UNFINISHED):
            shutil.rmtree(unfinished, ignore_errors=True)
        yield
    finally:
        with suppress(OSError):  # on Windows the lock removes its own file when released
            path.unlink(missing_ok=True)
        lock.release()


def _leftovers(home: Path, name: str, kind: str) -> list[Path]:
    """The folders of `kind` that runs named `name` built or set aside in `home` (`.NAME.KIND-*`)."""
    pattern = f".{glob.escape(name)}.{kind}-*"
    return sorted(path for path in home.glob(pattern) if path.is_dir() and not path.is_symlink())


def _restore_replaced(out_dir: Path) -> None:
    """Restore the last pack if a run died in the middle of a swap; else remove what the swap set aside."""
    for replaced in _leftovers(out_dir.parent, out_dir.name, REPLACED):
        if not out_dir.exists():
            os.rename(replaced, out_dir)  # the run died between its two renames: the old pack goes back
        else:
            shutil.rmtree(replaced, ignore_errors=True)


def checkpoint(name: str) -> None:
    """A point between two stages of the run; with CRASH_AT_ENV set to `name`, the run dies here (tests)."""
    if os.environ.get(CRASH_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    """A folder beside `out_dir` to build the pack in; swapped into place only if the body succeeds."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{UNFINISHED}-", dir=out_dir.parent))
    try:
        mode = _take_on(out_dir, staging)
        yield staging
        os.chmod(staging, mode)
        checkpoint("staged")
        _swap_into_place(staging, out_dir)
    except OSError as error:
        if not of_out_folder(out_dir, error):
            raise
        raise FolderError(cannot_write(out_dir, error)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _take_on(out_dir: Path, staging: Path) -> int:
    """Give `staging` the group of the folder it is to replace, where the user may set it, so that what is
    written in it takes that group too (a setgid folder passes it on); return the mode it is given once
    complete: that folder's, so a team's shared folder stays as it was set up, else a new folder's."""
    try:
        there = os.stat(out_dir)
    except FileNotFoundError:
        return folder_mode()  # mkdtemp makes it private; a new folder is as mkdir would make it
    if there.st_gid != os.stat(staging).st_gid:
        with suppress(PermissionError):  # a group the user is not in: the folder gets the user's
            os.chown(staging, -1, there.st_gid)
    mode = stat.S_IMODE(there.st_mode)
    os.chmod(staging, mode | stat.S_IRWXU)  # the setgid bit now, for the files written in it
    return mode


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    """New pack in, old pack out: one atomic exchange where the system offers it, else two renames.

    After an exchange `staging` holds the old pack, which the caller removes. With two renames the old
    pack is set aside first; if the second rename fails it comes back, and if the run is killed
    between them the next run puts it back (`_restore_replaced`).
    """
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        checkpoint("swapped")
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.{REPLACED}-", dir=out_dir.parent))
    os.rmdir(backup)
    os.rename(out_dir, backup)
    checkpoint("half-swapped")
    try:
        os.rename(staging, out_dir)
    except OSError:
        os.rename(backup, out_dir)
        raise
    shutil.rmtree(backup, ignore_errors=True)


_RENAME_EXCHANGE = 2  # linux/fs.h
_EXCHANGE_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where that is not available."""
    if os.environ.get(NO_EXCHANGE_ENV) or not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_cwd = -100  # AT_FDCWD
    if renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _EXCHANGE_UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(second))
