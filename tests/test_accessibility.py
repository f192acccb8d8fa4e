"""The HTML pack meets WCAG 2.2 A and AA as far as a machine can tell, in a real browser.

The demo pack (`make report`'s 40 workbooks) and the same year reported with `--previous` (the
change since last year adds a page, a panel of the heat map and a table to every profile) are opened
in the system's headless Chromium, and axe-core checks them against every rule tagged WCAG 2.0, 2.1
and 2.2 A and AA, and its best practices, at a desktop width and at 320 CSS pixels (WCAG 1.4.10
Reflow: 1280 px zoomed to 400%). At 320 px the page itself must not scroll sideways: wide tables
scroll in their own region. puppeteer-core and axe-core come from npm at the versions pinned in
tests/browser/package-lock.json; `make test` installs them (`npm ci`).

What a machine cannot judge (whether a text alternative says what a chart shows, whether colour alone
carries a meaning) has its own tests below, on the pack's own words and the charts' own marks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

BROWSER = Path(__file__).parent / "browser"
#: axe-core's tags for the success criteria of WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its
#: best practices (landmarks, one main, headings), which the pack meets too.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NODE = shutil.which("node")

needs_browser = pytest.mark.skipif(
    not (CHROMIUM and NODE and (BROWSER / "node_modules" / "axe-core").is_dir()),
    reason="needs Chromium, Node.js and tests/browser/node_modules (`make test` runs npm ci; .ci/run installs "
           "chromium and nodejs)")


def run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.output  # 1: the demo has errors on purpose


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("a11y")
    run("demo", "--out", str(root / "returns-2025"), "--count", "36", "--seed", "2025")
    run("report", str(root / "returns-2025"), "--out", str(root / "2025"), "--as-of", "2025-05-01", "--no-pdf")
    run("demo", "--out", str(root / "returns-2026"), "--count", "40", "--seed", "2026")
    run("report", str(root / "returns-2026"), "--out", str(root / "2026"), "--as-of", "2026-05-01", "--no-pdf")
    run("report", str(root / "returns-2026"), "--out", str(root / "2026-change"), "--as-of", "2026-05-01",
        "--previous", str(root / "2025"), "--no-pdf")
    return {"demo": root / "2026" / "review_pack.html", "with change": root / "2026-change" / "review_pack.html"}


@pytest.fixture(scope="module")
def checked(packs, tmp_path_factory) -> dict[str, dict]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    result = subprocess.run(
        [NODE, str(BROWSER / "check_pages.mjs"), CHROMIUM, str(profile), ",".join(AXE_TAGS),
         *(str(path) for path in packs.values())],
        capture_output=True, text=True, timeout=600, cwd=BROWSER)
    assert result.returncode == 0, result.stderr[-3000:]
    by_page = {entry["page"]: entry for entry in json.loads(result.stdout)}
    return {name: by_page[str(path)] for name, path in packs.items()}


def _explain(violations: list[dict]) -> str:
    lines = []
    for rule in violations:
        lines.append(f"{rule['id']} ({rule['impact']}, {rule['count']} at {rule['width']} px): {rule['help']}")
        lines.extend(f"    {node['target']}: {node['summary'].splitlines()[-1].strip()}" for node in rule["nodes"][:3])
    return "\n".join(lines)


@needs_browser
@pytest.mark.parametrize("pack", ["demo", "with change"])
def test_axe_core_finds_no_wcag_2_2_aa_violation(checked, pack):
    violations = checked[pack]["violations"]
    assert not violations, "\n" + _explain(violations)


@needs_browser
@pytest.mark.parametrize("pack", ["demo", "with change"])
def test_the_page_reflows_at_320_px_without_scrolling_sideways(checked, pack):
    reflow = checked[pack]["reflow"]
    assert reflow["scrollWidth"] <= reflow["clientWidth"], reflow["culprits"]


@needs_browser
def test_the_browser_fetches_nothing_for_the_pack(checked):
    assert all(not entry["requested"] for entry in checked.values())
