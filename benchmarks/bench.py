#!/usr/bin/env python
"""Benchmark of the yearly run (issue 6): how fast, and in how much memory, a batch becomes a pack.

    .venv/bin/python benchmarks/bench.py              # 100, 200 and 1,000 workbooks, medians of 3 runs
    .venv/bin/python benchmarks/bench.py --full       # also the PDF and the report with PDF at 1,000
    .venv/bin/python benchmarks/bench.py --quick      # smoke run: 20 workbooks, one run, no ratios to trust

Demo sets are generated once with `pipeline.cycle.demo.write_demo_set` into `benchmarks/cache/<count>-<seed>/`
(git-ignored) and reused while the generator's code is unchanged.

Every measurement runs in a fresh Python process (this file, re-run with `--child`), so each stage
pays its own imports and its peak memory is its own. A stage's seconds are the work alone, timed
inside the child after its imports and any set-up (the set-up of `charts`, `html` and the PDF stages
is the load, validate and score they need); the two `report` stages and `--help` time the whole
command, interpreter start-up included, as a user would wait for it. Peak memory is the larger of
the biggest single process's `ru_maxrss` and the sampled sum of the resident memory of the stage's
whole process tree (worker processes included; pages shared between processes are counted in
each, so this errs high).

The table printed at the end, and `benchmarks/results.json` / `benchmarks/results.md`, hold medians,
every run's seconds, peak memory, the machine, and the issue's targets marked PASS or MISS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AS_OF = "2026-04-30"  # fixed, so every run validates the same findings
SEED = 2026
#: Code whose change makes a cached demo set stale.
GENERATOR_FILES = (
    "pipeline/cycle/demo.py",
    "pipeline/cycle/template.py",
    "pipeline/catalogue.py",
    "pipeline/cycle/fill.py",
    "pipeline/files/xlsx.py",
)
#: The PDF comparison (one WeasyPrint call against ours) is made at this many profiles or fewer,
#: and the PDF stages run above it only with --full (issue 6: "compare at 100 profiles").
PDF_COMPARE_MAX = 100
#: Issue 17's size for validate against the reading floor and pandas with calamine.
FLOOR_SIZE = 200
HELP_REPEAT = 5


# --- Stages: what a child process measures ---------------------------------------------------------
#
# Each stage function runs in the child, gets the stage parameters and returns a dict with `seconds`
# (the timed work) and anything worth keeping in `info`.


def _paths(input_dir: str) -> list[Path]:
    return sorted(path for path in Path(input_dir).rglob("*") if path.is_file() and not path.name.startswith("."))


def stage_naive(params: dict[str, Any]) -> dict[str, Any]:
    """The baseline: every file read whole with pandas and openpyxl, one process, nothing checked."""
    import pandas

    paths = _paths(params["input_dir"])
    unreadable = 0
    start = time.perf_counter()
    for path in paths:
        try:
            pandas.read_excel(path, sheet_name=None, engine="openpyxl")
        except Exception:  # noqa: BLE001 - a naive script has to survive the demo set's broken files too
            unreadable += 1
    return {"seconds": time.perf_counter() - start, "info": {"files": len(paths), "unreadable": unreadable}}


#: The reading floor (issue 17): every sheet of every file read with python-calamine and nothing else,
#: and what a speed-aware analyst would write, pandas with the calamine engine. Both are timed as whole
#: processes, interpreter start-up and imports included, as `partnerships validate` is.
CALAMINE_FLOOR = """
import sys
from pathlib import Path
from python_calamine import CalamineWorkbook
for path in sorted(p for p in Path(sys.argv[1]).rglob("*") if p.is_file() and not p.name.startswith(".")):
    try:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    except Exception:
        pass
"""
PANDAS_CALAMINE = """
import sys
from pathlib import Path
import pandas
for path in sorted(p for p in Path(sys.argv[1]).rglob("*") if p.is_file() and not p.name.startswith(".")):
    try:
        pandas.read_excel(path, sheet_name=None, engine="calamine")
    except Exception:
        pass
"""


def _script(code: str, input_dir: str) -> dict[str, Any]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, input_dir], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"baseline exited {done.returncode}: {(done.stderr.strip().splitlines() or [''])[-1]}")
    return {"seconds": seconds, "info": {}}


def stage_calamine_floor(params: dict[str, Any]) -> dict[str, Any]:
    """The floor: a bare python-calamine read of every sheet, one whole process."""
    return _script(CALAMINE_FLOOR, params["input_dir"])


def stage_pandas_calamine(params: dict[str, Any]) -> dict[str, Any]:
    """pandas.read_excel(sheet_name=None, engine="calamine") on every file, one whole process."""
    return _script(PANDAS_CALAMINE, params["input_dir"])


def stage_validate(params: dict[str, Any]) -> dict[str, Any]:
    """The whole `partnerships validate` command (read, check, both reports), as a user waits for it."""
    out = Path(params["work_dir"]) / "checks"
    args = [
        "validate",
        params["input_dir"],
        "--out",
        str(out),
        "--as-of",
        params["as_of"],
        "--jobs",
        str(params["jobs"]),
    ]
    return _command(params, args, ok=(0, 1))  # 1: the demo set has errors, as real returns do


def _load_validate_score(params: dict[str, Any], jobs: int) -> tuple[Any, Any, list[Any], dict[str, Any]]:
    from pipeline.check.assess import assess_folder
    from pipeline.config import Config

    config = Config()
    as_of = dt.date.fromisoformat(params["as_of"])
    assessment = assess_folder(Path(params["input_dir"]), config, as_of=as_of, jobs=jobs)
    batch, report, scores = assessment.batch, assessment.report, assessment.scores
    info = {"workbooks": len(batch.workbooks), "ignored": len(batch.ignored), "findings": len(report.findings)}
    return batch, report, scores, info


def stage_load_validate_score(params: dict[str, Any]) -> dict[str, Any]:
    import pipeline.check.assess  # noqa: F401  (imports are not the work)

    start = time.perf_counter()
    *_, info = _load_validate_score(params, params["jobs"])
    return {"seconds": time.perf_counter() - start, "info": info}


def _pack_parts(params: dict[str, Any], *, charts: bool = True) -> dict[str, Any]:
    """Set-up of the rendering stages, untimed: what `pipeline.run.report` holds before that stage."""
    from pipeline.config import Config
    from pipeline.pack import charts as charts_module
    from pipeline.pack.context import build_context

    as_of = dt.date.fromisoformat(params["as_of"])
    batch, report, scores, _ = _load_validate_score(params, jobs=1)
    config = Config()
    parts: dict[str, Any] = {"batch": batch, "report": report, "scores": scores, "config": config}
    if charts:
        parts["charts"] = charts_module.render_charts(scores, config)
        parts["context"] = build_context(
            scores=scores,
            workbooks=batch.workbooks,
            report=report,
            charts=parts["charts"],
            as_of=as_of,
            year=as_of.year,
            config=config,
            ignored=batch.ignored,
        )
    return parts


def stage_charts(params: dict[str, Any]) -> dict[str, Any]:
    from pipeline.pack import charts as charts_module

    parts = _pack_parts(params, charts=False)
    start = time.perf_counter()
    svgs = charts_module.render_charts(parts["scores"], parts["config"])
    return {"seconds": time.perf_counter() - start, "info": {"charts": len(svgs)}}


def stage_network(params: dict[str, Any]) -> dict[str, Any]:
    """Shared partners and possible duplication (#16): the network of partnerships and organisations,
    the pairs to check, and the network picture."""
    from pipeline.pack.charts import render_network
    from pipeline.portfolio.duplication import analyse, members

    parts = _pack_parts(params, charts=False)
    import matplotlib.pyplot  # noqa: F401  (imports are not the work)

    start = time.perf_counter()
    network = analyse(members(parts["scores"], parts["batch"].workbooks), parts["config"])
    svg = render_network(network)
    return {
        "seconds": time.perf_counter() - start,
        "info": {
            "partnerships": len(network.members),
            "shared_organisations": len(network.shared),
            "possible_duplicates": len(network.duplicates),
            "groups": len(network.groups),
            "svg_bytes": len(svg.encode("utf-8")),
        },
    }


def stage_html(params: dict[str, Any]) -> dict[str, Any]:
    from pipeline.pack.html import render_html

    parts = _pack_parts(params)
    start = time.perf_counter()
    html = render_html(parts["context"])
    return {"seconds": time.perf_counter() - start, "info": {"html_bytes": len(html.encode("utf-8"))}}


def _pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def stage_pdf(params: dict[str, Any]) -> dict[str, Any]:
    """Our PDF: `pipeline.pack.pdf.render_pdf`, chunked and parallel as the pack does it."""
    from pipeline.pack.pdf import render_pdf

    parts = _pack_parts(params)
    out = Path(params["work_dir"]) / "pack.pdf"
    start = time.perf_counter()
    render_pdf(parts["context"], out)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "info": {"pages": _pdf_pages(out), "pdf_bytes": out.stat().st_size}}


def stage_pdf_untagged(params: dict[str, Any]) -> dict[str, Any]:
    """What tagging costs: the same PDF as `stage_pdf`, its tags left out (no structure tree)."""
    from pipeline.pack.pdf import render_pdf

    parts = _pack_parts(params)
    out = Path(params["work_dir"]) / "untagged.pdf"
    start = time.perf_counter()
    render_pdf(parts["context"], out, tagged=False)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "info": {"pages": _pdf_pages(out), "pdf_bytes": out.stat().st_size}}


def stage_pdf_single(params: dict[str, Any], *, tagged: bool = True) -> dict[str, Any]:
    """The comparison: the same pack's HTML in one WeasyPrint call, one process; tagged PDF/UA-1 as
    ours is (the like-for-like comparison), or untagged with `tagged=False`."""
    import weasyprint

    from pipeline.pack.html import render_html
    from pipeline.pack.pdf import PDF_VARIANT

    parts = _pack_parts(params)
    html = render_html(parts["context"], paper=True)
    out = Path(params["work_dir"]) / "single.pdf"
    options = {"pdf_variant": PDF_VARIANT} if tagged else {}
    start = time.perf_counter()
    weasyprint.HTML(string=html, base_url=None).write_pdf(out, **options)  # self-contained: nothing to fetch
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "info": {"pages": _pdf_pages(out), "pdf_bytes": out.stat().st_size}}


def stage_pdf_single_untagged(params: dict[str, Any]) -> dict[str, Any]:
    """One WeasyPrint call without tags, against `pdf_untagged` (what the target compared before the
    pack was tagged)."""
    return stage_pdf_single(params, tagged=False)


def _command(params: dict[str, Any], args: list[str], ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """Time a whole command, interpreter start-up included; its memory is this child's RUSAGE_CHILDREN."""
    cli = Path(sys.executable).with_name("partnerships")
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "pipeline"]
    start = time.perf_counter()
    done = subprocess.run(command + args, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in ok:
        lines = done.stderr.strip().splitlines() or [""]
        raise RuntimeError(f"partnerships {args[0]} exited {done.returncode}: {lines[-1]}")
    return {"seconds": seconds, "info": {"stdout_tail": done.stdout.strip().splitlines()[-3:]}}


def stage_report(params: dict[str, Any]) -> dict[str, Any]:
    out = Path(params["work_dir"]) / "report"
    args = ["report", params["input_dir"], "--out", str(out), "--as-of", params["as_of"], "--jobs", str(params["jobs"])]
    if not params["pdf"]:
        args.append("--no-pdf")
    result = _command(params, args)
    pdf = out / "review_pack.pdf"
    if pdf.exists():
        result["info"]["pages"] = _pdf_pages(pdf)
    result["info"]["results_json_sha256"] = _sha256(out / "results.json")
    result["info"]["html_sha256"] = _sha256(out / "review_pack.html")
    return result


def stage_help(params: dict[str, Any]) -> dict[str, Any]:
    return _command(params, ["--help"])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


@dataclass(frozen=True)
class Stage:
    key: str  # in results.json and the table
    function: Callable[[dict[str, Any]], dict[str, Any]]
    label: str
    params: tuple[tuple[str, Any], ...] = ()
    pdf: bool = False  # renders a PDF: skipped with --no-pdf, above PDF_COMPARE_MAX only with --full


STAGES = (
    Stage("naive", stage_naive, "naive read: pandas.read_excel(openpyxl), 1 process"),
    Stage("calamine_floor", stage_calamine_floor, "floor: bare python-calamine read, whole process"),
    Stage("pandas_calamine", stage_pandas_calamine, "pandas.read_excel(calamine), whole process"),
    Stage("validate_j1", stage_validate, "partnerships validate --jobs 1", (("jobs", 1),)),
    Stage("validate_j2", stage_validate, "partnerships validate --jobs 2", (("jobs", 2),)),
    Stage("load_validate_score_j1", stage_load_validate_score, "load + validate + score, --jobs 1", (("jobs", 1),)),
    Stage("load_validate_score_j2", stage_load_validate_score, "load + validate + score, --jobs 2", (("jobs", 2),)),
    Stage("charts", stage_charts, "charts (all SVGs of the pack)"),
    Stage("network", stage_network, "shared partners, possible duplicates and the network picture"),
    Stage("html", stage_html, "HTML pack (render_html)"),
    Stage("pdf_single", stage_pdf_single, "PDF, one WeasyPrint call, tagged PDF/UA-1 as ours", pdf=True),
    Stage("pdf_single_untagged", stage_pdf_single_untagged, "PDF, one WeasyPrint call without tags", pdf=True),
    Stage("pdf", stage_pdf, "PDF, ours (render_pdf): tagged PDF/UA-1", pdf=True),
    Stage("pdf_untagged", stage_pdf_untagged, "PDF, ours without tags (render_pdf tagged=False)", pdf=True),
    Stage("report_nopdf_j1", stage_report, "partnerships report --no-pdf --jobs 1", (("jobs", 1), ("pdf", False))),
    Stage("report_nopdf_j2", stage_report, "partnerships report --no-pdf --jobs 2", (("jobs", 2), ("pdf", False))),
    Stage(
        "report_pdf_j2", stage_report, "partnerships report --jobs 2 (with PDF)", (("jobs", 2), ("pdf", True)), pdf=True
    ),
)
STAGES_BY_KEY = {stage.key: stage for stage in STAGES}
HELP = Stage("help", stage_help, "partnerships --help")


def child_main(stage_key: str, params_json: str, result_path: str) -> None:
    """Run one stage in this fresh process and write its result, with this process's peak memory."""
    import resource

    stage = HELP if stage_key == HELP.key else STAGES_BY_KEY[stage_key]
    params = json.loads(params_json)
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        result = stage.function(params)
    except Exception as error:  # noqa: BLE001 - reported as the stage's error; the run goes on to the next
        import traceback

        result = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()[-2000:]}
    result["maxrss_self_mb"] = _maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    result["maxrss_children_mb"] = _maxrss_mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")


def _maxrss_mb(value: int) -> float:
    """ru_maxrss is in kilobytes on Linux and in bytes on macOS."""
    return value / (1024 * 1024) if sys.platform == "darwin" else value / 1024


# --- The parent: runs children, samples their memory, keeps the medians ----------------------------


class TreeMemory:
    """Samples the summed resident memory of a process and all its descendants (psutil), every
    `interval` seconds. Finding the descendants means reading the whole process table (about 1 ms
    here), so after a stage's first STARTUP_SECONDS that is done every RESCAN_SECONDS only: sampling the
    tree at 50 Hz took some 4% of a core, which a stage keeping both cores busy (the PDF, `--jobs 2`)
    lost, and a one-process baseline did not. A later worker is seen within RESCAN_SECONDS of its start,
    long before its memory peaks; a short stage's workers are seen at every sample."""

    STARTUP_SECONDS = 1.0
    RESCAN_SECONDS = 0.25

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        processes, started, rescan_at = [root], time.monotonic(), 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= rescan_at or now - started < self.STARTUP_SECONDS:
                try:
                    processes = [root, *root.children(recursive=True)]
                except psutil.NoSuchProcess:
                    return
                rescan_at = now + self.RESCAN_SECONDS
            self.peak = max(self.peak, self._sample(processes, psutil))
            self._stop.wait(self.interval)

    @staticmethod
    def _sample(processes, psutil) -> int:
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:  # ended since the last listing
                pass
        return total


def run_child(stage: Stage, params: dict[str, Any], timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        result_path = Path(work) / "result.json"
        params = {**params, "work_dir": work}
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            stage.key,
            json.dumps(params),
            str(result_path),
        ]
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        with TreeMemory(process.pid) as memory:
            try:
                output, _ = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate()
                return {"error": f"timed out after {timeout:.0f} s"}
        if not result_path.exists():
            return {"error": f"child exited {process.returncode} without a result: {output.strip()[-800:]}"}
        result = json.loads(result_path.read_text(encoding="utf-8"))
    result["tree_peak_mb"] = memory.peak / (1024 * 1024)
    result["peak_mb"] = max(result["tree_peak_mb"], result["maxrss_self_mb"], result["maxrss_children_mb"])
    return result


def measure(stage: Stage, params: dict[str, Any], repeat: int, timeout: float) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        result = run_child(stage, params, timeout)
        if "error" in result:
            return {"error": result["error"], "traceback": result.get("traceback", "")}
        runs.append(result)
    return summary(stage, runs)


def measure_in_turn(
    planned: list[tuple[Stage, dict[str, Any], int]], timeout: float
) -> Iterator[tuple[Stage, dict[str, Any]]]:
    """Each planned (stage, params, repeat) measured in rounds, one run of each stage in turn, so that a
    machine slowing down or speeding up over the minutes of a size is shared by the stages a target
    compares (one WeasyPrint call against ours, --jobs 1 against --jobs 2) instead of falling on
    whichever ran last; each stage's summary once its runs are done (or at its first error)."""
    runs: dict[str, list[dict[str, Any]]] = {stage.key: [] for stage, _, _ in planned}
    done: set[str] = set()
    for round_number in range(max((repeat for _, _, repeat in planned), default=0)):
        for stage, params, repeat in planned:
            if stage.key in done or round_number >= repeat:
                continue
            result = run_child(stage, params, timeout)
            if "error" in result:
                done.add(stage.key)
                yield stage, {"error": result["error"], "traceback": result.get("traceback", "")}
                continue
            runs[stage.key].append(result)
            if len(runs[stage.key]) == repeat:
                done.add(stage.key)
                yield stage, summary(stage, runs[stage.key])


def summary(stage: Stage, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """A stage's runs as the results file keeps them: each run's seconds, the median, the peak memory."""
    seconds = [run["seconds"] for run in runs]
    return {
        "label": stage.label,
        "runs": len(runs),
        "seconds": [round(value, 4) for value in seconds],
        "median_seconds": round(statistics.median(seconds), 4),
        "peak_mb": round(max(run["peak_mb"] for run in runs), 1),
        "max_process_mb": round(max(max(run["maxrss_self_mb"], run["maxrss_children_mb"]) for run in runs), 1),
        "tree_peak_mb": round(max(run["tree_peak_mb"] for run in runs), 1),
        "info": runs[-1].get("info", {}),
    }


# --- Demo sets -------------------------------------------------------------------------------------


def generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in GENERATOR_FILES:
        path = ROOT / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"missing") + b"\0")
    return digest.hexdigest()


def demo_set(cache: Path, count: int, seed: int) -> Path:
    """The cached demo set of `count` workbooks, generated (in a child process) unless complete.

    The set is complete when its marker beside the folder (not in it: the loader would list it as an
    ignored file) names the same count, seed and generator code.
    """
    folder = cache / f"{count}-{seed}"
    marker = cache / f"{count}-{seed}.complete.json"
    expected = {"count": count, "seed": seed, "generator": generator_fingerprint()}
    if folder.is_dir() and marker.exists() and json.loads(marker.read_text(encoding="utf-8")) == expected:
        return folder
    print(f"generating {count} demo workbooks (seed {seed}) into {folder} ...", flush=True)
    staging = cache / f".{count}-{seed}.partial"
    marker.unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    staging.mkdir(parents=True)
    code = (
        "import sys; from pathlib import Path; from pipeline.cycle.demo import write_demo_set; "
        "write_demo_set(Path(sys.argv[1]), count=int(sys.argv[2]), seed=int(sys.argv[3]))"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(staging), str(count), str(seed)], cwd=ROOT, check=True)
    staging.rename(folder)
    marker.write_text(json.dumps(expected, sort_keys=True), encoding="utf-8")
    print(f"  done in {time.perf_counter() - start:.1f} s", flush=True)
    return folder


# --- Targets ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    key: str
    text: str
    limit: float
    at_most: bool  # PASS when value <= limit, else PASS when value >= limit (or < for memory)
    unit: str


TARGETS = (
    Target("lvs_j1_vs_naive", "load+validate+score --jobs 1 / naive read time", 0.25, True, "x"),
    Target("lvs_j2_speedup", "load+validate+score: --jobs 1 time / --jobs 2 time", 1.7, False, "x"),
    Target("validate_j1_vs_floor", "validate --jobs 1 / bare calamine read (whole processes)", 3.0, True, "x"),
    Target("validate_j1_vs_pandas_calamine", "validate --jobs 1 / pandas.read_excel(calamine)", 0.5, True, "x"),
    Target("validate_j2_speedup", "validate: --jobs 1 time / --jobs 2 time", 1.7, False, "x"),
    Target("report_nopdf_vs_naive", "whole report --no-pdf (--jobs 2) / naive read time", 0.5, True, "x"),
    Target("pdf_speedup", "PDF: one tagged WeasyPrint call time / our tagged PDF time", 1.7, False, "x"),
    Target("tagged_pdf_cost", "PDF: tagged time / untagged time (issue 14)", 1.3, True, "x"),
    Target("pdf_peak_mb_300", "PDF of up to 300 profiles: peak memory (MB, under; issue 14)", 600.0, True, "MB"),
    Target("pdf_peak_mb_1000", "PDF of 1,000 profiles: peak memory (MB, under; issue 14)", 1500.0, True, "MB"),
    Target("help_seconds", "partnerships --help (s, under)", 0.5, True, "s"),
    Target(
        "network_seconds",
        "shared partners, duplicates and network picture at the largest set (s, under)",
        2.0,
        True,
        "s",
    ),
)


def evaluate_targets(
    stages: dict[str, dict[str, dict[str, Any]]], help_result: dict[str, Any], sizes: list[int]
) -> dict[str, dict[str, Any]]:
    def median(key: str, size: int) -> float | None:
        entry = stages.get(key, {}).get(str(size), {})
        return entry.get("median_seconds")

    def ratio(top: float | None, bottom: float | None) -> float | None:
        return None if top is None or not bottom else top / bottom

    largest = max(sizes)
    # Issue 17 compares validate with the reading floor at 200 workbooks (the largest set when none has 200).
    floor_size = FLOOR_SIZE if FLOOR_SIZE in sizes else largest
    pdf_size = max((size for size in sizes if size <= PDF_COMPARE_MAX), default=None)
    measured = [size for size in sizes if "peak_mb" in stages.get("pdf", {}).get(str(size), {})]
    up_to_300 = max((size for size in measured if size <= 300), default=None)
    thousand = 1000 if 1000 in measured else None
    values: dict[str, tuple[float | None, int | None]] = {
        "lvs_j1_vs_naive": (ratio(median("load_validate_score_j1", largest), median("naive", largest)), largest),
        "lvs_j2_speedup": (
            ratio(median("load_validate_score_j1", largest), median("load_validate_score_j2", largest)),
            largest,
        ),
        "validate_j1_vs_floor": (
            ratio(median("validate_j1", floor_size), median("calamine_floor", floor_size)),
            floor_size,
        ),
        "validate_j1_vs_pandas_calamine": (
            ratio(median("validate_j1", floor_size), median("pandas_calamine", floor_size)),
            floor_size,
        ),
        "validate_j2_speedup": (ratio(median("validate_j1", largest), median("validate_j2", largest)), largest),
        "report_nopdf_vs_naive": (ratio(median("report_nopdf_j2", largest), median("naive", largest)), largest),
        "pdf_speedup": (
            (ratio(median("pdf_single", pdf_size), median("pdf", pdf_size)), pdf_size) if pdf_size else (None, None)
        ),
        "tagged_pdf_cost": (
            (ratio(median("pdf", pdf_size), median("pdf_untagged", pdf_size)), pdf_size) if pdf_size else (None, None)
        ),
        "pdf_peak_mb_300": (
            (max(stages["pdf"][str(size)]["peak_mb"] for size in measured if size <= 300), up_to_300)
            if up_to_300
            else (None, None)
        ),
        "pdf_peak_mb_1000": ((stages["pdf"]["1000"]["peak_mb"], 1000) if thousand else (None, None)),
        "help_seconds": (help_result.get("median_seconds"), None),
        "network_seconds": (median("network", largest), largest),
    }
    targets = {}
    for target in TARGETS:
        value, size = values[target.key]
        if value is None:
            status = "NOT MEASURED"
        elif target.at_most:
            status = "PASS" if value < target.limit or (target.unit == "x" and value <= target.limit) else "MISS"
        else:
            status = "PASS" if value >= target.limit else "MISS"
        targets[target.key] = {
            "target": target.text,
            "limit": target.limit,
            "at_most": target.at_most,
            "unit": target.unit,
            "value": None if value is None else round(value, 3),
            "size": size,
            "status": status,
        }
    return targets


def same_outputs_across_jobs(stages: dict[str, dict[str, dict[str, Any]]], since: str = "") -> dict[str, Any]:
    """Whether `report --jobs 1` and `--jobs 2` wrote byte-identical HTML and results.json, per size
    (only where both were measured at `since` or later: in this run)."""
    checks = {}
    for size, one in stages.get("report_nopdf_j1", {}).items():
        two = stages.get("report_nopdf_j2", {}).get(size, {})
        if since and min(one.get("measured_at", ""), two.get("measured_at", "")) < since:
            continue  # one of them is an earlier run's (--merge), perhaps of other code
        if "info" in one and "info" in two:
            checks[size] = all(
                one["info"][key] == two["info"][key] and one["info"][key]
                for key in ("html_sha256", "results_json_sha256")
            )
    return {"outputs_identical_across_jobs": checks}


# --- Machine facts, table, files -------------------------------------------------------------------


def machine() -> dict[str, Any]:
    from importlib import metadata

    versions = {}
    for name in ("pandas", "openpyxl", "python-calamine", "xlsxwriter", "lxml", "weasyprint", "matplotlib", "pikepdf"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    cpu_model = ""
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": _now(),
        "git_commit": commit.stdout.strip(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "libraries": versions,
    }


def table_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    for stage in STAGES:
        for size, entry in sorted(results["stages"].get(stage.key, {}).items(), key=lambda item: int(item[0])):
            if "error" in entry:
                rows.append((stage.label, size, "error", entry["error"][:60]))
            else:
                rows.append((stage.label, size, f"{entry['median_seconds']:.2f}", f"{entry['peak_mb']:.0f}"))
    help_entry = results["help"]
    if "error" in help_entry:
        rows.append((HELP.label, "-", "error", help_entry["error"][:60]))
    else:
        rows.append((HELP.label, "-", f"{help_entry['median_seconds']:.2f}", f"{help_entry['peak_mb']:.0f}"))
    return rows


def target_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    for target in TARGETS:
        entry = results["targets"][target.key]
        sign = "<=" if target.at_most and target.unit == "x" else "<" if target.at_most else ">="
        value = "-" if entry["value"] is None else f"{entry['value']:.2f}{'' if target.unit == 'MB' else target.unit}"
        if target.unit == "MB" and entry["value"] is not None:
            value = f"{entry['value']:.0f} MB"
        where = f" (at {entry['size']})" if entry["size"] else ""
        rows.append(
            (
                target.text + where,
                f"{sign} {target.limit:g}{'' if target.unit == 'x' else ' ' + target.unit}",
                value,
                entry["status"],
            )
        )
    return rows


def markdown(results: dict[str, Any]) -> str:
    facts = results["machine"]
    lines = [
        f"Measured {facts['date']} on {facts['cpu_count']} CPUs ({facts['cpu_model'] or 'unknown CPU'}), "
        f"Python {facts['python']}, {facts['platform']}, commit {facts['git_commit']}; "
        f"medians of {results['settings']['repeat']} runs, each stage in a fresh process.",
        *earlier_runs(results),
        "",
        "| stage | workbooks | median s | peak MB |",
        "| --- | ---: | ---: | ---: |",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in table_rows(results)),
        "",
        "| target | limit | measured | |",
        "| --- | --- | ---: | --- |",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in target_rows(results)),
        "",
        *(
            f"`report --jobs 1` and `--jobs 2` outputs (HTML, results.json) byte-identical at {size}: "
            f"{'yes' if same else 'NO'}"
            for size, same in results["checks"]["outputs_identical_across_jobs"].items()
        ),
        "",
    ]
    return "\n".join(lines)


def earlier_runs(results: dict[str, Any]) -> list[str]:
    """Which stages come from earlier runs (kept by --merge), by the commit they were measured on and
    when: a stage is only as current as the code it ran."""
    since = results["machine"]["date"]
    earlier: dict[str, tuple[str, dict[str, list[str]]]] = {}
    for stage in STAGES:
        for size, entry in sorted(results["stages"].get(stage.key, {}).items(), key=lambda item: int(item[0])):
            if entry.get("measured_at", "") < since:
                commit = entry.get("commit", "not recorded")
                when, stages = earlier.setdefault(commit, (entry.get("measured_at", "")[:10], {}))
                stages.setdefault(stage.label, []).append(size)
    return [
        f"From an earlier run (commit {commit}, {when}): "
        + "; ".join(f"{label} ({', '.join(sizes)})" for label, sizes in stages.items())
        + "."
        for commit, (when, stages) in sorted(earlier.items(), key=lambda item: item[1][0])
    ]


def print_table(results: dict[str, Any]) -> None:
    for rows, header in (
        (table_rows(results), ("stage", "workbooks", "median s", "peak MB")),
        (target_rows(results), ("target", "limit", "measured", "")),
    ):
        widths = [max(len(str(row[column])) for row in (header, *rows)) for column in range(4)]
        print()
        print("  ".join(str(cell).ljust(width) for cell, width in zip(header, widths)).rstrip())
        print("  ".join("-" * width for width in widths))
        for row in rows:
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


def merged(earlier: dict[str, Any], latest: dict[str, Any]) -> dict[str, Any]:
    """`latest`'s measurements over `earlier`'s: a stage and size measured now replaces the earlier one."""
    stages = {key: dict(by_size) for key, by_size in earlier.get("stages", {}).items()}
    for key, by_size in latest["stages"].items():
        stages.setdefault(key, {}).update(by_size)
    help_result = latest["help"] if "error" not in latest["help"] else earlier.get("help", latest["help"])
    settings = {
        **latest["settings"],
        "sizes": sorted({int(size) for by_size in stages.values() for size in by_size}),
        "merged_with_run_of": earlier.get("machine", {}).get("date"),
        "merged_with_commit": earlier.get("machine", {}).get("git_commit"),
    }
    return {**latest, "stages": stages, "help": help_result, "settings": settings}


def compile_sources() -> None:
    """Byte-compile the package once, before measuring. The children run with PYTHONDONTWRITEBYTECODE (a
    measurement leaves nothing behind), so a module changed since it last ran would otherwise be compiled
    again in every timed command, and a whole command would be measured with that compiling in it."""
    import compileall

    compileall.compile_dir(ROOT / "pipeline", quiet=1)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Command line ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="100,200,1000", help="Comma-separated workbook counts (default 100,200,1000)."
    )
    parser.add_argument("--repeat", type=int, default=3, help="Runs per stage; the median is reported (default 3).")
    parser.add_argument(
        "--pdf-repeat",
        type=int,
        default=None,
        help="Runs of each PDF stage (default: --repeat); the 1,000-profile PDF runs once.",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"Demo set seed (default {SEED}).")
    parser.add_argument(
        "--quick", action="store_true", help="Smoke run: 20 workbooks (unless --sizes), one run, --help once."
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help=f"Also render the PDF stages above {PDF_COMPARE_MAX} workbooks (the 1,000-profile PDF's "
        "peak memory); slow.",
    )
    parser.add_argument("--no-pdf", action="store_true", help="Skip every stage that renders a PDF.")
    parser.add_argument(
        "--stages",
        default="",
        help="Only these stages, comma-separated (default all): "
        + ", ".join(stage.key for stage in STAGES)
        + ", help.",
    )
    parser.add_argument("--cache", type=Path, default=HERE / "cache", help="Where demo sets are kept.")
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE / "results.json",
        help="Results file; a Markdown table is written beside it (.md).",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="Keep the stages of the existing results file that this run does not measure "
        "(e.g. add the --full PDF at 1,000 to an earlier run).",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="Seconds before one run of a stage is abandoned.")
    parser.add_argument("--child", nargs=3, metavar=("STAGE", "PARAMS", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        if args.sizes == parser.get_default("sizes"):
            args.sizes = "20"
        args.repeat = 1
    if args.pdf_repeat is None or args.quick:
        args.pdf_repeat = args.repeat
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        child_main(*args.child)
        return 0
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    wanted = {name.strip() for name in args.stages.split(",") if name.strip()}
    unknown = wanted - set(STAGES_BY_KEY) - {HELP.key}
    if unknown:
        print(f"unknown stage(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    results: dict[str, Any] = {
        "machine": machine(),
        "settings": {
            "sizes": sizes,
            "repeat": args.repeat,
            "seed": args.seed,
            "as_of": AS_OF,
            "full": args.full,
            "no_pdf": args.no_pdf,
            "quick": args.quick,
            "help_repeat": 1 if args.quick else HELP_REPEAT,
            "pdf_compare_max": PDF_COMPARE_MAX,
        },
        "stages": {},
    }
    failed = False
    compile_sources()
    for size in sizes:
        folder = demo_set(args.cache, size, args.seed)
        params = {"input_dir": str(folder), "as_of": AS_OF}
        planned = []
        for stage in STAGES:
            if wanted and stage.key not in wanted:
                continue
            if stage.pdf and (args.no_pdf or (size > PDF_COMPARE_MAX and not args.full)):
                continue
            if (
                stage.key in ("pdf_single", "pdf_single_untagged", "pdf_untagged", "report_pdf_j2")
                and size > PDF_COMPARE_MAX
            ):
                continue  # one WeasyPrint call on a 1,000-profile pack takes gigabytes: compared at 100 only
            repeat = 1 if stage.pdf and size > PDF_COMPARE_MAX else args.pdf_repeat if stage.pdf else args.repeat
            planned.append((stage, {**params, **dict(stage.params)}, repeat))
        print(f"{len(planned)} stage(s) @ {size}, one run of each in turn ...", flush=True)
        for stage, entry in measure_in_turn(planned, args.timeout):
            failed |= "error" in entry
            print(
                f"{stage.label} @ {size} x{entry.get('runs', 0)} ...",
                entry["error"].splitlines()[0]
                if "error" in entry
                else f"{entry['median_seconds']:.2f} s, {entry['peak_mb']:.0f} MB",
                flush=True,
            )
            entry["measured_at"], entry["commit"] = _now(), results["machine"]["git_commit"]
            results["stages"].setdefault(stage.key, {})[str(size)] = entry
    if not wanted or HELP.key in wanted:
        print(f"{HELP.label} x{results['settings']['help_repeat']} ...", end=" ", flush=True)
        results["help"] = measure(HELP, {}, results["settings"]["help_repeat"], args.timeout)
        results["help"]["measured_at"], results["help"]["commit"] = _now(), results["machine"]["git_commit"]
        failed |= "error" in results["help"]
        print(results["help"].get("error") or f"{results['help']['median_seconds']:.2f} s", flush=True)
    else:
        results["help"] = {"error": "not run"}
    if args.merge and args.out.exists():
        results = merged(json.loads(args.out.read_text(encoding="utf-8")), results)
        sizes = results["settings"]["sizes"]
    results["targets"] = evaluate_targets(results["stages"], results["help"], sizes)
    results["checks"] = same_outputs_across_jobs(results["stages"], since=results["machine"]["date"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    print_table(results)
    for size, same in results["checks"]["outputs_identical_across_jobs"].items():
        print(f"report outputs byte-identical across --jobs at {size}: {'yes' if same else 'NO'}")
    print(f"\nwrote {args.out} and {args.out.with_suffix('.md')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
