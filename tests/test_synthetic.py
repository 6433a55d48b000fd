"""Labelled query sets (``smelter_match.synthetic``): CID groups, folds, hidden facilities."""

from __future__ import annotations

import pandas as pd
import pytest

from smelter_match.countries import normalize_country
from smelter_match.normalize import normalize_name
from smelter_match.synthetic import Mix, _where_not_who, cid_groups, group_folds, make_queries


@pytest.fixture(scope="module")
def reference(exports_reference):  # noqa: ANN001, ANN201
    return exports_reference


def test_cid_groups_join_successors_and_shared_names(reference) -> None:  # noqa: ANN001
    groups = cid_groups(reference)
    fac = reference.facilities
    row = fac[fac["successors"] != ""].iloc[0]
    for succ in row["successors"].split(";"):
        if succ in groups:
            assert groups[succ] == groups[row["cid"]]
    by_key: dict[str, set[str]] = {}
    for cid, name in zip(reference.names["cid"], reference.names["name"]):
        by_key.setdefault(normalize_name(name).key, set()).add(groups[cid])
    assert all(len(g) == 1 for g in by_key.values())


def test_cid_groups_join_sister_plants_but_not_countries(reference) -> None:  # noqa: ANN001
    """Names that share a bracket-free form ("X (Unit 1)" / "X (Unit 3)", "Y (Mentok)" /
    "Mentok") are one company: one group. A form that only leaves out a country, bracketed or
    written after the name, does not join."""
    groups = cid_groups(reference)
    by_variant: dict[str, set[str]] = {}
    country_only: list[tuple[str, str]] = []
    for cid, name in zip(reference.names["cid"], reference.names["name"]):
        v = normalize_name(name).variants
        for x in v[1:]:
            if _where_not_who(x, v[0]):
                country_only.append((x, cid))   # the country is no variant
            elif len(x) >= 4 and not normalize_country(x):
                by_variant.setdefault(x, set()).add(groups[cid])
    assert any(len(g) for g in by_variant.values())
    assert all(len(g) == 1 for g in by_variant.values())
    # the country names did not all collapse into their bare form's group
    assert country_only
    wolfram = normalize_name("Wolfram [Austria]").variants
    assert _where_not_who(wolfram[1], wolfram[0])
    emerald = normalize_name("Emerald Jewel Industry India (Unit 1)").variants
    assert not _where_not_who(emerald[1], emerald[0])
    alpha = normalize_name("Alpha Metals Korea Ltd.").variants
    assert _where_not_who(alpha[1], alpha[0])


def test_folds_keep_groups_whole_and_are_seeded(reference) -> None:  # noqa: ANN001
    folds, groups = group_folds(reference, 5, 1), cid_groups(reference)
    assert folds == group_folds(reference, 5, 1)
    assert set(folds.values()) == set(range(5))
    per_group: dict[str, set[int]] = {}
    for cid, f in folds.items():
        per_group.setdefault(groups[cid], set()).add(f)
    assert all(len(f) == 1 for f in per_group.values())


def test_queries_are_labelled_and_hidden_facilities_are_not_in_the_index(reference) -> None:  # noqa: ANN001
    reduced, q = make_queries(reference, mix=Mix(hide_facilities=0.2), seed=4)
    again = make_queries(reference, mix=Mix(hide_facilities=0.2), seed=4)[1]
    pd.testing.assert_frame_equal(q, again)
    assert set(q["kind"]) == {"clean", "noisy", "hidden_alias", "hidden_facility", "wrong_metal",
                              "non_smelter"}
    index_cids = set(reduced.facilities["cid"])
    hidden = q[q["kind"] == "hidden_facility"]
    assert (hidden["truth"].map(len) == 0).all()
    matchable = q[q["truth"].map(len) > 0]
    assert all(t <= index_cids for t in matchable["truth"])
    noisy = q[q["kind"] == "noisy"]
    assert (noisy["edits"] >= 1).all() and (noisy["name"] != noisy["source_name"]).all()


def test_queries_only_from_the_given_facilities(reference) -> None:  # noqa: ANN001
    cids = set(sorted(reference.facilities["cid"])[:40])
    _, q = make_queries(reference, cids=cids, seed=2, keep_non_smelter=lambda n: False)
    assert (q["kind"] != "non_smelter").all()
    labelled = q[q["truth"].map(len) > 0]
    assert all(t <= cids for t in labelled["truth"])


def test_near_misses_are_no_rmi_name(reference) -> None:  # noqa: ANN001
    """``near_miss`` queries: a facility's name with one real word replaced, labelled as no RMI
    facility, and never a name the reference holds (East Plant -> North Plant is skipped)."""
    _, q = make_queries(reference, mix=Mix(near_miss=3.0), seed=5)
    near = q[q["kind"] == "near_miss"]
    assert len(near) and (near["truth"].map(len) == 0).all()
    keys = {normalize_name(n).key for n in reference.names["name"]}
    assert not any(normalize_name(n).key in keys for n in near["name"])
    assert (near["name"] != near["source_name"]).all()


def test_non_facility_queries_carry_countries_as_facility_queries_do(reference) -> None:  # noqa: ANN001
    """Non-smelter and wrong-metal queries never had a country, so the smelter head learnt that
    a country means a facility (found by an audit of the claims; Data I/O's non-facilities all
    have one): now as often as facility queries, the wrong-metal ones their facility's."""
    _, q = make_queries(reference, mix=Mix(wrong_metal=0.5), seed=3)
    for kind in ("non_smelter", "wrong_metal", "clean"):
        share = (q.loc[q["kind"] == kind, "country"] != "").mean()
        assert 0.5 < share < 0.8, (kind, share)
    ns = q[q["kind"] == "non_smelter"]
    assert ns["group"].str.startswith("no-facility:").all()
