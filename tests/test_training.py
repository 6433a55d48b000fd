"""Training (``smelter_match.training``): the fold discipline, a small fit (threshold choice:
test_thresholds.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from _support import GOLD_DIR

from smelter_match.thresholds import IMPLAUSIBLE_GRID
from smelter_match.training import Trainer, without_cids


def test_without_cids_removes_names_and_facilities(exports_reference) -> None:  # noqa: ANN001
    cids = set(sorted(exports_reference.facilities["cid"])[:10])
    ref = without_cids(exports_reference, cids)
    assert not set(ref.facilities["cid"]) & cids and not set(ref.names["cid"]) & cids


@pytest.mark.slow
def test_fold_discipline(exports_reference) -> None:  # noqa: ANN001
    """Training data for fold k never contains fold k's facilities, as queries or candidates."""
    t = Trainer(exports_reference, None, kind="logistic", folds=3, seed=5, draws=2)
    draws = t.training_data({0})
    held = {c for c, f in t.fold_of.items() if f == 0}
    assert len(draws) == 2
    for train in draws:
        assert not set(train.matcher.index.fac_cid) & held
        assert not any(truth & held for truth in train.queries["truth"])
    (valid,) = t.validation_data(0)
    assert all(truth <= held for truth in valid.queries["truth"] if truth)


@pytest.mark.slow
def test_training_draws_are_independent_and_weigh_as_one(exports_reference) -> None:  # noqa: ANN001
    """Each draw of synthetic training queries has its own noise and hidden facilities, and the
    draws together weigh as one draw does (the gold rows keep their weight against them)."""
    one = Trainer(exports_reference, None, kind="logistic", folds=3, seed=5,
                  draws=1).training_data({0})
    two = Trainer(exports_reference, None, kind="logistic", folds=3, seed=5,
                  draws=2).training_data({0})
    assert len(one) == 1 and one[0].synthetic_weight == 1.0
    assert [d.synthetic_weight for d in two] == [0.5, 0.5]
    # the first draw is the single draw; the second is another one
    assert one[0].queries["name"].tolist() == two[0].queries["name"].tolist()
    assert two[0].queries["name"].tolist() != two[1].queries["name"].tolist()
    assert set(two[0].matcher.index.fac_cid) != set(two[1].matcher.index.fac_cid)
    with pytest.raises(ValueError, match="draws must be at least 1"):
        Trainer(exports_reference, None, draws=0)


@pytest.mark.slow
def test_a_held_out_family_stays_out_of_validation(exports_reference) -> None:  # noqa: ANN001
    """A noise family left out to measure transfer reaches neither the heads nor the
    calibration and thresholds: the validation queries they are chosen on lack it too."""
    t = Trainer(exports_reference, None, kind="logistic", families=("typo", "spacing"), folds=3,
                seed=5)
    (valid,) = t.validation_data(0)
    used = {f for fams in valid.queries["families"] for f in fams}
    assert used and used <= {"typo", "spacing"}


def test_the_train_command_writes_a_deterministic_model_that_matches(
        rmi_exports_dir, tmp_path, capsys) -> None:  # noqa: ANN001
    """``smelter-match train`` end to end (logistic heads, 3 folds, RMI's exports, no gold: a few
    seconds): the file it writes loads, matches a drop-down name, states every decision band,
    and a second run writes the same bytes."""
    from smelter_match import Matcher, cli, load_reference
    from smelter_match.classify import Model

    def train(out: str) -> int:
        return cli.main(["train", "-r", str(rmi_exports_dir), "--no-gold", "--kind", "logistic",
                         "--folds", "3", "-o", out])

    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert train(str(first)) == 0
    said = capsys.readouterr().out
    assert f"model written to {first}" in said
    assert "with a word of a non-smelter business" in said
    assert "with no plausible candidate (score <" in said
    model = Model.load(first)
    assert model.pair.kind == model.smelter.kind == "logistic"
    assert model.thresholds.implausible in IMPLAUSIBLE_GRID and model.exact is not None
    r = Matcher(load_reference(rmi_exports_dir), model).match_one(
        "Atasay Kuyumculuk Sanayi Ve Ticaret A.S.", metal="Gold")
    assert (r.decision, r.cid) == ("match", "CID000103")
    assert train(str(second)) == 0
    assert first.read_bytes() == second.read_bytes()
    assert cli.main(["train", "-r", str(rmi_exports_dir), "--folds", "2",
                     "-o", str(tmp_path / "d.json")]) == 2


def test_the_threshold_search_counts_every_review_rule_as_blocked(full_reference) -> None:
    """``query_scores`` marks as ``blocked`` a name of each rule of ``rules.rule_facts`` that
    reviews whatever the scores (an ambiguous name, a reported country pointing to another
    candidate, a part of several facilities' names, a short name another candidate reads
    exactly, a name that is only a place), so that the thresholds are chosen as the
    decision will apply them; a name RMI gives to one facility is not blocked. (The
    several-metals rule needs calibrated scores: ``calibrate`` adds it.)"""
    from smelter_match import Matcher
    from smelter_match.training import featurize, query_scores

    cases = [("Aurubis AG, Hamburg", "Gold", "Germany", "ambiguous_name"),
             ("Global Advanced Metals", "Tantalum", "Japan", "country_points_to="),
             ("Korea Co., Ltd.", "Gold", "", "name_part_of="),
             ("JRNM", "Tungsten", "", "name_exact_for="),
             ("Germany", "Gold", "", "only a place"),
             ("Jiangxi Copper Co., Ltd.", "Gold", "China", None)]
    matcher = Matcher(full_reference)
    queries = pd.DataFrame({"name": [c[0] for c in cases], "metal": [c[1] for c in cases],
                            "country": [c[2] for c in cases], "truth": [frozenset()] * len(cases),
                            "kind": "gold", "families": [()] * len(cases),
                            "group": list("abcdef")})
    model = matcher.model
    v = query_scores(featurize(full_reference, queries), model.pair, model.smelter)
    for (name, metal, country, flag), blocked in zip(cases, v["blocked"]):
        r = matcher.match_one(name, metal=metal, country=country)
        assert blocked == (flag is not None), (name, r)
        if flag == "only a place":   # (no flag: the reason says it)
            assert r.decision == "review" and "says where or what kind" in r.reason, r
        elif flag:
            assert r.decision == "review" and any(f.startswith(flag) for f in r.flags), r


def test_a_gold_no_match_row_is_in_its_non_smelter_namesakes_fold(exports_reference) -> None:  # noqa: ANN001
    """"Nihon Superior Co., Ltd." was a Data I/O NO_MATCH row scored in one fold and a
    non-smelter training name of the model that scored it (two hashes; found by an audit of
    the claims): one fold for a name, whichever list it comes from."""
    from smelter_match.evaluation import load_gold
    from smelter_match.training import _ns_fold

    gold = load_gold(GOLD_DIR / "dataio_2020.csv")
    t = Trainer(exports_reference, gold, kind="logistic", folds=5)
    folds = t.gold_fold()
    none = [i for i, truth in enumerate(t.gold["truth"]) if not truth]
    assert none and all(folds[i] == _ns_fold(t.gold["name"].iloc[i], 5) for i in none)
