"""Labelled query sets made from a reference: what training fits and what held-out figures measure.

A query is a reported (name, metal, country) with the CIDs that would be a right answer (empty
when no RMI facility is meant). Queries are made from the user's reference at run time with a
seeded generator; nothing derived from RMI's files is stored in the repository.

Kinds of query (``kind``):

- ``clean``: an RMI name as a drop-down gives it (standard name, former name or alias);
- ``noisy``: an RMI name damaged by the noise model (:mod:`smelter_match.noise`), ``families``
  says which edits it got;
- ``hidden_alias``: an alias removed from the index the query is matched against (a supplier
  typing a name RMI does not list for the facility);
- ``hidden_facility``: a facility removed from the index: a real smelter that is not an RMI
  facility, whose every candidate is wrong;
- ``wrong_metal``: an RMI name reported under a metal its company has no facility for;
- ``non_smelter``: a bank, trader, solder maker, person or stray text;
- ``near_miss``: an RMI name with one metal, place or plant direction replaced by another of
  its kind (:func:`smelter_match.noise.near_miss_name`: "PT Premium Zinc Indonesia"), which is
  no RMI name: another company a word away from a facility.

Facilities are split by *CID group* (:func:`cid_groups`: CIDs linked by a successor, sharing a
normalised name, or sharing a name up to a bracketed part that is not a country, as sister plants
"X (Unit 1)" / "X (Unit 3)" do), so that held-out figures never come from a facility whose names
shaped the model.

Countries: queries made from a facility's name (clean, noisy, hidden alias, hidden facility, near
miss, and ``wrong_metal``) get the facility's country, a blank one (``Mix.country_missing``) or
now and then another; ``non_smelter`` queries a blank one as often, else any country RMI lists a
facility in. (Until the fortieth session these two kinds never had a country, and the smelter
head learnt that a country that agrees means a facility: ``MODEL_CARD.md``.)
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from smelter_match.countries import normalize_country
from smelter_match.folding import LEGAL_FORM_WORDS
from smelter_match.metals import METALS
from smelter_match.noise import load_noise_model, near_miss_name, noisy, non_smelter_names
from smelter_match.normalize import normalize_name
from smelter_match.reference import Reference

__all__ = ["QUERY_COLUMNS", "Mix", "TRAINING_MIX", "VALIDATION_MIX", "cid_groups", "group_folds",
           "make_queries", "reduced_reference"]

QUERY_COLUMNS = ("name", "metal", "country", "truth", "kind", "families", "edits", "group",
                 "source_name")


@dataclass(frozen=True)
class Mix:
    """How many queries of each kind per facility (``per_facility``) or in all (``non_smelters``).

    ``clean``/``noisy`` are queries per facility; ``hide_facilities`` and ``hide_aliases`` the
    shares removed from the index; ``wrong_metal`` the share of facilities also reported under
    another metal; ``metal_missing``/``country_missing`` how often suppliers leave them blank
    (``metal_missing`` applied to the queries made from a facility's name only,
    ``country_missing`` to every query, see :func:`make_queries`).
    """

    clean: float = 1.5
    noisy: float = 6.0
    hide_facilities: float = 0.15
    hidden_queries: float = 3.0       # queries per hidden facility
    hide_aliases: float = 0.25
    wrong_metal: float = 0.3
    non_smelters: float = 1.0         # per facility kept
    near_miss: float = 0.0            # per facility kept: its name with one real word replaced
    metal_missing: float = 0.08
    country_missing: float = 0.35


#: Training: many noisy names, enough negatives of every kind, near misses among them (one draw
#: per facility; about a tenth of the facilities' names have a word to replace).
TRAINING_MIX = Mix(near_miss=1.0)
#: Threshold and calibration validation: the mix of real supplier lists (mostly drop-down names,
#: some typed and damaged ones, a quarter not RMI facilities, as in the Data I/O 2020 list). No
#: near misses: how often real lists hold them is unknown, and with them here (0.2 per facility)
#: the threshold search gave up 2.6 points of the noise families' automatic decisions for 6 of
#: 196 held-out near misses (MODEL_CARD, twenty-sixth session). A design choice made on held-out
#: figures, so those figures are not untouched by it (MODEL_CARD, "How held out these figures
#: are").
VALIDATION_MIX = Mix(clean=8.0, noisy=4.0, hide_facilities=0.15, hidden_queries=4.0,
                     hide_aliases=0.15, wrong_metal=0.2, non_smelters=2.0)


def cid_groups(ref: Reference) -> dict[str, str]:
    """CID -> group name: CIDs linked by a successor or sharing a normalised name are one group.

    A name's bracketed variants count too (:attr:`NormalizedName.variants`), so that sister
    plants of one company ("Emerald Jewel Industry India Limited (Unit 1)" / "(Unit 3)",
    "PT Tambang Timah (Mentok)" / "Mentok") fall in one group, but not a variant that only
    leaves out a country ("Wolfram [Austria]" / "Wolfram [Russia]", "Metalor USA" / "Metalor
    Switzerland" are two companies each, :func:`_where_not_who`): otherwise a facility
    hidden from validation would still be found under its sister's name, and the sister would
    count as a confident wrong answer.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for cid, succ in zip(ref.facilities["cid"], ref.facilities["successors"]):
        find(cid)
        for s in filter(None, str(succ).split(";")):
            union(cid, s)
    by_key: dict[str, str] = {}
    for cid, name in zip(ref.names["cid"], ref.names["name"]):
        variants = normalize_name(name).variants
        for i, key in enumerate(variants):
            if not key or (i and (len(key) < 4 or normalize_country(key)
                                  or _where_not_who(key, variants[0]))):
                continue
            if key in by_key:
                union(cid, by_key[key])
            else:
                by_key[key] = cid
    return {c: find(c) for c in parent}


def _where_not_who(variant: str, key: str) -> bool:
    """The variant is the name without a country (bracketed, "Wolfram [Austria]", or written
    after it, "Alpha Metals Korea Ltd."): what the key adds to it, legal forms aside, names a
    country. Such a variant is no sister name: two companies of one name in two countries are
    two companies."""
    own = set(variant.split())
    added = [t for t in key.split() if t not in own and t not in LEGAL_FORM_WORDS]
    return bool(added) and normalize_country(" ".join(added)) is not None


def group_folds(ref: Reference, folds: int, seed: int) -> dict[str, int]:
    """CID -> fold (0..folds-1), whole CID groups per fold, groups shuffled by ``seed``."""
    groups = cid_groups(ref)
    names = sorted(set(groups.values()))
    random.Random(seed).shuffle(names)
    fold_of = {g: i % folds for i, g in enumerate(names)}
    return {c: fold_of[g] for c, g in groups.items()}


def reduced_reference(ref: Reference, rng: random.Random, hide_facilities: float,
                      hide_aliases: float, among: set[str] | None = None
                      ) -> tuple[Reference, set[tuple[str, str]], pd.DataFrame]:
    """A copy of ``ref`` with some facilities (of the CIDs ``among``) and aliases hidden.

    Facilities are hidden a whole CID group at a time (every metal, every CID linked to it), as
    a smelter RMI does not list has no RMI sibling sharing its name. Returns (reduced reference,
    hidden (cid, metal) facilities, hidden alias rows).
    """
    fac = ref.facilities
    groups = cid_groups(ref)
    members: dict[str, list[str]] = {}
    for cid in sorted(set(fac["cid"])):
        members.setdefault(groups.get(cid, cid), []).append(cid)
    eligible = sorted(g for g, cids in members.items()
                      if among is None or all(c in among for c in cids))
    hidden_groups = set(rng.sample(eligible, int(len(eligible) * hide_facilities)))
    hidden_cids = {c for g in hidden_groups for c in members[g]}
    hidden_fac = {(c, m) for c, m in zip(fac["cid"], fac["metal"]) if c in hidden_cids}
    names = ref.names
    alias_rows = [i for i, (k, c) in enumerate(zip(names["kind"], names["cid"]))
                  if k != "current_standard_name" and (among is None or c in among)
                  and c not in hidden_cids]
    hidden_alias = set(rng.sample(alias_rows, int(len(alias_rows) * hide_aliases)))
    keep_names = [i for i, c in enumerate(names["cid"])
                  if c not in hidden_cids and i not in hidden_alias]
    keep_fac = [c not in hidden_cids for c in fac["cid"]]
    reduced = Reference(fac[keep_fac].reset_index(drop=True),
                        names.iloc[keep_names].reset_index(drop=True), ref.revisions, ref.version,
                        use_cache=False)   # one run's: nothing of it kept in the user cache
    return reduced, hidden_fac, names.iloc[sorted(hidden_alias)]


def _count(rng: random.Random, expected: float) -> int:
    """An integer with the given expectation (whole part plus a Bernoulli remainder)."""
    whole = int(expected)
    return whole + (rng.random() < expected - whole)


def no_facility_group(name: str) -> str:
    """The group of a name that is no facility (a non-smelter, a gold NO_MATCH row): one per
    normalised name, so that the same name is never on both sides of a split."""
    return "no-facility:" + normalize_name(name).key


def make_queries(ref: Reference, *, cids: set[str] | None = None, mix: Mix = TRAINING_MIX,
                 families: tuple[str, ...] | None = None, edits: int | None = None,
                 seed: int = 0, keep_non_smelter: Callable[[str], bool] | None = None
                 ) -> tuple[Reference, pd.DataFrame]:
    """A reduced reference and labelled queries to match against it (columns QUERY_COLUMNS).

    ``cids``: only these facilities give queries (and only they are hidden); ``families``: the
    noise families allowed (default all); ``edits``: a fixed number of edits per noisy query
    (default: drawn). ``keep_non_smelter`` selects the non-smelter names used, so that training
    and evaluation can use disjoint ones.
    """
    rng = random.Random(seed)
    model = load_noise_model()
    groups = cid_groups(ref)
    reduced, hidden_fac, hidden_alias = reduced_reference(ref, rng, mix.hide_facilities,
                                                          mix.hide_aliases, cids)
    fac = ref.facilities
    country = dict(zip(zip(fac["cid"], fac["metal"]), fac["country"]))
    all_countries = sorted(set(fac["country"]) - {""})
    rows: list[dict] = []

    def metal_text(metal: str) -> str:
        if rng.random() < mix.metal_missing:
            return ""
        return rng.choice([metal, metal, metal, metal.upper(), metal.lower()])

    def country_text(cid: str, metal: str) -> str:
        r = rng.random()
        if r < mix.country_missing:
            return ""
        return country.get((cid, metal), "") if r < 0.95 else rng.choice(all_countries)

    def add(name: str, metal: str, ctry: str, truth: frozenset, kind: str, group: str,
            fams: tuple[str, ...] = (), source: str = "") -> None:
        rows.append({"name": name, "metal": metal, "country": ctry, "truth": truth, "kind": kind,
                     "families": fams, "edits": len(fams), "group": group,
                     "source_name": source or name})

    def damaged(name: str, cid: str, metal: str) -> tuple[str, tuple[str, ...]]:
        return noisy(name, rng, families, edits, model, place=country.get((cid, metal), ""))

    names_of = reduced.names.groupby(["cid", "metal"])["name"].apply(list)
    kept = [(k, v) for k, v in names_of.items() if cids is None or k[0] in cids]
    for (cid, metal), names in kept:
        truth, group = frozenset([cid]), groups.get(cid, cid)
        for _ in range(_count(rng, mix.clean)):
            add(rng.choice(names), metal_text(metal), country_text(cid, metal), truth, "clean", group)
        for _ in range(_count(rng, mix.noisy)):
            source = rng.choice(names)
            name, fams = damaged(source, cid, metal)
            changed = name != source
            add(name, metal_text(metal), country_text(cid, metal), truth,
                "noisy" if changed else "clean", group, fams if changed else (), source)
    for r in hidden_alias.itertuples(index=False):
        if (r.cid, r.metal) in hidden_fac:
            continue
        name, fams = damaged(r.name, r.cid, r.metal) if rng.random() < 0.4 else (r.name, ())
        add(name, metal_text(r.metal), country_text(r.cid, r.metal), frozenset([r.cid]),
            "hidden_alias", groups.get(r.cid, r.cid), fams, r.name)
    all_names = ref.names.groupby(["cid", "metal"])["name"].apply(list)
    for cid, metal in sorted(hidden_fac):
        for _ in range(_count(rng, mix.hidden_queries)):
            source = rng.choice(all_names[(cid, metal)])
            name, fams = damaged(source, cid, metal) if rng.random() < 0.5 else (source, ())
            add(name, metal_text(metal), country_text(cid, metal), frozenset(), "hidden_facility",
                groups.get(cid, cid), fams, source)
    reduced_keys = {(normalize_name(n).key, m)
                    for n, m in zip(reduced.names["name"], reduced.names["metal"])}
    for (cid, metal), names in kept:
        if rng.random() >= mix.wrong_metal:
            continue
        other = rng.choice([m for m in METALS if m != metal])
        name = rng.choice(names)
        if (normalize_name(name).key, other) not in reduced_keys:
            # the facility's country, as a supplier writes it (never a blank metal)
            add(name, other, country_text(cid, metal), frozenset(), "wrong_metal",
                groups.get(cid, cid), (), name)
    ref_keys = {normalize_name(n).key for n in ref.names["name"]}
    wanted = int(len(kept) * mix.non_smelters)
    made = 0
    for name, _kind in non_smelter_names(rng, wanted * 4, model):
        if made >= wanted:
            break
        if keep_non_smelter is not None and not keep_non_smelter(name):
            continue
        source = name
        if rng.random() < 0.3:
            name, fams = noisy(name, rng, families, 1, model)
        else:
            fams = ()
        if normalize_name(name).key in ref_keys:
            continue
        # one of the four metals or none, and a country as often as a facility query has one
        # (a bank's or a trader's: any country RMI lists a facility in); without it, the
        # smelter head learnt that a country means a facility (Data I/O's non-facilities all
        # have one)
        ctry = "" if rng.random() < mix.country_missing else rng.choice(all_countries)
        add(name, rng.choice([*METALS, ""]), ctry, frozenset(), "non_smelter",
            no_facility_group(source), fams, source)
        made += 1
    for (cid, metal), names in kept if mix.near_miss else ():
        for _ in range(_count(rng, mix.near_miss)):
            source = rng.choice(names)
            name = near_miss_name(source, rng)
            # not a name the reference holds, nor one with a part that is ("Jiangxi Tungsten
            # (H.C.)" is RMI's "Jiangxi Tungsten"; "RFH (Yanling ... Zinc ...)" still "RFH")
            if name is not None and not ref_keys.intersection(normalize_name(name).variants):
                add(name, metal_text(metal), country_text(cid, metal), frozenset(), "near_miss",
                    groups.get(cid, cid), (), source)
    return reduced, pd.DataFrame(rows, columns=list(QUERY_COLUMNS))
