"""Running a batch's steps side by side: in forked processes where that is safe, else threads.

:meth:`smelter_match.Matcher.match` cuts the distinct queries of a frame into steps and searches
several at once. Threads share one interpreter, and most of a step's work (normalising,
reading names, building the features' index arrays, the decision) holds the GIL (~70% of a run
over 20,000 distinct names, measured with py-spy ``--gil``): two threads on two cores searched
them only ~1.3x as fast as one. Processes forked from the matcher's own share its reference and
model copy-on-write, so they start in milliseconds with nothing to load, and each works a step
on a core of its own; the calling process works steps too whenever the children have theirs.
Interleaved against the threads on 2 cores: 1.37x on 20,000 distinct names and 1.31x on
100,000 supplier rows, identical outputs, peak memory 445 -> 433 MiB
(``benchmarks/results/ab_session31.md``).

Forking is used only where it is safe: the platform forks (Linux and other POSIX systems; not
Windows; on macOS Python itself advises against it) and this process runs no other thread at
that moment (a child forked while another thread held a lock, of malloc or of a logging
handler, can deadlock; Python 3.12+ warns about it). Otherwise, and where a process pool cannot
be made at all (no working ``sem_open``, as in some sandboxes), the steps run on threads: the
answers are the same either way (``tests/test_parallel.py``).
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from typing import Any

from smelter_match.errors import SmelterMatchError

#: The step function the forked children run (set in the parent just before they are forked;
#: a child inherits it, so nothing but the steps and their answers crosses the pipe).
_WORK: Callable[[Any], Any] | None = None


def forkable() -> bool:
    """Whether steps may run in forked processes now: the platform forks safely (not Windows,
    not macOS) and this process runs no other thread."""
    return (sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


#: Fewest distinct queries a frame must have for its steps to run in forked processes: a pool
#: costs ~0.1 s to start and stop here (1,000 supplier rows, 558 distinct queries: 0.27 s on
#: threads, 0.37 s forked; 10,000 rows: 0.80 against 0.72 s; 1,500 distinct names: even).
MIN_FORKED_QUERIES = 2048


def use_processes(queries: int, n: int) -> bool:
    """Whether ``n`` workers search a frame of ``queries`` distinct queries in forked processes
    (else on threads): several workers, enough queries, and :func:`forkable`."""
    return n > 1 and queries >= MIN_FORKED_QUERIES and forkable()


def step_size(queries: int, n: int, processes: bool) -> int:
    """Queries per step when ``n`` workers search side by side what one worker would search in
    steps of ``queries``: ``queries // n`` on threads, so that the steps in flight hold as many
    queries as one step alone (memory follows the step); half that in forked ``processes``,
    each with a heap of its own and the pages a child copies from its parent (20,000 distinct
    names on 2 cores: peak memory of the process tree 385 MB in steps of 1,024, 338 MB in
    steps of 512, against 324 MB on threads; 3% slower)."""
    if n < 2:
        return queries
    return max(queries // (2 * n if processes else n), 1)


def _child_start() -> None:
    """A forked child: Ctrl-C is the parent's to handle (it stops the pool; a child would only
    print a traceback), and its collector stays off the inherited objects (``gc.freeze``),
    whose pages then stay shared with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()


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
    pool = _process_pool(n - 1) if processes and n > 1 and forkable() else None
    if pool is None:
        with ThreadPoolExecutor(n, thread_name_prefix=thread_prefix) as threads:
            yield from _as_finished(threads, work, steps, n, None)
        return
    _WORK = work
    try:
        with pool:
            yield from _as_finished(pool, _run, steps, 2 * (n - 1), work)
    except BrokenProcessPool as e:
        raise SmelterMatchError("a worker process of the matcher died (out of memory?); run "
                                "with workers=1 (--workers 1) to search in this process "
                                "only") from e
    finally:
        _WORK = None


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


def _process_pool(n: int) -> ProcessPoolExecutor | None:
    """``n`` processes to fork at the first submit, from the calling thread (``None`` where
    the platform cannot run a process pool: no working ``sem_open``, as in some sandboxes)."""
    try:
        return ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_child_start)
    except (OSError, ImportError, NotImplementedError):
        return None
