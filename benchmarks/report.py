"""Writing the results: ``results.json``, ``results.md`` and PNG charts.

Everything written comes from the results dict built by :mod:`benchmarks.run`; the Markdown and
the charts never compute anything the JSON does not hold (the target checks are added to it).
"""

from __future__ import annotations

import json
from pathlib import Path

STYLES = ("-", "--", "-.", ":", "-", "--")
MAIN = "smelter_match"
BASELINE = "wratio"
MIB = 1.048576   # MB (10^6 bytes) per MiB: peak RSS is measured in MiB, the targets are in MB

#: Issue 13's targets (speed and memory; ratios measured in one run).
TARGETS = {
    "distinct_speedup_vs_wratio": 5.0,
    "rows_speedup_vs_wratio_100k": 10.0,
    "peak_mb_distinct": 400,
    "peak_mb_1m": 600,
    "match_one_p99_ms": 3.0,
    "cold_start_s": 0.5,
    "spark_local2_vs_local1_100k": 1.6,
}
#: Issue 10's targets (decisions, on held-out sets).
ACCURACY_TARGETS = {"auto_decisions_right": 0.995, "automation_rate": 0.90,
                    "matchable_no_match_rate": 0.005, "no_match_recall": 0.90}
FIGURE_LABELS = {"rows": "rows", "top1_accuracy": "top-1", "top5_accuracy": "top-5",
                 "auto_decisions_right": "auto decisions right", "automation_rate": "automation",
                 "matchable_no_match_rate": "matchable → no_match",
                 "no_match_recall": "no-match recall"}


# ------------------------------------------------------------------------------------------------
# Targets
# ------------------------------------------------------------------------------------------------

def _check(rows: list[dict], name: str, value, goal: str, ok, note: str = "") -> None:  # noqa: ANN001
    rows.append({"target": name, "value": value, "goal": goal, "ok": ok, "note": note})


def check_targets(results: dict) -> list[dict]:
    """smelter_match against issue 13's targets; ``ok`` is None when not measured in this run."""
    speed = results.get("speed", {})
    methods = speed.get("methods", {})
    runs = methods.get(MAIN, {}).get("runs", {})
    base = methods.get(BASELINE, {}).get("runs", {})
    did = speed.get("distinct_workload") or ""
    rows: list[dict] = []

    r, b = runs.get(did, {}), base.get(did, {})
    n = speed.get("workloads", {}).get(did, {}).get("rows")
    size_note = "" if n == 20_000 else (f"run on {n:,} distinct names, the target is for 20,000"
                                        if n else "")
    ratio = _ratio(r.get("unique_names_per_s"), b.get("unique_names_per_s"))
    _check(rows, "distinct names/s vs cdist WRatio, 20k distinct names (x)", ratio,
           f">= {TARGETS['distinct_speedup_vs_wratio']:g}",
           _ok(ratio, lambda v: v >= TARGETS["distinct_speedup_vs_wratio"], size_note),
           _join(size_note, _rate_note(r, b, "distinct names/s", "unique_names_per_s")))
    r100, b100 = runs.get("100000", {}), base.get("100000", {})
    ratio = _ratio(r100.get("rows_per_s"), b100.get("rows_per_s"))
    _check(rows, "rows/s vs cdist WRatio, 100k rows (x)", ratio,
           f">= {TARGETS['rows_speedup_vs_wratio_100k']:g}",
           _ok(ratio, lambda v: v >= TARGETS["rows_speedup_vs_wratio_100k"]),
           _rate_note(r100, b100, "rows/s", "rows_per_s"))
    mb = _mb(r)
    _check(rows, "peak RSS, 20k distinct names (MB)", mb, f"< {TARGETS['peak_mb_distinct']}",
           _ok(mb, lambda v: v < TARGETS["peak_mb_distinct"], size_note),
           _join(size_note, _mark(r)))
    r1m = runs.get("1000000", {})
    mb = _mb(r1m)
    _check(rows, "peak RSS, 1M rows (MB)", mb, f"< {TARGETS['peak_mb_1m']}",
           _ok(mb, lambda v: v < TARGETS["peak_mb_1m"]), _mark(r1m))
    p99 = methods.get(MAIN, {}).get("latency", {}).get("p99_ms")
    _check(rows, "match_one p99 (ms)", p99, f"< {TARGETS['match_one_p99_ms']:g}",
           _ok(p99, lambda v: v < TARGETS["match_one_p99_ms"]),
           _latency_note(methods.get(MAIN, {}).get("latency", {})))
    cold = methods.get(MAIN, {}).get("cold_start", {}).get("in_process_s")
    _check(rows, "cold start, warm user cache (s)", cold, f"< {TARGETS['cold_start_s']:g}",
           _ok(cold, lambda v: v < TARGETS["cold_start_s"]),
           "import + reference load + model load + first query (interpreter start-up excluded)")
    scaling, note = _spark_scaling(results.get("spark", {}))
    _check(rows, "Spark local[2] vs local[1], same 100k rows (x)", scaling,
           f">= {TARGETS['spark_local2_vs_local1_100k']:g}",
           _ok(scaling, lambda v: v >= TARGETS["spark_local2_vs_local1_100k"]), note)
    return rows


def check_accuracy_targets(results: dict) -> list[dict]:
    """smelter_match against issue 10's targets on the held-out sets of this run."""
    from benchmarks.accuracy import NOT_FACILITIES

    acc = results.get("accuracy", {})
    main = acc.get("methods", {}).get(MAIN, {})
    if not main or "groups" not in main:
        return []
    held = acc.get("protocol", {}).get("held_out_family", "")
    groups = main["groups"]
    gold = [g for g in groups if g.startswith("gold:")]
    where = [g for g in groups if g.startswith(f"{held} (held out") and g.endswith("all edits")]
    where += gold
    rows: list[dict] = []
    for g in where:
        m = groups[g]
        for key, goal in (("auto_decisions_right", ">="), ("automation_rate", ">="),
                          ("matchable_no_match_rate", "<=")):
            v, t = m.get(key), ACCURACY_TARGETS[key]
            _check(rows, f"{FIGURE_LABELS[key]}: {g}", v, f"{goal} {100 * t:g}%",
                   _ok(v, (lambda x, t=t: x >= t) if goal == ">=" else (lambda x, t=t: x <= t)),
                   f"{m.get('rows', 0):,} rows")
    t = ACCURACY_TARGETS["no_match_recall"]
    for g in [NOT_FACILITIES, *gold]:
        m = main.get("sets", {}).get("non_smelter") if g == NOT_FACILITIES else groups.get(g)
        label = "non_smelter (names of businesses that are not smelters)" \
            if g == NOT_FACILITIES else g
        if m and m.get("no_match_rows"):
            v = m.get("no_match_recall")
            _check(rows, f"non-smelters decided no_match: {label}", v, f">= {100 * t:g}%",
                   _ok(v, lambda x: x >= t), f"{m['no_match_rows']:,} rows without a right CID")
    return rows


def _ok(value, test, skip: str = ""):  # noqa: ANN001, ANN202
    return None if value is None or skip else bool(test(value))


def _ratio(a, b):  # noqa: ANN001, ANN202
    return round(a / b, 2) if a and b else None


def _mb(run: dict):  # noqa: ANN202
    mib = run.get("peak_rss_mb") if run.get("status") == "ok" else None
    return None if mib is None else round(mib * MIB)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _rate_note(run: dict, base: dict, what: str, key: str) -> str:
    if not run or not base:
        return _join(_mark(run), _mark(base, "wratio "))
    return _join(f"smelter_match {_fmt(run.get(key))}{' (extrap.)' * bool(run.get('extrapolated'))}"
                 f", wratio {_fmt(base.get(key))}{' (extrap.)' * bool(base.get('extrapolated'))} "
                 f"{what}", _mark(run), _mark(base, "wratio "))


def _latency_note(lat: dict) -> str:
    return f"p50 {_fmt(lat.get('p50_ms'))} ms over {lat.get('n', 0):,} calls" if lat else ""


def _mark(run: dict, prefix: str = "") -> str:
    if not run:
        return f"{prefix}not run".strip()
    if run.get("extrapolated"):
        return f"{prefix}EXTRAPOLATED"
    return "" if run.get("status") == "ok" else f"{prefix}{run.get('status', '')}".strip()


def _spark_scaling(spark: dict) -> tuple[float | None, str]:
    """local[2] over local[1] rows/s on 100k rows (plain ``match_spark``), and a note."""
    if spark.get("status") != "ok":
        return None, f"Spark {spark.get('status', 'not run')}: {spark.get('reason', '')}".strip()
    runs = {(r["size"], r["engine"]): r for r in spark.get("runs", [])}
    plain = runs.get((100_000, "spark local[2]"), {})
    named = runs.get((100_000, "spark local[2] by name"), {})
    if plain.get("vs_local1") is None:
        return None, "no 100k-row Spark runs on both masters"
    note = "match_spark as called (createDataFrame's partitions, one per core)"
    if named.get("vs_local1") is not None:
        note += f"; repartitioned by name: {named['vs_local1']:.2f}x"
    return round(plain["vs_local1"], 2), note


# ------------------------------------------------------------------------------------------------
# Markdown
# ------------------------------------------------------------------------------------------------

def _fmt(v, pct: bool = False) -> str:  # noqa: ANN001
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


def _targets_md(title: str, targets: list[dict], pct: bool = False) -> list[str]:
    if not targets:
        return []
    lines = [f"## {title}", ""]
    lines += _table(["target", "goal", "measured", "met", "note"], [
        [t["target"], t["goal"], _fmt(t["value"], pct),
         {True: "met", False: "**missed**", None: "n/a"}[t["ok"]], t["note"]] for t in targets])
    return lines + [""]


def markdown(results: dict) -> str:
    """The human-readable report."""
    meta = results["meta"]
    gold = meta.get("gold", {})
    lines = [f"# smelter_match benchmarks ({meta['mode']} run)", "",
             f"- Reference: `{meta['reference_version']}`",
             f"- Gold sets: {', '.join(gold.get('files', []))} (rows: {gold.get('rows', {})})",
             f"- Methods: {', '.join(meta['methods'])}; machine: {meta['machine']}; load "
             f"average {meta.get('load_average_at_start')} at start, "
             f"{meta.get('load_average_at_end')} at end (other work on the machine slows "
             "every timing; ratios are measured in one run)",
             f"- Started {meta['started']}, took {meta.get('elapsed_s', 0):,.0f}s; command: "
             f"`{meta.get('command', '')}`", ""]
    lines += _targets_md("Targets: speed and memory (issue 13, smelter_match)",
                         results.get("targets", []))
    lines += _targets_md("Targets: decisions on held-out sets (issue 10, smelter_match)",
                         results.get("accuracy_targets", []), pct=True)
    lines += _accuracy_md(results.get("accuracy", {}))
    lines += _speed_md(results.get("speed", {}))
    lines += _spark_md(results.get("spark", {}))
    lines += ["Charts: `heldout_by_family.png`, `precision_automation.png`, "
              "`accuracy_by_metal.png`, `cost_vs_size.png`.",
              "How to read every number: `benchmarks/README.md`.", ""]
    return "\n".join(lines)


def _figure_cells(m: dict) -> list[str]:
    return [_fmt(m.get("rows"))] + [_fmt(m.get(k), True) for k in
                                    ("top1_accuracy", "top5_accuracy", "auto_decisions_right",
                                     "automation_rate", "matchable_no_match_rate",
                                     "no_match_recall")]


def _side_by_side(acc: dict, key: str, names: list[str], label=lambda s: s) -> list[str]:  # noqa: ANN001
    header = ["set", "method", *[FIGURE_LABELS[f] for f in acc.get("figures", [])]]
    rows = []
    for s in names:
        first = True
        for method, m in acc["methods"].items():
            fig = m.get(key, {}).get(s)
            if fig is None:
                continue
            rows.append([label(s) if first else "", method, *_figure_cells(fig)])
            first = False
    return _table(header, rows) + [""]


def _accuracy_md(acc: dict) -> list[str]:
    if not acc:
        return []
    p = acc["protocol"]
    held = p["held_out_family"]
    folds = p["scored_folds"]
    cap = p.get("max_rows_per_set")
    sample = f", at most {cap} queries per set and fold" if cap else ""
    lines = ["## Held-out accuracy, side by side", "",
             f"The protocol of `smelter-match evaluate --heldout` ({p['kind']} heads, "
             f"{p['folds']} CID-group folds, seed {p['seed']}, scored fold"
             f"{'s' if len(folds) > 1 else ''} {', '.join(str(k) for k in folds)}{sample}): "
             "every query comes from a facility of the scored fold, which smelter_match's "
             "fold model never saw (nor its gold rows); its training and validation noise "
             f"never included the `{held}` family. Baselines are fitted only on "
             f"`{p['train_gold']}` rows of the other folds. All methods see the same queries "
             "against the same references; every figure is `smelter_match.evaluation.metrics`.",
             ""]
    for name, m in acc["methods"].items():
        if m.get("unavailable"):
            lines += [f"> **{name} unavailable:** {m['unavailable']}", ""]
    lines += ["**top-1 / top-5**: matchable rows whose right CID is ranked first / among the five "
              "candidates; **auto decisions right**: of the rows decided without review (match "
              "or no_match), the share decided right; **automation**: rows decided without "
              "review; **matchable → no_match**: rows with a right CID decided no_match (a real "
              "smelter silently dropped); **no-match recall**: rows without a right CID decided "
              "no_match. Baselines have no review band: they decide every row.", ""]
    groups = list(next((m["groups"] for m in acc["methods"].values() if "groups" in m), {}))
    lines += ["### Summary (sets pooled)", ""]
    lines += _side_by_side(acc, "groups", groups)
    sets = list(acc.get("sets", {}))

    def fam_label(s: str) -> str:
        _, name, edits = s.split(":")
        mark = " **(held out)**" if name == held else ""
        return f"{name}, {edits} edit{'s' if edits != '1' else ''}{mark}"

    lines += ["### RMI facilities under each noise family, and clean names", ""]
    lines += _side_by_side(acc, "sets", [s for s in sets if s.startswith("family:")], fam_label)
    lines += _side_by_side(acc, "sets", [s for s in sets if s == "clean"])
    lines += ["### Names that are not RMI facilities", ""]
    from smelter_match.transfer import NEGATIVE_SETS

    lines += _side_by_side(acc, "sets", [s for s in sets if s in NEGATIVE_SETS])
    lines += ["### A realistic mix, and the gold sets", ""]
    lines += _side_by_side(acc, "sets", [s for s in sets if s == "mix" or s.startswith("gold:")])
    per_metal = [(name, m.get("per_metal", {})) for name, m in acc["methods"].items()]
    gold_sets = sorted({s for _, pm in per_metal for s in pm})
    if gold_sets:
        lines += ["### Gold sets per metal (labeller's metal): top-1 / auto decisions right / "
                  "automation", ""]
        rows = []
        for s in gold_sets:
            for name, pm in per_metal:
                sub = pm.get(s, {})
                rows.append([s, name] + [
                    " / ".join(_fmt(sub[mt].get(k), True) for k in
                               ("top1_accuracy", "auto_decisions_right", "automation_rate"))
                    + f" (n={sub[mt]['rows']})" if mt in sub else "–"
                    for mt in ("Gold", "Tin", "Tantalum", "Tungsten")])
        lines += _table(["set", "method", "Gold", "Tin", "Tantalum", "Tungsten"], rows) + [""]
    lines += ["Thresholds per scored fold:", ""]
    for name, m in acc["methods"].items():
        th = [f.get("thresholds") for f in m.get("folds", [])]
        if th:
            lines.append(f"- {name}: {th if any(th) else 'none (nothing to tune)'}")
    return lines + [""]


def _speed_md(speed: dict) -> list[str]:
    if not speed:
        return []
    lines = ["## Speed and memory", "",
             f"Each method x workload in a fresh subprocess; budget {speed['budget_s']:g}s per "
             "run. **Extrapolated** values are marked; they were not measured to the end. "
             "`distinct-N`: N rows, every name distinct even after normalisation (the cost of "
             "new names). smelter_match's time is `Matcher.match` alone.", ""]
    wl = speed["workloads"]
    lines += _table(["workload", "rows", "distinct names", "distinct (name, metal, country)",
                     "blank metal", "blank country"],
                    [[k, _fmt(v["rows"]), _fmt(v["unique_names"]), _fmt(v["unique_queries"]),
                      _fmt(v["blank_metal"], True), _fmt(v["blank_country"], True)]
                     for k, v in wl.items()]) + [""]
    rows, cold_rows = [], []
    for name, m in speed["methods"].items():
        if m.get("unavailable"):
            rows.append([name, "–", "unavailable", "–", "–", "–", "–", m["unavailable"]])
            continue
        for wid, r in m["runs"].items():
            mark = " (extrap.)" if r.get("extrapolated") else ""
            rows.append([name, wid, r.get("status", ""),
                         _fmt(r.get("seconds")) + mark, _fmt(r.get("rows_per_s")) + mark,
                         _fmt(r.get("unique_names_per_s")) + mark,
                         _fmt(r.get("peak_rss_mb")), r.get("measure", "")])
        c, lat = m.get("cold_start", {}), m.get("latency", {})
        cold_rows.append([name, _fmt(c.get("in_process_s")), _fmt(c.get("import_s")),
                          _fmt(c.get("reference_load_s")), _fmt(c.get("model_load_s")),
                          _fmt(c.get("first_query_s")), _fmt(c.get("total_s")),
                          _fmt(lat.get("p50_ms")), _fmt(lat.get("p99_ms")), _fmt(lat.get("n"))])
    lines += _table(["method", "workload", "status", "seconds", "rows/s", "distinct names/s",
                     "peak RSS MiB", "how measured"], rows) + [""]
    bytecode = speed.get("bytecode", "")
    lines += ["Cold start (median over the method's runs; warm user cache: "
              "reference, file hashes, name index"
              + (f"; bytecode {bytecode}" if bytecode else "") + ") and `match_one` latency:", ""]
    lines += _table(["method", "cold start s", "import s", "reference s", "model s",
                     "first query s", "incl. interpreter s", "p50 ms", "p99 ms", "n"],
                    cold_rows) + [""]
    return lines


def _spark_md(spark: dict) -> list[str]:
    if not spark:
        return []
    masters = spark.get("masters", ["local[1]", "local[2]"])
    lines = [f"## Spark (`match_spark`, {' vs '.join(masters)})", ""]
    if spark.get("status") != "ok":
        return lines + [f"Not run ({spark.get('status', 'skipped')}): {spark.get('reason', '')}",
                        ""]
    lines += [f"`smelter_match.spark.match_spark` on {' then '.join(masters)} sessions (one at a "
              "time), in this run, on the speed section's workloads (same rows, seed "
              f"{spark.get('seed', '?')}); the sessions set no `PYSPARK_PYTHON`. *pandas "
              "(beside)* is `Matcher.match` in the benchmark process, timed before the Spark "
              "sessions; *speed run* is the smelter_match row of the speed table (fresh "
              "subprocess); *vs local[1]* divides by the same variant on local[1]. Spark timings "
              "include one cold matcher per Python worker; rows per CPU-s count the Python "
              "workers' CPU only.", ""]
    rows = []
    for r in spark.get("runs", []):
        speed_run = _fmt(r.get("speed_run_rows_per_s"))
        if r.get("speed_run_extrapolated"):
            speed_run += " (extrap.)"
        rows.append([r["engine"], _fmt(r["size"]), _fmt(r.get("partitions")),
                     _fmt(r.get("seconds")), _fmt(r.get("rows_per_s")),
                     _fmt(r.get("rows_per_cpu_s")), _fmt(r.get("pandas_rows_per_s")),
                     "–" if r.get("vs_pandas") is None else f"{r['vs_pandas']:.2f}x",
                     "–" if r.get("vs_local1") is None else f"{r['vs_local1']:.2f}x",
                     speed_run, r.get("note", "")])
    lines += _table(["engine", "rows", "partitions", "seconds", "rows/s", "rows per CPU-s",
                     "pandas rows/s (beside)", "vs pandas", "vs local[1]", "speed run rows/s",
                     "note"], rows)
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
    if acc.get("methods"):
        paths.append(_family_chart(acc, out / "heldout_by_family.png"))
        paths.append(_curve_chart(acc, out / "precision_automation.png"))
        paths.append(_metal_chart(acc, out / "accuracy_by_metal.png"))
    if results.get("speed"):
        paths.append(_cost_chart(results["speed"], out / "cost_vs_size.png"))
    return paths


def _available(acc: dict) -> dict[str, dict]:
    return {n: m for n, m in acc["methods"].items() if "sets" in m}


def _family_chart(acc: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt
    import numpy as np

    methods = _available(acc)
    held = acc["protocol"]["held_out_family"]
    fams = list(dict.fromkeys(s.split(":")[1] for s in acc["sets"] if s.startswith("family:")))
    fig, axes = plt.subplots(3, 2, figsize=(14, 11), squeeze=False)
    width = 0.8 / max(1, len(methods))
    x = np.arange(len(fams))
    for col, edits in enumerate(("1", "2-3")):
        for row, (key, title) in enumerate((
                ("top1_accuracy", "top-1 (right facility ranked first)"),
                ("auto_decisions_right", "auto decisions right (of rows decided without review)"),
                ("automation_rate", "automation (rows decided without review)"))):
            ax = axes[row][col]
            for i, (name, m) in enumerate(methods.items()):
                vals = [(m["sets"].get(f"family:{f}:{edits}") or {}).get(key) for f in fams]
                ax.bar(x + i * width, [v if v is not None else 0 for v in vals], width, label=name)
            ax.set_xticks(x + width * (len(methods) - 1) / 2,
                          [f"{f}*" if f == held else f for f in fams], rotation=45, ha="right",
                          fontsize=8)
            ax.set(ylim=(0, 1.02), title=f"{title}, {edits} edit{'s' if edits != '1' else ''}")
            ax.grid(axis="y", alpha=0.3)
            if row == 0 and col == 0:
                ax.legend(fontsize=8, loc="lower left")
    fig.text(0.01, 0.01, f"held-out sets, per noise family; * = {held}, held out of "
             "smelter_match's training", fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _curve_chart(acc: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt

    methods = _available(acc)
    sets = sorted({s for m in methods.values() for s in m.get("curves", {})},
                  key=lambda s: (s == "mix", s))
    fig, axes = plt.subplots(1, max(1, len(sets)), figsize=(5.5 * max(1, len(sets)), 4.5),
                             squeeze=False)
    for ax, s in zip(axes[0], sets):
        low = 1.0
        for (name, m), style in zip(methods.items(), STYLES):
            c = m.get("curves", {}).get(s)
            if not c or not c["automation"]:
                ax.plot([], [], style, label=f"{name} (no auto-match)")
                continue
            low = min(low, *c["precision"])
            line, = ax.plot(c["automation"], c["precision"], style, drawstyle="steps-post",
                            label=name)
            op = m["sets"].get(s, {})
            if op.get("automation_rate") and op.get("auto_match_precision") is not None:
                ax.plot(op["automation_rate"], op["auto_match_precision"], "o",
                        color=line.get_color())
        ax.set(title=f"{s}: precision vs automation",
               xlabel="automation (share of rows decided without review)",
               ylabel="auto-match precision", xlim=(0, 1.02), ylim=(max(0.0, low - 0.05), 1.01))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
    fig.text(0.01, 0.01, "curve: the method's no_match decisions kept, other rows auto-matched "
             "if score >= t, else sent to review, for every t; dot: the operating point "
             "(held-out rows)", fontsize=8)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _metal_chart(acc: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt
    import numpy as np

    methods = _available(acc)
    sets = sorted({s for m in methods.values() for s in m.get("per_metal", {})})
    metals = ["all", "Gold", "Tin", "Tantalum", "Tungsten"]
    fig, axes = plt.subplots(1, max(1, len(sets)), figsize=(6 * max(1, len(sets)), 4),
                             squeeze=False)
    width = 0.8 / max(1, len(methods))
    for ax, s in zip(axes[0], sets):
        x = np.arange(len(metals))
        low = 1.0
        for i, (name, m) in enumerate(methods.items()):
            per = {"all": m["sets"].get(s, {}), **m.get("per_metal", {}).get(s, {})}
            vals = [(per.get(mt) or {}).get("top1_accuracy") or 0 for mt in metals]
            ax.bar(x + i * width, vals, width, label=name)
            low = min(low, *vals)
        ax.set_xticks(x + width * (len(methods) - 1) / 2, metals)
        ax.set(title=f"{s}: top-1 on matchable rows (axis from {max(0.0, low - 0.05):.2f})",
               ylim=(max(0.0, low - 0.05), 1.005))
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _cost_chart(speed: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m, ax_d) = plt.subplots(1, 3, figsize=(17, 4.5))
    did = speed.get("distinct_workload")
    bars = []
    for name, m in speed["methods"].items():
        runs = sorted((int(k), v) for k, v in m.get("runs", {}).items()
                      if k.isdigit() and v.get("seconds"))
        if did and m.get("runs", {}).get(did, {}).get("unique_names_per_s"):
            bars.append((name, m["runs"][did]))
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
        mem = [(n, r["peak_rss_mb"] * MIB) for n, r in runs
               if r.get("peak_rss_mb") and not r.get("extrapolated")]
        if mem:
            ax_m.plot(*zip(*mem), "o-", color=line.get_color(), label=name)
    ax_t.set(xscale="log", yscale="log", xlabel="workload rows", ylabel="seconds to match",
             title="time vs workload size (hollow, dotted = extrapolated)")
    ax_m.axhline(TARGETS["peak_mb_1m"], ls="--", color="grey", lw=1)
    ax_m.text(0.02, TARGETS["peak_mb_1m"] * 1.02, f"{TARGETS['peak_mb_1m']} MB target (1M rows)",
              fontsize=8, color="grey", transform=ax_m.get_yaxis_transform())
    ax_m.set(xscale="log", xlabel="workload rows", ylabel="peak RSS (MB)",
             title="peak memory vs workload size (measured runs)")
    for ax in (ax_t, ax_m):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    if bars:
        names = [n for n, _ in bars]
        vals = [r["unique_names_per_s"] for _, r in bars]
        colors = {n: f"C{i}" for i, n in enumerate(speed["methods"])}
        ax_d.bar(names, vals, color=[colors[n] for n in names],
                 hatch=["//" if r.get("extrapolated") else "" for _, r in bars])
        for i, (_, r) in enumerate(bars):
            mem = f"{r['peak_rss_mb'] * MIB:,.0f} MB" if r.get("peak_rss_mb") else "–"
            ax_d.text(i, vals[i], f"{vals[i]:,.0f}/s\n{mem}"
                      + ("\n(extrap.)" if r.get("extrapolated") else ""), ha="center",
                      va="bottom", fontsize=8)
        ax_d.set(yscale="log", ylabel="distinct names/s", ylim=(min(vals) / 2, max(vals) * 4),
                 title=f"{did}: names/s and peak RSS")
        ax_d.grid(axis="y", alpha=0.3, which="both")
    else:
        ax_d.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_all(results: dict, out: Path) -> list[Path]:
    """results.json, results.md and the charts under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    results["targets"] = check_targets(results)
    results["accuracy_targets"] = check_accuracy_targets(results)
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str),
                                      encoding="utf-8")
    (out / "results.md").write_text(markdown(results), encoding="utf-8")
    return [out / "results.json", out / "results.md", *charts(results, out)]
