"""Returned workbook files -> typed records stamped with their Excel rows, or file-level findings.

Loading never raises for a bad file. Each file is first *pre-flighted* on its raw bytes, without any
spreadsheet library: its format is sniffed from its content (an encrypted .xlsx is really an OLE2
file; a CSV or web page may be renamed .xlsx), and a zip is checked against `config.limits` (declared
sizes, compression ratio, XML entity declarations, sheet dimensions and cell references) by
streaming each XML part with a cap. Only a file that passes is handed to python-calamine, and that
read too is wrapped so that any exception becomes `file.unreadable`; a cell longer than Excel allows
is refused. A hostile file therefore costs one bounded pass over its bytes and can never end the batch
(python-calamine aborts the whole process on a cell at XFD1048576; openpyxl exhausts memory on it).
Behind pre-flight, files are read in worker processes with a memory cap and a processor-time limit,
so a reader that still crashes, runs out of memory or never finishes costs only its own file.

The folder is read recursively; Excel lock files (`~$name.xlsx`), hidden files and folders (names
starting with a dot), symbolic links, and files that are not spreadsheets are not read but are
listed in `Batch.ignored` with the reason, so every file present is accounted for. `.xlsx` and
`.xlsm` are read (macros never run: only cell values are read); other spreadsheet formats get
`file.unsupported_format`. Input files are only ever opened for reading, once, and the SHA-256 is of
the very bytes that were checked and read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import io
import multiprocessing
import os
import re
import signal
import stat
import struct
import time
import zipfile
import zlib
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

from pipeline import catalogue, table_rows, values
from pipeline.catalogue import Kind, SheetLayout
from pipeline.config import Config, Limits
from pipeline.findings import Finding, finding
from pipeline.progress import Progress, quiet
from pipeline.records import ChecklistRow, IgnoredFile, ImprovementRow, RegisterValue, RiskRow, Value, Workbook

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

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
#: Stream names that an encrypted (password-protected) Office file carries inside its OLE2 container.
_ENCRYPTION_STREAMS = tuple(name.encode("utf-16-le") for name in ("EncryptionInfo", "EncryptedPackage"))
_STRICT_NAMESPACE = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
#: Entity and document type declarations are how XML bombs and external entities work; no part of a
#: workbook written by Excel, LibreOffice or openpyxl has one. Searched in UTF-8 and UTF-16.
_DECLARATIONS = tuple(
    needle.encode(encoding)
    for needle in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
#: A member smaller than this cannot harm memory whatever its compression ratio; only bigger members
#: are held to `max_compression_ratio`, so ordinary small, repetitive parts are never refused.
_RATIO_FLOOR_BYTES = 1 << 20
_CHUNK = 1 << 16
_OVERLAP = 512  # bytes kept between chunks so that no needle or attribute is split unseen
_CELL_REF = re.compile(rb'\sr="([A-Za-z]{0,8})(\d{0,12})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Za-z]{0,8})(\d{0,12})(?::([A-Za-z]{0,8})(\d{0,12}))?"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_SHARED_STRING_TAG = re.compile(rb"<(?:\w+:)?si[\s>/]")


class Refused(Exception):
    """A file that pre-flight refuses: carries the finding's rule and template fields."""

    def __init__(self, rule: str, **fields: str) -> None:
        super().__init__(rule, fields)
        self.rule = rule
        self.fields = fields


# --- The folder ------------------------------------------------------------------------------------

@dataclass
class Batch:
    """Every file of the input folder: the workbooks read (sorted by file) and the files ignored."""

    input_dir: Path
    workbooks: list[Workbook] = field(default_factory=list)
    ignored: list[IgnoredFile] = field(default_factory=list)
    #: What `load_folder`'s `then` returned for each workbook, in the same order (empty without it).
    then_results: list[Any] = field(default_factory=list)


def load_folder(input_dir: Path, config: Config, *, jobs: int = 1, progress: Progress = quiet,
                then: Callable[[Workbook], Any] | None = None) -> Batch:
    """Load every workbook under `input_dir` (subfolders included), in `jobs` worker processes.

    `then`, a function that can be pickled, is run on each workbook in the worker that read it, so
    the work a workbook needs on its own is shared out with the reading (see `pipeline.assess`).

    The result does not depend on `jobs`: workbooks come back sorted by their relative path. Files are
    read in worker processes, never in this one, each worker held to `WORKER_MEMORY_BYTES` of memory and
    each file to `limits.load_timeout_seconds` of processor time: a reader that crashes, runs out of
    memory or never finishes (which pre-flight exists to prevent) ends its worker, not the batch. The
    files that worker had in hand (its chunk, and any chunk the broken pool had not finished) are
    then read again, each alone, so only the culprit gets a finding.
    """
    input_dir = Path(input_dir)
    paths, ignored = scan_folder(input_dir)
    loaded: dict[Path, tuple[Workbook, Any]] = {}
    stopped: list[Path] = []
    if paths:
        workers = max(1, min(jobs, len(paths)))
        size = _chunk_size(len(paths), workers)
        chunks = [paths[start:start + size] for start in range(0, len(paths), size)]
        with _no_cycle_collection(), ProcessPoolExecutor(max_workers=workers, initializer=_limit_worker) as pool:
            futures = [pool.submit(_load_chunk, chunk, input_dir, config, then) for chunk in chunks]
            # One progress step per file; a chunk's result is taken when its first file comes up.
            steps = [(chunk, future, index) for chunk, future in zip(chunks, futures) for index in range(len(chunk))]
            for chunk, future, index in progress("Loading", steps):
                try:
                    loaded[chunk[index]] = future.result()[index]
                except BrokenProcessPool:
                    stopped.append(chunk[index])
    for path in stopped:
        loaded[path] = _load_alone(path, input_dir, config, then)
    pairs = sorted(loaded.values(), key=lambda pair: pair[0].file)
    return Batch(input_dir, [workbook for workbook, _ in pairs], ignored,
                 [result for _, result in pairs] if then is not None else [])


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while the workers' results are unpickled here: records hold
    no cycles, and a collector pass over the ever larger batch, every few thousand new objects,
    would otherwise take this process as long as the unpickling itself, on a core the workers need."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: The most files one task of a worker reads. Files go to workers in chunks because one task per file
#: costs more in passing tasks and results between processes than reading a small workbook does;
#: a chunk is small enough that the workers finish together and that a file which ends its worker
#: sends only a few others to be read again alone.
MAX_CHUNK_FILES = 16


def _chunk_size(files: int, workers: int) -> int:
    """Files per task: about eight tasks a worker, so the work spreads evenly, and at most MAX_CHUNK_FILES."""
    return max(1, min(MAX_CHUNK_FILES, files // (8 * workers)))


def _load_chunk(paths: list[Path], input_dir: Path, config: Config,
                then: Callable[[Workbook], Any] | None) -> list[tuple[Workbook, Any]]:
    """Read `paths` one after another in a worker, each file under its own processor-time limit."""
    return [_then(_load_limited(path, input_dir, config), then) for path in paths]


def _then(workbook: Workbook, then: Callable[[Workbook], Any] | None) -> tuple[Workbook, Any]:
    return workbook, (then(workbook) if then is not None else None)


#: The memory a worker may take on top of what it starts with, whatever file it reads.
WORKER_MEMORY_BYTES = 1 << 30


def _limit_worker() -> None:
    """Cap the worker's address space: an allocation beyond it fails instead of exhausting the machine."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as handle:
            in_use = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = in_use + WORKER_MEMORY_BYTES
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux: pre-flight is the only bound
        pass


def _load_limited(path: Path, input_dir: Path, config: Config) -> Workbook:
    """`load_workbook_file` under a processor-time limit: past it the system stops the worker (SIGXCPU)."""
    try:
        import resource

        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = spent + config.limits.load_timeout_seconds + 1
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ImportError, OSError, ValueError):
        pass
    return load_workbook_file(path, input_dir, config)


def _load_alone(path: Path, input_dir: Path, config: Config,
                then: Callable[[Workbook], Any] | None) -> tuple[Workbook, Any]:
    """Read one file in a process of its own; if that process dies too, the file gets a finding."""
    context = multiprocessing.get_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_load_and_send, args=(sender, path, input_dir, config, then))
    process.start()
    sender.close()
    pair = None
    try:
        if receiver.poll(2 * config.limits.load_timeout_seconds + 5):
            pair = receiver.recv()
    except (EOFError, OSError):
        pass
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    if pair is not None:
        return pair
    return _then(_stopped_reader(path, input_dir, process.exitcode or 0), then)


def _stopped_reader(path: Path, input_dir: Path, code: int) -> Workbook:
    """The finding of a file whose reader process died (`code` is its exit code)."""
    name = relative_name(path, input_dir)
    try:
        size, digest = path.stat().st_size, _hash_file(path)
    except OSError:
        size, digest = 0, ""
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return _refused(name, digest, size, "file.too_large", reason=TOO_SLOW)
    return _refused(name, digest, size, "file.unreadable", reason=(
        f"the reader stopped on it ({_signal_name(code)}), for example for want of memory: "
        "the file is damaged or not a plain workbook"))


def _load_and_send(sender, path: Path, input_dir: Path, config: Config,
                   then: Callable[[Workbook], Any] | None) -> None:
    _limit_worker()
    sender.send(_then(_load_limited(path, input_dir, config), then))
    sender.close()


def _signal_name(code: int) -> str:
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


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
    return (sorted(paths, key=lambda item: relative_name(item, input_dir)),
            sorted(ignored, key=lambda item: item.file))


def _own_output_markers() -> dict[str, str]:
    """The files that show a folder was written by this tool, and what the folder is."""
    from pipeline.feedback import MANIFEST
    from pipeline.results import RESULTS_FILE
    from pipeline.validation_report import CSV_NAME

    return {MANIFEST: "feedback copies written by this tool",
            RESULTS_FILE: "a review pack written by this tool",
            CSV_NAME: "a validation report folder written by this tool"}


def _in_own_output(path: Path, input_dir: Path, seen: dict[Path, str]) -> str:
    """Why `path` is not a return when it is in a folder this tool wrote (a feedback folder, a pack, a
    validation report) below the input folder: outputs never become inputs. '' otherwise."""
    from pipeline.feedback import COPIES_LIST, MANIFEST

    if path.name == COPIES_LIST and (path.parent / MANIFEST).is_file():
        return "the list of feedback copies written by this tool, not a return"
    markers = None
    for folder in list(path.relative_to(input_dir).parents)[:-1][::-1]:  # outermost first, not the input folder
        folder = input_dir / folder
        if folder not in seen:
            markers = markers or _own_output_markers()
            seen[folder] = next((f"in {what} ({folder.relative_to(input_dir).as_posix()}/), not a return"
                                 for marker, what in markers.items() if (folder / marker).is_file()), "")
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


# --- One file --------------------------------------------------------------------------------------

def load_workbook_file(path: Path, input_dir: Path, config: Config) -> Workbook:
    """Read one returned file into a Workbook; a bad file gives a Workbook holding its finding."""
    name = relative_name(Path(path), Path(input_dir))
    limits = config.limits
    try:
        size = Path(path).stat().st_size
        if size > limits.max_file_bytes:
            digest = _hash_file(Path(path))
            return _refused(name, digest, size, "file.too_large", reason=_too_large(
                f"{_megabytes(size)} on disk; the limit is {_megabytes(limits.max_file_bytes)}"))
        data = _read_capped(Path(path), limits.max_file_bytes)
    except OSError as error:
        return Workbook(file=name, sha256="", size=0, findings=(
            finding("file.unreadable", file=name, reason=f"the file cannot be opened: {error.strerror or error}"),))
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > limits.max_file_bytes:  # grew while being read
        return _refused(name, digest, len(data), "file.too_large",
                        reason=_too_large(f"over {_megabytes(limits.max_file_bytes)} on disk"))
    try:
        deadline = time.monotonic() + limits.load_timeout_seconds
        preflight(data, Path(path).suffix.lower(), limits, deadline)
        return read_workbook(data, name, digest, deadline)
    except Refused as refusal:
        return _refused(name, digest, len(data), refusal.rule, **refusal.fields)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - a reader's panic is a finding, not a crash
        return _refused(name, digest, len(data), "file.unreadable", reason=_describe(error))


def _refused(name: str, digest: str, size: int, rule: str, **fields: str) -> Workbook:
    if "format" in fields:
        fields = {**fields, "format": with_article(fields["format"])}
    return Workbook(file=name, sha256=digest, size=size, findings=(finding(rule, file=name, **fields),))


#: `file.too_large` says "too large" only of size; other limits say what they are.
TOO_SLOW = "Reading it took longer than the time allowed for one workbook: it is damaged or far from a plain workbook"


def _too_large(detail: str) -> str:
    return f"The file is too large to be a completed review workbook ({detail})"


def with_article(name: str) -> str:
    """'an OpenDocument ...', 'a legacy Excel ...': the format's name as a sentence says it."""
    return f"{'an' if name[:1].upper() in 'AEIOU' else 'a'} {name}"


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_capped(path: Path, limit: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(limit + 1)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB" if size >= 1_000_000 else f"{size:,} bytes"


def _describe(error: BaseException) -> str:
    """Why the reader failed, in an officer's words: never the library's own text (it is for developers,
    and says things like "CalamineError: Cannot detect file format")."""
    return "its content could not be read: it is damaged, or was not saved as a workbook by Excel or LibreOffice"


# --- Pre-flight: the raw bytes, before any spreadsheet library sees them -------------------------

def preflight(data: bytes, suffix: str, limits: Limits, deadline: float | None = None) -> None:
    """Raise `Refused` unless `data` is an .xlsx/.xlsm zip that is safe to hand to a reader."""
    deadline = time.monotonic() + limits.load_timeout_seconds if deadline is None else deadline
    if suffix in UNSUPPORTED_SUFFIXES:
        raise Refused("file.unsupported_format", format=UNSUPPORTED_SUFFIXES[suffix])
    if not data.strip():
        raise Refused("file.unreadable", reason="the file is empty")
    if data.startswith(_OLE_MAGIC):
        if any(stream in data for stream in _ENCRYPTION_STREAMS):
            raise Refused("file.encrypted")
        raise Refused("file.unsupported_format", format="legacy Excel 97-2003 (.xls)")
    if not data.startswith(_ZIP_MAGICS):
        _refuse_not_zip(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as error:
        raise Refused("file.unreadable", reason="the file is truncated or corrupt") from None
    with archive:
        _check_package(archive, data, limits, deadline)


def _refuse_not_zip(data: bytes) -> None:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype html")) or b"<html" in head:
        raise Refused("file.unsupported_format", format="web page (HTML)")
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192]:
        raise Refused("file.unsupported_format", format="Excel 2003 XML spreadsheet")
    if b"\x00" not in data[:8192]:
        try:
            data[:8192].decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise Refused("file.unsupported_format", format="plain text or CSV")
    raise Refused("file.unreadable", reason="it is not an Excel workbook (the content is not a zip package)")


def _check_package(archive: zipfile.ZipFile, data: bytes, limits: Limits, deadline: float) -> None:
    members = archive.infolist()
    names = {member.filename for member in members}
    _check_kind(archive, names)
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed_bytes:
        raise Refused("file.too_large", reason=_too_large(
            f"its parts unpack to {_megabytes(total)}; the limit is {_megabytes(limits.max_uncompressed_bytes)}"))
    for member in members:
        if member.flag_bits & 0x1:
            raise Refused("file.encrypted")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused("file.unreadable", reason=f"part {member.filename} uses an unknown compression")
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
            raise Refused("file.too_large", reason=_too_large(
                f"part {member.filename} unpacks {ratio:,.0f} times its packed size "
                f"(the limit is {limits.max_compression_ratio}): a zip bomb"))
    roles = _part_roles(archive)
    for member in members:
        if not member.filename.lower().endswith(_BINARY_SUFFIXES):
            _scan_part(data, member, roles.get(member.filename, ""), limits, deadline)


#: Parts never parsed as XML by a reader (pictures, VBA, printer settings): bounded by the size
#: checks above, but not searched for XML declarations, where their binary bytes could match by chance.
_BINARY_SUFFIXES = (".bin", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".wdp")
_SHEET_TYPES = ("/worksheet", "/chartsheet", "/dialogsheet", "/macrosheet")


def _part_roles(archive: zipfile.ZipFile) -> dict[str, str]:
    """What each part is to a reader ('workbook', 'sheet', 'strings'), from the workbook's relationships.

    A reader follows the relationships, not the usual part names, so a sheet stored under any name
    is still checked as a sheet; the usual names count too.
    """
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    workbook = workbook_part(archive)
    roles = {workbook: "workbook", "xl/sharedStrings.xml": "strings"}
    roles.update({name: "sheet" for name in archive.namelist()
                  if name.lower().startswith(("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/",
                                              "xl/macrosheets/")) and not name.lower().endswith(".rels")})
    folder, _, base = workbook.rpartition("/")
    rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    try:
        root = ElementTree.fromstring(_read_small(archive, rels_name))
    except KeyError:
        return roles
    except (DefusedXmlException, ElementTree.ParseError, zipfile.BadZipFile, zlib.error, OSError) as error:
        raise Refused("file.unreadable", reason=f"part {rels_name} is not allowed or corrupt") from None
    for element in root:
        target, kind = element.get("Target") or "", element.get("Type") or ""
        name = target.lstrip("/") if target.startswith("/") else str(PurePosixPath(folder, target))
        name = os.path.normpath(name).replace(os.sep, "/")
        if kind.endswith(_SHEET_TYPES):
            roles[name] = "sheet"
        elif kind.endswith("/sharedStrings"):
            roles[name] = "strings"
    return roles


def _check_kind(archive: zipfile.ZipFile, names: set[str]) -> None:
    """Refuse zips that are some other package: OpenDocument, binary Excel, Word, Numbers, or Strict."""
    if "mimetype" in names:
        raise Refused("file.unsupported_format", format="OpenDocument / LibreOffice Calc (.ods)")
    if "xl/workbook.bin" in names:
        raise Refused("file.unsupported_format", format="binary Excel (.xlsb)")
    if "word/document.xml" in names:
        raise Refused("file.unsupported_format", format="Word document")
    if any(name.startswith("Index/") and name.endswith(".iwa") for name in names):
        raise Refused("file.unsupported_format", format="Apple Numbers (.numbers)")
    if "[Content_Types].xml" not in names or workbook_part(archive) not in names:
        raise Refused("file.unreadable", reason="it is a zip file but not an Excel workbook")


def workbook_part(archive: zipfile.ZipFile) -> str:
    """The name of the workbook part (normally xl/workbook.xml), from the package relationships."""
    try:
        rels = _read_small(archive, "_rels/.rels")
    except KeyError:
        return "xl/workbook.xml"
    match = re.search(rb'Target="/?([^"]*workbook[^"]*\.xml)"', rels)
    return match.group(1).decode("utf-8", "replace") if match else "xl/workbook.xml"


def _read_small(archive: zipfile.ZipFile, name: str, cap: int = 4 << 20) -> bytes:
    with archive.open(name) as handle:
        return handle.read(cap)


def _scan_part(data: bytes, member: zipfile.ZipInfo, role: str, limits: Limits, deadline: float) -> None:
    """Stream one part, inflated here with a cap: no DTD or entity, no oversized sheet or string table."""
    name = member.filename
    max_cells = limits.max_rows * limits.max_columns
    cells = rows = strings = 0
    tail = b""
    for chunk in _inflate(data, member):
        _check_time(deadline)
        window = tail + chunk
        if any(needle in window for needle in _DECLARATIONS):
            raise Refused("file.unreadable", reason=(
                f"part {name} declares a document type or entities (<!DOCTYPE>/<!ENTITY>), "
                "which workbooks never need and which are not allowed"))
        fresh = len(tail)
        if role == "workbook" and _STRICT_NAMESPACE in window:
            raise Refused("file.unsupported_format", format="Strict Open XML")
        if role == "sheet":
            _check_references(window, limits)
            cells += _count_new(_CELL_TAG, window, fresh)
            rows += _count_new(_ROW_TAG, window, fresh)
            if cells > max_cells or rows > limits.max_rows:
                raise Refused("file.too_large", reason=_too_large(
                    f"sheet part {name} holds more than {limits.max_rows:,} rows or {max_cells:,} cells"))
        if role == "strings":
            strings += _count_new(_SHARED_STRING_TAG, window, fresh)
            if strings > max_cells:
                raise Refused("file.too_large", reason=_too_large(f"it holds more than {max_cells:,} pieces of text"))
        tail = window[-_OVERLAP:]


def _inflate(data: bytes, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes in chunks, decompressed here and never beyond the size its zip entry declares.

    A reader in another language may not stop at the declared size, so a part that inflates to more
    than it declares is refused rather than trusted; a short or corrupt part is refused too.
    """
    name = member.filename
    offset = member.header_offset
    header = data[offset:offset + 30]
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        raise Refused("file.unreadable", reason=f"part {name} is missing or corrupt")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    raw = memoryview(data)[start:start + member.compress_size]
    if len(raw) < member.compress_size:
        raise Refused("file.unreadable", reason=f"part {name} is cut short: the file is truncated")
    produced = crc = 0
    if member.compress_type == zipfile.ZIP_STORED:
        pieces: Iterator[bytes] = (bytes(raw[index:index + _CHUNK]) for index in range(0, len(raw), _CHUNK))
    else:
        pieces = _inflated(raw, name)
    for piece in pieces:
        produced += len(piece)
        if produced > member.file_size:
            raise Refused("file.too_large", reason=_too_large(
                f"part {name} unpacks to more than the {_megabytes(member.file_size)} it declares"))
        crc = zlib.crc32(piece, crc)
        yield piece
    if produced != member.file_size or crc != member.CRC:
        raise Refused("file.unreadable", reason=f"part {name} is corrupt (its size or checksum is wrong)")


def _inflated(raw: memoryview, name: str) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    position = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                piece = inflater.unconsumed_tail
            elif position < len(raw):
                piece = bytes(raw[position:position + _CHUNK])
                position += _CHUNK
            else:
                raise Refused("file.unreadable", reason=f"part {name} is cut short: the file is truncated")
            out = inflater.decompress(piece, _CHUNK)
            if out:
                yield out
    except zlib.error as error:
        raise Refused("file.unreadable", reason=f"part {name} is corrupt") from None


def _check_time(deadline: float) -> None:
    """`limits.load_timeout_seconds` per file: the checks and the reading stop between steps once it is spent."""
    if time.monotonic() > deadline:
        raise Refused("file.too_large", reason=TOO_SLOW)


def _count_new(pattern: re.Pattern, window: bytes, fresh: int) -> int:
    """Matches not wholly inside the overlap already counted with the previous chunk (the matches
    ending within the overlap are the very ones a search of the overlap alone finds)."""
    return len(pattern.findall(window)) - len(pattern.findall(window, 0, fresh))


def _check_references(window: bytes, limits: Limits) -> None:
    for match in _DIMENSION.finditer(window):
        for letters, digits in ((match.group(1), match.group(2)), (match.group(3), match.group(4))):
            _check_reference(letters or b"", digits or b"", limits)
    for match in _far_references(limits.max_rows, limits.max_columns).finditer(window):
        letters, digits = _CELL_REF.match(match.group(0)).groups()
        _check_reference(letters, digits, limits)


@functools.lru_cache(maxsize=8)
def _far_references(max_rows: int, max_columns: int) -> re.Pattern:
    """The cell references with enough letters or digits that they may lie beyond the limits; every
    other reference is nearer, so the sheet's thousands of ordinary cells are passed over in one search."""
    letters, widest = 1, 26  # `widest`: the last column written with that many letters (Z, ZZ, ...)
    while widest <= max_columns:
        letters, widest = letters + 1, widest + 26 ** (letters + 1)
    digits = len(str(max_rows))
    return re.compile(rb'\sr="(?:[A-Za-z]{%d,8}\d{0,12}|[A-Za-z]{0,8}\d{%d,12})"' % (letters, digits))


def _check_reference(letters: bytes, digits: bytes, limits: Limits) -> None:
    row = int(digits) if digits else 0
    column = 0
    for letter in letters.upper():
        column = column * 26 + (letter - 64)
    if row > limits.max_rows or column > limits.max_columns:
        text = letters.decode("ascii", "replace") + digits.decode("ascii", "replace")
        where = f"cell {text}" if letters else f"row {text}"
        raise Refused("file.too_large", reason=(
            f"A sheet uses {where}, far beyond the {limits.max_rows:,} rows and {limits.max_columns} columns a "
            "review workbook uses: something was typed or formatted far down or to the right. Delete those rows "
            "and columns, or copy your answers into a fresh template"))


# --- Reading a pre-flighted workbook ---------------------------------------------------------------

class _Sheet:
    """A sheet's values by Excel row and column (1-based); cells outside the data read as blank."""

    def __init__(self, rows: list[list[Value]]) -> None:
        self.rows = rows

    def get(self, row: int, column: int) -> Value:
        if row - 1 < len(self.rows):
            cells = self.rows[row - 1]
            if column - 1 < len(cells):
                raw = cells[column - 1]
                if isinstance(raw, str) and len(raw) > EXCEL_MAX_CELL_TEXT:
                    # Excel cannot hold such a cell, so the file was not saved by Excel or LibreOffice;
                    # reading on would carry megabytes of text into every finding and output.
                    raise Refused("file.too_large", reason=(
                        f"A cell holds {len(raw):,} characters, but a workbook cell holds at most "
                        f"{EXCEL_MAX_CELL_TEXT:,}: the file was not saved by Excel or LibreOffice"))
                value = values.clean(raw)
                # calamine gives every number as a float; a whole number reads as the int it was typed as
                if isinstance(value, float) and value.is_integer():
                    return int(value)
                return value
        return None

    @property
    def last_row(self) -> int:
        return len(self.rows)

    def at(self, layout: SheetLayout, header: str, row: int) -> Value:
        return self.get(row, layout.headers.index(header) + 1)


def read_workbook(data: bytes, name: str, digest: str, deadline: float | None = None) -> Workbook:
    """Records of a pre-flighted workbook, with the template and layout findings."""
    found: list[Finding] = []
    try:
        present, sheets = _read_sheets(data, deadline)
    except BaseException as error:  # noqa: BLE001 - python-calamine raises PanicException (a BaseException)
        if type(error).__name__ != "PanicException":
            raise
        # The Rust date library panics on a number far outside any date (say 1E+300 typed in a date
        # cell). Read such numbers as the text Excel shows, so the rules report them at their cell.
        present, sheets = _read_sheets(_huge_numbers_as_text(data), deadline)
    version = _check_template_version(data, name, sheets)
    if version:
        # Not made from the template (or from an unknown version): that is the one thing to say; its
        # sheets are not the template's, so their absence or layout says nothing more. The register is
        # read only to name the partnership, if it can be.
        register = _read_register(sheets[catalogue.REGISTER.name], name, []) \
            if catalogue.REGISTER.name in sheets else {}
        workbook = Workbook(file=name, sha256=digest, size=len(data), register=register)
        return dataclasses.replace(workbook, register={}, findings=tuple(
            dataclasses.replace(item, partnership_id=workbook.partnership_id) for item in version))
    for sheet_name in catalogue.REQUIRED_SHEETS:
        if sheet_name not in present:
            found.append(finding("sheet.missing", file=name, sheet=sheet_name))

    register: dict[str, RegisterValue] = {}
    checklist: tuple[ChecklistRow, ...] = ()
    improvement: tuple[ImprovementRow, ...] = ()
    risks: tuple[RiskRow, ...] = ()
    if catalogue.REGISTER.name in sheets:
        register = _read_register(sheets[catalogue.REGISTER.name], name, found)
    if catalogue.CHECKLIST.name in sheets:
        checklist = _read_checklist(sheets[catalogue.CHECKLIST.name], name, found)
    if catalogue.IMPROVEMENT.name in sheets:
        improvement = _read_improvement(sheets[catalogue.IMPROVEMENT.name], name, found)
    if catalogue.RISKS_SHEET.name in sheets:
        risks = _read_risks(sheets[catalogue.RISKS_SHEET.name], name, found)

    workbook = Workbook(file=name, sha256=digest, size=len(data), register=register, checklist=checklist,
                        improvement=improvement, risks=risks,
                        formulas=_formula_cells(data, (catalogue.REGISTER.name, catalogue.IMPROVEMENT.name)))
    pid = workbook.partnership_id
    return dataclasses.replace(workbook, findings=tuple(
        dataclasses.replace(item, partnership_id=pid) for item in found))


_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]{1,7})"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)<)')


def _formula_cells(data: bytes, sheet_names: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """The cells of the named sheets that hold a formula, with its text ('TODAY()'), read from the
    package (the reader gives only values). The sheet parts were checked by pre-flight already."""
    from defusedxml import ElementTree

    found: dict[tuple[str, str], str] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = workbook_part(archive)
        folder, _, base = workbook.rpartition("/")
        try:
            sheets = ElementTree.fromstring(_read_small(archive, workbook))
            rels = ElementTree.fromstring(_read_small(archive, f"{folder}/_rels/{base}.rels" if folder
                                                      else f"_rels/{base}.rels"))
        except KeyError:
            return found
        targets = {element.get("Id"): element.get("Target") or "" for element in rels}
        for element in sheets.iter():
            if element.tag.rsplit("}", 1)[-1] != "sheet" or element.get("name") not in sheet_names:
                continue
            relation = next((value for key, value in element.attrib.items() if key.rsplit("}", 1)[-1] == "id"), "")
            target = targets.get(relation, "")
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath(folder, target))
            try:
                xml = _read_small(archive, os.path.normpath(part).replace(os.sep, "/"), cap=16 << 20)
            except KeyError:
                continue
            if b"<f" not in xml and b":f" not in xml:
                continue
            for match in _FORMULA_CELL.finditer(xml):
                formula = (match.group(2) or b"").decode("utf-8", "replace")
                found[(element.get("name"), match.group(1).decode("ascii"))] = "=" + _unescape(formula)
    return found


def _unescape(text: str) -> str:
    from xml.sax.saxutils import unescape

    return unescape(text, {"&quot;": '"', "&apos;": "'"})


def _read_sheets(data: bytes, deadline: float | None) -> tuple[set[str], dict[str, _Sheet]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    present = set(book.sheet_names)
    sheets: dict[str, _Sheet] = {}
    for sheet_name in catalogue.REQUIRED_SHEETS:
        if deadline is not None:
            _check_time(deadline)
        if sheet_name in present:
            sheets[sheet_name] = _Sheet(book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False))
    return present, sheets


#: Beyond any amount a review holds, and short of the day counts that overflow the reader's dates.
_HUGE_NUMBER = 1e10
_NUMBER_CELL = re.compile(rb'<c\b([^>]*)><v>([-+0-9.eE]+)</v></c>')
_TYPE = re.compile(rb'\st="([^"]*)"')


def _huge_numbers_as_text(data: bytes) -> bytes:
    """The package with every huge number cell of its sheets turned into the text of that number."""
    def as_text(match: re.Match) -> bytes:
        attributes, number = match.group(1), match.group(2)
        kind = _TYPE.search(attributes)
        try:
            huge = abs(float(number)) >= _HUGE_NUMBER and (kind is None or kind.group(1) == b"n")
        except ValueError:
            huge = False
        if not huge:
            return match.group(0)
        return b'<c%s t="inlineStr"><is><t>%s</t></is></c>' % (_TYPE.sub(b"", attributes), number)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        roles = _part_roles(source)
        for info in source.infolist():
            content = source.read(info.filename)
            if roles.get(info.filename) == "sheet":
                content = _NUMBER_CELL.sub(as_text, content)
            target.writestr(info, content)
    return out.getvalue()


def _fold(value: Value) -> str:
    return values.text(value).casefold()


def _check_headers(sheet: _Sheet, layout: SheetLayout, header_row: int, name: str, found: list[Finding]) -> None:
    for column, header in enumerate(layout.headers, start=1):
        typed = sheet.get(header_row, column)
        if _fold(typed) != header.casefold():
            found.append(finding("sheet.layout", file=name, sheet=layout.name,
                                 cell=f"{layout.column(header)}{header_row}",
                                 value=values.text(typed), expected=header))


def _locate(sheet: _Sheet, layout: SheetLayout, key_header: str, text_header: str,
            items: list[table_rows.Item], name: str, found: list[Finding]) -> dict[str, int]:
    """The row of each item of a table, by its key (see `table_rows`), with a finding for each slip."""
    header_row = table_rows.find_header(sheet.get, layout.headers, layout.header_row)
    _check_headers(sheet, layout, header_row, name, found)
    located = table_rows.locate(
        sheet.get, sheet=layout.name, key_column=layout.headers.index(key_header) + 1,
        key_letter=layout.column(key_header), text_column=layout.headers.index(text_header) + 1, items=items,
        header_row=header_row, template_header_row=layout.header_row, last_row=sheet.last_row)
    for slip in located.slips:
        found.append(finding(slip.rule, file=name, sheet=layout.name, cell=slip.cell, value=slip.value, **slip.fields))
    return located.rows


def _read_register(sheet: _Sheet, name: str, found: list[Finding]) -> dict[str, RegisterValue]:
    layout = catalogue.REGISTER
    rows = _locate(sheet, layout, "Field", "Guidance",
                   [table_rows.Item(item.label, f"the field '{item.label}'", item.guidance)
                    for item in catalogue.REGISTER_FIELDS], name, found)
    register = {}
    for item in catalogue.REGISTER_FIELDS:
        row = rows[item.label]
        value = sheet.at(layout, "Value", row)
        if item.kind not in (Kind.NUMBER, Kind.DATE):
            # Text answers are kept as the text shown, so 14 typed in a text cell reads "14" whatever
            # the program that saved the file stored (14, 14.0 or "14").
            value = values.text(value) or None
        register[item.key] = RegisterValue(item, row, value)
    return register


def _read_checklist(sheet: _Sheet, name: str, found: list[Finding]) -> tuple[ChecklistRow, ...]:
    layout = catalogue.CHECKLIST
    rows = _locate(sheet, layout, "Ref", "Question",
                   [table_rows.Item(question.ref, f"question {question.ref}", question.text)
                    for question in catalogue.QUESTIONS], name, found)
    return tuple(ChecklistRow(question, rows[question.ref], sheet.at(layout, "Status", rows[question.ref]),
                              sheet.at(layout, "Evidence", rows[question.ref]),
                              sheet.at(layout, "Evidence location", rows[question.ref]))
                 for question in catalogue.QUESTIONS)


def _read_improvement(sheet: _Sheet, name: str, found: list[Finding]) -> tuple[ImprovementRow, ...]:
    layout = catalogue.IMPROVEMENT
    rows = _locate(sheet, layout, "Ref", "Area of practice",
                   [table_rows.Item(area.ref, f"area {area.ref}", area.text) for area in catalogue.AREAS], name, found)
    return tuple(ImprovementRow(area, rows[area.ref], *(
        sheet.at(layout, header, rows[area.ref])
        for header in ("Answer", "Action", "Action owner", "Due date", "Action status"))) for area in catalogue.AREAS)


_RISK_CONTENT = ("Risk", "Likelihood", "Impact", "Mitigation", "Owner")


def _read_risks(sheet: _Sheet, name: str, found: list[Finding]) -> tuple[RiskRow, ...]:
    """The strategy's nine risks always; every other row of the table with content is an officer's own
    risk (normally below R09).

    An own risk keeps the Ref the officer typed; a blank Ref, or one already used, is given the row's
    place in the list (R10 for the first row below R09, and so on), so every risk can be named in
    findings and the pack.
    """
    layout = catalogue.RISKS_SHEET
    located = _locate(sheet, layout, "Ref", "Risk",
                      [table_rows.Item(risk.ref, f"risk {risk.ref}", risk.text) for risk in catalogue.RISKS],
                      name, found)
    rows = [_risk_row(sheet, risk.ref, located[risk.ref]) for risk in catalogue.RISKS]
    strategy_rows = set(located.values())
    first = min(strategy_rows)
    used = {risk.ref.casefold() for risk in catalogue.RISKS}
    for row in range(first, sheet.last_row + 1):
        if row not in strategy_rows and any(sheet.at(layout, header, row) is not None for header in _RISK_CONTENT):
            ref = values.text(sheet.at(layout, "Ref", row))
            number = row - first + 1
            while not ref or ref.casefold() in used:
                ref, number = f"R{number:02d}", number + 1
            used.add(ref.casefold())
            rows.append(_risk_row(sheet, ref, row))
    return tuple(rows)


def _risk_row(sheet: _Sheet, ref: str, row: int) -> RiskRow:
    layout = catalogue.RISKS_SHEET
    return RiskRow(ref, row, *(sheet.at(layout, header, row) for header in _RISK_CONTENT))


# --- Template version ------------------------------------------------------------------------------

_REFERENCE = re.compile(r"^=?'?(?P<sheet>[^'!]+)'?!\$?(?P<column>[A-Za-z]{1,3})\$?(?P<row>\d{1,7})$")


def _check_template_version(data: bytes, name: str, sheets: dict[str, _Sheet]) -> list[Finding]:
    """`template_version` is a workbook-level defined name: a constant (1 or =1) or a cell reference."""
    text = _defined_name(data, catalogue.TEMPLATE_VERSION_NAME)
    if text is None:
        return [finding("template.version", file=name,
                        reason=f"it has no '{catalogue.TEMPLATE_VERSION_NAME}' name")]
    version: Value = text.strip().lstrip("=").strip().strip('"')
    reference = _REFERENCE.match(text.strip())
    if reference:
        sheet = sheets.get(reference["sheet"])
        column = 0
        for letter in reference["column"].upper():
            column = column * 26 + ord(letter) - 64
        version = sheet.get(int(reference["row"]), column) if sheet else None
    parsed = values.number(version)
    if parsed is None or parsed is values.INVALID or parsed != catalogue.TEMPLATE_VERSION:
        shown = values.text(version) or "blank"
        return [finding("template.version", file=name, value=shown,
                        reason=f"its version is {shown}; this review reads version {catalogue.TEMPLATE_VERSION}")]
    return []


def _defined_name(data: bytes, wanted: str) -> str | None:
    from defusedxml import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ElementTree.fromstring(_read_small(archive, workbook_part(archive)))
    matches = [element for element in root.iter()
               if element.tag.rsplit("}", 1)[-1] == "definedName"
               and (element.get("name") or "").casefold() == wanted.casefold()]
    # A workbook-level name is the contract; a sheet-level one of the same name is accepted after it.
    matches.sort(key=lambda element: element.get("localSheetId") is not None)
    return (matches[0].text or "") if matches else None
