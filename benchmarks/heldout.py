"""Held-out accuracy of every method, side by side, on the query sets of ``evaluate --heldout``.

The protocol is :mod:`smelter_match.transfer`'s, with the same trainer, folds and seed:

- facilities are split into CID-group folds (:class:`smelter_match.training.Trainer`, with one
  noise family, ``held_out``, left out of smelter_match's training noise);
- for each scored fold ``k``, :func:`smelter_match.transfer.fold_sets` gives the fold's query
  sets (every noise family with 1 and with 2-3 edits, clean names, hidden facilities,
  non-smelters, wrong metal, a realistic mix, and the gold rows whose facility is in the fold),
  each with the reference it is matched against;
- smelter_match scores them with ``Trainer.fold_model(k)``, a model that never saw the fold's
  facilities, through :func:`smelter_match.evaluation.score_queries` (exactly what
  ``smelter-match evaluate --heldout`` does);
- each learned baseline is fitted (cut-off, classifier) only on the ``train_gold`` rows outside
  fold ``k`` (``Trainer.gold_fold()``) whose facilities are not in the fold, against the
  reference without the fold's facilities, as smelter_match's gold training rows are; then
  scores the same sets against the same references.

Query sets are generated from the reference at run time and never written out: only figures
(rates, counts, curve points) reach the results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from benchmarks.accuracy import FIGURES, score_predictions, summarise
from benchmarks.gold import TRAIN_GOLD
from benchmarks.methods import METHODS, MethodUnavailable

MAIN = "smelter_match"


@dataclass
class HeldoutConfig:
    """What to run (the defaults are those of ``smelter-match evaluate --heldout``)."""

    kind: str = "trees"
    folds: int = 5
    score_folds: tuple[int, ...] | None = None    # None: every fold
    held_out: str = "ocr"
    train_gold: str = TRAIN_GOLD
    seed: int | None = None                        # None: smelter_match.training.SEED
    max_rows_per_set: int | None = None            # a deterministic sample per set and fold


def _prepare(q: pd.DataFrame, cfg: HeldoutConfig, seed: int,
             metal_of: dict[str, str]) -> pd.DataFrame:
    """A set's queries: sampled down if asked, with the metal the figures are broken down by
    (the labeller's ``metal_inferred`` for gold rows, else the normalised reported metal)."""
    from smelter_match.metals import normalize_metal

    if cfg.max_rows_per_set and len(q) > cfg.max_rows_per_set:
        q = q.sample(cfg.max_rows_per_set, random_state=seed % 2**32).sort_index()
    q = q.reset_index(drop=True)
    if "row_id" in q and q["row_id"].isin(list(metal_of)).any():
        inferred = q["row_id"].map(metal_of).fillna("")
    else:
        inferred = pd.Series([normalize_metal(m) or "" for m in q["metal"]])
    return q.assign(metal_inferred=inferred.to_numpy())


def baseline_training(trainer, fold: int):  # noqa: ANN001, ANN201
    """(training gold rows, reference) for a baseline scored on ``fold``: the trainer's gold rows
    of other folds whose facilities are not in the fold, against the reference without them."""
    from smelter_match.training import without_cids

    if trainer.gold is None:
        return None, trainer.reference
    held = {c for c, f in trainer.fold_of.items() if f == fold}
    rows = trainer.gold.iloc[np.flatnonzero(trainer.gold_fold() != fold)]
    rows = rows[[not (t & held) for t in rows["truth"]]].reset_index(drop=True)
    return rows, without_cids(trainer.reference, held)


def run_heldout(reference, gold: dict[str, pd.DataFrame], methods: list[str],  # noqa: ANN001
                cfg: HeldoutConfig, log: Callable[[str], None] = print) -> dict:
    """The held-out figures of every method (see the module docstring) as a JSON-ready dict."""
    from smelter_match.evaluation import equivalent_cids, score_queries
    from smelter_match.matcher import Matcher
    from smelter_match.noise import FAMILIES
    from smelter_match.training import SEED, Trainer
    from smelter_match.transfer import fold_sets

    seed = SEED if cfg.seed is None else cfg.seed
    if cfg.held_out not in FAMILIES:
        raise ValueError(f"unknown noise family {cfg.held_out!r}; known: {', '.join(FAMILIES)}")
    trainer = Trainer(reference, gold.get(cfg.train_gold), kind=cfg.kind,
                      families=tuple(f for f in FAMILIES if f != cfg.held_out), seed=seed,
                      folds=cfg.folds)
    score_folds = list(range(cfg.folds) if cfg.score_folds is None else cfg.score_folds)
    metal_of = {r: m for g in gold.values() for r, m in zip(g["row_id"], g["metal_inferred"])}
    out: dict = {
        "protocol": {"kind": cfg.kind, "folds": cfg.folds, "scored_folds": score_folds,
                     "held_out_family": cfg.held_out, "train_gold": cfg.train_gold,
                     "gold_sets": list(gold), "seed": seed,
                     "max_rows_per_set": cfg.max_rows_per_set},
        "figures": list(FIGURES), "methods": {}, "sets": {},
    }
    usable = []
    for name in methods:
        try:
            METHODS[name](reference)
            usable.append(name)
        except MethodUnavailable as exc:
            out["methods"][name] = {"unavailable": str(exc)}
    scored: dict[str, list[pd.DataFrame]] = {m: [] for m in usable}
    info: dict[str, list[dict]] = {m: [] for m in usable}
    for k in score_folds:
        t = time.perf_counter()
        sets = [(n, r, _prepare(q, cfg, seed + 97 * k, metal_of))
                for n, r, q in fold_sets(trainer, k, gold, seed)]
        log(f"  fold {k + 1}/{cfg.folds}: {len(sets)} sets, {sum(len(q) for *_, q in sets):,} "
            f"queries ({time.perf_counter() - t:.1f}s)")
        for set_name, _, q in sets:
            out["sets"][set_name] = out["sets"].get(set_name, 0) + len(q)
        train_rows, train_ref = baseline_training(trainer, k)
        for name in usable:
            t0 = time.perf_counter()
            if name == MAIN:
                model, _ = trainer.fold_model(k)
                fitted = {"thresholds": {x: round(v, 4) for x, v in
                                         asdict(model.thresholds).items()}}
            else:
                method = METHODS[name](train_ref)
                if method.learned and train_rows is not None and len(train_rows):
                    method.fit(train_rows)
                fitted = {"thresholds": method.thresholds(),
                          "training_rows": 0 if train_rows is None else len(train_rows)}
                state = method.state()
            t1 = time.perf_counter()
            for set_name, reduced, q in sets:
                if name == MAIN:
                    rows = score_queries(Matcher(reduced, model), q)
                else:
                    inst = METHODS[name](reduced)
                    inst.load_state(state)
                    pred = inst.predict(q[["name", "metal", "country"]], with_candidates=True)
                    rows = score_predictions(q, pred.frame, equivalent_cids(reduced))
                scored[name].append(rows.assign(set=set_name, fold=k))
            t2 = time.perf_counter()
            info[name].append({"fold": k, "fit_s": round(t1 - t0, 1),
                               "score_s": round(t2 - t1, 1), **fitted})
            log(f"    {name}: fitted in {t1 - t0:.1f}s, scored in {t2 - t1:.1f}s, "
                f"{fitted['thresholds']}")
    for name in usable:
        rows = pd.concat(scored[name], ignore_index=True)
        out["methods"][name] = {
            **summarise(rows, cfg.held_out, calibration=name == MAIN),
            "folds": info[name],
            "seconds": round(sum(f["fit_s"] + f["score_s"] for f in info[name]), 1),
        }
    out["methods"] = {m: out["methods"][m] for m in methods if m in out["methods"]}
    return out
