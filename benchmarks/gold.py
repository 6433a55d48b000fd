"""Gold sets: loading, grouped cross-validation folds and the correctness rule.

The gold CSVs live in ``reference_data/gold`` (schema in ``GUIDE.md``). Methods see only what a
supplier reported — ``reported_name``, ``reported_metal``, ``reported_country`` — exposed as the
columns ``name``, ``metal``, ``country``; ``metal_inferred``, ``label`` and ``candidate_cids`` are
the labeller's answers and are used for scoring (and for training inside training folds only).

Correctness: a prediction is correct if it equals ``label``, or if ``label`` is ``AMBIGUOUS`` and
the prediction is one of ``candidate_cids``. A ``NO_MATCH`` row is handled correctly only by not
auto-matching it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

GOLD_DIR = Path(__file__).resolve().parent.parent / "reference_data" / "gold"
DATASETS = ("dataio", "inogen")
NO_MATCH, AMBIGUOUS = "NO_MATCH", "AMBIGUOUS"


def load_gold(gold_dir: str | Path = GOLD_DIR) -> tuple[pd.DataFrame, dict]:
    """All gold rows of both sets, plus a note of which files were used.

    ``dataio_2020.csv`` is used when it exists; until then the labelling parts under
    ``_parts/*.csv`` stand in for it (first occurrence of a ``row_id`` wins; the note counts the
    dropped duplicates). Adds ``dataset`` (from the ``row_id`` prefix) and the method inputs
    ``name``, ``metal``, ``country``.
    """
    gold_dir = Path(gold_dir)
    files = sorted(gold_dir.glob("*_2020.csv"))
    if not (gold_dir / "dataio_2020.csv").exists():
        files += sorted((gold_dir / "_parts").glob("*.csv"))
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    frames = [f for f in frames if {"row_id", "label", "reported_name"} <= set(f.columns)]
    if not frames:
        raise FileNotFoundError(f"no gold CSV in {gold_dir}")
    gold = pd.concat(frames, ignore_index=True).fillna("")
    before = len(gold)
    gold = gold.drop_duplicates("row_id", keep="first").reset_index(drop=True)
    gold["dataset"] = gold["row_id"].str.split(":").str[0]
    gold["name"] = gold["reported_name"]
    gold["metal"] = gold["reported_metal"]
    gold["country"] = gold["reported_country"]
    note = {
        "files": [str(f.relative_to(gold_dir)) for f in files],
        "dataio_complete": (gold_dir / "dataio_2020.csv").exists(),
        "duplicate_row_ids_dropped": before - len(gold),
        "rows": gold.groupby("dataset").size().to_dict(),
    }
    return gold, note


def candidate_set(row_label: str, candidates: str) -> frozenset[str]:
    """The CIDs a prediction may equal to be correct (empty for NO_MATCH)."""
    if row_label == AMBIGUOUS:
        return frozenset(c.strip() for c in candidates.split(";") if c.strip())
    if row_label == NO_MATCH:
        return frozenset()
    return frozenset([row_label])


def is_correct(pred: str, row_label: str, candidates: str) -> bool:
    """True if ``pred`` equals the label, or the label is AMBIGUOUS and ``pred`` is a candidate."""
    return bool(pred) and pred in candidate_set(row_label, candidates)


def group_keys(gold: pd.DataFrame, normalize=None) -> list[str]:
    """Fold groups: label CID; NO_MATCH by normalised name; AMBIGUOUS by candidate set."""
    if normalize is None:
        from smelter_match.normalize import normalize_name

        def normalize(text: str) -> str:
            return normalize_name(text).key

    keys = []
    for name, label, cands in zip(gold["name"], gold["label"], gold["candidate_cids"]):
        if label == NO_MATCH:
            keys.append("nomatch:" + normalize(name))
        elif label == AMBIGUOUS:
            keys.append("ambiguous:" + ";".join(sorted(candidate_set(label, cands))))
        else:
            keys.append("cid:" + label)
    return keys


def assign_folds(gold: pd.DataFrame, n_folds: int = 5, seed: int = 0,
                 normalize=None) -> np.ndarray:
    """Fold number (0..n_folds-1) of every row: GroupKFold over :func:`group_keys`.

    GroupKFold itself is deterministic; the seed shuffles the group ids first so that a
    different seed gives different (still grouped, still balanced) folds.
    """
    from sklearn.model_selection import GroupKFold  # imported here: slow, and only needed here

    keys = pd.Series(group_keys(gold, normalize))
    uniq = np.array(sorted(keys.unique()))
    perm = np.random.default_rng(seed).permutation(len(uniq))
    group_id = keys.map(dict(zip(uniq, perm))).to_numpy()
    folds = np.full(len(gold), -1)
    splitter = GroupKFold(n_splits=n_folds)
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(gold)), groups=group_id)):
        folds[test] = k
    return folds


def subsample(gold: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """A deterministic sample of ``n`` rows, stratified by dataset (for ``--quick``)."""
    if len(gold) <= n:
        return gold
    share = n / len(gold)
    parts = [g.sample(max(1, round(len(g) * share)), random_state=seed)
             for _, g in gold.groupby("dataset", sort=True)]
    return pd.concat(parts).sort_index().reset_index(drop=True)
