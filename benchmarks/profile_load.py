#!/usr/bin/env python
"""Where load + validate + score spend their time: cProfile over a cached demo set, one process.

It shows a worker's steps for each file (pre-flight, reading with calamine, checking, scoring, pickling
the result back), then the parent's (the validation report's CSV and XLSX), each timed without the
profiler first, then the profile of the whole.

    .venv/bin/python benchmarks/profile_load.py            # 200 workbooks, top 25 by own time
    .venv/bin/python benchmarks/profile_load.py --count 100 --top 40 --sort cumulative

The demo set comes from the same cache as `bench.py` (generated there when missing).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=bench.SEED)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument("--cache", type=Path, default=bench.HERE / "cache")
    args = parser.parse_args()

    folder = bench.demo_set(args.cache, args.count, args.seed)
    from pipeline.config import Config
    from pipeline.read.folder import scan_folder
    from pipeline.read.workbook import load_workbook_file
    from pipeline.check.rules import check_workbook
    from pipeline.check.score import score_workbook

    # What each worker of `assess.assess_folder` does for a file, here in this process so that
    # cProfile sees it: read, check, score.
    import pickle
    import tempfile

    from pipeline.check.assess import Assessed, assess_folder
    from pipeline.check.validation_report import write_validation_report
    from pipeline.read.preflight import preflight

    config, as_of = Config(), dt.date.fromisoformat(bench.AS_OF)
    paths, _ = scan_folder(folder)

    def steps() -> dict[str, float]:
        timings = dict.fromkeys(("pre-flight", "load (pre-flight and calamine)", "validate", "score", "pickle"), 0.0)
        for path in paths:
            start = time.perf_counter()
            data = path.read_bytes()
            try:
                preflight(data, path.suffix.lower(), config.limits, time.monotonic() + 60)
            except Exception:  # noqa: BLE001 - a refused file: its time counts all the same
                pass
            checked_bytes = time.perf_counter()
            workbook = load_workbook_file(path, folder, config)
            loaded = time.perf_counter()
            own = check_workbook(workbook, as_of=as_of, config=config)
            checked = time.perf_counter()
            score = score_workbook(workbook, (*workbook.findings, *own), as_of=as_of, config=config)
            scored = time.perf_counter()
            pickle.dumps(Assessed(workbook, own, score), protocol=pickle.HIGHEST_PROTOCOL)
            timings["pre-flight"] += checked_bytes - start
            timings["load (pre-flight and calamine)"] += loaded - checked_bytes
            timings["validate"] += checked - loaded
            timings["score"] += scored - checked
            timings["pickle"] += time.perf_counter() - scored
        return timings

    plain = steps()
    assessment = assess_folder(folder, config, as_of=as_of, jobs=1)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        write_validation_report(assessment.report, assessment.batch, Path(out))
        plain["validation report (parent)"] = time.perf_counter() - start
    print(
        f"{len(paths)} workbooks, without the profiler: "
        + ", ".join(
            f"{name} {seconds:.2f} s ({1000 * seconds / max(len(paths), 1):.1f} ms a file)"
            for name, seconds in plain.items()
        )
    )
    profiler = cProfile.Profile()
    profiler.enable()
    timings = steps()
    profiler.disable()
    print(
        f"{len(paths)} workbooks, under cProfile (slower than real): "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items())
    )
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(args.sort).print_stats(args.top)
    print(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
