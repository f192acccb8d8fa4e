#!/usr/bin/env python
"""Where load + validate + score spend their time: cProfile over a cached demo set, one process.

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
    config, as_of = Config(), dt.date.fromisoformat(bench.AS_OF)
    paths, _ = scan_folder(folder)
    timings = dict.fromkeys(("load", "validate", "score"), 0.0)
    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths:
        start = time.perf_counter()
        workbook = load_workbook_file(path, folder, config)
        loaded = time.perf_counter()
        own = check_workbook(workbook, as_of=as_of, config=config)
        checked = time.perf_counter()
        score_workbook(workbook, (*workbook.findings, *own), as_of=as_of, config=config)
        timings["load"] += loaded - start
        timings["validate"] += checked - loaded
        timings["score"] += time.perf_counter() - checked
    profiler.disable()

    print(f"{args.count} workbooks, under cProfile (slower than real): "
          + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items()))
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(args.sort).print_stats(args.top)
    print(text.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
