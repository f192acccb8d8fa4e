"""Reading a file the user named (a configuration, last year's register): its bytes, or why they
cannot be had, in words the caller puts after the file's name."""

from __future__ import annotations

from pathlib import Path


class CannotRead(OSError):
    """The file cannot be read; `reason` says why: 'does not exist', 'is a folder', ..."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_named_file(path: Path) -> bytes:
    """The bytes of the file at `path`, else `CannotRead`."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CannotRead("does not exist") from None
    except IsADirectoryError:
        raise CannotRead("is a folder, not a file") from None
    except NotADirectoryError:
        raise CannotRead("does not exist: a part of its path is a file, not a folder") from None
    except OSError as error:
        raise CannotRead(f"cannot be read ({error.strerror or error})") from None
