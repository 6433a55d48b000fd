"""Interleaved A/B timing of ``Matcher.match`` in two checkouts of this repository.

On a shared machine whose speed drifts between runs (this project's 2-core VM moves by 1.5x
within an hour), two benchmark runs taken at different times cannot tell whether a change made
the matcher faster. This compares two checkouts on the same workloads in alternating fresh
processes (base, head, head, base, ...), so that drift hits both sides alike, and checks that
their outputs are identical::

    git worktree add /tmp/base <commit>
    python -m benchmarks.ab /tmp/base . -r ../shared/rmi --rounds 3 --out benchmarks/results/ab.md

Each process imports ``smelter_match`` from its checkout (``PYTHONPATH``), loads the reference
(warm cache), builds a ``Matcher`` and times one ``match`` per workload; the workloads are the
speed suite's (:mod:`benchmarks.workloads`, seed 0), generated once by the head checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.memory import run_sampled

_CHILD = r"""
import hashlib, json, resource, sys, time
import pandas as pd
from smelter_match import Matcher, load_reference
spec = json.loads(sys.argv[1])
import smelter_match
if not smelter_match.__file__.startswith(spec["root"]):
    sys.exit(f"imported {smelter_match.__file__}, not the checkout {spec['root']}")
ref = load_reference(*spec["reference"])
out = {}
for wid, path in spec["workloads"].items():
    df = pd.read_pickle(path)
    m = Matcher(ref)
    t = time.perf_counter()
    res = m.match(df, name="name", metal="metal", country="country")
    seconds = time.perf_counter() - t
    digest = hashlib.sha256(pd.util.hash_pandas_object(res.astype(str), index=False)
                            .to_numpy().tobytes()).hexdigest()[:16]
    out[wid] = {"seconds": seconds, "rows": len(df), "output": digest}
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def _run(checkout: Path, spec: dict) -> dict:
    # run from the checkout: ``python -c`` puts the working directory first on sys.path
    env = dict(os.environ, PYTHONPATH=str(checkout.resolve()))
    spec = dict(spec, root=str(checkout.resolve()))
    done, tree_mb = run_sampled([sys.executable, "-c", _CHILD, json.dumps(spec)], env=env,
                                cwd=checkout)
    if done.returncode:
        raise SystemExit(f"benchmarks.ab: run in {checkout} failed: "
                         f"{done.stderr.strip().splitlines()[-1:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["peak_tree_mb"] = tree_mb   # with the processes it forks (benchmarks.memory)
    return out


def _describe(checkout: Path) -> str:
    """The checkout's commit (and whether it has uncommitted changes)."""
    def git(*a: str) -> str:
        r = subprocess.run(["git", "-C", str(checkout), *a], capture_output=True, text=True,
                           check=False)
        return r.stdout.strip() if r.returncode == 0 else ""
    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    return commit + (" + uncommitted changes" if git("status", "--porcelain", "--",
                                                       "smelter_match") else "")


def parser(doc: str, rounds_help: str) -> argparse.ArgumentParser:
    """The options every A/B tool takes: two checkouts, the reference, rounds, --out."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("base", type=Path, help="checkout of the commit to compare against")
    ap.add_argument("head", type=Path, help="checkout of the change")
    ap.add_argument("-r", "--reference", nargs="+", required=True, help="RMI reference paths")
    ap.add_argument("--rounds", type=int, default=3, help=rounds_help)
    ap.add_argument("--out", type=Path, help="write the markdown table here too")
    return ap


def report(lines: list[str], out: Path | None) -> int:
    """Print the report (and write it to ``out``)."""
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        out.write_text(text, encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = parser(__doc__, "alternating runs per side")
    ap.add_argument("--rows", type=int, default=100_000, help="rows of the supplier-like workload")
    ap.add_argument("--distinct", type=int, default=20_000, help="names of the all-distinct one")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.head.resolve()))
    from benchmarks.workloads import make_distinct_workload, make_workload
    from smelter_match import load_reference

    ref = load_reference(*args.reference)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        workloads = {f"{args.rows:,} rows": ("rows", args.rows),
                     f"{args.distinct:,} distinct names": ("distinct", args.distinct)}
        for wid, (kind, n) in workloads.items():
            df = make_workload(n, ref) if kind == "rows" else make_distinct_workload(n, ref)
            paths[wid] = str(Path(tmp) / f"{kind}-{n}.pkl")
            df.to_pickle(paths[wid])
        spec = {"reference": [str(Path(p).resolve()) for p in args.reference],
                "workloads": paths}
        runs: dict[str, list[dict]] = {"base": [], "head": []}
        for r in range(args.rounds):
            for side in (("base", "head") if r % 2 == 0 else ("head", "base")):
                runs[side].append(_run(getattr(args, side), spec))
                print(f"round {r + 1} {side}: " + ", ".join(
                    f"{w} {runs[side][-1][w]['seconds']:.2f} s" for w in workloads),
                    file=sys.stderr)
    lines = [f"base: {_describe(args.base)}; head: {_describe(args.head)}; {args.rounds} "
             f"alternating rounds", "",
             "| workload | base s (median) | head s (median) | speed-up | base runs | head runs "
             "| outputs identical |", "|---|---|---|---|---|---|---|"]
    for w in workloads:
        b = [x[w]["seconds"] for x in runs["base"]]
        h = [x[w]["seconds"] for x in runs["head"]]
        same = len({x[w]["output"] for x in runs["base"] + runs["head"]}) == 1
        lines.append(f"| {w} | {statistics.median(b):.2f} | {statistics.median(h):.2f} | "
                     f"{statistics.median(b) / statistics.median(h):.2f}x | "
                     f"{' '.join(f'{v:.2f}' for v in b)} | {' '.join(f'{v:.2f}' for v in h)} | "
                     f"{'yes' if same else '**no**'} |")
    peak = {s: max(x["peak_rss_mb"] for x in runs[s]) for s in runs}
    tree = {s: max(max(x["peak_rss_mb"], x.get("peak_tree_mb") or 0.0) for x in runs[s])
            for s in runs}
    lines.append("")
    lines.append(f"Peak memory of a run (both workloads): its own peak RSS or, sampled every "
                 f"0.1 s, its RSS plus the private pages (USS) of the processes it forks, "
                 f"whichever is larger (`benchmarks/memory.py`): base {tree['base']:.0f} MiB, "
                 f"head {tree['head']:.0f} MiB (its own peak RSS alone, blind to forked "
                 f"processes: base {peak['base']:.0f} MiB, head {peak['head']:.0f} MiB).")
    return report(lines, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
