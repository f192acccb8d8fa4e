"""The same returns give byte-identical outputs whatever the machine's timezone, locale, hash seed and
the order the files were created in (which is the order a folder lists them in).

`partnerships report --no-pdf` runs as a subprocess twice on the same folder, rebuilt each time with
the files created in a different order, under different `TZ` (UTC and UTC+14), `LC_ALL`/`LANG` and
`PYTHONHASHSEED`; every file of the pack (HTML, CSV, JSON, SVG, XLSX, feedback copies) must be
the same bytes. File names are chosen to sort differently under code-point order, case-folding and
a locale's collation (`B` before `a` only in code points, `ä`, `_`, numbers without padding).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from officer import AS_OF, write_workbook
from year_set import write_year

CLI = Path(sys.executable).with_name("partnerships")
ENVIRONMENTS = [
    {"TZ": "UTC", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"},
    {"TZ": "Pacific/Kiritimati", "LC_ALL": "POSIX", "LANG": "de_DE.UTF-8", "PYTHONHASHSEED": "4242"},
]


def returns(folder: Path) -> list[Path]:
    """A year of returns under names that sort differently by code point, case and locale."""
    write_year(folder)
    write_workbook(folder / "B.xlsx", partnership_id="P-010", register={"name": "Bee partnership"})
    write_workbook(folder / "a.xlsx", partnership_id="P-011", checklist={"1a": {"Status": None}})
    write_workbook(folder / "ä.xlsx", partnership_id="P-012", register={"name": "Ümlaut Trust"})
    write_workbook(folder / "_c.xlsx", partnership_id="P-011")  # the same ID as a.xlsx: one finding in each
    write_workbook(folder / "z10.xlsx", partnership_id="P-013", risks={"R03": {"Likelihood": 9}})
    write_workbook(folder / "z2.xlsx", partnership_id="P-014", improvement={"I02": {"Answer": "No"}})
    write_workbook(folder / "team-a" / "x.xlsx", partnership_id="P-015")
    write_workbook(folder / "team" / "x.xlsx", partnership_id="P-016", register={"funding": "lots"})
    (folder / "zz-broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    return sorted(path for path in folder.rglob("*") if path.is_file())


def rebuild(source: Path, target: Path, order: list[Path]) -> None:
    """`target` holds the files of `source`, created one by one in `order`."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    for path in order:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()
    }


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> list[dict[str, bytes]]:
    root = tmp_path_factory.mktemp("determinism")
    source = root / "source"
    files = returns(source)
    orders = [files, list(reversed(files))]
    inputs, out = root / "input", root / "2026"
    results = []
    for environment, order in zip(ENVIRONMENTS, orders):
        rebuild(source, inputs, order)
        shutil.rmtree(out, ignore_errors=True)
        env = {key: value for key, value in os.environ.items() if key not in ("LC_ALL", "LANG", "TZ")}
        env.update({key: value for key, value in environment.items() if value})
        result = subprocess.run(
            [str(CLI), "report", str(inputs), "--out", str(out), "--as-of", AS_OF.isoformat(), "--no-pdf"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        results.append(snapshot(out))
    return results


def test_the_listing_order_really_differs(tmp_path):
    """The rebuilt folders do list their files in different orders (else the test proves little)."""
    source = tmp_path / "source"
    files = returns(source)
    listings = []
    for order in (files, list(reversed(files))):
        rebuild(source, tmp_path / "input", order)
        listings.append(os.listdir(tmp_path / "input"))
    assert listings[0] != listings[1] or sorted(listings[0]) != listings[0]


@pytest.mark.slow  # kept out of `make test`'s three minutes; `make slow` (and CI) runs it
def test_outputs_do_not_depend_on_timezone_locale_hash_seed_or_file_order(outputs):
    first, other = outputs
    assert sorted(first) == sorted(other)
    kinds = {name.rsplit(".", 1)[-1] for name in first}
    assert {"html", "csv", "json", "svg", "xlsx"} <= kinds
    assert [name for name in first if first[name] != other[name]] == []
