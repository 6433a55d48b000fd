"""Interleaved A/B of ``match_one`` latency in two checkouts, call by call in one process.

``match_one``'s time per name is a few milliseconds, and this project's 2-core VM drifts by
tens of percent between processes and within minutes, so even alternating fresh processes
(:mod:`benchmarks.ab`) cannot see a 10% change of its 99th percentile. Here one process holds
both checkouts' matchers (the base checkout's package is copied and imported under another
name, ``smelter_match_ab_base``: each side keeps its own module-level caches) and times them
call by call, alternating which goes first, on the speed suite's latency loop: 1,000 distinct
rows of the 10k-row workload (seed 0) after 20 warm-up calls, each a first call, as
``benchmarks/speed_worker.py`` measures ``match_one``. Every answer of both sides is compared::

    git worktree add /tmp/base <commit>
    python -m benchmarks.ab_latency /tmp/base . -r ../shared/rmi/cmrt \
        ../shared/rmi/exports-2026-08-22 --rounds 3 --out benchmarks/results/ab_latency.md

Each round is a fresh process (warm user cache).
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.ab import _describe, parser, report

BASE_NAME = "smelter_match_ab_base"

_CHILD = r"""
import importlib, json, sys, time
import numpy as np, pandas as pd
spec = json.loads(sys.argv[1])
sys.path[:0] = [spec["copy"], spec["head"]]
sides = []
for pkg in (spec["base_name"], "smelter_match"):
    mod = importlib.import_module(pkg)
    root = spec["head"] if pkg == "smelter_match" else spec["copy"]
    if not mod.__file__.startswith(root):
        sys.exit(f"imported {mod.__file__}, not from {root}")
    m = mod.Matcher(mod.load_reference(*spec["reference"]))
    m.match_one("benchmark warm-up query", "", "")
    sides.append(m)
df = pd.read_pickle(spec["workload"]).drop_duplicates().reset_index(drop=True)
rows = list(df.sample(min(len(df), spec["calls"] + 20), random_state=0).itertuples(index=False))
for m in sides:
    for name, metal, country in rows[:20]:
        m.match_one(name, metal or None, country or None)
times, differ = [[], []], 0
for i, (name, metal, country) in enumerate(rows[20:]):
    got = [None, None]
    for k in ((0, 1) if i % 2 == 0 else (1, 0)):
        t = time.perf_counter()
        got[k] = sides[k].match_one(name, metal or None, country or None)
        times[k].append(time.perf_counter() - t)
    differ += repr(got[0]) != repr(got[1])
ms = [np.array(t) * 1000 for t in times]
print(json.dumps({side: {"mean": float(a.mean()), "p50": float(np.percentile(a, 50)),
                         "p90": float(np.percentile(a, 90)), "p99": float(np.percentile(a, 99))}
                  for side, a in zip(("base", "head"), ms)} | {"differ": differ, "n": len(ms[0])}))
"""


def copy_as(checkout: Path, dest: Path, name: str = BASE_NAME) -> None:
    """The checkout's package copied into ``dest`` as package ``name`` (imports rewritten), with
    its ``reference_data`` beside it, where the package looks for its data files."""
    shutil.copytree(checkout / "smelter_match", dest / name,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(checkout / "reference_data", dest / "reference_data")
    # the package's name where it names the package (imports, module paths, its resources),
    # not where "smelter_match" is data (the model's threshold of that name)
    pattern = re.compile(r"(?<=from )smelter_match\b|(?<=import )smelter_match\b"
                         r"|(?<=[\"'])smelter_match(?=\.)|(?<=files\([\"'])smelter_match(?=[\"'])")
    for path in (dest / name).rglob("*.py"):
        path.write_text(pattern.sub(name, path.read_text(encoding="utf-8")), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = parser(__doc__, "fresh processes, each one pass")
    ap.add_argument("--calls", type=int, default=1000, help="match_one calls timed per pass")
    args = ap.parse_args(argv)
    head = args.head.resolve()
    sys.path.insert(0, str(head))
    from benchmarks.workloads import make_workload
    from smelter_match import load_reference

    ref = load_reference(*args.reference)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        copy_as(args.base.resolve(), Path(tmp))
        workload = Path(tmp) / "workload-10000.pkl"
        make_workload(10_000, ref).to_pickle(workload)
        spec = {"copy": tmp, "head": str(head), "base_name": BASE_NAME, "calls": args.calls,
                "workload": str(workload),
                "reference": [str(Path(p).resolve()) for p in args.reference]}
        for r in range(args.rounds):
            done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(spec)], cwd=tmp,
                                  capture_output=True, text=True, check=False)
            if done.returncode:
                raise SystemExit(f"benchmarks.ab_latency: round {r + 1} failed: "
                                 f"{done.stderr.strip().splitlines()[-1:]}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"round {r + 1}: " + ", ".join(
                f"{s} p99 {runs[-1][s]['p99']:.2f} ms" for s in ("base", "head")), file=sys.stderr)
    lines = [f"base: {_describe(args.base)}; head: {_describe(args.head)}; {args.rounds} rounds "
             f"(fresh processes), {runs[0]['n']:,} `match_one` calls each, alternating the side "
             "timed first", "",
             "| ms per call | base (median of rounds) | head (median of rounds) | head / base "
             "| head / base by round |", "|---|---|---|---|---|"]
    for stat in ("mean", "p50", "p90", "p99"):
        b = statistics.median(x["base"][stat] for x in runs)
        h = statistics.median(x["head"][stat] for x in runs)
        by_round = " ".join(f"{x['head'][stat] / x['base'][stat]:.3f}" for x in runs)
        lines.append(f"| {stat} | {b:.3f} | {h:.3f} | {h / b:.3f} | {by_round} |")
    differ = sum(x["differ"] for x in runs)
    lines += ["", f"Answers that differ between the sides: {differ} of "
                  f"{sum(x['n'] for x in runs):,} calls."]
    return report(lines, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
