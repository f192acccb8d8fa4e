"""Writing a file so that it appears under its name only once complete.

Every output (reports, workbooks, the pack, manifests) goes through here, so a reader or an
interrupted run never sees half a file. Each gets the mode an ordinary write would give it: 0666 (a
folder 0777) less the umask, so `umask 077` keeps the register's names and emails to their owner.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path


@functools.cache
def _umask() -> int:
    """The process's umask, read once: from /proc where the system shows it, else by setting it and
    putting it back at once (the only other way to read it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode an ordinary write gives a new file: 0666 less the umask."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    """The mode an ordinary mkdir gives a new folder: 0777 less the umask."""
    return 0o777 & ~_umask()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, file_mode())  # mkstemp makes it private; the output is as any file written here
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
