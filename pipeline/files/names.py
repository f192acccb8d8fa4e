"""Safe, unique file names for the files the pipeline writes from what officers typed.

A Partnership ID, a partnership name or a returned file's name is untrusted text: it may hold path
separators, `..`, characters Windows refuses, device names such as `CON`, control or direction
characters, or be very long. Names made here stay inside the folder they are written to and never
collide with one another (case-insensitively, as on Windows and macOS). Rolled-over workbooks get
plain ASCII names from the ID and name (`safe_stem`, `slug`); a feedback copy keeps the returned
file's own name, letters of any script and spaces included, so the officer recognises it
(`readable_stem`).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath

#: The files this tool writes into a feedback folder (`check/feedback.py`): the list of its copies, for
#: the next run, and the list for the policy team. Named here, with no library behind them, so that the
#: input scan (`read/folder.py`) knows such a folder without loading the feedback writer.
FEEDBACK_MANIFEST = ".feedback-copies.txt"
FEEDBACK_COPIES_LIST = "feedback_copies.csv"

#: Longest file stem written; keeps full paths well inside Windows' 260-character limit.
MAX_STEM = 80
MAX_FOLDER = 60

_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", "clock$", "conin$", "conout$"}
    | {f"com{n}" for n in "0123456789¹²³"}
    | {f"lpt{n}" for n in "0123456789¹²³"}
)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def ascii_text(text: str) -> str:
    """`text` folded to ASCII: accents dropped (é -> e), other non-ASCII characters removed."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def slug(text: str, max_length: int = 50) -> str:
    """Lower-case words joined by '-': 'Community Safety Partnership' -> 'community-safety-partnership'."""
    words = _NOT_SLUG.sub("-", ascii_text(text).lower()).strip("-")
    return words[:max_length].rstrip("-")


def safe_stem(text: str, *, fallback: str, max_length: int = MAX_STEM) -> str:
    """One path component without separators, `..`, leading dots, device names or odd characters."""
    stem = _UNSAFE.sub("_", ascii_text(text))
    stem = re.sub(r"\.{2,}", ".", stem).strip("._- ")[:max_length].rstrip("._- ")
    if not stem:
        return fallback
    if stem.split(".")[0].lower() in _WINDOWS_DEVICES:
        stem = f"_{stem}"
    return stem


#: What Windows refuses in a file name (other file systems refuse fewer): the only punctuation replaced.
_REFUSED = frozenset('<>:"/\\|?*')
#: The most bytes a name component may take on disk (file systems allow 255).
MAX_NAME_BYTES = 200


def _readable(char: str) -> str:
    """The character as a readable name keeps it: a letter, mark, digit, punctuation or symbol as it
    is (but what Windows refuses), a space of any kind as a space, anything else as '_'."""
    kind = unicodedata.category(char)
    if kind[0] in "LMN" or (kind[0] in "PS" and char not in _REFUSED):
        return char
    return " " if kind == "Zs" else "_"


def readable_stem(text: str, *, fallback: str, max_length: int = MAX_STEM) -> str:
    """One path component that keeps the officer's own name: letters of any script, digits, spaces,
    punctuation and symbols (St Mary’s – Trust #2 [final]); separators, characters Windows refuses,
    control and direction characters become '_'; no leading dots, no device names, no more than
    `max_length` characters."""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(_readable(char) for char in text)
    stem = re.sub(r"_{2,}", "_", re.sub(r" {2,}", " ", re.sub(r"\.{2,}", ".", kept))).strip("._- ")
    stem = stem[:max_length].rstrip("._- ")
    while len(stem.encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1].rstrip("._- ")
    if not stem.strip("_"):
        return fallback
    if stem.split(".")[0].strip().lower() in _WINDOWS_DEVICES:
        stem = f"_{stem}"
    return stem


def mirrored_path(relative: str, suffix: str) -> PurePosixPath:
    """A returned file's path relative to its folder, made safe component by component, keeping the
    names the officer gave (`readable_stem`).

    'North/P-01 return.xlsx' -> 'North/P-01 return.xlsx'; '../../etc/x.xlsx' -> 'etc/x.xlsx';
    'Équipe/Réseau.xlsx' stays as it is.
    """
    parts = [part for part in re.split(r"[\\/]+", relative) if part not in ("", ".", "..")]
    if not parts:
        parts = ["workbook"]
    folders = [readable_stem(part, fallback="folder", max_length=MAX_FOLDER) for part in parts[:-1]]
    name = parts[-1]
    stem = name[: -len(Path(name).suffix)] if Path(name).suffix else name
    return PurePosixPath(*folders, readable_stem(stem, fallback="workbook") + suffix)


class UniqueNames:
    """Hands out paths inside `folder` that differ from each other and from `reserved` paths.

    A collision gets '-2', '-3', ... before the suffix. Comparison ignores case.
    """

    def __init__(self, folder: Path, reserved: tuple[Path, ...] = ()) -> None:
        self.folder = folder.resolve()
        self._taken = {self._key(path.resolve()) for path in reserved}

    @staticmethod
    def _key(path: Path) -> str:
        return str(path).casefold()

    def claim(self, relative: PurePosixPath) -> Path:
        target = self.folder.joinpath(*relative.parts)
        stem, suffix = target.name[: -len(target.suffix) or None], target.suffix
        candidate, number = target, 1
        while self._key(candidate) in self._taken:
            number += 1
            candidate = target.with_name(f"{stem}-{number}{suffix}")
        if not candidate.resolve().is_relative_to(self.folder):
            # Only reachable through a symbolic link planted inside the output folder.
            raise ValueError(f"refusing to write outside {self.folder}: {candidate}")
        self._taken.add(self._key(candidate))
        return candidate
