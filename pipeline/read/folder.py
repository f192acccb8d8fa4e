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
import stat
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
#: The most characters Excel (and LibreOffice) let a cell hold.
EXCEL_MAX_CELL_TEXT = 32_767


def scan_folder(input_dir: Path) -> tuple[list[Path], list[IgnoredFile]]:
    """The files to load (sorted) and the files ignored with their reason (sorted)."""
    paths: list[Path] = []
    ignored: list[IgnoredFile] = []
    outputs: dict[Path, str] = {}
    for path in _walk(input_dir):
        name = relative_name(path, input_dir)
        reason = _in_own_output(path, Path(input_dir), outputs) or ignore_reason(path, input_dir)
        if reason:
            ignored.append(IgnoredFile(name, reason))
        else:
            paths.append(path)
    return (sorted(paths, key=lambda item: relative_name(item, input_dir)), sorted(ignored, key=lambda item: item.file))


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


def _in_own_output(path: Path, input_dir: Path, seen: dict[Path, str]) -> str:
    """Why `path` is not a return when it is in a folder this tool wrote (a feedback folder, a pack, a
    validation report) below the input folder: outputs never become inputs. '' otherwise."""
    from pipeline.files.names import FEEDBACK_COPIES_LIST as COPIES_LIST, FEEDBACK_MANIFEST as MANIFEST

    if path.name == COPIES_LIST and (path.parent / MANIFEST).is_file():
        return "the list of feedback copies written by this tool, not a return"
    markers = None
    for folder in list(path.relative_to(input_dir).parents)[:-1][::-1]:  # outermost first, not the input folder
        folder = input_dir / folder
        if folder not in seen:
            markers = markers or _own_output_markers()
            seen[folder] = next(
                (
                    f"in {what} ({folder.relative_to(input_dir).as_posix()}/), not a return"
                    for marker, what in markers.items()
                    if (folder / marker).is_file()
                ),
                "",
            )
        if seen[folder]:
            return seen[folder]
    return ""


def _walk(folder: Path) -> Iterator[Path]:
    """Every entry under `folder` that is not a directory; symbolic links to folders are not followed."""
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda item: item.name):
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path))
            else:
                yield Path(entry.path)


def ignore_reason(path: Path, input_dir: Path) -> str:
    """Why a file is not a return to read ('' when it is one)."""
    parts = PurePosixPath(relative_name(path, input_dir)).parts
    if any(part.startswith(".") for part in parts[:-1]):
        return "in a hidden folder"
    name = parts[-1]
    if name.startswith("~$"):
        return "Excel lock file (the workbook was open when copied)"
    if name.startswith("."):
        return "hidden file"
    if path.is_symlink():
        return "symbolic link (not followed)"
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    suffix = path.suffix.lower()
    if suffix not in READ_SUFFIXES and suffix not in UNSUPPORTED_SUFFIXES:
        return "not a spreadsheet"
    return ""


def relative_name(path: Path, input_dir: Path) -> str:
    return Path(path).relative_to(input_dir).as_posix()
