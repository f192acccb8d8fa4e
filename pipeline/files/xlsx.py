"""Writing an openpyxl workbook reproducibly and atomically: equal workbooks give equal bytes; and
putting a value into one of its cells as what it is (`put`).

openpyxl's public `Workbook.save` stamps the time of saving into every zip member. This module is the
one adapter to its writer (`openpyxl.writer.excel.ExcelWriter`, given a zip whose members all carry
one fixed time), so only this file changes if openpyxl's writer does.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from pipeline.files.atomic import write_atomic
from pipeline.files.fast_xlsx import FIXED_TIMESTAMP

_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def put(sheet: Worksheet, reference: str, value: object) -> Cell:
    """`value` into the cell, text always as text: openpyxl would make words beginning with '=' (an
    objective's title in the configuration, an answer carried from last year) a formula Excel runs."""
    cell = sheet[reference]
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def save(workbook: Workbook, path: Path) -> None:
    """Write `workbook` to `path` reproducibly and atomically.

    openpyxl stamps the save time into the document properties and every zip member; both are fixed
    here so equal workbooks give equal bytes. The file appears under its name only once complete,
    so a reader (or an interrupted run) never sees half a workbook.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, workbook_bytes(workbook))


def workbook_bytes(workbook: Workbook) -> bytes:
    """The bytes `save` writes for `workbook`: the same for equal workbooks."""
    workbook.properties.created = FIXED_TIMESTAMP
    workbook.properties.modified = FIXED_TIMESTAMP
    workbook.properties.lastModifiedBy = None
    buffer = io.BytesIO()
    with _FixedTimeZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).write_data()
    return buffer.getvalue()


class _FixedTimeZipFile(zipfile.ZipFile):
    """A zip whose members all carry one fixed timestamp instead of the time of writing."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIMESTAMP)
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl streams each worksheet to a temporary file and adds it with write(), which
        # would otherwise copy that file's modification time into the zip.
        self.writestr(arcname or os.path.basename(filename), Path(filename).read_bytes(), compress_type, compresslevel)
