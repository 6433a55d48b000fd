"""Steps side by side: forked processes where that is safe, threads otherwise, same answers."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd
import pytest
from _support import GOLD_DIR as GOLD

import smelter_match.matcher as matcher_module
import smelter_match.parallel as parallel
from smelter_match import Matcher
from smelter_match.errors import SmelterMatchError
from smelter_match.evaluation import load_gold
from smelter_match.parallel import forkable, step_pool, step_size

needs_fork = pytest.mark.skipif(not forkable(), reason="forked step processes: POSIX (not macOS), "
                                "one thread alive")


def _pid_and_double(x: int) -> tuple[int, int]:
    return os.getpid(), 2 * x


def test_another_thread_alive_means_no_fork() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forkable()
        with step_pool(_pid_and_double, 2, "steps") as submit:
            futures = [submit(i) for i in range(6)]
            assert [f.result() for f in futures] == [(os.getpid(), 2 * i) for i in range(6)]
    finally:
        stop.set()
        other.join()


@needs_fork
def test_steps_run_in_forked_processes_and_here() -> None:
    with step_pool(_pid_and_double, 3, "steps") as submit:
        got = [f.result() for f in [submit(i) for i in range(9)]]
    assert [v for _, v in got] == [2 * i for i in range(9)]
    # every third step in this process, the others in (at most) two forked children
    assert [pid == os.getpid() for pid, _ in got] == [False, False, True] * 3
    assert 1 <= len({pid for pid, _ in got} - {os.getpid()}) <= 2
    assert parallel._WORK is None          # the parent forgets the work after the pool


def _fail_here(x: int) -> int:
    if x == 1:
        raise ValueError("step 1")
    return x


@needs_fork
def test_a_step_failing_here_fails_when_collected() -> None:
    with step_pool(_fail_here, 2, "steps") as submit:
        first, second = submit(0), submit(1)
        assert first.result() == 0
        with pytest.raises(ValueError, match="step 1"):
            second.result()


@needs_fork
def test_forked_steps_are_smaller() -> None:
    assert step_size(2048, 1) == 2048
    assert step_size(2048, 2) == 512
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert step_size(2048, 2) == 1024   # on threads
    finally:
        stop.set()
        other.join()


def _die(_: int) -> None:
    os._exit(3)


@needs_fork
def test_a_dead_step_process_is_one_clear_error() -> None:
    dying = step_pool(_die, 2, "steps")
    with pytest.raises(SmelterMatchError, match="workers=1"), dying as submit:
        submit(0).result()


@needs_fork
def test_the_matcher_forks_its_steps_and_answers_as_in_one_process(full_reference, monkeypatch,
                                                                  tmp_path: Path) -> None:
    gold = load_gold(GOLD / "dataio_2020.csv")
    cols = ["reported_name", "reported_metal", "reported_country"]
    one = Matcher(full_reference, workers=1).match(gold[cols], *cols)
    monkeypatch.setattr(matcher_module, "QUERY_CHUNK", 74)   # many small steps
    fresh = Matcher._decide_fresh

    def decide_fresh(self, todo, workers=None):  # noqa: ANN001, ANN202
        (tmp_path / str(os.getpid())).touch()     # which process searched a step
        return fresh(self, todo, workers)

    monkeypatch.setattr(Matcher, "_decide_fresh", decide_fresh)
    seen: list[int] = []
    m = Matcher(full_reference, workers=2)
    two = m.match(gold[cols], *cols, progress=seen.append)
    pd.testing.assert_frame_equal(one, two)
    assert len(seen) > 10 and seen == sorted(seen) and seen[-1] == len(gold)
    pids = {int(p.name) for p in tmp_path.iterdir()}
    assert len(pids) == 2 and os.getpid() in pids     # a forked child and this process
    # answered from the parent's cache the second time: nothing searched, in no process
    for p in tmp_path.iterdir():
        p.unlink()
    pd.testing.assert_frame_equal(one, m.match(gold[cols], *cols))
    assert not list(tmp_path.iterdir())
