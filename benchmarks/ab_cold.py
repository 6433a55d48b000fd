"""Interleaved A/B of the cold start in two checkouts: alternating fresh processes.

A cold start is what a new process pays before its first answer, as the speed suite measures it
(``benchmarks/speed_worker.py``): ``import smelter_match``, the reference loaded from the
user cache, the ``Matcher`` built, the first ``match_one``. It is a few tenths of a second, and
this project's 2-core VM drifts by tens of percent within minutes, so two benchmark runs at
different times cannot tell a change of it from the machine's. Here fresh processes of the two
checkouts alternate (base, head, head, base, ...), each timing the phases and reporting which
of the heavy libraries it imported and the answers to a few names, which must agree::

    git worktree add /tmp/base <commit>
    python -m benchmarks.ab_cold /tmp/base . -r ../shared/rmi/cmrt \
        ../shared/rmi/exports-2026-08-22 --rounds 8 --out benchmarks/results/ab_cold.md

The user cache is warmed first (one process per side, not timed). The bytecode of both
checkouts is compiled first, as ``pip install`` leaves it.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.ab import _describe, parser, report

#: Timed phases, in order (seconds from the process's first statement of the child).
PHASES = ("import", "reference", "matcher", "first query")
#: Names answered after the timed part: both sides must give the same answers.
NAMES = (("ATAkulche", "Gold"), ("Metalor Technologics SA", ""), ("Bank of China", ""),
         ("Kennamefal Fall0h", "Tungsten"))

_CHILD = r"""
import time
t0 = time.perf_counter()
import json, sys
spec = json.loads(sys.argv[1])
import smelter_match
from smelter_match import Matcher, load_reference
t1 = time.perf_counter()
if not smelter_match.__file__.startswith(spec["root"]):
    sys.exit(f"imported {smelter_match.__file__}, not the checkout {spec['root']}")
ref = load_reference(*spec["reference"])
t2 = time.perf_counter()
m = Matcher(ref)
t3 = time.perf_counter()
m.match_one("benchmark warm-up query", "", "")
t4 = time.perf_counter()
answers = [repr(m.match_one(n, metal or None)) for n, metal in spec["names"]]
print(json.dumps({"phases": [t1 - t0, t2 - t1, t3 - t2, t4 - t3], "answers": answers,
                  "imported": [x for x in ("pandas", "pyarrow", "scipy") if x in sys.modules]}))
"""


def _run(checkout: Path, spec: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=str(checkout.resolve()))
    env.pop("PYTHONDONTWRITEBYTECODE", None)   # (compiled below, as pip install leaves it)
    spec = dict(spec, root=str(checkout.resolve()))
    done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(spec)], env=env,
                          cwd=checkout, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"benchmarks.ab_cold: run in {checkout} failed: "
                         f"{done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__, "alternating fresh processes per side").parse_args(argv)
    spec = {"reference": [str(Path(p).resolve()) for p in args.reference],
            "names": [list(n) for n in NAMES]}
    for side in ("base", "head"):
        compileall.compile_dir(str(getattr(args, side) / "smelter_match"), quiet=1)
        _run(getattr(args, side), spec)   # warms the user cache for this checkout's code
    runs: dict[str, list[dict]] = {"base": [], "head": []}
    for r in range(args.rounds):
        for side in (("base", "head") if r % 2 == 0 else ("head", "base")):
            runs[side].append(_run(getattr(args, side), spec))
            print(f"round {r + 1} {side}: {sum(runs[side][-1]['phases']):.3f} s",
                  file=sys.stderr)
    lines = [f"base: {_describe(args.base)}; head: {_describe(args.head)}; {args.rounds} "
             "alternating fresh processes per side (warm user cache, compiled bytecode)", "",
             "| phase | base s (median) | head s (median) | head / base |", "|---|---|---|---|"]
    for i, phase in enumerate((*PHASES, "cold start")):
        b, h = (statistics.median(sum(x["phases"]) if phase == "cold start" else x["phases"][i]
                                  for x in runs[s]) for s in ("base", "head"))
        lines.append(f"| {phase} | {b:.3f} | {h:.3f} | {h / b:.2f} |")
    totals = {s: " ".join(f"{sum(x['phases']):.3f}" for x in runs[s]) for s in runs}
    imported = {s: sorted({m for x in runs[s] for m in x["imported"]}) for s in runs}
    same = len({json.dumps(x["answers"]) for s in runs for x in runs[s]}) == 1
    lines += ["", f"Cold starts, run by run: base {totals['base']}; head {totals['head']}.",
              "Of pandas, pyarrow and scipy, imported by the end of a run: base "
              f"{', '.join(imported['base']) or 'none'}; head {', '.join(imported['head']) or 'none'}.",
              f"Answers to {len(NAMES)} names after the timed part: "
              f"{'the same in every run' if same else '**they differ**'}."]
    return report(lines, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
