"""Running a batch's steps side by side: in forked processes where that is safe, else threads.

:meth:`smelter_match.Matcher.match` cuts the distinct queries of a frame into steps and searches
several at once. Threads share one interpreter, and most of a step's work (normalising,
reading names, building the features' index arrays, the decision) holds the GIL (~70% of a run
over 20,000 distinct names, measured with py-spy ``--gil``): two threads on two cores searched
them only ~1.3x as fast as one. Processes forked from the matcher's own share its reference and
model copy-on-write, so they start in milliseconds with nothing to load, and each works a step
on a core of its own; the calling process works steps too whenever the children have theirs.
Interleaved against the threads on 2 cores: 1.35x on 20,000 distinct names and 1.30x on
100,000 supplier rows, identical outputs, peak memory 442 -> 444 MiB (the children's own pages
counted; ``benchmarks/results/ab_session31.md``).

Forking is used only where it is safe: the platform forks (Linux and other POSIX systems; not
Windows; on macOS Python itself advises against it), this process runs no other Python thread
at that moment (a child forked while another thread held a lock, of a logging handler, of the
import system, can deadlock; native threads of libraries such as OpenBLAS or jemalloc make
their own locks safe across a fork), and it is not a daemonic ``multiprocessing`` worker.
Otherwise, and where the processes cannot be started (no working ``sem_open``, as in some
sandboxes; a process limit), the steps run on threads: the answers are the same either way
(``tests/test_parallel.py``). Each forked worker costs some tens of MB (its own heap, the pages
it copies from the parent), so ``workers=-1`` counts the cores this process may use (its CPU
affinity, a container's CPU quota), not the host's.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from typing import Any

from smelter_match.errors import SmelterMatchError

#: The step function the forked children run (set in the parent just before they are forked;
#: a child inherits it, so nothing but the steps and their answers crosses the pipe).
_WORK: Callable[[Any], Any] | None = None


def threads_for(workers: int) -> int:
    """The workers a ``workers`` setting asks for (-1: every core this process may use; at
    least one)."""
    return _cores() if workers < 0 else max(workers, 1)


@functools.lru_cache(maxsize=1)
def _cores() -> int:
    """The cores this process may use, asked once (``os.cpu_count`` cost ~20 us a call here,
    and a ``match_one`` asked it twice): those of its CPU affinity, and no more than a Linux
    container's CPU quota (cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``) allows, so that a
    2-CPU container on a 64-core host does not start 64 workers."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = _cgroup_quota()
    return max(1, min(cores, quota) if quota else cores)


def _cgroup_quota(root: str = "/sys/fs/cgroup") -> int | None:
    """A Linux container's CPU quota in whole cores, rounded up (``None``: none set)."""
    for quota_file, period_file in (("cpu.max", None),
                                    ("cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us")):
        try:
            with open(f"{root}/{quota_file}", encoding="ascii") as fh:
                fields = fh.read().split()
            if period_file is not None:
                with open(f"{root}/{period_file}", encoding="ascii") as fh:
                    fields = fields[:1] + fh.read().split()[:1]
            quota, period = fields[0], int(fields[1])
            if quota in ("max", "-1") or period <= 0:
                return None
            return max(1, math.ceil(int(quota) / period))
        except (OSError, ValueError, IndexError):
            continue
    return None


def forkable() -> bool:
    """Whether steps may run in forked processes now: the platform forks safely (not Windows,
    not macOS), this process runs no other Python thread, and it is not a daemonic worker of a
    ``multiprocessing`` pool (which may not have children)."""
    return (sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1 and not multiprocessing.current_process().daemon)


#: Fewest distinct queries a frame must have for its steps to run in forked processes: a pool
#: costs ~0.1 s to start and stop here (1,000 supplier rows, 558 distinct queries: 0.27 s on
#: threads, 0.37 s forked; 10,000 rows: 0.80 against 0.72 s; 1,500 distinct names: even).
MIN_FORKED_QUERIES = 2048
#: Fewest queries in a forked step (``step_size``).
MIN_FORKED_STEP = 128


def use_processes(queries: int, n: int) -> bool:
    """Whether ``n`` workers search a frame of ``queries`` distinct queries in forked processes
    (else on threads): several workers, enough queries, and :func:`forkable`."""
    return n > 1 and queries >= MIN_FORKED_QUERIES and forkable()


def step_size(queries: int, n: int, processes: bool) -> int:
    """Queries per step when ``n`` workers search side by side what one worker would search in
    steps of ``queries``: ``queries // n`` on threads, so that the steps in flight hold as many
    queries as one step alone (memory follows the step); half that in forked ``processes``,
    each with a heap of its own and the pages a child copies from its parent (20,000 distinct
    names on 2 cores, peak RSS with the forked child's own pages: 370 MB in steps of 1,024,
    344 MB in steps of 512, against 332-361 MB on threads in steps of 1,024; as fast; 328 MB
    since the calling process's objects are frozen while the children run, :func:`run_steps`)."""
    if n < 2:
        return queries
    if processes:   # on many cores, not so small that a step costs more to send than to work
        return max(queries // (2 * n), MIN_FORKED_STEP)
    return max(queries // n, 1)


def _child_start(parent: int) -> None:
    """A forked child: Ctrl-C is the parent's to handle (it stops the pool; a child would only
    print a traceback); a SIGTERM handler inherited from the parent's application is dropped
    (the pool terminates its children when one dies); on Linux the child is killed when its
    parent dies, whatever kills it (its queue would otherwise keep it waiting for ever); and
    its collector stays off the inherited objects (``gc.freeze``), whose pages then stay
    shared with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != parent:   # the parent died before the line above
            os._exit(1)
    gc.freeze()


_PR_SET_PDEATHSIG = 1


def _run(step: Any) -> Any:
    assert _WORK is not None, "a forked step process without its work"
    return _WORK(step)


def run_steps(work: Callable[[Any], Any], steps: list, n: int, processes: bool,
              thread_prefix: str) -> Iterator[tuple[int, Any]]:
    """``(position, work(step))`` for every step, yielded as the steps finish, ``n`` workers
    working them.

    With ``processes`` (:func:`use_processes`; :func:`forkable` is asked again here): ``n - 1``
    forked processes, each kept fed with up to two steps, and the calling process itself,
    which works the next step whenever the children are fed (one child fewer: the parent would
    otherwise wait idle, and each child costs the pages it copies from the parent); so the
    parent, which also collects the answers, takes fewer steps when that costs it more.
    Otherwise ``n`` threads named ``thread_prefix...``, at most ``n`` steps in flight.

    A child process that dies (killed for memory, say) raises :class:`SmelterMatchError`
    naming the way out (``workers=1``).
    """
    global _WORK
    pool = None
    if processes and n > 1 and forkable():
        _WORK = work
        # the objects alive now stay out of this process's collections until the pool is done:
        # a full collection writes into every object it visits, and so would copy the pages
        # it shares with the children (not when the application froze objects itself)
        frozen = gc.get_freeze_count() == 0
        if frozen:
            gc.freeze()
        try:
            pool = _process_pool(n - 1)
        finally:   # no pool (or Ctrl-C while starting it): nothing of it stays set
            if pool is None:
                _WORK = None
                if frozen:
                    gc.unfreeze()
    if pool is None:
        with ThreadPoolExecutor(n, thread_name_prefix=thread_prefix) as threads:
            yield from _as_finished(threads, work, steps, n, None)
        return
    children = list((getattr(pool, "_processes", None) or {}).values())   # all forked by now
    try:
        yield from _as_finished(pool, _run, steps, 2 * (n - 1), work)
    except BrokenProcessPool as e:
        raise SmelterMatchError(f"a worker process of the matcher {_how_ended(children)}; run "
                                "with workers=1 (--workers 1) to search in this process "
                                "only") from e
    except BaseException:
        # an error here or Ctrl-C: the steps not yet started are dropped, not worked first
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        _WORK = None
        if frozen:
            gc.unfreeze()


def _as_finished(pool: Executor, fn: Callable[[Any], Any], steps: list, queue: int,
                 here: Callable[[Any], Any] | None) -> Iterator[tuple[int, Any]]:
    """The steps run by ``pool`` (at most ``queue`` in it at once) and, with ``here``, by this
    thread whenever the pool is full; yielded as they finish (ties: by position)."""
    queued: dict[Future, int] = {}
    nxt = 0
    while nxt < len(steps) or queued:
        while nxt < len(steps) and len(queued) < queue:
            queued[pool.submit(fn, steps[nxt])] = nxt
            nxt += 1
        if here is not None and nxt < len(steps):
            nxt += 1
            yield nxt - 1, here(steps[nxt - 1])
            finished = [f for f in queued if f.done()]
        else:
            finished = list(wait(queued, return_when=FIRST_COMPLETED).done)
        for f in sorted(finished, key=queued.__getitem__):
            yield queued.pop(f), f.result()


def _how_ended(children: list, wait_s: float = 2.0) -> str:
    """How a child that broke the pool ended, in words: "was killed by SIGKILL (out of
    memory?)", "exited with status 3", or "died (out of memory?)" when that cannot be told.

    ``children``: the pool's ``multiprocessing`` processes. The pool's own thread reaps them
    (and stops the others with SIGTERM) while this runs, so their exit codes are waited for,
    up to ``wait_s``; a child stopped by the pool is not the one that broke it."""
    deadline = time.monotonic() + wait_s
    while any(c.exitcode is None for c in children) and time.monotonic() < deadline:
        time.sleep(0.01)
    codes = [c.exitcode for c in children if c.exitcode is not None]
    code = next((c for c in codes if c != -signal.SIGTERM), codes[0] if codes else None)
    if code is None:
        return "died (out of memory?)"
    if code >= 0:
        return f"exited with status {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    return f"was killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")


def _process_pool(n: int) -> ProcessPoolExecutor | None:
    """``n`` forked processes, started and answering (``None`` where they cannot be: no
    working ``sem_open``, as in some sandboxes; a process limit or memory that refuses the
    fork; whatever forking raises; then nothing is left running).

    Every child is forked here, from this thread, before the pool starts its own thread. Native
    threads of libraries (OpenBLAS, jemalloc) make Python 3.12+ warn that forking a
    multi-threaded process may deadlock; those libraries make their locks safe across a fork,
    and no Python thread runs (:func:`forkable`), so that warning is not shown.
    """
    try:
        pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_child_start, initargs=(os.getpid(),))
    except (OSError, ImportError, NotImplementedError):
        return None
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*multi-threaded, use of fork",
                                    category=DeprecationWarning)
            pool.submit(int).result()      # forks every child, and waits for one to answer
        return pool
    except (OSError, AssertionError, RuntimeError, BrokenProcessPool):
        for child in list((getattr(pool, "_processes", None) or {}).values()):
            child.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        return None
