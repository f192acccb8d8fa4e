"""A workbook's package as the tests take it apart and put it back: its parts by name, and a zip of parts."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def parts(path: Path) -> dict[str, bytes]:
    """Every part of the package at `path`, by name, in the zip's order."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(package: dict[str, bytes]) -> bytes:
    """The parts as a zip package (deflated), in their order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in package.items():
            archive.writestr(name, data)
    return buffer.getvalue()
