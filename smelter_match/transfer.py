"""Measuring transfer, not fit: figures on facilities, names and noise the model never saw.

:func:`heldout_evaluation` splits the reference's facilities into CID-group folds. For each fold
it fits a model (:meth:`smelter_match.training.Trainer.fold_model`) on the *other* folds only,
with one noise family (``held_out``) left out of the synthetic noise altogether: of the
training queries, and of the validation queries of the inner folds its calibration and
thresholds are chosen on. That model then scores, through the real
:class:`~smelter_match.Matcher`:

- the fold's facilities under every noise family alone, with 1 edit and with 2-3 edits
  (``family:<name>:1``, ``family:<name>:2-3``), and their clean names (``clean``);
- names that are not RMI facilities: the fold's facilities hidden from the index
  (``hidden_facility``), non-smelter names of the fold (``non_smelter``), names under the wrong
  metal (``wrong_metal``), the fold's names with one metal, place or plant direction replaced
  (``near_miss``: the generator the training data also uses, on other facilities);
- a realistic mix of all of these (``mix``);
- the gold rows whose facilities are in the fold (``gold:<file>``): Data I/O rows are thus
  scored by a model trained on the other folds' rows (nested cross-validation), Inogen rows by
  models that never saw Inogen nor the row's facility.

Results are pooled over folds. Every query set is generated from the user's reference with a
fixed seed, at run time; nothing derived from RMI's files is stored.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from smelter_match.evaluation import metrics, score_queries
from smelter_match.matcher import Matcher
from smelter_match.noise import FAMILIES
from smelter_match.reference import Reference
from smelter_match.synthetic import Mix, make_queries
from smelter_match.training import SEED, Trainer, gold_queries

__all__ = ["calibration_table", "expected_calibration_error", "fold_sets", "heldout_evaluation"]

NOISY_ONLY = Mix(clean=0.0, noisy=2.0, hide_facilities=0.0, hidden_queries=0.0,
                 hide_aliases=0.0, wrong_metal=0.0, non_smelters=0.0)
NEGATIVES = Mix(clean=0.0, noisy=0.0, hide_facilities=0.3, hidden_queries=2.0, hide_aliases=0.0,
                wrong_metal=0.5, non_smelters=2.0, near_miss=2.0)
CLEAN_ONLY = Mix(clean=2.0, noisy=0.0, hide_facilities=0.0, hidden_queries=0.0,
                 hide_aliases=0.0, wrong_metal=0.0, non_smelters=0.0)
#: The sets of names that are not RMI facilities (kinds of :mod:`smelter_match.synthetic`).
NEGATIVE_SETS = ("hidden_facility", "non_smelter", "wrong_metal", "near_miss")
REALISTIC = Mix(clean=3.0, noisy=1.5, hide_facilities=0.15, hidden_queries=2.0, hide_aliases=0.1,
                wrong_metal=0.1, non_smelters=0.8)


def _score_set(reduced: Reference, model, queries: pd.DataFrame, name: str,  # noqa: ANN001
               fold: int) -> pd.DataFrame:
    if queries.empty:
        return pd.DataFrame()
    scored = score_queries(Matcher(reduced, model), queries)
    return scored.assign(set=name, fold=fold)


def fold_sets(trainer: Trainer, fold: int, gold: dict[str, pd.DataFrame] | None = None,
              seed: int = SEED) -> list[tuple[str, Reference, pd.DataFrame]]:
    """The held-out query sets of one CID-group fold: (set name, reference to match against,
    labelled queries). Deterministic for a seed; see the module docstring for the sets."""
    reference, folds, k = trainer.reference, trainer.folds, fold
    cids = {c for c, f in trainer.fold_of.items() if f == k}
    rng_seed = seed + 7919 * (k + 1)
    out = []
    for fam in FAMILIES:
        for edits, label in ((1, "1"), (None, "2-3")):
            if edits is None and fam == "acronym":
                continue   # an acronym replaces the whole name: it is always the only edit
            reduced, q = make_queries(reference, cids=cids, mix=NOISY_ONLY, families=(fam,),
                                      edits=edits, seed=rng_seed + hash_family(fam))
            if edits is None:
                q = q[q["edits"] >= 2]
            out.append((f"family:{fam}:{label}", reduced, q[q["kind"] == "noisy"]))
    reduced, q = make_queries(reference, cids=cids, mix=CLEAN_ONLY, seed=rng_seed + 1)
    out.append(("clean", reduced, q))
    reduced, q = make_queries(reference, cids=cids, mix=NEGATIVES, seed=rng_seed + 2,
                              keep_non_smelter=lambda n: _ns_fold(n, folds) == k)
    for kind_name in NEGATIVE_SETS:
        out.append((kind_name, reduced, q[q["kind"] == kind_name]))
    reduced, q = make_queries(reference, cids=cids, mix=REALISTIC, seed=rng_seed + 3,
                              keep_non_smelter=lambda n: _ns_fold(n, folds) == k)
    out.append(("mix", reduced, q))
    for name, g_all in (gold or {}).items():
        g_fold = Trainer(reference, g_all, seed=trainer.seed, folds=folds).gold_fold()
        g = gold_queries(g_all.iloc[np.flatnonzero(g_fold == k)], trainer.groups)
        out.append((f"gold:{name}", reference, g))
    return [(n, r, q) for n, r, q in out if len(q)]


def heldout_evaluation(reference: Reference, gold: dict[str, pd.DataFrame], *,
                       train_gold: str | None = "dataio_2020", held_out: str = "ocr",
                       kind: str = "trees", folds: int = 5, seed: int = SEED,
                       log: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Scored held-out rows of every set (see the module docstring), one frame.

    ``gold``: gold frames (:func:`smelter_match.evaluation.load_gold`) by name; only
    ``train_gold`` joins training (its other folds' rows). Columns: those of
    :func:`~smelter_match.evaluation.score_queries` plus ``set`` and ``fold``.
    """
    if held_out and held_out not in FAMILIES:
        raise ValueError(f"unknown noise family {held_out!r}; known: {', '.join(FAMILIES)}")
    families = tuple(f for f in FAMILIES if f != held_out)
    labels = gold.get(train_gold) if train_gold else None
    trainer = Trainer(reference, labels, kind=kind, families=families, seed=seed, folds=folds)
    parts = []
    for k in range(folds):
        if log:
            log(f"fold {k + 1}/{folds}: model without the fold's facilities and without "
                f"the {held_out!r} noise family")
        model, _ = trainer.fold_model(k)
        for name, reduced, q in fold_sets(trainer, k, gold, seed):
            parts.append(_score_set(reduced, model, q, name, k))
    return pd.concat([p for p in parts if not p.empty], ignore_index=True)


def hash_family(family: str) -> int:
    import zlib

    return zlib.crc32(family.encode()) % 10_000


def _ns_fold(name: str, folds: int) -> int:
    from smelter_match.training import _ns_fold as fold_of

    return fold_of(name, folds)


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """ECE: the count-weighted mean |mean predicted - observed rate| over equal-width bins."""
    p, y = np.asarray(p, float), np.asarray(y, float)
    if len(p) == 0:
        return float("nan")
    idx = np.minimum((p * bins).astype(int), bins - 1)
    err = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            err += sel.sum() * abs(p[sel].mean() - y[sel].mean())
    return float(err / len(p))


def calibration_table(scored: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Reliability of both probabilities: per bin, mean prediction, observed rate and count.

    ``score``: over matchable rows with a candidate, against "the top candidate is right";
    ``smelter_score``: over all rows, against "the row denotes an RMI facility".
    """
    rows = []
    sub = scored[scored["matchable"] & (scored["best"] != "")]
    for what, p, y in (("score", sub["score"], sub["best_correct"]),
                       ("smelter_score", scored["smelter_score"], scored["matchable"])):
        p, y = p.to_numpy(float), y.to_numpy(float)
        idx = np.minimum((p * bins).astype(int), bins - 1)
        for b in range(bins):
            sel = idx == b
            if sel.any():
                rows.append({"probability": what, "bin": b, "predicted": p[sel].mean(),
                             "observed": y[sel].mean(), "rows": int(sel.sum())})
    return pd.DataFrame(rows)


def summary(scored: pd.DataFrame) -> pd.DataFrame:
    """One row of :func:`smelter_match.evaluation.metrics` per set, plus ECE of both scores."""
    out = []
    for name, g in scored.groupby("set", sort=False):
        m = metrics(g)
        sub = g[g["matchable"] & (g["best"] != "")]
        m["ece_score"] = expected_calibration_error(sub["score"], sub["best_correct"])
        m["ece_smelter"] = expected_calibration_error(g["smelter_score"], g["matchable"])
        out.append({"set": name, **m})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------
# the report

#: The figures of the held-out report, in order.
REPORT_COLUMNS = ("rows", "top1_accuracy", "top5_accuracy", "auto_decisions_right",
                  "automation_rate", "matchable_no_match_rate", "no_match_recall", "ece_score",
                  "ece_smelter")


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:.3f}"
    return str(v)


def report_markdown(table: pd.DataFrame, held_out: str, how: str) -> str:
    """The held-out figures as Markdown: noise families, non-facilities, the mix, gold sets."""
    def rows(sel: pd.Series, label=lambda s: s) -> list[str]:  # noqa: ANN001
        out = []
        for _, r in table[sel].iterrows():
            out.append(f"| {label(r['set'])} | " + " | ".join(_fmt(r[c]) for c in REPORT_COLUMNS)
                       + " |")
        return out

    head = ["| set | " + " | ".join(REPORT_COLUMNS) + " |", "|---" * (len(REPORT_COLUMNS) + 1)
            + "|"]
    fam = table["set"].str.startswith("family:")

    def fam_label(s: str) -> str:
        _, name, edits = s.split(":")
        mark = " **(held out of training)**" if name == held_out else ""
        return f"{name}, {edits} edit{'s' if edits != '1' else ''}{mark}"

    lines = [f"# Held-out evaluation ({how})", "",
             "Every row below was scored by a model that never saw the row's facility (CID-group "
             "folds), whose calibration and thresholds came from other folds, and whose training "
             f"and validation noise never included the `{held_out}` family. See "
             "`smelter_match/transfer.py`.",
             "", "## RMI facilities under each noise family", "", *head,
             *rows(fam, fam_label), *rows(table["set"] == "clean"),
             "", "## Names that are not RMI facilities", "", *head,
             *rows(table["set"].isin(NEGATIVE_SETS)),
             "", "## A realistic mix, and the gold sets", "", *head,
             *rows(table["set"].isin(["mix"]) | table["set"].str.startswith("gold:")),
             "", "Definitions: `smelter_match.evaluation.metrics`. ece_score: expected calibration "
             "error of `score` over matchable rows with a candidate (is the top candidate right?); "
             "ece_smelter: of `smelter_score` over all rows (is the row an RMI facility?)."]
    return "\n".join(lines) + "\n"


MIN_BIN_ROWS = 15


def reliability_png(scored: pd.DataFrame, path: str, held_out: str) -> None:
    """Reliability diagrams of both probabilities, per group of sets (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = {
        "clean names": scored["set"] == "clean",
        "noise families (trained)": scored["set"].str.startswith("family:")
        & ~scored["set"].str.startswith(f"family:{held_out}:"),
        f"{held_out} (held out)": scored["set"].str.startswith(f"family:{held_out}:"),
        "realistic mix": scored["set"] == "mix",
        **{s.split(":", 1)[1]: scored["set"] == s
           for s in sorted(scored["set"].unique()) if s.startswith("gold:")},
    }
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, what in zip(axes, ("score", "smelter_score")):
        ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
        for label, sel in groups.items():
            sub = scored[sel]
            if what == "smelter_score" and sub["matchable"].nunique() < 2:
                continue   # a set of facilities only says nothing about this probability
            t = calibration_table(sub)
            t = t[(t["probability"] == what) & (t["rows"] >= MIN_BIN_ROWS)]
            if len(t):
                ax.plot(t["predicted"], t["observed"], marker="o", ms=3, label=label)
        ax.set_xlabel(f"predicted {what} (bins of {MIN_BIN_ROWS}+ rows)")
        ax.set_ylabel("observed rate")
        ax.set_title({"score": "score: is the top candidate right? (RMI facilities)",
                      "smelter_score": "smelter_score: is it an RMI facility?"}[what], fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")   # (the path may be a temporary file's)
    plt.close(fig)
