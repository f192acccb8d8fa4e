"""Workbooks opened and saved again by LibreOffice (headless), as an officer who uses it returns them.

`resave(path, out_dir)` converts `path` to xlsx in `out_dir` with `soffice` and returns the new file;
a test using it is skipped, saying why, where LibreOffice is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def resave(path: Path, out_dir: Path, *, to: str = "xlsx") -> Path:
    """`path` opened and saved by LibreOffice as `to` (xlsx or csv) in `out_dir`; the saved file."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: install libreoffice-calc-nogui to run this check")
    home = out_dir.parent / f"{out_dir.name}-lo-home"
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(home / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out_dir),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(home)},
    )
    saved = out_dir / f"{path.stem}.{to}"
    assert result.returncode == 0 and saved.is_file(), result.stderr
    return saved
