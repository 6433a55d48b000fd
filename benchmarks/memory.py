"""Peak memory of a benchmark subprocess together with the processes it forks.

A measured process's own peak RSS (``VmHWM``) misses the memory of its child processes: the
matcher forks step workers (:mod:`smelter_match.parallel`). Adding the children's RSS would
count every page they share with their parent (the reference, the model, the libraries) once
per process, and PSS would split shared-library pages with every other process on the
machine, so that a run would read lower than its own RSS. So the parent of a measurement
samples, from outside, the measured process's RSS plus each descendant's USS (the pages only
that child holds: what forking it added), every ``interval_s`` (0.1 s): for a process that
forks nothing it is its RSS. The measured process runs no sampling thread of its own (a second
thread would keep the matcher from forking). A run reports the larger of that sampled peak and
its own exact ``VmHWM``: the same measure, RSS, for runs that fork and runs that do not.
"""

import subprocess
import tempfile
import time

#: Sampling period: a child's USS reads its ``smaps_rollup`` (~1 ms for 300 MB here), so a
#: few processes sampled every 0.1 s take ~2% of one core from the measured run.
INTERVAL_S = 0.1


def tree_mb(pid: int) -> float | None:
    """RSS of ``pid`` plus the USS of each of its descendants, in MiB (``None``: not
    measurable here)."""
    try:
        import psutil

        root = psutil.Process(pid)
        total = root.memory_info().rss
        for p in root.children(recursive=True):
            try:
                total += p.memory_full_info().uss
            except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
                continue
        return total / 2**20
    except Exception:   # psutil missing, the process gone, or no USS on this platform
        return None


def run_sampled(cmd: list[str], timeout_s: float | None = None, interval_s: float = INTERVAL_S,
                **popen) -> tuple[subprocess.CompletedProcess, float | None]:
    """Run ``cmd`` to completion (its output captured as text) while sampling its process
    tree's memory (:func:`tree_mb`); returns the completed process and the peak in MiB
    (``None``: not measurable).

    Raises :class:`subprocess.TimeoutExpired` after ``timeout_s`` (the tree is killed).
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, \
            tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, **popen)
        peak: float | None = None
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            while proc.poll() is None:
                if deadline is not None and time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(cmd, timeout_s)
                now = tree_mb(proc.pid)
                if now is not None:
                    peak = now if peak is None else max(peak, now)
                time.sleep(interval_s)
        except BaseException:   # the timeout, Ctrl-C: nothing of the run is left behind
            _kill_tree(proc.pid)
            proc.kill()
            proc.wait()
            raise
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(cmd, proc.returncode, out.read(), err.read())
    return done, None if peak is None else round(peak, 1)


def _kill_tree(pid: int) -> None:
    try:
        import psutil

        for p in psutil.Process(pid).children(recursive=True):
            p.kill()
    except Exception:
        pass
