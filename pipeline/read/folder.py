"""Which files of the input folder are returns to read, and which are not (with the reason).

The folder is read recursively; Excel lock files (`~$name.xlsx`), hidden files and folders (names
starting with a dot), symbolic links, and files that are not spreadsheets are not read but are
listed with the reason, so every file present is accounted for; so are the files in a folder this
tool wrote (a feedback folder, a pack, a validation report): outputs never become inputs. `.xlsx` and
`.xlsm` are read (macros never run: only cell values are read); other spreadsheet formats are read
only far enough to give them `file.unsupported_format`.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Iterator

from pipeline.records import IgnoredFile

#: Extensions read as workbooks (Office Open XML, transitional).
READ_SUFFIXES = (".xlsx", ".xlsm")
#: Spreadsheet formats recognised by extension but not read, as the officer would name them.
UNSUPPORTED_SUFFIXES = {
    ".xls": "legacy Excel 97-2003 (.xls)",
    ".xlt": "legacy Excel 97-2003 template (.xlt)",
    ".xlsb": "binary Excel (.xlsb)",
    ".xltx": "workbook template (.xltx)",
    ".xltm": "workbook template (.xltm)",
    ".ods": "OpenDocument / LibreOffice Calc (.ods)",
    ".fods": "flat OpenDocument (.fods)",
    ".csv": "CSV text (.csv)",
    ".tsv": "tab-separated text (.tsv)",
    ".numbers": "Apple Numbers (.numbers)",
}
SUPPORTED_FORMATS_TEXT = ".xlsx and .xlsm"
#: Files returns come wrapped in, and what to do so that the workbook in them is read.
WRAPPERS = {
    ".zip": "a zip file: unzip it into the input folder, so that the workbooks in it are read",
    ".msg": "an email saved from Outlook: save the workbook attached to it into the input folder",
    ".eml": "an email: save the workbook attached to it into the input folder",
}
#: The most characters Excel (and LibreOffice) let a cell hold.
EXCEL_MAX_CELL_TEXT = 32_767


def scan_folder(input_dir: Path) -> tuple[list[Path], list[IgnoredFile]]:
    """The files to load (sorted) and the files ignored with their reason (sorted)."""
    input_dir = Path(input_dir)
    paths: list[tuple[str, Path]] = []
    ignored: list[IgnoredFile] = []
    outputs: dict[Path, str] = {}
    for entry, name in _walk(input_dir, ""):
        if isinstance(entry, OSError):  # a folder that cannot be opened: the one thing known of its files
            reason = f"a folder that cannot be opened ({entry.strerror or entry}): not read"
            ignored.append(IgnoredFile(_shown(name), reason))
            continue
        if not _is_text(name):  # no report could hold its name
            ignored.append(IgnoredFile(_shown(name), NOT_TEXT))
            continue
        path = Path(entry.path)
        reason = _in_own_output(path, name, input_dir, outputs) or _ignore_reason(entry, name)
        if reason:
            ignored.append(IgnoredFile(name, reason))
        else:
            paths.append((name, path))
    return [path for _, path in sorted(paths)], sorted(ignored, key=lambda item: item.file)


#: Why a file whose name is not valid UTF-8 (copied from an old zip or share) is not read.
NOT_TEXT = "its name is not text in UTF-8 (it came from a system with another character set): rename it"


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes the file system gave that are not UTF-8 (surrogate escapes)
        return False
    return True


def _shown(name: str) -> str:
    """`name` as a report can hold it: the bytes of a name that is not UTF-8 shown as \\xNN."""
    return name if _is_text(name) else os.fsencode(name).decode("utf-8", "backslashreplace")


def _own_output_markers() -> dict[str, str]:
    """The files that show a folder was written by this tool, and what the folder is."""
    from pipeline.check.validation_report import CSV_NAME
    from pipeline.files.names import FEEDBACK_MANIFEST as MANIFEST
    from pipeline.pack.results import RESULTS_FILE

    return {
        MANIFEST: "feedback copies written by this tool",
        RESULTS_FILE: "a review pack written by this tool",
        CSV_NAME: "a validation report folder written by this tool",
    }


def _in_own_output(path: Path, name: str, input_dir: Path, seen: dict[Path, str]) -> str:
    """Why `path` (`name` below the input folder) is not a return when it is in a folder this tool wrote
    (a feedback folder, a pack, a validation report) below the input folder: outputs never become
    inputs. '' otherwise."""
    from pipeline.files.names import FEEDBACK_COPIES_LIST as COPIES_LIST, FEEDBACK_MANIFEST as MANIFEST

    if path.name == COPIES_LIST and (path.parent / MANIFEST).is_file():
        return "the list of feedback copies written by this tool, not a return"
    markers = None
    folders = name.split("/")[:-1]
    for depth in range(1, len(folders) + 1):  # outermost first, not the input folder
        folder = input_dir.joinpath(*folders[:depth])
        if folder not in seen:
            markers = markers or _own_output_markers()
            seen[folder] = next(
                (
                    f"in {what} ({'/'.join(folders[:depth])}/), not a return"
                    for marker, what in markers.items()
                    if (folder / marker).is_file()
                ),
                "",
            )
        if seen[folder]:
            return seen[folder]
    return ""


def _walk(folder: Path, prefix: str) -> Iterator[tuple[os.DirEntry | OSError, str]]:
    """Every entry under `folder` that is not a directory, with its name below the first folder walked
    (`prefix` is this folder's); symbolic links to folders are not followed. A folder below it that
    cannot be opened comes as the error, with the folder's name (the input folder itself raises it)."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda item: item.name)
    except OSError as error:
        if not prefix:
            raise
        yield error, prefix
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), f"{prefix}{entry.name}/")
        else:
            yield entry, prefix + entry.name


def _ignore_reason(entry: os.DirEntry, name: str) -> str:
    """Why a file found by `_walk` (`name` below the input folder) is not a return to read ('' when it
    is one). What the folder listing says of the file is used: an ordinary file is not looked at again."""
    *folders, base = name.split("/")
    if any(part.startswith(".") for part in folders):
        return "in a hidden folder"
    if base.startswith("~$"):
        return "Excel lock file (the workbook was open when copied)"
    if base.startswith("."):
        return "hidden file"
    try:
        if entry.is_symlink():
            return "symbolic link (not followed)"
        if not entry.is_file(follow_symlinks=False):
            return "not a regular file"
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    suffix = PurePosixPath(base).suffix.lower()
    if suffix not in READ_SUFFIXES and suffix not in UNSUPPORTED_SUFFIXES:
        return WRAPPERS.get(suffix, "not a spreadsheet")
    return ""


def relative_name(path: Path, input_dir: Path) -> str:
    return Path(path).relative_to(input_dir).as_posix()


def _main(arguments: list[str]) -> int:
    """`python -m pipeline.read.folder DIR`: 0 when DIR holds a return (a file `scan_folder` reads: a
    workbook, or a spreadsheet in a format not read, which gets the finding that says how to send it
    again), 1 when it holds none, and then the files that may wrap returns (a zip, an email) are named
    with what to do; the answer is said in a line too. 2, with a line saying why, when DIR is not given
    or is not a folder. `make report` asks it, and runs on a demo set only when the answer is 1."""
    if len(arguments) != 1:
        print("Give one folder: python -m pipeline.read.folder input")
        return 2
    folder = Path(arguments[0])
    if not folder.is_dir():
        print(f"{folder} is not a folder{'' if folder.exists() else ' (there is nothing of that name)'}.")
        return 2
    paths, ignored = scan_folder(folder)
    if paths:
        print(f"{folder} holds {len(paths)} return{'' if len(paths) == 1 else 's'}.")
        return 0
    print(f"{folder} holds no return.")
    for item in ignored:
        if item.reason in WRAPPERS.values():
            print(f"{item.file} is {item.reason}.")
    return 1


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
