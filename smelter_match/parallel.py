"""Running a batch's steps side by side: in forked processes where that is safe, else threads.

:meth:`smelter_match.Matcher.match` cuts the distinct queries of a frame into steps and searches
several at once. Threads share one interpreter, and most of a step's work (normalising,
reading names, building the features' index arrays, the decision) holds the GIL (~70% of a run
over 20,000 distinct names, measured with py-spy ``--gil``): two threads on two cores searched
them only ~1.3x as fast as one. Processes forked from the matcher's own share its reference and
model copy-on-write, so they start in milliseconds with nothing to load, and each works a step
on a core of its own; the calling process works one step in ``n`` itself. Interleaved against
the threads on 2 cores: 1.28x on 20,000 distinct names and 1.21x on 100,000 supplier rows,
identical outputs, the same peak memory (``benchmarks/results/ab_session31.md``).

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
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
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


def step_size(queries: int, n: int) -> int:
    """Queries per step when ``n`` workers search side by side what one worker would search in
    steps of ``queries``: ``queries // n`` on threads, so that the steps in flight hold as many
    queries as one step alone (memory follows the step); half that where the steps will run in
    forked processes, each with a heap of its own and the pages a child copies from its parent
    (20,000 distinct names on 2 cores: peak memory of the process tree 385 MB in steps of
    1,024, 338 MB in steps of 512, against 324 MB on threads; 3% slower)."""
    if n < 2:
        return queries
    return max(queries // (2 * n if forkable() else n), 1)


def _child_start() -> None:
    """A forked child: Ctrl-C is the parent's to handle (it stops the pool; a child would only
    print a traceback), and its collector stays off the inherited objects (``gc.freeze``),
    whose pages then stay shared with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()


def _run(step: Any) -> Any:
    assert _WORK is not None, "a forked step process without its work"
    return _WORK(step)


@contextmanager
def step_pool(work: Callable[[Any], Any], n: int,
              thread_prefix: str) -> Iterator[Callable[[Any], Future]]:
    """A function ``submit(step)`` that has ``work(step)`` run by one of ``n`` workers and
    returns its :class:`~concurrent.futures.Future`.

    Where :func:`forkable`: ``n - 1`` forked processes and the calling process itself, every
    ``n``-th step being worked here, at its submit, while the children work the others (one
    child fewer: the parent would otherwise wait idle, and each child costs the pages it copies
    from the parent). Submit the steps and collect their futures in order, at most ``n`` in
    flight, and every worker is busy. Elsewhere: ``n`` threads named ``thread_prefix...``.

    A child process that dies (killed for memory, say) raises :class:`SmelterMatchError`
    naming the way out (``workers=1``).
    """
    global _WORK
    processes = _process_pool(n - 1) if n > 1 and forkable() else None
    if processes is None:
        with ThreadPoolExecutor(n, thread_name_prefix=thread_prefix) as threads:
            yield partial(threads.submit, work)
        return
    _WORK = work
    submitted = 0

    def submit(step: Any) -> Future:
        nonlocal submitted
        submitted += 1
        if submitted % n:
            return processes.submit(_run, step)
        here: Future = Future()
        try:
            here.set_result(work(step))
        except Exception as e:   # raised when the caller collects it, as from a child
            here.set_exception(e)
        return here

    try:
        with processes:
            yield submit
    except BrokenProcessPool as e:
        raise SmelterMatchError("a worker process of the matcher died (out of memory?); run "
                                "with workers=1 (--workers 1) to search in this process "
                                "only") from e
    finally:
        _WORK = None


def _process_pool(n: int) -> ProcessPoolExecutor | None:
    """``n`` processes to fork at the first submit, from the calling thread (``None`` where
    the platform cannot run a process pool: no working ``sem_open``, as in some sandboxes)."""
    try:
        return ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_child_start)
    except (OSError, ImportError, NotImplementedError):
        return None
