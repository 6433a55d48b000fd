"""Writing the results: ``results.json``, ``results.md`` and PNG charts.

Everything written comes from the results dict built by :mod:`benchmarks.run`; the Markdown and
the charts never compute anything the JSON does not hold.
"""

from __future__ import annotations

import json
from pathlib import Path

STYLES = ("-", "--", "-.", ":", "-", "--")
TARGETS = {
    "rows_per_s_100k": 20_000,
    "speedup_vs_wratio_100k": 10.0,
    "peak_rss_mb_1m": 1536,
    "cold_start_s": 2.0,
    "match_one_p99_ms": 5.0,
}
METAL_NAMES = ("Gold", "Tin", "Tantalum", "Tungsten")
MAIN = "smelter_match"
BASELINE = "wratio"


# ------------------------------------------------------------------------------------------------
# Targets
# ------------------------------------------------------------------------------------------------

def check_targets(results: dict) -> list[dict]:
    """smelter_match against each target; ``ok`` is None when it could not be measured."""
    speed = results.get("speed", {}).get("methods", {})
    main = speed.get(MAIN, {})
    runs = main.get("runs", {})
    base = speed.get(BASELINE, {}).get("runs", {})
    r100, b100, r1m = runs.get("100000", {}), base.get("100000", {}), runs.get("1000000", {})
    rows = []

    def add(name: str, value, target, ok, note: str = "") -> None:
        rows.append({"target": name, "value": value, "goal": target, "ok": ok, "note": note})

    v = r100.get("rows_per_s")
    add("throughput on 100k rows (rows/s)", v, f">= {TARGETS['rows_per_s_100k']:,}",
        None if v is None else v >= TARGETS["rows_per_s_100k"], _mark(r100))
    ratio = None
    if v and b100.get("rows_per_s"):
        ratio = round(v / b100["rows_per_s"], 1)
    add("speed-up vs WRatio on 100k (x)", ratio, f">= {TARGETS['speedup_vs_wratio_100k']:g}",
        None if ratio is None else ratio >= TARGETS["speedup_vs_wratio_100k"],
        "; ".join(x for x in (_mark(r100), _mark(b100, "wratio ")) if x))
    rss = r1m.get("peak_rss_mb") if r1m.get("status") == "ok" else None
    add("peak RSS on 1M rows (MiB)", rss, f"< {TARGETS['peak_rss_mb_1m']:,}",
        None if rss is None else rss < TARGETS["peak_rss_mb_1m"], _mark(r1m))
    cold = main.get("cold_start", {}).get("in_process_s")
    add("cold start, warm cache (s)", cold, f"< {TARGETS['cold_start_s']:g}",
        None if cold is None else cold < TARGETS["cold_start_s"],
        "import + reference load + model load + first query")
    p99 = main.get("latency", {}).get("p99_ms")
    add("match_one p99 (ms)", p99, f"< {TARGETS['match_one_p99_ms']:g}",
        None if p99 is None else p99 < TARGETS["match_one_p99_ms"])
    return rows


def _mark(run: dict, prefix: str = "") -> str:
    if not run:
        return f"{prefix}not run".strip()
    if run.get("extrapolated"):
        return f"{prefix}EXTRAPOLATED"
    return "" if run.get("status") == "ok" else f"{prefix}{run.get('status', '')}"


# ------------------------------------------------------------------------------------------------
# Markdown
# ------------------------------------------------------------------------------------------------

def _fmt(v, pct: bool = False) -> str:
    if v is None:
        return "–"
    if pct:
        return f"{100 * v:.1f}%"
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.0f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def markdown(results: dict) -> str:
    """The human-readable report."""
    lines = [f"# smelter_match benchmarks ({results['meta']['mode']} run)", ""]
    meta = results["meta"]
    lines += [f"- Reference: `{meta['reference_version']}`",
              f"- Gold files: {', '.join(meta['gold']['files'])} (rows: {meta['gold']['rows']}"
              f"{'' if meta['gold']['dataio_complete'] else '; dataio_2020.csv not final yet'})",
              f"- Methods: {', '.join(meta['methods'])}; machine: {meta['machine']}; load "
              f"average {meta.get('load_average_at_start')} at start, "
              f"{meta.get('load_average_at_end')} at end (other work on the machine slows "
              "every timing)",
              f"- Started {meta['started']}, took {meta.get('elapsed_s', 0):,.0f}s", ""]
    lines += _accuracy_md(results.get("accuracy", {}))
    lines += _speed_md(results.get("speed", {}))
    lines += _spark_md(results.get("spark", {}))
    targets = results.get("targets", [])
    if targets:
        lines += ["## Targets (smelter_match)", ""]
        lines += _table(["target", "goal", "value", "met", "note"], [
            [t["target"], t["goal"], _fmt(t["value"]),
             {True: "yes", False: "**no**", None: "n/a"}[t["ok"]], t["note"]] for t in targets])
        lines.append("")
    lines += ["Charts: `precision_automation.png`, `accuracy_by_metal.png`, `cost_vs_size.png`.",
              "How to read every number: `benchmarks/README.md`.", ""]
    return "\n".join(lines)


def _accuracy_md(acc: dict) -> list[str]:
    if not acc:
        return []
    lines = ["## Accuracy on the gold sets (held-out folds)", "",
             f"{acc['folds']}-fold GroupKFold (seed {acc['seed']}), groups: label CID, "
             "NO_MATCH by normalised name, AMBIGUOUS by candidate set. A prediction is correct "
             "if it equals the label, or the label is AMBIGUOUS and it is a candidate.", ""]
    methods = acc["methods"]
    for note in (m.get("note") for m in methods.values()):
        if note:
            lines += [f"> **Note:** {note}", ""]
    datasets = sorted({ds for m in methods.values() for ds in m.get("metrics", {})},
                      key=lambda d: (d == "pooled", d))
    header = ["method", "rows", "top-1 acc", "auto-match prec.", "automation", "auto-match rate",
              "review", "no-match P", "no-match R", "no-match F1", "blocking recall"]
    lines += ["**automation** = rows decided without review (decision `match` or `no_match`) / "
              "rows, as `smelter-match evaluate` defines it (= 100% - review); **auto-match "
              "rate** = rows auto-matched / rows. Methods without a review band (`wratio`, "
              "`recordlinkage`) automate every row.", ""]
    for ds in datasets:
        lines += [f"### {ds}", ""]
        rows = []
        for subset in ("all", "high_confidence"):
            for name, m in methods.items():
                x = m.get("metrics", {}).get(ds, {}).get(subset)
                if x:
                    rows.append(_metric_row(name if subset == "all" else
                                            f"{name} (high confidence only)", x))
        lines += _table(header, rows) + [""]
        lines += [f"Per metal ({ds}): top-1 accuracy / auto-match precision / automation / "
                  "auto-match rate", ""]
        metal_rows = []
        for name, m in methods.items():
            sub = m.get("metrics", {}).get(ds, {})
            metal_rows.append([name] + [
                " / ".join(_fmt(sub[mt].get(k), True) for k in
                           ("top1_accuracy", "auto_match_precision", "automation_rate",
                            "auto_match_rate"))
                + f" (n={sub[mt]['rows']})" if mt in sub else "–" for mt in METAL_NAMES])
        lines += _table(["method", *METAL_NAMES], metal_rows) + [""]
    lines += ["Thresholds (per fold):", ""]
    for name, m in methods.items():
        th = [f.get("thresholds") for f in m.get("folds", []) if f.get("thresholds")]
        lines.append(f"- {name}: {th if th else 'none (no tuning)'}")
    lines.append("")
    return lines


def _metric_row(label: str, x: dict) -> list[str]:
    return [label, _fmt(x["rows"]), _fmt(x["top1_accuracy"], True),
            _fmt(x["auto_match_precision"], True), _fmt(x["automation_rate"], True),
            _fmt(x.get("auto_match_rate"), True), _fmt(x["review_rate"], True),
            _fmt(x["no_match_precision"], True),
            _fmt(x["no_match_recall"], True), _fmt(x["no_match_f1"], True),
            _fmt(x.get("blocking_recall"), True)]


def _speed_md(speed: dict) -> list[str]:
    if not speed:
        return []
    lines = ["## Speed and memory", "",
             f"Each method x size in a fresh subprocess; budget {speed['budget_s']:g}s per run. "
             "**Extrapolated** values are marked; they were not measured to the end.", ""]
    wl = speed["workloads"]
    lines += _table(["workload rows", "distinct names", "distinct (name, metal, country)",
                     "blank metal", "blank country"],
                    [[_fmt(v["rows"]), _fmt(v["unique_names"]), _fmt(v["unique_queries"]),
                      _fmt(v["blank_metal"], True), _fmt(v["blank_country"], True)]
                     for v in wl.values()]) + [""]
    rows, cold_rows = [], []
    for name, m in speed["methods"].items():
        if m.get("unavailable"):
            rows.append([name, "–", "unavailable", "–", "–", "–", "–", m["unavailable"]])
            continue
        for size, r in m["runs"].items():
            mark = " (extrap.)" if r.get("extrapolated") else ""
            rows.append([name, _fmt(int(size)), r.get("status", ""),
                         _fmt(r.get("seconds")) + mark, _fmt(r.get("rows_per_s")) + mark,
                         _fmt(r.get("unique_names_per_s")) + mark,
                         _fmt(r.get("peak_rss_mb")), r.get("measure", "")])
        c, lat = m.get("cold_start", {}), m.get("latency", {})
        cold_rows.append([name, _fmt(c.get("in_process_s")), _fmt(c.get("import_s")),
                          _fmt(c.get("reference_load_s")), _fmt(c.get("model_load_s")),
                          _fmt(c.get("first_query_s")), _fmt(c.get("total_s")), _fmt(lat.get("p50_ms")),
                          _fmt(lat.get("p99_ms")), _fmt(lat.get("n"))])
    lines += _table(["method", "rows", "status", "seconds", "rows/s", "distinct names/s",
                     "peak RSS MiB", "how measured"], rows) + [""]
    lines += ["Cold start (median over the method's runs; warm reference cache) and `match_one` "
              "latency:", ""]
    lines += _table(["method", "cold start s", "import s", "reference s", "model s",
                     "first query s", "incl. interpreter s", "p50 ms", "p99 ms", "n"], cold_rows) + [""]
    return lines


def _spark_md(spark: dict) -> list[str]:
    if not spark:
        return []
    lines = [f"## Spark (`match_spark`, {spark.get('master', 'local[2]')})", ""]
    if spark.get("status") != "ok":
        return lines + [f"Not run ({spark.get('status', 'skipped')}): {spark.get('reason', '')}",
                        ""]
    lines += [f"`smelter_match.spark.match_spark` on a {spark['master']} session, in this run, on "
              f"the speed section's workloads (same rows, seed {spark.get('seed', '?')}). "
              "*pandas (beside)* is `Matcher.match` in the benchmark process, timed just before "
              "the Spark runs of the same size; *speed run* is the smelter_match row of the speed "
              "table (fresh subprocess). Spark timings include one cold matcher per Python worker; "
              "rows per CPU-s count the Python workers' CPU only.", ""]
    rows = []
    for r in spark.get("runs", []):
        speed_run = _fmt(r.get("speed_run_rows_per_s"))
        if r.get("speed_run_extrapolated"):
            speed_run += " (extrap.)"
        rows.append([r["engine"], _fmt(r["size"]), _fmt(r.get("partitions")),
                     _fmt(r.get("seconds")), _fmt(r.get("rows_per_s")),
                     _fmt(r.get("rows_per_cpu_s")), _fmt(r.get("pandas_rows_per_s")),
                     "–" if r.get("vs_pandas") is None else f"{r['vs_pandas']:.2f}x",
                     speed_run, r.get("note", "")])
    lines += _table(["engine", "rows", "partitions", "seconds", "rows/s", "rows per CPU-s",
                     "pandas rows/s (beside)", "vs pandas", "speed run rows/s", "note"], rows)
    return lines + [""]


# ------------------------------------------------------------------------------------------------
# Charts
# ------------------------------------------------------------------------------------------------

def charts(results: dict, out: Path) -> list[Path]:
    """Write the PNG charts; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    paths = []
    acc = results.get("accuracy", {})
    if acc:
        paths.append(_curve_chart(acc, out / "precision_automation.png"))
        paths.append(_metal_chart(acc, out / "accuracy_by_metal.png"))
    if results.get("speed"):
        paths.append(_cost_chart(results["speed"], out / "cost_vs_size.png"))
    return paths


def _curve_chart(acc: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt

    curves = {n: m.get("curves", {}) for n, m in acc["methods"].items()}
    datasets = sorted({d for c in curves.values() for d in c}, key=lambda d: (d == "pooled", d))
    fig, axes = plt.subplots(1, max(1, len(datasets)), figsize=(5.5 * max(1, len(datasets)), 4.5),
                             squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        low = 1.0
        for (name, c), style in zip(curves.items(), STYLES):
            if ds not in c or not c[ds]["automation"]:
                ax.plot([], [], style, label=f"{name} (no auto-match)")
                continue
            low = min(low, *c[ds]["precision"])
            line, = ax.plot(c[ds]["automation"], c[ds]["precision"], style,
                            drawstyle="steps-post", label=name)
            op = acc["methods"][name]["metrics"][ds]["all"]
            if op["automation_rate"] and op["auto_match_precision"] is not None:
                ax.plot(op["automation_rate"], op["auto_match_precision"], "o",
                        color=line.get_color())
        ax.set(title=f"{ds}: precision vs automation",
               xlabel="automation (share of rows decided without review)",
               ylabel="auto-match precision", xlim=(0, 1.02),
               ylim=(max(0.0, low - 0.05), 1.01))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
    fig.text(0.01, 0.01, "curve: the method's no_match decisions kept, other rows auto-matched "
             "if score >= t, else sent to review, for every t; dot: the chosen operating point "
             "(held-out folds)", fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _metal_chart(acc: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt
    import numpy as np

    methods = list(acc["methods"])
    datasets = sorted({d for m in acc["methods"].values() for d in m.get("metrics", {})
                       if d != "pooled"})
    metals = ["all", "Gold", "Tin", "Tantalum", "Tungsten"]
    fig, axes = plt.subplots(1, max(1, len(datasets)), figsize=(6 * max(1, len(datasets)), 4),
                             squeeze=False)
    width = 0.8 / max(1, len(methods))
    for ax, ds in zip(axes[0], datasets):
        x = np.arange(len(metals))
        low = 1.0
        for i, name in enumerate(methods):
            sub = acc["methods"][name].get("metrics", {}).get(ds, {})
            vals = [(sub.get(m) or {}).get("top1_accuracy") or 0 for m in metals]
            ax.bar(x + i * width, vals, width, label=name)
            low = min(low, *vals)
        ax.set_xticks(x + width * (len(methods) - 1) / 2, metals)
        ax.set(title=f"{ds}: top-1 accuracy on matchable rows (axis starts at "
               f"{max(0.0, low - 0.05):.2f})", ylim=(max(0.0, low - 0.05), 1.005))
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _cost_chart(speed: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, m in speed["methods"].items():
        runs = sorted(((int(k), v) for k, v in m.get("runs", {}).items() if v.get("seconds")))
        if not runs:
            ax_t.plot([], [], label=f"{name} (unavailable)")
            continue
        line, = ax_t.plot([n for n, _ in runs], [r["seconds"] for _, r in runs], ":", alpha=0.6)
        measured = [(n, r["seconds"]) for n, r in runs if not r.get("extrapolated")]
        ax_t.plot(*zip(*measured) if measured else ([], []), "o-", color=line.get_color(),
                  label=name)
        for n, r in runs:
            if r.get("extrapolated"):
                ax_t.plot(n, r["seconds"], "o", color=line.get_color(), fillstyle="none")
        mem = [(n, r["peak_rss_mb"]) for n, r in runs
               if r.get("peak_rss_mb") and not r.get("extrapolated")]
        if mem:
            ax_m.plot(*zip(*mem), "o-", color=line.get_color(), label=name)
    ax_t.set(xscale="log", yscale="log", xlabel="workload rows", ylabel="seconds to match",
             title="time vs workload size (hollow, dotted = extrapolated)")
    ax_m.axhline(TARGETS["peak_rss_mb_1m"], ls="--", color="grey", lw=1)
    ax_m.text(1e3, TARGETS["peak_rss_mb_1m"] * 1.03, "1.5 GB target", fontsize=8, color="grey")
    ax_m.set(xscale="log", xlabel="workload rows", ylabel="peak RSS (MiB)",
             title="peak memory vs workload size (measured runs)")
    for ax in (ax_t, ax_m):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_all(results: dict, out: Path) -> list[Path]:
    """results.json, results.md and the charts under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    results["targets"] = check_targets(results)
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str),
                                      encoding="utf-8")
    (out / "results.md").write_text(markdown(results), encoding="utf-8")
    return [out / "results.json", out / "results.md", *charts(results, out)]
