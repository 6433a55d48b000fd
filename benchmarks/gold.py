"""The gold sets as the benchmark uses them: loaded by the library's own reader.

The gold CSVs live in ``reference_data/gold`` (schema in ``GUIDE.md``) and are read with
:func:`smelter_match.evaluation.load_gold`, which adds ``truth``: the set of acceptable CIDs (the
label, or the ``candidate_cids`` of an ``AMBIGUOUS`` row; empty for ``NO_MATCH``). Methods see
only what a supplier reported (``reported_name``, ``reported_metal``, ``reported_country``, given
to them as ``name``, ``metal``, ``country``); ``truth`` and ``metal_inferred`` are the labeller's
answers, used for scoring and, inside training folds only, for fitting.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

GOLD_DIR = Path(__file__).resolve().parent.parent / "reference_data" / "gold"
#: The gold sets scored, by file stem; the first joins training (its other folds' rows).
GOLD_SETS = ("dataio_2020", "inogen_2020")
TRAIN_GOLD = "dataio_2020"


def load_gold_sets(gold_dir: str | Path = GOLD_DIR, names: tuple[str, ...] = GOLD_SETS
                   ) -> tuple[dict[str, pd.DataFrame], dict]:
    """The gold frames by file stem (those that exist), and a note of what was read."""
    from smelter_match.evaluation import load_gold

    gold_dir = Path(gold_dir)
    frames = {n: load_gold(gold_dir / f"{n}.csv") for n in names
              if (gold_dir / f"{n}.csv").is_file()}
    if not frames:
        raise FileNotFoundError(f"no gold CSV ({', '.join(names)}) in {gold_dir}")
    note = {"files": [f"{n}.csv" for n in frames], "rows": {n: len(f) for n, f in frames.items()}}
    return frames, note


def as_queries(gold: pd.DataFrame) -> pd.DataFrame:
    """Gold rows as labelled queries: ``name``, ``metal``, ``country``, ``truth``, ``row_id``,
    ``metal_inferred`` (the columns methods and scoring read)."""
    return pd.DataFrame({
        "name": gold["reported_name"].to_numpy(), "metal": gold["reported_metal"].to_numpy(),
        "country": gold["reported_country"].to_numpy(), "truth": gold["truth"].to_numpy(),
        "row_id": gold["row_id"].to_numpy(), "metal_inferred": gold["metal_inferred"].to_numpy(),
    })
