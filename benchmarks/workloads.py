"""Deterministic synthetic workloads: what a year of supplier CMRT smelter lists looks like.

``make_workload(n, reference, seed=0)`` returns ``n`` rows (columns ``name``, ``metal``,
``country``) built from a pool of *seed names*: every RMI reference name (standard names, former
names, Look-up aliases, with the facility's metal and country) plus the reported rows of the gold
sets (which add real supplier mess and real non-smelters such as banks and traders).

Realism model (all draws come from one seeded generator, so the same arguments give the same
frame on any machine):

- **Duplication.** Many suppliers report the same smelters. Seed names get a Zipf-like popularity
  (weight ``1 / rank``, ranks in a seeded random order), so a few refiners dominate and most names
  are rare.
- **Variants.** Each row is either the seed verbatim (most rows: names are usually picked from the
  CMRT drop-down) or one of the seed's *variants*; variant numbers are heavy-tailed, so popular
  seeds accumulate many distinct misspellings while a given misspelling is itself repeated. The
  text of variant ``v`` of seed ``s`` depends only on ``(seed, s, v)``, so the number of distinct
  names grows sub-linearly with ``n`` like in real aggregated data.
- **Perturbations** (1-3 per variant): typos (delete / insert / substitute / transpose), OCR
  confusions (``q/g``, ``rn/m``, ``l/1``, ``O/0``, ``cl/d``), case changes, legal-form changes
  (``Co., Ltd.`` / ``Company Limited`` / ``Inc.`` / dropped), truncation (cell width), extra
  whitespace and dropped punctuation.
- **Missing fields.** Per row, the metal is blank 5% of the time and lower/upper-cased 10%; the
  country is blank 15% of the time and re-cased 20%.

``make_distinct_workload(n, reference, seed=0)`` is the other extreme, the cost of *new* names:
``n`` rows whose names are all distinct even after normalisation (no two share
``smelter_match.normalize.normalize_name(...).key``, so no method gets a repeat for free). 90% are
RMI reference names damaged by the project's documented noise model
(:func:`smelter_match.noise.noisy`: 1-3 edits of every family, at the model's rates), 10% names
of businesses that are not RMI facilities (:func:`smelter_match.noise.non_smelter_names`, half of
them damaged too); metal and country are perturbed as above. Like every workload it is generated
at run time from the user's reference and never stored.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd

#: Share of rows that are a seed name verbatim.
VERBATIM_SHARE = 0.6
#: Zipf exponent of the variant number (heavier tail = more distinct misspellings).
VARIANT_ZIPF = 1.7
MAX_VARIANT = 100_000
METAL_BLANK, METAL_RECASE = 0.05, 0.10
COUNTRY_BLANK, COUNTRY_RECASE = 0.15, 0.20

GOLD_DIR = Path(__file__).resolve().parent.parent / "reference_data" / "gold"

OCR_CONFUSIONS = (("g", "q"), ("q", "g"), ("rn", "m"), ("m", "rn"), ("l", "1"), ("O", "0"),
                  ("cl", "d"), ("i", "l"), ("u", "v"))
LEGAL_FORMS = (
    ("Co., Ltd.", "Company Limited", "Co.,Ltd", "Co Ltd", "Co., Ltd", "Limited", ""),
    ("Inc.", "Incorporated", "Inc", ""),
    ("Corporation", "Corp.", "Corp", ""),
    ("Ltd.", "Limited", "Ltd", ""),
    ("S.A.", "SA", "S.A", ""),
    ("GmbH", "G.m.b.H.", "Gmbh", ""),
    ("AG", "A.G.", ""),
    ("LLC", "L.L.C.", ""),
    ("N.V.", "NV", ""),
    ("S.p.A.", "SpA", ""),
)
SUFFIXES_TO_ADD = (" Co., Ltd.", " Inc.", " Limited", " Corporation", " S.A.", " GmbH")


def seed_pool(reference, gold: pd.DataFrame | None = None) -> pd.DataFrame:
    """The names workloads are drawn from: reference names plus the gold sets' reported rows.

    Columns ``name``, ``metal``, ``country``, ``truth_cid`` (the reference CID, the gold label,
    or ``""`` for a gold ``NO_MATCH`` / ``AMBIGUOUS`` row). ``gold=None`` reads the gold CSVs
    shipped in ``reference_data/gold`` (whatever exists); pass an empty frame to use none.
    """
    fac = reference.facilities[["cid", "metal", "country"]]
    names = reference.names[["cid", "metal", "name"]].merge(fac, on=["cid", "metal"], how="left")
    names = names.rename(columns={"cid": "truth_cid"})
    if gold is None:
        gold = _read_gold_rows()
    parts = [names[["name", "metal", "country", "truth_cid"]]]
    if len(gold):
        g = pd.DataFrame({
            "name": gold["reported_name"],
            "metal": gold["reported_metal"],
            "country": gold["reported_country"],
            "truth_cid": gold["label"].where(gold["label"].str.startswith("CID"), ""),
        })
        parts.append(g[g["name"].str.strip() != ""])
    pool = pd.concat(parts, ignore_index=True).fillna("").astype(str)
    pool = pool.drop_duplicates(["name", "metal", "country"]).sort_values(
        ["name", "metal", "country", "truth_cid"], kind="stable")
    return pool.reset_index(drop=True)


def _read_gold_rows() -> pd.DataFrame:
    """Reported columns of every gold CSV present (no labels are needed beyond ``label``)."""
    files = sorted(GOLD_DIR.glob("*.csv")) + sorted((GOLD_DIR / "_parts").glob("*.csv"))
    cols = ["reported_name", "reported_metal", "reported_country", "label"]
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    frames = [f[cols] for f in frames if set(cols) <= set(f.columns)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def make_workload(n: int, reference, seed: int = 0, *, gold: pd.DataFrame | None = None,
                  with_truth: bool = False) -> pd.DataFrame:
    """``n`` supplier-style rows (``name``, ``metal``, ``country``), deterministic in ``seed``.

    ``reference`` is a :class:`smelter_match.reference.Reference`. ``gold`` overrides the gold
    rows mixed into the seed pool (default: the gold CSVs in the repository). ``with_truth=True``
    adds ``truth_cid`` (the seed's CID; ``""`` for non-smelters) for sanity checks — it is the
    CID of the *seed*, which a heavy perturbation may have made unrecognisable.
    """
    pool = seed_pool(reference, gold)
    rng = np.random.default_rng(seed)
    seed_idx = _zipf_choice(rng, len(pool), n)
    variant = _variant_numbers(rng, n)
    names = _render_names(pool["name"].to_numpy(), seed_idx, variant, seed)
    out = pd.DataFrame({
        "name": names,
        "metal": _perturb_field(rng, pool["metal"].to_numpy()[seed_idx], METAL_BLANK,
                                METAL_RECASE),
        "country": _perturb_field(rng, pool["country"].to_numpy()[seed_idx], COUNTRY_BLANK,
                                  COUNTRY_RECASE),
    })
    if with_truth:
        out["truth_cid"] = pool["truth_cid"].to_numpy()[seed_idx]
    return out


#: Share of the distinct workload's names that are not RMI facilities.
DISTINCT_NON_SMELTER = 0.10


def make_distinct_workload(n: int, reference, seed: int = 0) -> pd.DataFrame:
    """``n`` rows (``name``, ``metal``, ``country``) with ``n`` distinct normalised names.

    Deterministic in ``seed`` for a given reference (see the module docstring). Raises
    ``ValueError`` if the reference cannot yield ``n`` distinct names (50 tries per row).
    """
    from smelter_match.metals import METALS as METAL_NAMES
    from smelter_match.noise import load_noise_model, noisy, non_smelter_names
    from smelter_match.normalize import normalize_name

    rnd = random.Random(f"distinct:{seed}")
    model = load_noise_model()
    fac = reference.facilities[["cid", "metal", "country"]]
    pool = reference.names[["cid", "metal", "name"]].merge(fac, on=["cid", "metal"], how="left")
    pool = sorted(zip(pool["name"], pool["metal"], pool["country"].fillna("")))
    seen: set[str] = set()
    rows: list[tuple[str, str, str]] = []

    def add(text: str, metal: str, country: str) -> None:
        key = normalize_name(text).key
        if key and key not in seen:
            seen.add(key)
            rows.append((text, metal, country))

    n_other = round(n * DISTINCT_NON_SMELTER)
    for _ in range(50 * (n - n_other)):
        if len(rows) >= n - n_other:
            break
        name, metal, country = rnd.choice(pool)
        add(noisy(name, rnd, None, None, model, place=country)[0], metal, country)
    for _ in range(50):
        if len(rows) >= n:
            break
        for text, _kind in non_smelter_names(rnd, 2 * (n - len(rows)), model):
            if len(rows) >= n:
                break
            if rnd.random() < 0.5:
                text = noisy(text, rnd, None, 1, model)[0]
            add(text, rnd.choice([*METAL_NAMES, ""]), "")
    if len(rows) < n:
        raise ValueError(f"only {len(rows):,} distinct names could be made, {n:,} asked")
    rnd.shuffle(rows)
    out = pd.DataFrame(rows, columns=["name", "metal", "country"])
    rng = np.random.default_rng(seed)
    out["metal"] = _perturb_field(rng, out["metal"].to_numpy(), METAL_BLANK, METAL_RECASE)
    out["country"] = _perturb_field(rng, out["country"].to_numpy(), COUNTRY_BLANK, COUNTRY_RECASE)
    return out


def _zipf_choice(rng: np.random.Generator, pool_size: int, n: int) -> np.ndarray:
    """Indices into the pool with popularity ``1 / rank`` over a seeded random ranking."""
    ranks = rng.permutation(pool_size)
    weights = 1.0 / (ranks + 1.0)
    return rng.choice(pool_size, size=n, p=weights / weights.sum())


def _variant_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """0 (verbatim) for most rows, else a heavy-tailed variant number >= 1."""
    verbatim = rng.random(n) < VERBATIM_SHARE
    variant = np.minimum(rng.zipf(VARIANT_ZIPF, size=n), MAX_VARIANT)
    return np.where(verbatim, 0, variant)


def _render_names(seed_names: np.ndarray, seed_idx: np.ndarray, variant: np.ndarray,
                  seed: int) -> np.ndarray:
    """Text of each row; every distinct (seed, variant) pair is rendered once."""
    pairs = pd.DataFrame({"s": seed_idx, "v": variant})
    uniq = pairs.drop_duplicates().reset_index(drop=True)
    texts = [seed_names[s] if v == 0 else perturb_name(seed_names[s], random.Random(f"{seed}:{s}:{v}"))
             for s, v in zip(uniq["s"].tolist(), uniq["v"].tolist())]
    uniq["text"] = texts
    return pairs.merge(uniq, on=["s", "v"], how="left")["text"].to_numpy(dtype=object)


def _perturb_field(rng: np.random.Generator, values: np.ndarray, blank: float,
                   recase: float) -> np.ndarray:
    """Blank or re-case a categorical field per row (metal, country)."""
    u = rng.random(len(values))
    out = values.astype(object).copy()
    lower = (u >= blank) & (u < blank + recase / 2)
    upper = (u >= blank + recase / 2) & (u < blank + recase)
    out[lower] = [v.lower() for v in out[lower]]
    out[upper] = [v.upper() for v in out[upper]]
    out[u < blank] = ""
    return out


# ------------------------------------------------------------------------------------------------
# Name perturbations
# ------------------------------------------------------------------------------------------------

def perturb_name(name: str, rnd: random.Random) -> str:
    """Apply 1-3 realistic perturbations to ``name`` (deterministic given ``rnd``'s state)."""
    ops = rnd.choices(_OPS, weights=_OP_WEIGHTS, k=rnd.choice((1, 1, 2, 2, 3)))
    for op in ops:
        name = op(name, rnd)
    return name if name.strip() else "?"


def _typo(name: str, rnd: random.Random) -> str:
    if len(name) < 3:
        return name
    i = rnd.randrange(len(name) - 1)
    kind = rnd.randrange(4)
    letter = rnd.choice("abcdefghijklmnopqrstuvwxyz")
    if kind == 0:
        return name[:i] + name[i + 1:]
    if kind == 1:
        return name[:i] + letter + name[i:]
    if kind == 2:
        return name[:i] + letter + name[i + 1:]
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def _ocr(name: str, rnd: random.Random) -> str:
    present = [(a, b) for a, b in OCR_CONFUSIONS if a in name]
    if not present:
        return _typo(name, rnd)
    a, b = rnd.choice(present)
    spots = [i for i in range(len(name)) if name.startswith(a, i)]
    i = rnd.choice(spots)
    return name[:i] + b + name[i + len(a):]


def _case(name: str, rnd: random.Random) -> str:
    return rnd.choice((str.upper, str.lower, str.title))(name)


def _legal_form(name: str, rnd: random.Random) -> str:
    base = name.rstrip()
    for group in LEGAL_FORMS:
        for form in (f for f in group if f):
            stem = base[: -len(form)]
            if base.endswith(form) and stem[-1:] in (" ", ","):
                repl = rnd.choice([f for f in group if f != form])
                return f"{stem.rstrip(' ,')} {repl}".rstrip()
    return base + rnd.choice(SUFFIXES_TO_ADD)


def _truncate(name: str, rnd: random.Random) -> str:
    if len(name) < 12:
        return name
    return name[: max(8, int(len(name) * rnd.uniform(0.45, 0.85)))]


def _whitespace(name: str, rnd: random.Random) -> str:
    words = name.split(" ")
    if len(words) > 1:
        i = rnd.randrange(len(words) - 1)
        words[i] += " " * rnd.randint(1, 3)
    return (" " * rnd.randint(0, 2)) + " ".join(words) + (" " * rnd.randint(0, 2))


def _punctuation(name: str, rnd: random.Random) -> str:
    drop = rnd.choice((".,", ".", ",", "()", ".,()-"))
    return name.translate({ord(c): None for c in drop})


_OPS = (_typo, _ocr, _case, _legal_form, _truncate, _whitespace, _punctuation)
_OP_WEIGHTS = (4, 2, 3, 3, 1.5, 2, 2)
