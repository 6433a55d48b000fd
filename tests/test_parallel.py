"""Steps side by side: forked processes where that is safe, threads otherwise, same answers."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from _support import GOLD_DIR as GOLD

import smelter_match.matcher as matcher_module
import smelter_match.parallel as parallel
from smelter_match import Matcher
from smelter_match.errors import SmelterMatchError
from smelter_match.evaluation import load_gold
from smelter_match.index import NameIndex
from smelter_match.parallel import (
    MIN_FORKED_QUERIES,
    MIN_FORKED_STEP,
    forkable,
    run_steps,
    step_size,
    use_processes,
)

FORKING_PLATFORM = sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()
#: Where forking is possible the fork tests run, and fail if something (a thread left alive)
#: keeps the matcher from forking, instead of passing without testing it.
needs_fork = pytest.mark.skipif(not FORKING_PLATFORM, reason="forked step processes: POSIX, "
                                "not macOS")


@pytest.fixture(autouse=True)
def _no_thread_left() -> None:
    if FORKING_PLATFORM:
        assert forkable(), f"threads alive: {[t.name for t in threading.enumerate()]}"


def _pid_and_double(x: int) -> tuple[int, int]:
    return os.getpid(), 2 * x


def _answers(got: list[tuple[int, tuple[int, int]]], n: int) -> list[int]:
    """The answers by position, checking each step came back once."""
    assert sorted(at for at, _ in got) == list(range(n))
    return [v for _, (_, v) in sorted(got)]


def test_another_thread_alive_means_threads() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forkable()
        got = list(run_steps(_pid_and_double, list(range(6)), 2, True, "steps"))
        assert _answers(got, 6) == [2 * i for i in range(6)]
        assert {pid for _, (pid, _) in got} == {os.getpid()}
    finally:
        stop.set()
        other.join()


@needs_fork
def test_steps_run_in_forked_processes_and_here() -> None:
    got = list(run_steps(_pid_and_double, list(range(12)), 3, True, "steps"))
    assert _answers(got, 12) == [2 * i for i in range(12)]
    pids = [pid for _, (pid, _) in got]
    # the first four steps fill two forked children's queues; this process works the fifth
    assert os.getpid() in pids and 1 <= len(set(pids) - {os.getpid()}) <= 2
    assert parallel._WORK is None          # the parent forgets the work after the pool


def _fail_on_one(x: int) -> int:
    if x == 1:
        raise ValueError("step 1")
    return x


@needs_fork
def test_a_failing_step_raises_in_the_caller() -> None:
    with pytest.raises(ValueError, match="step 1"):
        list(run_steps(_fail_on_one, [0, 1, 2, 3], 2, True, "steps"))


@needs_fork
def test_large_frames_fork_in_smaller_steps() -> None:
    assert use_processes(MIN_FORKED_QUERIES, 2) and not use_processes(MIN_FORKED_QUERIES - 1, 2)
    assert not use_processes(10 * MIN_FORKED_QUERIES, 1)
    assert step_size(2048, 1, False) == step_size(2048, 1, True) == 2048
    assert step_size(2048, 2, False) == 1024 and step_size(2048, 2, True) == 512
    assert step_size(2048, 64, False) == 32 and step_size(2048, 64, True) == MIN_FORKED_STEP
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not use_processes(10 * MIN_FORKED_QUERIES, 2)   # another thread alive
    finally:
        stop.set()
        other.join()


_TEST_PROCESS = os.getpid()


def _die(_: int) -> None:
    if os.getpid() != _TEST_PROCESS:    # a forked step only, never the test run itself
        os._exit(3)


@needs_fork
def test_a_dead_step_process_is_one_clear_error() -> None:
    # the first two steps go to the child, which dies; this process would work the third
    with pytest.raises(SmelterMatchError, match="workers=1") as e:
        list(run_steps(_die, [0, 1], 2, True, "steps"))
    assert "exited with status 3" in str(e.value)


def _killed(_: int) -> None:
    if os.getpid() != _TEST_PROCESS:
        os.kill(os.getpid(), signal.SIGKILL)


@needs_fork
def test_a_killed_step_process_says_by_what() -> None:
    with pytest.raises(SmelterMatchError, match="was killed by SIGKILL .out of memory") as e:
        list(run_steps(_killed, [0, 1], 2, True, "steps"))
    assert "workers=1" in str(e.value)


@needs_fork
def test_the_matcher_forks_its_steps_and_answers_as_in_one_process(full_reference, monkeypatch,
                                                                  tmp_path: Path) -> None:
    gold = load_gold(GOLD / "dataio_2020.csv")
    cols = ["reported_name", "reported_metal", "reported_country"]
    one = Matcher(full_reference, workers=1).match(gold[cols], *cols)
    monkeypatch.setattr(matcher_module, "QUERY_CHUNK", 74)   # many small steps
    monkeypatch.setattr(parallel, "MIN_FORKED_QUERIES", 1)  # forked for a frame this small,
    monkeypatch.setattr(parallel, "MIN_FORKED_STEP", 1)     # in steps this small
    fresh = Matcher._decide_fresh

    def decide_fresh(self, todo, workers=None):  # noqa: ANN001, ANN202
        (tmp_path / str(os.getpid())).touch()     # which process searched a step
        return fresh(self, todo, workers)

    monkeypatch.setattr(Matcher, "_decide_fresh", decide_fresh)
    prepared: list[int] = []
    prepare = NameIndex.prepare
    monkeypatch.setattr(NameIndex, "prepare",
                        lambda self, workers=1: prepared.append(workers) or prepare(self, workers))
    seen: list[int] = []
    m = Matcher(full_reference, workers=2)
    two = m.match(gold[cols], *cols, progress=seen.append)
    pd.testing.assert_frame_equal(one, two)
    assert prepared == [2]   # the on-first-use state built once, before forking
    assert len(seen) > 10 and seen == sorted(seen) and seen[-1] == len(gold)
    pids = {int(p.name) for p in tmp_path.iterdir()}
    assert len(pids) == 2 and os.getpid() in pids     # a forked child and this process
    # answered from the parent's cache the second time: nothing searched, in no process
    for p in tmp_path.iterdir():
        p.unlink()
    pd.testing.assert_frame_equal(one, m.match(gold[cols], *cols))
    assert not list(tmp_path.iterdir())
    # processes=False: the same steps on threads of this process only
    threads = Matcher(full_reference, workers=2, processes=False).match(gold[cols], *cols)
    pd.testing.assert_frame_equal(one, threads)
    assert {int(p.name) for p in tmp_path.iterdir()} == {os.getpid()}


def _slow_first(x: int) -> tuple[int, int]:
    if x == 0:
        time.sleep(0.5)
    return os.getpid(), x


@pytest.mark.parametrize("processes", [False, True])
def test_steps_come_back_as_they_finish(processes: bool) -> None:
    if processes and not FORKING_PLATFORM:
        pytest.skip("no fork here")
    got = list(run_steps(_slow_first, [0, 1, 2, 3, 4, 5], 2, processes, "steps"))
    assert sorted(at for at, _ in got) == list(range(6))
    order = [at for at, _ in got]
    assert order[0] != 0          # later steps finished, and came back, before the slow first
    if not processes:
        assert order[-1] == 0     # two threads: the other one works every other step


def _fail_here_late(x: int) -> tuple[int, int]:
    if x == 2:    # the third step: worked by this process while the child has the first two
        raise ValueError("step 2")
    time.sleep(0.2)
    return os.getpid(), x


@needs_fork
def test_a_failure_in_this_process_stops_the_children_too() -> None:
    with pytest.raises(ValueError, match="step 2"):
        list(run_steps(_fail_here_late, list(range(8)), 2, True, "steps"))
    assert multiprocessing.active_children() == [] and parallel._WORK is None
    assert forkable()


@needs_fork
def test_a_failed_fork_falls_back_to_threads(monkeypatch) -> None:
    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    got = list(run_steps(_pid_and_double, list(range(6)), 2, True, "steps"))
    assert _answers(got, 6) == [2 * i for i in range(6)]
    assert {pid for _, (pid, _) in got} == {os.getpid()}
    assert parallel._WORK is None


def test_a_daemonic_worker_does_not_fork(monkeypatch) -> None:
    class Daemon:
        daemon = True

    monkeypatch.setattr(multiprocessing, "current_process", Daemon)
    assert not forkable() and not use_processes(10 * MIN_FORKED_QUERIES, 2)


def test_cores_follow_a_container_quota(tmp_path: Path) -> None:
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert parallel._cgroup_quota(str(tmp_path)) == 2
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert parallel._cgroup_quota(str(tmp_path)) is None
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("400000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert parallel._cgroup_quota(str(tmp_path)) == 4
    assert parallel._cgroup_quota(str(tmp_path / "none")) is None


@needs_fork
def test_the_callers_collector_is_left_as_it_was() -> None:
    import gc

    assert gc.get_freeze_count() == 0
    list(run_steps(_pid_and_double, list(range(6)), 2, True, "steps"))
    assert gc.get_freeze_count() == 0       # frozen while the children ran, then thawed
    gc.freeze()                              # an application that froze objects itself
    try:
        before = gc.get_freeze_count()
        list(run_steps(_pid_and_double, list(range(6)), 2, True, "steps"))
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()
