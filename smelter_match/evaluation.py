"""Evaluation: gold sets, the real matcher scored on them, metrics and the evaluation report.

A gold CSV (``reference_data/gold/*.csv``, see its ``GUIDE.md``) holds hand-labelled supplier rows:
``label`` is the right CID, ``NO_MATCH`` or ``AMBIGUOUS`` (then ``candidate_cids`` lists the
acceptable ones). :func:`score_gold` runs the real :class:`~smelter_match.Matcher` on such rows and
adds the correctness columns every metric uses; :func:`metrics` turns them into the figures of
``smelter-match evaluate``; :func:`write_evaluation` writes the JSON / Markdown / error-list report.
Nothing here trains: cross-validated figures come from :func:`smelter_match.training.evaluate_cv`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from smelter_match.matcher import Matcher
from smelter_match.normalize import normalize_name
from smelter_match.reference import Reference


def equivalent_cids(ref: Reference) -> dict[str, set[str]]:
    """CID -> CIDs an answer may equal: itself and, for a removed CID, its successors and back."""
    eq: dict[str, set[str]] = {}
    for cid, succ in zip(ref.facilities.cid, ref.facilities.successors):
        eq.setdefault(cid, {cid})
        for s in filter(None, str(succ).split(";")):
            eq[cid].add(s)
            eq.setdefault(s, {s}).add(cid)
    return eq


# -- gold sets -----------------------------------------------------------------------------------

def load_gold(path: str) -> pd.DataFrame:
    """A gold CSV (reference_data/gold/*.csv) with a ``truth`` column: acceptable CIDs (empty = none)."""
    g = pd.read_csv(path, dtype=str, keep_default_na=False)
    truth = []
    for label, cands in zip(g["label"], g.get("candidate_cids", [""] * len(g))):
        if label == "NO_MATCH":
            truth.append(frozenset())
        elif label == "AMBIGUOUS":
            truth.append(frozenset(c.strip() for c in cands.split(";") if c.strip()))
        else:
            truth.append(frozenset([label]))
    g["truth"] = truth
    g["matchable"] = [bool(t) for t in truth]
    g["group"] = [label if label not in ("NO_MATCH", "AMBIGUOUS") else
                  f"{label}:{normalize_name(n).key}" for label, n in zip(g["label"], g["reported_name"])]
    return g


def score_gold(matcher: Matcher, gold: pd.DataFrame) -> pd.DataFrame:
    """Run the real matcher on gold rows; add correctness columns used by every metric."""
    out = matcher.match(gold[["reported_name", "reported_metal", "reported_country"]].copy(),
                        name="reported_name", metal="reported_metal", country="reported_country")
    eq = equivalent_cids(matcher.reference)
    best = [c.split("|")[0] if c else "" for c in
            (x.split(" ; ")[0] if x else "" for x in out["candidates"])]
    res = pd.DataFrame({
        "row_id": gold["row_id"].values, "metal": gold["metal_inferred"].values,
        "label": gold["label"].values, "matchable": gold["matchable"].values,
        "score": out["score"].values, "decision": out["decision"].values, "cid": out["cid"].values,
        "best": best,
        "candidates": out["candidates"].values, "name": gold["reported_name"].values,
    })
    ok = []
    in_cands = []
    for truth, b, cands in zip(gold["truth"], best, out["candidates"]):
        acceptable = set().union(*(eq.get(t, {t}) for t in truth)) if truth else set()
        ok.append(b in acceptable)
        listed = {x.split("|")[0] for x in cands.split(" ; ")} if cands else set()
        in_cands.append(bool(acceptable & listed))
    res["best_correct"] = ok
    res["in_candidates"] = in_cands
    return res


def metrics(scored: pd.DataFrame) -> dict:
    """The evaluation figures (see the module docstring); blocking misses count as errors."""
    m = scored
    matchable = m[m["matchable"]]
    auto = m[m["decision"] == "match"]
    nomatch = m[m["decision"] == "no_match"]
    true_nm = m[~m["matchable"]]
    auto_ok = (auto["matchable"] & auto["best_correct"]).sum()
    nm_prec = (~nomatch["matchable"]).mean() if len(nomatch) else float("nan")
    nm_rec = (true_nm["decision"] == "no_match").mean() if len(true_nm) else float("nan")
    out = {
        "rows": int(len(m)), "matchable_rows": int(len(matchable)),
        "no_match_rows": int(len(true_nm)),
        "top1_accuracy": float(matchable["best_correct"].mean()) if len(matchable) else float("nan"),
        "blocking_recall": float(matchable["in_candidates"].mean()) if len(matchable) else float("nan"),
        "auto_match_precision": float(auto_ok / len(auto)) if len(auto) else float("nan"),
        "automation_rate": float((m["decision"] != "review").mean()),
        "auto_match_rate": float(len(auto) / len(m)) if len(m) else float("nan"),
        "no_match_precision": float(nm_prec),
        "no_match_recall": float(nm_rec),
    }
    p, r = out["no_match_precision"], out["no_match_recall"]
    out["no_match_f1"] = float(2 * p * r / (p + r)) if p + r > 0 else float("nan")
    return out


def metrics_by_metal(scored: pd.DataFrame) -> dict:
    return {m: metrics(s) for m, s in scored.groupby("metal", sort=True)}


def error_rows(scored: pd.DataFrame) -> pd.DataFrame:
    wrong = (scored["matchable"] & ~scored["best_correct"]) | (
        (scored["decision"] == "match") & ~scored["best_correct"]) | (
        ~scored["matchable"] & (scored["decision"] != "no_match"))
    cols = ["row_id", "name", "metal", "label", "decision", "best", "score", "candidates"]
    return scored.loc[wrong, cols].reset_index(drop=True)


def _error_kinds(errors: pd.DataFrame, scored: pd.DataFrame | None = None) -> pd.Series:
    """What went wrong on each row of :func:`error_rows`' frame (for the Markdown report only).

    A row of that frame is either a matchable row whose best CID is wrong (decided ``match``,
    ``review`` or ``no_match``), or a row with no correct CID (``NO_MATCH``) that was not decided
    ``no_match``: auto-matched (an error) or sent to review (``"sent to review"``, a safe
    outcome). Matchability comes from ``scored`` when given (by ``row_id``), else from the label.
    """
    if scored is not None and {"row_id", "matchable"} <= set(scored.columns) \
            and scored["row_id"].is_unique:
        known = dict(zip(scored["row_id"], scored["matchable"]))
        matchable = [bool(known.get(r, lab != "NO_MATCH"))
                     for r, lab in zip(errors["row_id"], errors["label"])]
    else:
        matchable = (errors["label"] != "NO_MATCH").tolist()
    kinds = {
        (True, "match"): "wrong auto-match (wrong CID)",
        (True, "review"): "wrong top-1 CID, sent to review",
        (True, "no_match"): "missed match (decided no_match, top-1 CID wrong)",
        (False, "match"): "NO_MATCH row auto-matched",
        (False, "review"): "sent to review",
    }
    return pd.Series([kinds.get((bool(m), d), f"{'matchable' if m else 'NO_MATCH'} row, {d}")
                      for m, d in zip(matchable, errors["decision"])], index=errors.index,
                     dtype=object)


def _error_table(rows: pd.DataFrame) -> str:
    rows = rows.drop(columns=["candidates"])
    return rows.to_markdown(index=False) if _has_tabulate() else rows.to_string()


def _markdown(title: str, how: str, overall: dict, per_metal: dict, errors: pd.DataFrame,
              scored: pd.DataFrame | None = None) -> str:
    keys = ["rows", "top1_accuracy", "blocking_recall", "auto_match_precision", "automation_rate",
            "auto_match_rate", "no_match_precision", "no_match_recall", "no_match_f1"]
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = [f"# {title}", "", how, "", "| subset | " + " | ".join(keys) + " |",
             "|" + "---|" * (len(keys) + 1)]
    for name, m in [("all", overall), *per_metal.items()]:
        lines.append(f"| {name} | " + " | ".join(fmt(m.get(k, float("nan"))) for k in keys) + " |")
    lines += ["", "automation_rate: rows decided without review (match or no_match) / rows; "
              "auto_match_rate: rows auto-matched / rows."]
    kind = _error_kinds(errors, scored)
    safe = kind == "sent to review"
    wrong = errors[~safe].reset_index(drop=True)
    wrong.insert(1, "kind", kind[~safe].to_numpy())
    reviewed = errors[safe].reset_index(drop=True)
    lines += ["", f"## Errors ({len(wrong)})", "",
              "Wrong auto-matches, NO_MATCH rows auto-matched, and matchable rows whose top-1 "
              "CID is wrong (whatever the decision; a blocking miss counts).", ""]
    if len(wrong):
        lines.append(_error_table(wrong))
    lines += ["", f"## Sent to review, no correct CID (safe outcomes, not errors) ({len(reviewed)})",
              "", "Rows labelled NO_MATCH that were sent to a person instead of being decided "
              "no_match: nothing wrong was recorded, but the row was not automated.", ""]
    if len(reviewed):
        lines.append(_error_table(reviewed))
    lines += ["", f"`*_errors.csv` lists both groups ({len(errors)} rows)."]
    return "\n".join(lines) + "\n"


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
        return True
    except ImportError:
        return False


def evaluate_model(matcher: Matcher, gold_path: str) -> dict:
    """Evaluate a fixed model on a gold file it was not trained or tuned on."""
    scored = score_gold(matcher, load_gold(gold_path))
    return {"how": ("Scored by the shipped model, which was not trained or tuned on this file."),
            "overall": metrics(scored), "per_metal": metrics_by_metal(scored), "errors": error_rows(scored),
            "scored": scored}


def write_evaluation(result: dict, title: str, out_prefix: str) -> str:
    """Write ``<prefix>.json``, ``<prefix>.md`` and ``<prefix>_errors.csv``; return the Markdown."""

    Path(out_prefix).parent.mkdir(parents=True, exist_ok=True)
    md = _markdown(title, result["how"], result["overall"], result["per_metal"], result["errors"],
                   result.get("scored"))
    payload = {k: v for k, v in result.items() if k not in ("errors", "scored")}
    payload["n_errors"] = int(len(result["errors"]))
    Path(out_prefix + ".json").write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    Path(out_prefix + ".md").write_text(md)
    result["errors"].to_csv(out_prefix + "_errors.csv", index=False)
    return md


