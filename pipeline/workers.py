"""Worker processes: the one way the project shares work out over processes.

`process_pool` is every pool: reading, the feedback copies and the PDF's parts take theirs from here.
Workers start the system's default way (forked on Linux before Python 3.14, from a forkserver since),
or afresh ("spawn") for work that must not hold a copy of the caller's memory; with one worker the
work runs in this process, in the same order. Every worker ends with the run that started it, even
one killed outright, so none is left behind waiting to hand back a result no one will read. Tasks are
functions at module level, so that a worker started either way can import them.

`in_workers` runs a task (a function that can be pickled, taking one file's path) on every path, in
`jobs` worker processes, never in this one. Each worker is held to `WORKER_MEMORY_BYTES` of memory
and each file to `cpu_seconds` of processor time, and, watched from this process, to `wall_seconds` on
the clock: a reader that crashes, runs out of memory, never finishes or waits for ever (using no
processor time) ends its worker, not the batch. A file that ran out of time is `Stopped` there and then;
the other files that worker had in hand (its chunk, and any chunk the broken pool had not finished) are
run again, each in a process of its own, so only the culprit is lost; for it the result is `Stopped`
with the exit code of its process. What a reader prints as it dies (a Rust panic, its backtrace) is
not shown: the file's finding says what happened.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

from pipeline.progress import Progress, quiet

R = TypeVar("R")


def process_pool(
    workers: int,
    *,
    fresh: bool = False,
    inline: bool = True,
    initializer: Callable[[], None] | None = None,
    tasks_per_worker: int | None = None,
) -> Executor:
    """A pool of `workers` processes, each ended with this one. `fresh` workers are started afresh
    ("spawn"), holding none of this process's memory (the loaded batch), and, with `tasks_per_worker`,
    replaced after that many tasks; the others are started the system's usual way. With one worker and
    `inline`, the work runs in this process instead, submitted in the same order."""
    if workers <= 1 and inline:
        return InlineExecutor()
    context = multiprocessing.get_context("spawn") if fresh else None
    return ProcessPoolExecutor(
        max_workers=max(1, workers),
        mp_context=context,
        initializer=functools.partial(_start_worker, initializer),
        max_tasks_per_child=tasks_per_worker if fresh else None,
    )


def _start_worker(initializer: Callable[[], None] | None) -> None:
    _die_with_parent()
    if initializer is not None:
        initializer()


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> None:
    """End this worker when the run that started it dies (killed with SIGKILL, say). Otherwise a worker
    blocked writing its result into a pipe that it and its siblings still hold open would wait for
    ever, keeping the run's output pipes open. Linux only; elsewhere the pool's own checks remain."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the process that started this one died before the signal was set
        os._exit(1)


class InlineExecutor(Executor):
    """A pool of no processes: each task runs in this process when it is submitted (an error is
    raised there and then)."""

    def submit(self, function: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(function(*args, **kwargs))
        return future

    def map(self, function: Callable[..., R], *iterables: Iterable[Any], timeout=None, chunksize: int = 1):
        return map(function, *iterables)


@dataclass(frozen=True)
class Stopped:
    """A file whose process died even when it ran alone; `code` is that process's exit code
    (negative: the signal that ended it, as `multiprocessing` gives it)."""

    code: int


def in_workers(
    task: Callable[[Path], R],
    paths: list[Path],
    *,
    jobs: int,
    cpu_seconds: int,
    progress: Progress = quiet,
    label: str = "Loading",
    meanwhile: Callable[[], object] | None = None,
) -> list[R | Stopped]:
    """`task(path)` for every path, in `jobs` worker processes; the results in the order of `paths`,
    whatever `jobs` is. One progress step per file, under `label`. `meanwhile` is run here once the
    workers have their tasks: what the caller needs next can be made ready instead of waiting."""
    results: dict[int, R | Stopped] = {}
    stopped: list[int] = []
    if paths:
        workers = max(1, min(jobs, len(paths)))
        size = _chunk_size(len(paths), workers)
        starts = range(0, len(paths), size)
        clocks = _Clocks(len(paths))
        initializer = functools.partial(_limit_worker, clocks)
        with _no_cycle_collection(), process_pool(workers, inline=False, initializer=initializer) as pool:
            futures = [
                pool.submit(_run_chunk, task, paths[start : start + size], cpu_seconds, start) for start in starts
            ]
            if meanwhile is not None:
                meanwhile()
            # One progress step per file; a chunk's result is taken when its first file comes up.
            steps = [
                (start, future, index)
                for start, future in zip(starts, futures)
                for index in range(min(size, len(paths) - start))
            ]
            for start, future, index in progress(label, steps):
                try:
                    chunk = clocks.result(future, start, min(size, len(paths) - start), wall_seconds(cpu_seconds))
                    results[start + index] = chunk[index]
                except BrokenProcessPool:
                    stopped.append(start + index)
    for number in stopped:
        late = number in clocks.killed
        results[number] = Stopped(-_KILL) if late else _run_alone(task, paths[number], cpu_seconds)
    return [results[number] for number in range(len(paths))]


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while the workers' results are unpickled here: records hold
    no cycles, and a collector pass over the ever larger batch, every few thousand new objects,
    would otherwise take this process as long as the unpickling itself, on a core the workers need."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: The most files one task of a worker reads. Files go to workers in chunks because one task per file
#: costs more in passing tasks and results between processes than reading a small workbook does;
#: a chunk is small enough that the workers finish together and that a file which ends its worker
#: sends only a few others to be read again alone.
MAX_CHUNK_FILES = 16


def _chunk_size(files: int, workers: int) -> int:
    """Files per task: about eight tasks a worker, so the work spreads evenly, and at most MAX_CHUNK_FILES."""
    return max(1, min(MAX_CHUNK_FILES, files // (8 * workers)))


def wall_seconds(cpu_seconds: int) -> int:
    """How long one file may take on the clock, given its processor time: room for a machine shared
    with other work, short of waiting for ever on a worker that waits itself."""
    return 2 * cpu_seconds + 5


_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)
#: The clocks of the pool's workers, in a worker (set by `_limit_worker`).
_clocks: _Clocks | None = None


class _Clocks:
    """When each file's reading started and in which process, in memory shared with the workers, so that
    this process can stop the worker of a file that takes longer than `wall_seconds` on the clock."""

    def __init__(self, files: int) -> None:
        from multiprocessing.sharedctypes import RawArray

        self.started = RawArray("d", files)  # time.monotonic(), the same clock in every process
        self.pids = RawArray("i", files)
        self.killed: set[int] = set()

    def start(self, number: int) -> None:
        self.pids[number] = os.getpid()
        self.started[number] = time.monotonic()

    def result(self, future: Future, first: int, count: int, limit: float) -> list:
        """The results of the chunk of `count` files from file `first`; its worker stopped, and the file it
        is on marked `killed`, once that file has taken `limit` seconds."""
        while True:
            try:
                return future.result(timeout=1)
            except FutureTimeout:
                pass
            begun = [number for number in range(first, first + count) if self.started[number]]
            if not begun or begun[-1] in self.killed or future.done():
                continue
            if time.monotonic() - self.started[begun[-1]] > limit:
                self.killed.add(begun[-1])
                with contextlib.suppress(OSError):
                    os.kill(self.pids[begun[-1]], _KILL)


def _run_chunk(task: Callable[[Path], R], paths: list[Path], cpu_seconds: int, first: int) -> list[R]:
    """Runs in a worker: `task` on `paths` (files `first`, `first` + 1... of the run) one after another,
    each file under its own processor-time limit, its start told to this run's `_Clocks`."""
    results = []
    for number, path in enumerate(paths, first):
        if _clocks is not None:
            _clocks.start(number)
        results.append(_limited(task, path, cpu_seconds))
    return results


#: The memory a worker may take on top of what it starts with, whatever file it reads.
WORKER_MEMORY_BYTES = 1 << 30


def _limit_worker(clocks: _Clocks | None = None) -> None:
    """Cap the worker's address space: an allocation beyond it fails instead of exhausting the machine.
    What a reader prints as it dies goes nowhere, and a Rust reader prints no backtrace (capturing one
    where memory ran out can deadlock the process). `clocks`: where the worker says when each file starts."""
    global _clocks
    _clocks = clocks
    os.environ["RUST_BACKTRACE"] = "0"
    with contextlib.suppress(OSError):
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 2)
        os.close(quiet)
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as handle:
            in_use = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = in_use + WORKER_MEMORY_BYTES
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux: pre-flight is the only bound
        pass


def _limited(task: Callable[[Path], R], path: Path, cpu_seconds: int) -> R:
    """`task(path)` under a processor-time limit: past it the system stops the worker (SIGXCPU)."""
    try:
        import resource

        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = spent + cpu_seconds + 1
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ImportError, OSError, ValueError):
        pass
    return task(path)


def _run_alone(task: Callable[[Path], R], path: Path, cpu_seconds: int) -> R | Stopped:
    """`task(path)` in a process of its own; `Stopped` if that process dies too."""
    context = multiprocessing.get_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run_and_send, args=(sender, task, path, cpu_seconds))
    process.start()
    sender.close()
    received = False
    result = None
    try:
        if receiver.poll(wall_seconds(cpu_seconds)):
            result, received = receiver.recv(), True
    except (EOFError, OSError):
        pass
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    return result if received else Stopped(process.exitcode or 0)


def _run_and_send(sender, task: Callable[[Path], R], path: Path, cpu_seconds: int) -> None:
    _die_with_parent()
    _limit_worker()
    sender.send(_limited(task, path, cpu_seconds))
    sender.close()
