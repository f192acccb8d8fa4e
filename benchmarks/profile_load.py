#!/usr/bin/env python
"""Where `partnerships validate` spends its time: cProfile over a cached demo set, one process.

It shows a worker's steps for each file as `check.assess.check_file` takes them (reading the bytes and
their SHA-256; pre-flight, which inflates every XML part once and keeps the workbook part and the
sheets; calamine reading the sheets; the rest of the reading, which takes defined names and formulas
from what pre-flight kept; the rules; pickling what goes back), then the parent's (unpickling, the
validation report's CSV and XLSX), each timed without the profiler first, then the profile of the
worker's steps.

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
    import hashlib
    import pickle
    import tempfile

    from python_calamine import CalamineWorkbook

    from pipeline import catalogue
    from pipeline.check.assess import check_folder, for_reports
    from pipeline.check.rules import check_workbook
    from pipeline.check.validation_report import write_validation_report
    from pipeline.config import Config
    from pipeline.read.folder import scan_folder
    from pipeline.read.preflight import Refused, preflight
    from pipeline.read.workbook import load_workbook_file

    config, as_of = Config(), dt.date.fromisoformat(bench.AS_OF)
    paths, _ = scan_folder(folder)
    steps_names = (
        "bytes and SHA-256",
        "pre-flight",
        "calamine (the sheets read)",
        "reading, the rest",
        "rules",
        "pickle",
        "unpickle (parent)",
    )

    def steps() -> dict[str, float]:
        """What `check_file` does for each file, step by step, here in this process so that cProfile sees
        it. calamine is timed on its own for the sheets the reader reads (all but the Guide); the reading
        (`load_workbook_file`) is timed whole, and the bytes, pre-flight and calamine are taken off it."""
        timings = dict.fromkeys(steps_names, 0.0)
        wanted = [sheet for sheet in catalogue.required_sheets() if sheet != catalogue.GUIDE_SHEET]
        for path in paths:
            start = time.perf_counter()
            data = path.read_bytes()
            hashlib.sha256(data).hexdigest()
            read = time.perf_counter()
            try:
                preflight(data, path.suffix.lower(), config.limits, time.monotonic() + 60)
                checked_bytes = time.perf_counter()
                book = CalamineWorkbook.from_filelike(io.BytesIO(data))
                for sheet in wanted:
                    if sheet in book.sheet_names:
                        book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except (Refused, Exception):  # noqa: BLE001 - a refused file: its time counts all the same
                checked_bytes = time.perf_counter()
            calamine = time.perf_counter()
            workbook = load_workbook_file(path, folder, config)
            loaded = time.perf_counter()
            own = check_workbook(workbook, as_of=as_of, config=config)
            checked = time.perf_counter()
            sent = pickle.dumps((for_reports(workbook), own), protocol=pickle.HIGHEST_PROTOCOL)
            pickled = time.perf_counter()
            pickle.loads(sent)
            timings["bytes and SHA-256"] += read - start
            timings["pre-flight"] += checked_bytes - read
            timings["calamine (the sheets read)"] += calamine - checked_bytes
            timings["reading, the rest"] += max(0.0, (loaded - calamine) - (calamine - read) - (read - start))
            timings["rules"] += checked - loaded
            timings["pickle"] += pickled - checked
            timings["unpickle (parent)"] += time.perf_counter() - pickled
        return timings

    plain = steps()
    assessment = check_folder(folder, config, as_of=as_of, jobs=1)
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
