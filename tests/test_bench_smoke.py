"""The benchmark runs end to end on a handful of workbooks and writes its results file.

No timing is asserted here (issue 6): timings belong to `make bench`, not to the test suite. The PDF
stages are skipped (`--no-pdf`) to keep this test short. It runs with the slow tests (`make slow`,
which CI runs): it is the benchmark, not a check of the review.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "bench.py"

NO_PDF_STAGES = {
    "naive",
    "calamine_floor",
    "pandas_calamine",
    "validate_j1",
    "validate_j2",
    "load_validate_score_j1",
    "load_validate_score_j2",
    "charts",
    "network",
    "html",
    "report_nopdf_j1",
    "report_nopdf_j2",
}
TARGETS = {
    "lvs_j1_vs_naive",
    "lvs_j2_speedup",
    "validate_j1_vs_floor",
    "validate_j1_vs_pandas_calamine",
    "validate_j2_speedup",
    "report_nopdf_vs_naive",
    "pdf_speedup",
    "tagged_pdf_cost",
    "pdf_peak_mb_300",
    "pdf_peak_mb_1000",
    "help_seconds",
    "network_seconds",
}


@pytest.mark.slow
def test_bench_quick_run_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--quick",
            "--sizes",
            "4",
            "--no-pdf",
            "--cache",
            str(tmp_path / "cache"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    results = json.loads(out.read_text(encoding="utf-8"))
    assert set(results) == {"checks", "help", "machine", "settings", "stages", "targets"}
    assert {"cpu_count", "python", "platform", "date"} <= set(results["machine"])
    assert set(results["stages"]) == NO_PDF_STAGES
    for stage in results["stages"].values():
        entry = stage["4"]
        assert entry["runs"] == 1 and entry["median_seconds"] > 0 and entry["peak_mb"] > 0
    info = results["stages"]["load_validate_score_j1"]["4"]["info"]
    assert info["workbooks"] + info["ignored"] == 4
    assert set(results["targets"]) == TARGETS
    assert {target["status"] for target in results["targets"].values()} <= {"PASS", "MISS", "NOT MEASURED"}
    assert results["targets"]["pdf_speedup"]["status"] == "NOT MEASURED"
    assert out.with_suffix(".md").read_text(encoding="utf-8").count("| partnerships report") == 2
    assert results["checks"]["outputs_identical_across_jobs"] == {"4": True}
    assert (tmp_path / "cache" / "4-2026.complete.json").exists()
